"""Verdicts of 03_nll_vs_mse: each decides the test cell of its name (see coursetools.verdicts).

The data are loaded here (CIFAR-10, airplanes and birds) and their statistics computed in float64;
the student's softmax and mse_loss are called on inputs chosen here, the softmax with PyTorch's own
softmax functions blocked. train_epochs trains a small model built here, observed in the probe process
(which images each training forward saw, how many optimizer steps it made); the same minibatches are then
replayed here with the reference step. Tolerances follow from float32 arithmetic, not from the reference's output.
"""
from __future__ import annotations

import functools
import math

import torch
from torch import nn

from coursetools.verdicts import ModuleState, Student, StudentError, as_number, type_name, verdict
from dlkurs import CIFAR2_CLASSES, ImageData, format_number, format_percent, load_cifar10

EPS32 = torch.finfo(torch.float32).eps
"""float32 stores a number x to about EPS32 · |x| (1.2e-7 relative)."""

STATISTICS_TOLERANCE = 3e-5
"""float32 sums the 10 million pixels of a channel to about eps · log2(n) ≈ 3e-6 (relative, values in [0, 1]);
ten times that admits every way of computing in float32 or float64, with n or n - 1 (differs by 1e-8), while the
validation data's own statistics differ by at least 3.3e-4 and statistics over all channels by 5.8e-3."""
NORMALISED_TOLERANCE = 1e-4
"""Normalised values lie below 2.3 in absolute value; float32 statistics and arithmetic put them 4e-6 from the float64
value. Normalised with the validation data's own statistics, they are up to 4e-2 off."""
LIBRARY_SOFTMAX = ("softmax", "log_softmax", "softmin", "_softmax", "_log_softmax", "special_softmax",
                   "special_log_softmax")
FORBIDDEN_SOFTMAX = (LIBRARY_SOFTMAX, "softmax() ruft {call} auf. In dieser Aufgabe schreiben Sie die Softmax selbst, "
                                      "aus Tensor-Operationen wie max, exp und sum.")
MIN_NLL_ACCURACY = 0.78
"""The reference reaches 80,7 % in the mean of the last three epochs (one epoch drops to 77,7 %)."""
HISTORY_TOLERANCE = 0.01
"""The final model, measured here on the student's validation images, against the history's last epoch (20 images)."""


def scientific(value: float) -> str:
    """A small number like 1,5e-05."""
    return f"{value:.1e}".replace(".", ",")


def german_list(values: torch.Tensor, digits: int = 4) -> str:
    """A list of numbers with decimal commas (a rounded zero without its minus sign)."""
    return "[" + "; ".join(format_number(round(float(value), digits) + 0.0, digits) for value in values) + "]"


@functools.cache
def cifar2() -> tuple[ImageData, ImageData]:
    """Training and validation images (airplanes and birds), loaded here."""
    return load_cifar10(train=True, classes=CIFAR2_CLASSES), load_cifar10(train=False, classes=CIFAR2_CLASSES)


@functools.cache
def training_statistics() -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and standard deviation of each channel over all training images and pixels, in float64."""
    pixels = cifar2()[0].images.transpose(0, 1).reshape(3, -1).double()
    return pixels.mean(dim=1), pixels.std(dim=1)


def normalised(images: torch.Tensor) -> torch.Tensor:
    """``images`` normalised with the training statistics, in float64."""
    mean, std = training_statistics()
    return (images.double() - mean.view(3, 1, 1)) / std.view(3, 1, 1)


def channel_vector(value: object, name: str) -> torch.Tensor:
    """A student's per-channel statistic (tensor, NumPy array or list of three numbers) in float64."""
    if isinstance(value, (list, tuple)) and all(isinstance(item, (int, float)) for item in value):
        value = torch.tensor(value, dtype=torch.float64)
    assert isinstance(value, torch.Tensor), f"{name} soll ein Tensor sein, ist aber {type_name(value)}."
    assert tuple(value.shape) == (3,), (
        f"{name} hat die Form {tuple(value.shape)}; erwartet (3,): ein Wert pro Farbkanal.")
    return value.double()


