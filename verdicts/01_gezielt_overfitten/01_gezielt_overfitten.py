"""Verdicts of 01_gezielt_overfitten: each decides the test cell of its name (see coursetools.verdicts).

They recompute what they can from trusted data: MNIST is loaded here, the exported ``model`` is
loaded into the notebook's architecture (:func:`build_model`) and measured here (untrained for
``initial_loss``, trained for the rest), and the student's ``draw_batch``, ``uniform_loss``,
``accuracy`` and ``train_step`` are called with data, models, optimizers and class counts chosen
here. The answer key of the four loss curves lives only in this module (it must agree with
``coursetools.broken_runs.KEY``, which recorded the curves).
"""
from __future__ import annotations

import functools
import math
from typing import Any

import torch
from torch import nn

from coursetools.probes import CountingLoss
from coursetools.verdicts import ModuleState, Remote, Student, as_number, type_name, verdict
from dlkurs import ImageData, format_number, format_percent, load_mnist

BATCH_SIZE = 64
ITERATIONS = 100
PATTERNS = ("steigt", "explodiert", "oszilliert", "plateau")
"""The keys of the notebook's ``PATTERNS`` (given to the students)."""
KEY = {"A": "steigt", "B": "plateau", "C": "explodiert", "D": "oszilliert"}
"""The answer key: the loss pattern of each curve (hidden from the students)."""
WRONG_CURVE = ("Kurve {letter} ist falsch zugeordnet. Schauen Sie sich die Form der Kurve und die Skala der y-Achse "
               "noch einmal an.")
UNIFORM_CLASSES = (10, 2, 3, 100, 1000)
"""Class counts for ``uniform_loss``: the notebook's 10 and others the student did not choose."""
UNIFORM_TOLERANCE = 1e-5
"""ln k for k <= 1000 is at most 6.9; float32 arithmetic (a student may use torch.log) is off by < 1e-6."""
LOSS_TOLERANCE = 2e-5
"""How far ``initial_loss`` may be from the loss recomputed here: float32 cross-entropy of 64 images near 2.3,
computed on another device or with sums in another order, differs by about 1e-6 (the float64 value differs by
2e-7). A softmax before the loss changes it by 0.01 on the notebook's batch, a summed loss by a factor 64."""
INIT_TOLERANCE = 0.3
"""How far the untrained model's loss on a batch may be from ln 10: over 300 seeds of the notebook's model and
random batches of 64 it lay between ln 10 - 0.08 and ln 10 + 0.12 (standard deviation 0.035); after the 100
iterations of overfitting it is near 0."""
EVAL_HINT = "accuracy() rechnet im Trainingsmodus. Schalten Sie vor der Vorhersage model.eval() ein."
TRAIN_MODE_HINT = "Schalten Sie das Modell nach der Evaluation wieder in den Trainingsmodus (model.train())."


# ------------------------------------------------------------------------------------------- helpers

def build_model() -> nn.Module:
    """The notebook's model (its ``build_model()``)."""
    return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 128), nn.ReLU(), nn.Linear(128, 10))


def build_other_model() -> nn.Module:
    """Another model for ``train_step``: wider, with Tanh."""
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.Tanh(), nn.Linear(256, 10))


@functools.cache
def mnist(train: bool) -> ImageData:
    """MNIST as the notebook loads it (normalised), loaded here."""
    return load_mnist(train=train)


@functools.cache
def fingerprints() -> tuple[torch.Tensor, torch.Tensor]:
    """A fixed random projection of the 784 pixels and each training image's projection (to find images fast).

    float32 is enough to find the candidate: :func:`training_indices` checks every match pixel by pixel.
    """
    weights = torch.randn(28 * 28, generator=torch.Generator().manual_seed(1))
    return weights, mnist(True).images.flatten(1) @ weights


def shown(value: Any) -> str:
    """A returned value as the message shows it: numbers with a decimal comma."""
    return format_number(value, 4) if is_number(value) else repr(value)


def is_number(value: Any) -> bool:
    """A real number as the student's function returned it (Python or NumPy; no tensor, no bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def seeded(seed: int, build: Any) -> nn.Module:
    """``build()`` with PyTorch's global random state set to ``seed``, leaving the grader's own state alone."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