def image_data(student: Student, name: str, raw: ImageData) -> ImageData:
    """The student's ``name``: an ImageData with images of the raw data's shape and its labels in their order."""
    data = student.value(name)
    assert isinstance(data, ImageData), f"{name} soll ein ImageData sein, ist aber {type_name(data)}."
    assert isinstance(data.images, torch.Tensor) and data.images.shape == raw.images.shape, (
        f"{name}.images soll die Form {tuple(raw.images.shape)} haben wie die Rohdaten.")
    assert (isinstance(data.labels, torch.Tensor) and data.labels.shape == raw.labels.shape
            and torch.equal(data.labels.long(), raw.labels)), (
        f"Die Labels von {name} sollen die der Rohdaten sein, in derselben Reihenfolge: Normalisieren ändert nur die "
        "Bilder.")
    return data


# ------------------------------------------------------------------------------------------- normalising

@verdict("channel_mean", "channel_std")
def test_channel_statistics(student: Student) -> None:
    """channel_mean and channel_std are each channel's mean and standard deviation over the training images."""
    for name, expected in zip(("channel_mean", "channel_std"), training_statistics()):
        value = channel_vector(student.value(name), name)
        assert torch.isfinite(value).all() and (value - expected).abs().max() <= STATISTICS_TOLERANCE, (
            f"{name} ist {german_list(value)}, erwartet {german_list(expected)}. Mitteln Sie pro Kanal über alle "
            "Bilder und Pixel der Trainingsdaten (raw_train), nicht der Validierungsdaten.")


@verdict("train_data")
def test_training_data_normalised(student: Student) -> None:
    """train_data has mean 0 and standard deviation 1 per channel; labels and order stay."""
    raw_train = cifar2()[0]
    data = image_data(student, "train_data", raw_train)
    assert data.images.dtype == torch.float32, (
        f"Die normalisierten Bilder haben den Typ {data.images.dtype}; das Netz rechnet mit float32. "
        "Wandeln Sie Mittelwert und Standardabweichung vor dem Normalisieren mit .float() um.")
    pixels = data.images.transpose(0, 1).reshape(3, -1)
    means = pixels.sum(dim=1, dtype=torch.float64) / pixels.shape[1]
    stds = (sum(((chunk.double() - means[:, None]) ** 2).sum(dim=1) for chunk in pixels.split(1 << 20, dim=1))
            / (pixels.shape[1] - 1)).sqrt()
    assert means.abs().max() <= 1e-3 and (stds - 1).abs().max() <= 1e-3, (
        f"Nach dem Normalisieren: Mittelwerte {german_list(means, 3)}, Standardabweichungen {german_list(stds, 3)}; "
        "erwartet 0 und 1 pro Kanal.")
    # Mean and standard deviation within 1e-3 of 0 and 1 put each value within 1e-3 · (1 + |value|) of the right one.
    deviation = max(((images.double() - expected).abs() / (1 + expected.abs())).max().item()
                    for images, expected in zip(data.images.split(1000), map(normalised, raw_train.images.split(1000))))
    assert deviation <= 2e-3, (
        "Die Bilder in train_data sind nicht die Bilder von raw_train, pro Kanal normalisiert: Jedes Bild soll "
        "(Bild - channel_mean) / channel_std sein, in derselben Reihenfolge wie in raw_train.")


@verdict("val_data")
def test_validation_uses_training_statistics(student: Student) -> None:
    """val_data is normalised with the statistics of the training data."""
    raw_val = cifar2()[1]
    data = image_data(student, "val_data", raw_val)
    deviation = (data.images.double() - normalised(raw_val.images)).abs().max().item()
    assert deviation <= NORMALISED_TOLERANCE, (
        "val_data ist nicht mit Mittelwert und Standardabweichung der Trainingsdaten normalisiert "
        f"(Abweichung bis {format_number(deviation, 4)}). Die Validierungsdaten dürfen ihre eigene Statistik nicht verraten: "
        "Normalisieren Sie raw_val mit channel_mean und channel_std.")


# ------------------------------------------------------------------------------------------- softmax

def float32_tolerance(logits: torch.Tensor) -> float:
    """A few float32 steps at the size of the largest logit: what subtracting a rounded maximum (or logsumexp) costs."""
    return 4 * EPS32 * (1 + logits.abs().max().item())


def check_softmax(student: Student, logits: torch.Tensor) -> None:
    """The student's softmax of ``logits`` (library softmax blocked) is finite and matches softmax over dimension 1."""
    shape = tuple(logits.shape)
    result = student.remote("softmax", forbid=FORBIDDEN_SOFTMAX)(logits.clone())
    assert isinstance(result, torch.Tensor) and tuple(result.shape) == shape, (
        f"softmax() soll für Logits der Form {shape} einen Tensor derselben Form zurückgeben, "
        f"nicht {type_name(result)}{f' der Form {tuple(result.shape)}' if isinstance(result, torch.Tensor) else ''}.")
    assert result.dtype.is_floating_point, f"softmax() soll Gleitkommazahlen liefern, nicht {result.dtype}."
    result = result.double()
    assert torch.isfinite(result).all(), (
        f"softmax() liefert für die Logits {logits.tolist()} inf oder nan: {result.tolist()}. "
        "Ziehen Sie vor exp() das Maximum jeder Zeile ab.")
    expected = torch.softmax(logits.double(), dim=1)
    tolerance = float32_tolerance(logits)
    assert (result.sum(dim=1) - 1).abs().max() <= tolerance, (
        f"Bei Logits der Form {shape} summiert sich nicht jede Zeile (ein Bild) zu 1. "
        "Rechnen Sie über Dimension 1, die Klassen.")
    deviation = (result - expected).abs().max().item()
    assert deviation <= tolerance, (
        f"softmax() weicht bei Logits der Form {shape} um bis zu {scientific(deviation)} von der Softmax über die "
        f"Klassen ab (erlaubt: {scientific(tolerance)})." + (
            f" Logits {logits.tolist()}: erhalten {[[round(p, 4) for p in row] for row in result.tolist()]}."
            if logits.numel() <= 12 else ""))


@verdict("softmax")
def test_softmax_matches_torch(student: Student) -> None:
    """softmax() matches the softmax over the classes for a minibatch, without a PyTorch softmax."""
    check_softmax(student, torch.randn(6, 4, generator=torch.Generator().manual_seed(0)) * 3)


@verdict("softmax")
def test_softmax_large_and_unseen_inputs(student: Student) -> None:
    """softmax() stays finite for large logits, handles equal logits and every shape, without a PyTorch softmax."""
    for logits in ([[1000.0, 0.0], [1000.0, 1000.0], [-1000.0, 10.0], [0.0, 0.0]],
                   [[-1000.0, -1000.0, -1000.0], [1000.0, 999.0, 998.0], [88.0, 89.0, 0.0]]):
        check_softmax(student, torch.tensor(logits))
    generator = torch.Generator().manual_seed(3)
    for shape in ((1, 10), (5, 3), (4, 4), (2, 7), (7, 1)):
        check_softmax(student, torch.randn(*shape, generator=generator) * 5)


# ------------------------------------------------------------------------------------------- training with NLLLoss

def build_classifier() -> nn.Module:
    """The notebook's classifier with LogSoftmax as its last layer."""
    return nn.Sequential(nn.Flatten(), nn.Linear(3072, 512), nn.Tanh(), nn.Linear(512, 2), nn.LogSoftmax(dim=1))