def float_images(images: torch.Tensor, name: str) -> torch.Tensor:
    """Images as float32 (a NumPy array arrives as float64)."""
    assert images.is_floating_point(), f"`{name}` soll Gleitkommazahlen enthalten, hat aber den Typ {images.dtype}."
    return images.to(torch.float32)


def training_indices(images: torch.Tensor, labels: torch.Tensor) -> list[int]:
    """Where each image of a batch stands in MNIST's training data; fails unless images and labels come from there."""
    weights, projections = fingerprints()
    flat = images.flatten(1).to(torch.float32)
    closest = ((flat @ weights)[:, None] - projections[None, :]).abs().argmin(dim=1)
    train = mnist(True)
    for row in torch.nonzero((train.images[closest].flatten(1) != flat).any(dim=1)).flatten().tolist():
        same = torch.nonzero((train.images.flatten(1) == flat[row]).all(dim=1)).flatten()  # rounding hid the match
        if len(same):
            closest[row] = same[0]
    assert torch.equal(train.images[closest].flatten(1), images.flatten(1)), (
        "Jedes Bild der Batch muss aus train_data.images stammen (unverändert).")
    assert torch.equal(train.labels[closest], labels.to(torch.int64)), (
        "Die Labels passen nicht zu den Bildern: Ziehen Sie Bilder und Labels mit denselben Indizes.")
    return closest.tolist()


def exported_batch(student: Student) -> tuple[torch.Tensor, torch.Tensor]:
    """``batch_images`` and ``batch_labels`` with their shapes checked."""
    images, labels = student.tensor("batch_images"), student.tensor("batch_labels")
    assert tuple(images.shape) == (BATCH_SIZE, 1, 28, 28), (
        f"batch_images sollte die Form (64, 1, 28, 28) haben, hat aber {tuple(images.shape)}.")
    assert tuple(labels.shape) == (BATCH_SIZE,), (
        f"batch_labels sollte die Form (64,) haben, hat aber {tuple(labels.shape)}.")
    assert not labels.is_floating_point() and not labels.is_complex(), (
        f"batch_labels soll ganze Zahlen (Klassen) enthalten, hat aber den Typ {labels.dtype}.")
    return float_images(images, "batch_images"), labels.to(torch.int64)


def exported_model(student: Student) -> nn.Module:
    """The student's ``model``: its weights loaded into the notebook's architecture, in evaluation mode."""
    state = student.value("model")
    assert isinstance(state, ModuleState), f"`model` soll ein PyTorch-Modell sein, ist aber {type_name(state)}."
    return state.load_into(build_model()).eval()