@verdict("nll_history", "nll_model", "val_data")
def test_nll_model_learns(student: Student) -> None:
    """The network trained with NLLLoss classifies at least 78 % of the validation images (mean of the last 3 epochs)."""
    history = student.value("nll_history")
    assert isinstance(history, dict) and "val_accuracy" in history, (
        "nll_history soll die History von fit() sein, ein dict mit dem Eintrag \"val_accuracy\".")
    accuracies = history["val_accuracy"]
    assert isinstance(accuracies, (list, tuple, torch.Tensor)) and len(accuracies) >= 3, (
        "nll_history[\"val_accuracy\"] soll die Accuracy jeder Epoche enthalten, mindestens drei Epochen.")
    last = [float(value) for value in accuracies[-3:]]
    mean = sum(last) / len(last)
    assert mean >= MIN_NLL_ACCURACY, (
        f"Validierungs-Accuracy im Mittel der letzten drei Epochen {format_percent(mean)}, erwartet mindestens "
        f"{format_percent(MIN_NLL_ACCURACY)} (das Buch erreicht etwa 82 %). Sind train_data und val_data richtig normalisiert?")
    state = student.value("nll_model")
    assert isinstance(state, ModuleState), f"nll_model soll ein Modell sein, ist aber {type_name(state)}."
    model = state.load_into(build_classifier()).eval()
    raw_val = cifar2()[1]
    data = student.value("val_data")
    assert isinstance(data, ImageData) and isinstance(data.images, torch.Tensor) and (
        data.images.shape == raw_val.images.shape), "val_data soll ein ImageData mit den Validierungsbildern sein."
    images = data.images
    with torch.no_grad():
        predictions = torch.cat([model(batch.float()).argmax(dim=1) for batch in images.split(500)])
    accuracy = (predictions == raw_val.labels).double().mean().item()
    assert abs(accuracy - last[-1]) <= HISTORY_TOLERANCE, (
        f"nll_model erkennt {format_percent(accuracy)} der Validierungsbilder, nll_history nennt für die letzte Epoche "
        f"{format_percent(last[-1])}. Modell und History sollen aus demselben Lauf von train() stammen: Führen Sie das "
        "Notebook mit Restart & Run All aus und ändern Sie beide danach nicht mehr.")


# ------------------------------------------------------------------------------------------- the training loop

LOOP_SAMPLES, LOOP_FEATURES, LOOP_CLASSES = 23, 4, 3
LOOP_BATCH_SIZE, LOOP_EPOCHS = 5, 3
"""A small problem for train_epochs: 5 minibatches per epoch, the last with 3 images."""
LOOP_TOLERANCE = 1e-5
"""Weights near 1 after 15 float32 SGD steps, computed here and there in the same order of operations: equal to
about 1e-7; another summation order (a DataLoader's stacked batch, another device) stays below 1e-6. Forgetting
zero_grad, a summed or an unweighted mean change weights or losses by more than 1e-3."""
LOOP_HINT = ("Jede Epoche: torch.randperm(len(labels), generator=generator), dann für jede Minibatch "
             "zero_grad, Vorwärtsschritt, Loss, backward, step.")


def loop_problem() -> tuple[torch.Tensor, torch.Tensor]:
    """Images with distinct rows (so each forward's rows tell which images it saw) and their labels."""
    generator = torch.Generator().manual_seed(11)
    images = torch.randn(LOOP_SAMPLES, LOOP_FEATURES, generator=generator)
    labels = torch.randint(0, LOOP_CLASSES, (LOOP_SAMPLES,), generator=generator)
    return images, labels


def loop_model() -> nn.Module:
    """A linear classifier with fixed initial weights."""
    generator = torch.Generator().manual_seed(12)
    model = nn.Linear(LOOP_FEATURES, LOOP_CLASSES)
    with torch.no_grad():
        model.weight.copy_(torch.randn(LOOP_CLASSES, LOOP_FEATURES, generator=generator) * 0.5)
        model.bias.copy_(torch.randn(LOOP_CLASSES, generator=generator) * 0.5)
    return model