def hit_rate(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    """The fraction of ``images`` that ``model`` (in evaluation mode) classifies right, measured here."""
    model.eval()
    with torch.no_grad():
        return (model(images).argmax(dim=1) == labels).double().mean().item()


def mean_loss(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    """The mean cross-entropy of ``model`` on a batch, measured here."""
    model.eval()
    with torch.no_grad():
        return nn.functional.cross_entropy(model(images), labels).item()


def index_data(count: int) -> ImageData:
    """Data where image ``i`` holds only the value ``i`` and has label ``i``: each drawn pair shows where it came from."""
    images = torch.arange(count, dtype=torch.float32).view(-1, 1, 1, 1).expand(-1, 1, 2, 2).clone()
    return ImageData(images, torch.arange(count), tuple(str(i) for i in range(count)))


def as_pair(result: Any, call: str) -> tuple[torch.Tensor, torch.Tensor]:
    """What draw_batch returned, as two tensors (a tuple or list of two tensors or arrays)."""
    assert isinstance(result, (tuple, list)) and len(result) == 2, (
        f"{call} soll ein Paar (images, labels) zurückgeben, nicht {type_name(result)}.")
    images, labels = result
    return torch.as_tensor(images), torch.as_tensor(labels)


def draw_labels(student: Student, data: Remote | ImageData, size: int, seed: int, global_seed: int | None,
                count: int) -> list[int]:
    """Labels of ``draw_batch(data, size, Generator(seed))`` on index data (global random state ``global_seed``)."""
    call = f"draw_batch(data, {size}, generator)"
    arguments = (data, size, torch.Generator().manual_seed(seed))
    if global_seed is None:
        result = student.remote("draw_batch")(*arguments)
    else:
        result = student.probe("seeded", global_seed, student.remote("draw_batch"), *arguments)
    images, labels = as_pair(result, call)
    assert tuple(images.shape) == (size, 1, 2, 2) and tuple(labels.shape) == (size,), (
        f"{call} soll {size} Bilder der Form (1, 2, 2) und {size} Labels liefern, nicht Formen "
        f"{tuple(images.shape)} und {tuple(labels.shape)}. Verwenden Sie data und size.")
    assert torch.equal(images[:, 0, 0, 0].long(), labels.long()), (
        "draw_batch trennt Bilder und Labels: Ziehen Sie beide mit denselben Indizes.")
    drawn = labels.long().tolist()
    assert len(set(drawn)) == size, (
        f"draw_batch zieht {size} von {count} Beispielen mit Wiederholung ({size - len(set(drawn))} doppelt). "
        "Ziehen Sie ohne Wiederholung, z. B. mit torch.randperm.")
    return drawn


def train_with_student_step(student: Student, model: nn.Module, optimizer: torch.optim.Optimizer,
                            loss_fn: nn.Module, data: ImageData, count_steps: bool = False,
                            ) -> tuple[list[Any], ModuleState, int | None, int | None]:
    """100 calls of the student's ``train_step`` on objects built here: its results, the trained model and,
    with ``count_steps``, the optimizer steps and loss calls it made."""
    model_handle, optimizer_handle, loss_handle, images, labels = student.send(
        model, optimizer, loss_fn, data.images, data.labels)
    if count_steps:
        student.probe("count_steps", optimizer_handle, keep=True)
    results = student.probe("repeat", student.remote("train_step"), ITERATIONS, model_handle, optimizer_handle,
                            loss_handle, images, labels)
    state = model_handle.value()
    assert isinstance(state, ModuleState), "train_step hat das übergebene Modell ersetzt."
    steps = student.probe("steps_taken", optimizer_handle) if count_steps else None
    calls = student.probe("calls", loss_handle) if isinstance(loss_fn, CountingLoss) else None
    return results, state, steps, calls


# ------------------------------------------------------------------------------------------- 1a: the batch

@verdict("batch_images", "batch_labels", "draw_batch", "SEED")
def test_batch_is_random(student: Student) -> None:
    """The batch: 64 different MNIST training images drawn at random, with their labels; draw_batch is reproducible."""
    images, labels = exported_batch(student)
    indices = training_indices(images, labels)
    assert len(set(indices)) == BATCH_SIZE, "Die Batch enthält Bilder doppelt: Ziehen Sie ohne Wiederholung."
    assert sorted(indices) != list(range(BATCH_SIZE)), (
        "Das sind einfach die ersten 64 Trainingsbilder. Ziehen Sie die Batch zufällig (torch.randperm).")
    seed = student.number("SEED")
    assert seed == int(seed), f"SEED soll eine ganze Zahl sein, ist aber {seed}."
    count = len(mnist(True))
    (data,) = student.send(index_data(count))
    # The same seed gives the same batch, whatever PyTorch's global random state is meanwhile.
    draws = [draw_labels(student, data, BATCH_SIZE, int(seed), global_seed, count) for global_seed in (None, 123, 7)]
    assert all(drawn == indices for drawn in draws), (
        "draw_batch liefert mit demselben Startwert eine andere Batch. Verwenden Sie für den Zufall nur generator, "
        "z. B. torch.randperm(len(data), generator=generator).")


@verdict("draw_batch")
def test_draw_batch_other_inputs(student: Student) -> None:
    """draw_batch draws from other data, in other sizes and with other seeds, at random and without repetition."""
    count = 50
    (data,) = student.send(index_data(count))
    draw_labels(student, data, count, 1, None, count)  # errors of the student's code show up as theirs
    drawn = {}
    for size in (count, 7, 1):
        for seed in (1, 2, 3):
            labels = draw_labels(student, data, size, seed, 100 + seed, count)  # global random state must not matter
            again = draw_labels(student, data, size, seed, 200 + seed, count)
            assert again == labels, "draw_batch liefert mit demselben Startwert verschiedene Batches: Verwenden Sie nur generator."
            drawn[size, seed] = labels
    assert any(sorted(drawn[7, seed]) != list(range(7)) for seed in (1, 2, 3)), (
        "draw_batch liefert immer die ersten Beispiele. Ziehen Sie die Batch zufällig (torch.randperm).")
    assert len({tuple(drawn[7, seed]) for seed in (1, 2, 3)}) > 1, (
        "draw_batch liefert für verschiedene Startwerte dieselbe Batch: Ziehen Sie zufällig mit generator.")


# ------------------------------------------------------------------------------------------- 1b, 1c: the loss at the start

@verdict("uniform_loss")
def test_uniform_loss(student: Student) -> None:
    """uniform_loss(k) is ln k, the cross-entropy of a prediction giving each of k classes 1/k, for several k."""
    uniform_loss = student.remote("uniform_loss")
    values = {}
    for classes in UNIFORM_CLASSES:
        value = uniform_loss(classes)
        assert is_number(value), f"uniform_loss({classes}) soll eine Zahl zurückgeben, nicht {type_name(value)}."
        values[classes] = float(value)
    for classes, value in values.items():
        expected = math.log(classes)
        if abs(value - expected) < UNIFORM_TOLERANCE:
            continue
        if len(set(values.values())) == 1:
            hint = " Das Ergebnis hängt nicht von num_classes ab: Rechnen Sie mit num_classes statt mit einer festen Zahl."
        elif abs(value - math.log10(classes)) < UNIFORM_TOLERANCE:
            hint = " Das ist der Zehnerlogarithmus; die Cross-Entropy verwendet den natürlichen Logarithmus (math.log)."
        elif abs(value + expected) < UNIFORM_TOLERANCE:
            hint = " Das Vorzeichen stimmt nicht: Der Loss ist -ln p, und ln p ist für p < 1 negativ."
        else:
            hint = " Der Loss eines Bildes ist -ln p für die Wahrscheinlichkeit p, die die Vorhersage seiner Klasse gibt."
        raise AssertionError(f"uniform_loss({classes}) ist {shown(value)}, der Cross-Entropy-Loss einer gleichverteilten "
                             f"Vorhersage über {classes} Klassen aber {format_number(expected, 4)}.{hint}")


@verdict("initial_loss", "model", "batch_images", "batch_labels")
def test_initial_loss(student: Student) -> None:
    """initial_loss is the cross-entropy of the untrained model on the batch (recomputed here from the exported
    weights and batch), and that loss is near ln 10."""
    value = student.value("initial_loss")
    assert is_number(value), f"initial_loss soll eine Zahl sein, nicht {type_name(value)}: Verwenden Sie loss.item()."
    model = exported_model(student)
    images, labels = exported_batch(student)
    expected = mean_loss(model, images, labels)
    assert abs(expected - math.log(10)) < INIT_TOLERANCE, (
        f"Das Modell hat auf der Batch den Loss {format_number(expected)}, weit weg von ln 10 ≈ 2,30: Es ist nicht mehr "
        "untrainiert. Berechnen Sie initial_loss vor jedem Optimierungsschritt.")
    if abs(value - expected) < LOSS_TOLERANCE:
        return
    with torch.no_grad():
        softmaxed = nn.functional.cross_entropy(torch.softmax(model(images), dim=1), labels).item()
    if abs(value - len(labels) * expected) < len(labels) * LOSS_TOLERANCE:
        hint = " Das ist die Summe über die Batch; nn.CrossEntropyLoss() mittelt (reduction=\"mean\")."
    elif abs(value - softmaxed) < LOSS_TOLERANCE:
        hint = " nn.CrossEntropyLoss erwartet die Logits model(batch_images), nicht die Softmax-Ausgabe."
    else:
        hint = " Berechnen Sie ihn mit loss_fn(model(batch_images), batch_labels), nicht als feste Zahl."
    raise AssertionError(f"initial_loss ist {format_number(value, 4)}, der Cross-Entropy-Loss des untrainierten Modells "
                         f"auf der Batch aber {format_number(expected, 4)}.{hint}")


# ------------------------------------------------------------------------------------------- 1d: overfitting

@verdict("batch_losses", "model", "batch_images", "batch_labels")
def test_batch_memorised(student: Student) -> None:
    """The model memorised the batch: the loss fell sharply and all 64 images are recognised (measured here)."""
    losses = student.value("batch_losses")
    if isinstance(losses, torch.Tensor) and losses.dim() == 1 and losses.dtype == torch.float64:
        losses = losses.tolist()  # a NumPy array of floats
    assert isinstance(losses, (list, tuple)), (
        f"batch_losses soll eine Liste von Zahlen sein, ist aber {type_name(losses)}: Verwenden Sie loss.item().")
    assert len(losses) >= 50, f"batch_losses hat {len(losses)} Einträge; erwartet wird ein Loss pro Iteration (etwa 100)."
    assert all(is_number(value) for value in losses), (
        "batch_losses soll Zahlen enthalten, keine Tensoren: Verwenden Sie loss.item().")
    assert losses[-1] < 0.05 * losses[0], (
        f"Der Loss ist nur von {format_number(losses[0])} auf {format_number(losses[-1])} gesunken; auf einer einzigen Batch "
        "sollte er fast 0 erreichen. Fehlt optimizer.step() oder optimizer.zero_grad()?")
    images, labels = exported_batch(student)
    training_indices(images, labels)
    hits = hit_rate(exported_model(student), images, labels)
    assert hits == 1.0, (
        f"Das Modell erkennt nur {format_percent(hits, 0)} der Batch richtig; nach dem Overfitten sollten es 100 % sein.")


# ------------------------------------------------------------------------------------------- 1e: evaluating

@verdict("accuracy", "model", "batch_images", "batch_labels")
def test_accuracy_function(student: Student) -> None:
    """accuracy() gives the fraction of right predictions on the batch and on the test data."""
    model = exported_model(student)
    images, labels = exported_batch(student)
    test = mnist(False)
    accuracy = student.remote("accuracy")
    (sent_model,) = student.send(model)
    value = accuracy(sent_model, images, labels)
    assert is_number(value), (
        f"accuracy() soll eine Zahl (float) zurückgeben, nicht {type_name(value)}: z. B. mit .item().")
    assert 0.0 <= value <= 1.0, f"accuracy() soll einen Anteil zwischen 0 und 1 liefern, nicht {format_number(value, 4)}."
    expected = hit_rate(model, images, labels)
    assert abs(value - expected) < 1e-6, f"Auf der Batch erwartet {format_number(expected, 4)}, erhalten {format_number(value, 4)}."
    test_images, test_labels = student.send(test.images, test.labels)
    value = accuracy(sent_model, test_images, test_labels)
    assert is_number(value), (
        f"accuracy() soll eine Zahl (float) zurückgeben, nicht {type_name(value)}: z. B. mit .item().")
    expected = hit_rate(model, test.images, test.labels)
    # float32 arithmetic here and in the probe process may order sums differently: one near-tie may flip
    assert abs(value - expected) < 1.5 / len(test), (
        f"Auf den Testdaten erwartet {format_number(expected, 4)}, erhalten {format_number(value, 4)}.")


def accuracy_on(student: Student, model: nn.Module, inputs: torch.Tensor, labels: torch.Tensor,
                ) -> tuple[Any, ModuleState]:
    """The student's accuracy() of a model built here, and that model as it is afterwards."""
    (sent,) = student.send(model)
    value = student.remote("accuracy")(sent, inputs, labels)
    state = sent.value()
    assert isinstance(state, ModuleState), "accuracy() hat das übergebene Modell ersetzt."
    return value, state


def back_in_training_mode(state: ModuleState) -> bool:
    """Whether the model and all its submodules are in training mode."""
    return state.training and all(state.modes)


@verdict("accuracy")
def test_accuracy_unseen_model(student: Student) -> None:
    """accuracy() is right for other models with a known answer, with Dropout and BatchNorm too, and leaves them training."""
    def linear() -> nn.Linear:
        layer = nn.Linear(2, 3, bias=False)
        with torch.no_grad():
            layer.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]))
        return layer

    inputs = torch.tensor([[2.0, 0.0], [0.0, 2.0], [-2.0, -2.0], [3.0, 1.0], [0.0, 5.0], [1.0, 4.0], [-1.0, -3.0],
                           [4.0, 0.0]])
    labels = torch.tensor([0, 1, 2, 1, 1, 0, 2, 0])  # predictions are 0, 1, 2, 0, 1, 1, 2, 0: 6 of 8 right
    value, state = accuracy_on(student, linear(), inputs, labels)
    assert is_number(value) and abs(value - 0.75) < 1e-6, (
        f"Für ein Testmodell mit 6 von 8 richtigen Vorhersagen erwartet 0,75, erhalten {shown(value)}.")
    assert back_in_training_mode(state), TRAIN_MODE_HINT

    # BatchNorm: in evaluation mode, with the stored statistics (mean 0, variance 1), 4 of 8 predictions are right;
    # in training mode it normalises with the batch's statistics (6 of 8) and changes the stored ones.
    value, state = accuracy_on(student, nn.Sequential(nn.BatchNorm1d(2), linear()), inputs + torch.tensor([4.0, 0.0]),
                               labels)
    tracked = state.state_dict.get("0.num_batches_tracked", torch.tensor(-1))
    assert is_number(value) and abs(value - 0.5) < 1e-6 and int(tracked) == 0, (
        f"Für ein Modell mit BatchNorm erwartet 0,5, erhalten {shown(value)}: {EVAL_HINT}")
    assert back_in_training_mode(state), TRAIN_MODE_HINT

    # Dropout: in evaluation mode all 200 predictions are right; in training mode Dropout erases half the logits.
    labels = torch.arange(200) % 4
    model = nn.Sequential(nn.Linear(4, 4, bias=False), nn.Dropout(0.5))
    with torch.no_grad():
        model[0].weight.copy_(10 * torch.eye(4))
    value, state = accuracy_on(student, model, nn.functional.one_hot(labels, 4).float(), labels)
    assert is_number(value) and abs(value - 1.0) < 1e-6, (
        f"Für ein Modell mit Dropout, das alle Bilder richtig erkennt, erwartet 1,0, erhalten {shown(value)}: {EVAL_HINT}")
    assert back_in_training_mode(state), TRAIN_MODE_HINT