def loop_optimizer(model: nn.Module) -> torch.optim.Optimizer:
    return torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)


def run_train_epochs(student: Student, generator_seed: int, global_seed: int) -> dict:
    """The student's train_epochs on the small problem, observed in the probe process; the inputs become indices."""
    images, labels = loop_problem()
    model = loop_model()
    model_handle, optimizer_handle, loss_handle, images_handle, labels_handle = student.send(
        model, loop_optimizer(model), nn.CrossEntropyLoss(), images, labels)
    answer = student.probe("a03.train_epochs_run", student.remote("train_epochs"), model_handle, images_handle,
                           labels_handle, loss_handle, optimizer_handle, LOOP_EPOCHS, LOOP_BATCH_SIZE,
                           generator_seed, global_seed)
    batches = []
    for inputs in answer["inputs"]:
        inputs = inputs.reshape(-1, LOOP_FEATURES).double() if inputs.numel() % LOOP_FEATURES == 0 else None
        assert inputs is not None, "train_epochs() gibt dem Modell Eingaben, deren Form nicht zu images passt."
        distances = torch.cdist(inputs, images.double())
        closest = distances.argmin(dim=1)
        assert (distances.min(dim=1).values <= 1e-6).all(), (
            "train_epochs() gibt dem Modell Eingaben, die nicht aus images stammen. Übergeben Sie die Bilder der "
            "Minibatch unverändert: model(images[batch]).")
        batches.append(closest.tolist())
    answer["batches"] = batches
    return answer


def split_epochs(answer: dict) -> list[list[list[int]]]:
    """The observed minibatches, epoch by epoch: one training forward per optimizer step, as many in each epoch."""
    steps, batches = answer["steps"], answer["batches"]
    assert len(batches) == steps, (
        f"train_epochs() rief das Modell (mit Gradienten) {len(batches)}-mal auf, machte aber {steps} "
        "Optimierungsschritte; erwartet ist ein Vorwärtsschritt pro Minibatch.")
    assert steps > 0 and steps % LOOP_EPOCHS == 0, (
        f"train_epochs() machte in {LOOP_EPOCHS} Epochen {steps} Optimierungsschritte: Jede Epoche soll gleich viele "
        "Minibatches durchlaufen, mit einem optimizer.step() pro Minibatch.")
    per_epoch = steps // LOOP_EPOCHS
    return [batches[start:start + per_epoch] for start in range(0, steps, per_epoch)]


def check_structure(answer: dict) -> list[list[list[int]]]:
    """One optimizer step per minibatch, ceil(N / batch_size) minibatches per epoch, each image once per epoch."""
    per_epoch = math.ceil(LOOP_SAMPLES / LOOP_BATCH_SIZE)
    steps, batches = answer["steps"], answer["batches"]
    situation = (f"Bei {LOOP_SAMPLES} Bildern, Minibatches zu {LOOP_BATCH_SIZE} und {LOOP_EPOCHS} Epochen sind es "
                 f"{per_epoch} Minibatches pro Epoche (die letzte mit {LOOP_SAMPLES % LOOP_BATCH_SIZE} Bildern), "
                 f"also {per_epoch * LOOP_EPOCHS} Optimierungsschritte")
    if steps == (LOOP_SAMPLES // LOOP_BATCH_SIZE) * LOOP_EPOCHS:
        raise AssertionError(f"{situation}; train_epochs() machte {steps}: Die letzte, kleinere Minibatch jeder Epoche "
                             "fehlt. Gehen Sie mit range(0, len(labels), batch_size) bis zum Ende.")
    assert steps == per_epoch * LOOP_EPOCHS, (
        f"{situation}; train_epochs() machte {steps}. Machen Sie genau einen optimizer.step() pro Minibatch.")
    epochs = split_epochs(answer)
    assert all(len(batch) <= LOOP_BATCH_SIZE for batch in batches), (
        f"Eine Minibatch hat mehr als batch_size = {LOOP_BATCH_SIZE} Bilder.")
    for epoch in epochs:
        seen = sorted(index for batch in epoch for index in batch)
        assert seen == list(range(LOOP_SAMPLES)), (
            f"In einer Epoche kamen {len(set(seen))} der {LOOP_SAMPLES} Bilder dran, manche davon mehrfach "
            f"({len(seen)} Bilder insgesamt). Jedes Bild soll in jeder Epoche genau einmal drankommen: Mischen Sie "
            "mit torch.randperm (ohne Wiederholung), nicht mit torch.randint.")
    return epochs


@verdict("train_epochs")
def test_train_epochs_steps(student: Student) -> None:
    """train_epochs() returns one mean loss (a float) per epoch and takes one step per minibatch, the last one too."""
    answer = run_train_epochs(student, 2, 1)
    result = answer["result"]
    assert isinstance(result, (list, tuple)) and len(result) == LOOP_EPOCHS, (
        f"train_epochs() soll eine Liste mit einem Loss pro Epoche zurückgeben (hier {LOOP_EPOCHS} Epochen), "
        f"nicht {type_name(result)}{f' mit {len(result)} Einträgen' if isinstance(result, (list, tuple)) else ''}.")
    assert all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in result), (
        "Die Liste soll Zahlen (float) enthalten, keine Tensoren: Summieren Sie loss.item(), nicht loss. Ein Tensor "
        "loss hält den Rechengraphen seiner Minibatch fest.")
    check_structure(answer)


def replay(epochs: list[list[list[int]]], zero_grad: bool = True) -> tuple[list[float], dict[str, torch.Tensor]]:
    """The reference loop over the given minibatches: the mean loss per epoch (weighted by batch size), final weights."""
    images, labels = loop_problem()
    model = loop_model()
    optimizer = loop_optimizer(model)
    loss_fn = nn.CrossEntropyLoss()
    means = []
    for epoch in epochs:
        total = 0.0
        for batch in epoch:
            if zero_grad:
                optimizer.zero_grad()
            loss = loss_fn(model(images[batch]), labels[batch])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        means.append(total / LOOP_SAMPLES)
    return means, {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}


def weights_deviation(state: dict, expected: dict[str, torch.Tensor]) -> float:
    """Largest difference between the student's weights and the expected ones (inf if they do not fit)."""
    if not isinstance(state, dict) or sorted(state) != sorted(expected):
        return math.inf
    return max((state[name].double() - tensor.double()).abs().max().item() if isinstance(state[name], torch.Tensor)
               and state[name].shape == tensor.shape else math.inf for name, tensor in expected.items())