@verdict("model", "batch_images", "batch_labels")
def test_generalisation_gap(student: Student) -> None:
    """The overfitted model is clearly worse on the test data than on its batch (measured here)."""
    model = exported_model(student)
    images, labels = exported_batch(student)
    training_indices(images, labels)
    batch_hits = hit_rate(model, images, labels)
    test = mnist(False)
    test_hits = hit_rate(model, test.images, test.labels)
    assert batch_hits == 1.0, (
        f"Das Modell erkennt nur {format_percent(batch_hits, 0)} der Batch; trainieren Sie zuerst bis 100 %.")
    assert test_hits <= batch_hits - 0.15, (
        f"Die Test-Accuracy ({format_percent(test_hits, 1)}) sollte deutlich unter der Batch-Accuracy liegen. "
        "Wurde das Modell wirklich nur auf der einen Batch trainiert?")


# ------------------------------------------------------------------------------------------- 2: loss curves

@verdict("diagnosis")
def test_diagnosis_format(student: Student) -> None:
    """diagnosis gives each of the curves A to D another of the four patterns."""
    diagnosis = student.value("diagnosis")
    assert isinstance(diagnosis, dict), "diagnosis soll ein Dictionary sein, z. B. {\"A\": \"steigt\", ...}."
    keys = sorted(map(repr, diagnosis))
    assert keys == ["'A'", "'B'", "'C'", "'D'"], (
        f"diagnosis braucht genau die Schlüssel 'A' bis 'D', hat aber [{', '.join(keys)}].")
    unknown = sorted(repr(value) for value in diagnosis.values() if not isinstance(value, str) or value not in PATTERNS)
    assert not unknown, f"Unbekannte Muster [{', '.join(unknown)}]; erlaubt sind {sorted(PATTERNS)}."
    assert len(set(diagnosis.values())) == 4, "Jedes der vier Muster kommt genau einmal vor."