@verdict("train_epochs")
def test_train_epochs_like_reference(student: Student) -> None:
    """train_epochs() shuffles every epoch with generator only; weights and returned losses match the reference loop."""
    answer = run_train_epochs(student, 7, 1)
    epochs = split_epochs(answer)  # how many minibatches and which images: test_train_epochs_steps checks that
    orders = [[index for batch in epoch for index in batch] for epoch in epochs]
    assert any(order != sorted(order) for order in orders) and len(set(map(tuple, orders))) == len(orders), (
        "train_epochs() mischt die Bilder nicht in jeder Epoche neu: "
        + ("Die Reihenfolge ist die von images." if all(order == sorted(order) for order in orders)
           else "Zwei Epochen haben dieselbe Reihenfolge.") + " Rufen Sie zu Beginn jeder Epoche "
        "torch.randperm(len(labels), generator=generator) auf.")
    again = run_train_epochs(student, 7, 2)
    assert again["batches"] == answer["batches"], (
        "Mit demselben generator liefert train_epochs() andere Minibatches, sobald sich der globale Zufall von PyTorch "
        "ändert: Mischen Sie nur mit generator (torch.randperm(..., generator=generator) oder "
        "DataLoader(..., generator=generator)).")
    other = run_train_epochs(student, 8, 1)
    assert other["batches"] != answer["batches"], (
        "Mit einem anderen generator liefert train_epochs() dieselben Minibatches: Verwenden Sie den übergebenen "
        "generator, keinen eigenen mit festem Startwert.")
    means, expected = replay(epochs)
    deviation = weights_deviation(answer["state"], expected)
    if deviation > LOOP_TOLERANCE:
        if weights_deviation(answer["state"], replay(epochs, zero_grad=False)[1]) <= LOOP_TOLERANCE:
            hint = (" Die Gewichte sind die einer Schleife ohne optimizer.zero_grad(): Die Gradienten der Minibatches "
                    "addieren sich. Löschen Sie sie vor jedem backward().")
        else:
            hint = f" {LOOP_HINT}"
        raise AssertionError(f"Nach dem Training weichen die Gewichte des Modells um bis zu "
                             f"{scientific(deviation)} von denen der Referenzschleife mit denselben Minibatches ab.{hint}")
    # a one-element tensor counts here: its type is test_train_epochs_steps' part
    values = [as_number(value) for value in answer["result"]] if isinstance(answer["result"], (list, tuple)) else []
    assert len(values) == LOOP_EPOCHS and None not in values, (
        f"train_epochs() soll eine Liste mit einem Loss pro Epoche zurückgeben (hier {LOOP_EPOCHS} Epochen).")
    if all(abs(value - mean) <= LOOP_TOLERANCE * max(1.0, abs(mean)) for value, mean in zip(values, means)):
        return
    shown = "; ".join(format_number(value, 4) for value in values)
    expected_text = "; ".join(format_number(mean, 4) for mean in means)
    per_epoch = math.ceil(LOOP_SAMPLES / LOOP_BATCH_SIZE)
    if all(abs(value - mean * LOOP_SAMPLES) <= 1e-3 * mean * LOOP_SAMPLES for value, mean in zip(values, means)):
        hint = " Das ist die Summe der Losses aller Bilder: Teilen Sie am Ende der Epoche durch die Zahl der Bilder."
    elif all(value > 1.5 * mean for value, mean in zip(values, means)):
        hint = (f" Die Werte sind zu groß, etwa um den Faktor {format_number(values[0] / means[0], 1)}: Teilen Sie die "
                "Summe der mit der Batchgröße gewichteten Losses durch die Zahl der Bilder.")
    else:
        hint = (f" Gewichten Sie den Loss jeder Minibatch mit der Zahl ihrer Bilder (die letzte der {per_epoch} "
                "Minibatches ist kleiner) und teilen Sie durch die Zahl aller Bilder der Epoche; verwenden Sie den Loss "
                "vor dem Optimierungsschritt.")
    raise AssertionError(f"train_epochs() gibt die Losses [{shown}] zurück; der mittlere Loss über alle Bilder jeder "
                         f"Epoche ist [{expected_text}].{hint}")


# ------------------------------------------------------------------------------------------- MSE

def loss_and_gradient(student: Student, probabilities: torch.Tensor, labels: torch.Tensor,
                      hint: str = "") -> tuple[torch.Tensor, torch.Tensor | None]:
    """mse_loss(probabilities, labels) and its gradient after the probabilities, from the student's function."""
    try:
        answer = student.probe("a03.loss_and_gradient", student.remote("mse_loss"), probabilities, labels)
    except StudentError as error:
        if not hint:
            raise
        raise AssertionError(f"{hint}\n\n{error}") from None
    value = answer["value"]
    assert isinstance(value, torch.Tensor) and value.numel() == 1, (
        f"mse_loss() soll einen Tensor mit einer Zahl liefern, nicht {type_name(value)}"
        f"{f' mit {value.numel()} Einträgen' if isinstance(value, torch.Tensor) else ''}.")
    return value.double().reshape(()), answer["gradient"]