def check_curve(student: Student, letter: str) -> None:
    """The student's pattern for one curve is the key's."""
    diagnosis = student.value("diagnosis")
    assert isinstance(diagnosis, dict), "diagnosis soll ein Dictionary sein, z. B. {\"A\": \"steigt\", ...}."
    assert letter in diagnosis, f"diagnosis hat keinen Eintrag für Kurve {letter}."
    assert diagnosis[letter] == KEY[letter], WRONG_CURVE.format(letter=letter)


@verdict("diagnosis")
def test_diagnosis_A(student: Student) -> None:
    """Curve A has the right pattern."""
    check_curve(student, "A")


@verdict("diagnosis")
def test_diagnosis_B(student: Student) -> None:
    """Curve B has the right pattern."""
    check_curve(student, "B")


@verdict("diagnosis")
def test_diagnosis_C(student: Student) -> None:
    """Curve C has the right pattern."""
    check_curve(student, "C")


@verdict("diagnosis")
def test_diagnosis_D(student: Student) -> None:
    """Curve D has the right pattern."""
    check_curve(student, "D")


# ------------------------------------------------------------------------------------------- 3: train_step

@verdict("train_step")
def test_fixed_step_memorises(student: Student) -> None:
    """With train_step a fresh model memorises a batch in 100 steps (loss and accuracy measured here)."""
    batch = mnist(True).subset(BATCH_SIZE, seed=1)
    model = seeded(0, build_model)
    start = mean_loss(model, batch.images, batch.labels)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses, state, _, _ = train_with_student_step(student, model, optimizer, nn.CrossEntropyLoss(), batch)
    wrong = [value for value in losses if not is_number(value)]
    assert not wrong, (
        f"train_step soll den Loss als Zahl (loss.item()) zurückgeben, nicht als {type_name(wrong[0])}.")
    assert losses[-1] < 0.05 * losses[0], (
        f"Der Loss sinkt nur von {format_number(losses[0])} auf {format_number(losses[-1])}. Erhält nn.CrossEntropyLoss wirklich "
        "die Logits, und setzt train_step die Gradienten zurück (optimizer.zero_grad())?")
    trained = state.load_into(build_model())
    end = mean_loss(trained, batch.images, batch.labels)
    assert end < 0.05 * start, (
        f"Nach 100 Aufrufen von train_step ist der Loss des Modells {format_number(end)} (am Anfang {format_number(start)}): "
        "Das Modell hat die Batch nicht gelernt. Ändert train_step das übergebene Modell mit dem übergebenen Optimierer?")
    hits = hit_rate(trained, batch.images, batch.labels)
    assert hits == 1.0, f"Nach 100 Schritten erkennt das Modell nur {format_percent(hits, 0)} der Batch."