def expected_mse(probabilities: torch.Tensor, labels: torch.Tensor) -> tuple[float, torch.Tensor]:
    """The mean squared error against one-hot vectors and its gradient, in float64."""
    difference = probabilities.double() - torch.eye(probabilities.shape[1], dtype=torch.float64)[labels]
    return (difference ** 2).mean().item(), 2 * difference / difference.numel()


@verdict("mse_loss")
def test_mse_loss(student: Student) -> None:
    """mse_loss() compares with one-hot vectors: a known value for three images and two classes."""
    probabilities = torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    value = student.remote("mse_loss")(probabilities, torch.tensor([0, 1, 1]))
    assert isinstance(value, torch.Tensor) and value.numel() == 1, "mse_loss() soll einen Tensor mit einer Zahl liefern."
    assert abs(value.item() - 0.82 / 6) < 1e-6, (
        f"Erwartet {format_number(0.82 / 6, 5)} (Mittel der sechs quadrierten Abweichungen von [1, 0], [0, 1], [0, 1]), "
        f"erhalten {format_number(value.item(), 5)}.")


@verdict("mse_loss")
def test_mse_loss_more_classes(student: Student) -> None:
    """mse_loss() with three and four classes, with its gradient, and with batches that lack the last class."""
    generator = torch.Generator().manual_seed(2)
    missing = ("mse_loss() scheitert an einer Batch, in der die letzte Klasse fehlt: Die One-Hot-Vektoren brauchen so "
               "viele Einträge, wie probabilities Spalten hat (F.one_hot(labels, num_classes)).")
    cases = (
        (torch.softmax(torch.randn(8, 3, generator=generator), dim=1), [0, 1, 2, 2, 1, 0, 0, 2], "",
         "Bei drei Klassen"),
        (torch.softmax(torch.randn(6, 4, generator=generator), dim=1), [0, 1, 1, 0, 2, 0], missing,
         "Bei vier Klassen, von denen die letzte in der Batch fehlt,"),
        (torch.softmax(torch.randn(5, 2, generator=generator), dim=1), [0, 0, 0, 0, 0], missing,
         "Bei zwei Klassen und einer Batch nur aus Flugzeugen (Label 0)"),
    )
    for probabilities, labels, hint, situation in cases:
        labels = torch.tensor(labels)
        value, gradient = loss_and_gradient(student, probabilities, labels, hint)
        expected, expected_gradient = expected_mse(probabilities, labels)
        assert abs(value.item() - expected) < 1e-6, (
            f"{situation} erwartet {format_number(expected, 5)}, erhalten {format_number(value.item(), 5)}. Vergleichen Sie mit "
            "One-Hot-Vektoren mit so vielen Einträgen, wie probabilities Spalten hat, nicht mit den Klassennummern, "
            "und mitteln Sie über alle Einträge.")
        assert isinstance(gradient, torch.Tensor) and gradient.shape == probabilities.shape, (
            "Durch mse_loss() fließt kein Gradient zu den Wahrscheinlichkeiten: Rechnen Sie mit Tensor-Operationen, "
            "ohne .detach(), .item() oder NumPy.")
        assert (gradient.double() - expected_gradient).abs().max() <= 1e-6, (
            f"{situation} stimmt der Gradient von mse_loss() nicht mit dem des mittleren quadratischen Fehlers überein.")


# ------------------------------------------------------------------------------------------- the choice

CHOICES = ("a", "b", "c", "d")


@verdict("choice")
def test_choice_format(student: Student) -> None:
    """choice is one of the letters a to d."""
    choice = student.value("choice")
    assert isinstance(choice, str) and choice in CHOICES, f"choice soll einer der Buchstaben {list(CHOICES)} sein, nicht {choice!r}."


@verdict("choice")
def test_choice_is_right(student: Student) -> None:
    """The chosen statement is true."""
    assert student.value("choice") == "b", (
        "Diese Aussage stimmt nicht. Schauen Sie sich die Gradientenkurven für kleine Wahrscheinlichkeiten an.")