@verdict("train_step")
def test_fixed_step_other_setup(student: Student) -> None:
    """train_step works with another model, optimizer and loss object and makes one step per call with the given loss_fn."""
    batch = mnist(True).subset(BATCH_SIZE, seed=2)
    model = seeded(1, build_other_model)
    start = mean_loss(model, batch.images, batch.labels)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    results, state, steps, calls = train_with_student_step(
        student, model, optimizer, CountingLoss(nn.CrossEntropyLoss()), batch, count_steps=True)
    assert steps == ITERATIONS, (
        f"100 Aufrufe von train_step haben {steps} Optimierungsschritte gemacht; erwartet genau einer pro Aufruf.")
    assert calls >= ITERATIONS, (
        "train_step verwendet nicht das übergebene loss_fn: Berechnen Sie den Loss mit loss_fn(model(images), labels).")
    losses = [as_number(value) for value in results]
    assert None not in losses, "train_step soll den Loss als Zahl (loss.item()) zurückgeben."
    assert losses[-1] < 0.05 * losses[0], (
        f"Mit SGD und einem anderen Modell sinkt der Loss nur von {format_number(losses[0])} auf {format_number(losses[-1])}.")
    end = mean_loss(state.load_into(build_other_model()), batch.images, batch.labels)
    assert end < 0.05 * start, (
        f"Mit SGD und einem anderen Modell ist der Loss nach 100 Aufrufen von train_step {format_number(end)} "
        f"(am Anfang {format_number(start)}). Ändert train_step das übergebene Modell mit dem übergebenen Optimierer?")
