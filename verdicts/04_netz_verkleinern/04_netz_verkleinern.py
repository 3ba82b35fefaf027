"""Verdicts of 04_netz_verkleinern: each decides the test cell of its name (see coursetools.verdicts).

The data come from ``dlkurs`` here, never from the notebook; networks whose parameters are counted are
built here; the layer order is measured as ``print(model)`` shows it (probe ``layers``); accuracies of the
student's trained networks are recomputed from their outputs on the trusted data (probe ``outputs``).
"""
from __future__ import annotations

import functools

import torch
from torch import nn

from coursetools.verdicts import ModuleState, Student, type_name, verdict
from dlkurs import ImageData, format_count, format_number, load_cifar2

SEED = 0
"""The notebook's seed: its training data are 4000 images of CIFAR-2 drawn with it."""
TRAIN_SIZE = 4000
INPUTS = 3 * 32 * 32
RECOMPUTED_SLACK = 0.001
"""Accuracies recomputed here may differ from the student's table by a rounding of one or two images."""


# ------------------------------------------------------------------------------------------- helpers

@functools.cache
def cifar2() -> tuple[ImageData, ImageData]:
    """The notebook's training subset (4000 images, seed 0) and all 2000 validation images."""
    train_all, val_data = load_cifar2()
    return train_all.subset(TRAIN_SIZE, seed=SEED), val_data


def describe(layers: list[dict]) -> str:
    """The layers the probe ``layers`` measured as one line, as :func:`dlkurs.checks.describe` writes them."""
    return " → ".join(layer["text"] for layer in layers) or "(keine Schichten)"


def expected_layers(hidden_sizes: list[int]) -> str:
    """What ``build_mlp(hidden_sizes)`` calls, without Flatten, e.g. ``Linear(3072, 7) → Tanh → Linear(7, 2)``."""
    sizes = [INPUTS, *hidden_sizes]
    parts = [f"Linear({inputs}, {outputs}) → Tanh" for inputs, outputs in zip(sizes, sizes[1:])]
    return " → ".join([*parts, f"Linear({sizes[-1]}, 2)"])


def check_mlp(student: Student, hidden_sizes: list[int]) -> None:
    """``build_mlp(hidden_sizes)`` calls Linear + Tanh per hidden layer, then Linear to 2, and gives 2 logits."""
    images = cifar2()[1].images[:5]
    model = student.remote("build_mlp").keep(list(hidden_sizes))
    state = model.value()
    assert isinstance(state, ModuleState), (
        f"build_mlp({hidden_sizes}) soll ein Netz (nn.Module) liefern, nicht {type_name(state)}.")
    layers = student.probe("layers", model, images)
    expected = expected_layers(hidden_sizes)
    tanhs = sum(layer["kind"] == "Tanh" for layer in layers)
    assert tanhs == len(hidden_sizes), (
        f"build_mlp({hidden_sizes}): Nach jeder versteckten Schicht gehört ein Tanh, also {len(hidden_sizes)}; "
        f"gefunden: {tanhs} (jede Stelle zählt, wie in print(model)). "
        f"Ihr Netz ruft nacheinander auf: {describe(layers)}.")
    assert describe(layers) == expected, (
        f"build_mlp({hidden_sizes}) soll (ohne Flatten) {expected} aufrufen; Ihr Netz ruft nacheinander auf: "
        f"{describe(layers)}.")
    outputs = model(images)
    assert isinstance(outputs, torch.Tensor) and tuple(outputs.shape) == (5, 2), (
        f"build_mlp({hidden_sizes}) soll für jedes Bild zwei Logits liefern: Für 5 Bilder erwartet die Form (5, 2), "
        f"erhalten: {tuple(outputs.shape) if isinstance(outputs, torch.Tensor) else type_name(outputs)}.")


def large_network() -> nn.Module:
    """The book's large network 3072-1024-512-128-2, built here."""
    return nn.Sequential(nn.Flatten(), nn.Linear(INPUTS, 1024), nn.Tanh(), nn.Linear(1024, 512), nn.Tanh(),
                         nn.Linear(512, 128), nn.Tanh(), nn.Linear(128, 2))


def trainable(model: nn.Module) -> int:
    """The number of trainable parameter entries of a model built here."""
    return sum(parameter.numel() for parameter in model.parameters() if parameter.requires_grad)


def counted(student: Student, model: nn.Module) -> int:
    """``count_parameters(model)``, which must be an integer (int, NumPy integer or an integer tensor of one entry)."""
    value = student.remote("count_parameters")(model)
    if isinstance(value, torch.Tensor) and value.numel() == 1 and not value.dtype.is_floating_point \
            and not value.dtype.is_complex and value.dtype != torch.bool:
        value = int(value.item())
    assert isinstance(value, int) and not isinstance(value, bool), (
        f"count_parameters() soll eine ganze Zahl liefern (z. B. int), nicht {type_name(value)}"
        + (f" ({value!r})." if isinstance(value, float) else "."))
    return value


def state_size(state: ModuleState) -> int:
    """Entries of all tensors in an exported model's state_dict (its weights and biases)."""
    return sum(tensor.numel() for tensor in state.state_dict.values())


def chosen_and_large(student: Student) -> tuple[str, str]:
    """The names ``chosen`` and ``LARGE``, both among the student's trained models."""
    chosen, large = student.value("chosen"), student.value("LARGE")
    names = student.probe("keys", student.remote("models"))
    assert isinstance(chosen, str), (
        f"`chosen` soll der Name eines Netzes aus der Tabelle sein (ein String wie \"3072-32-2\"), "
        f"nicht {type_name(chosen)}.")
    assert isinstance(large, str) and large in names, (
        "Das große Netz fehlt unter den trainierten Netzen: Führen Sie das Notebook mit Restart & Run All aus.")
    assert chosen in names, f"{chosen!r} ist keines der trainierten Netze; zur Wahl stehen {sorted(map(str, names))}."
    return chosen, large


def trained(student: Student, name: str) -> ModuleState:
    """The student's trained model ``models[name]`` as data (its weights)."""
    state = student.probe("item", student.remote("models"), name)
    assert isinstance(state, ModuleState), f"`models[{name!r}]` soll ein Netz sein, ist aber {type_name(state)}."
    return state


def accuracies(student: Student, names: tuple[str, ...], with_training: bool = True) -> dict[str, dict[str, float]]:
    """Validation (and training) accuracy of the student's trained models ``names``, measured on the trusted data.

    The models run in the probe process in evaluation mode; the accuracy is counted here, from their
    outputs and the labels loaded here.
    """
    train_data, val_data = cifar2()
    splits = {"val": val_data} | ({"train": train_data} if with_training else {})
    images = dict(zip(splits, student.send(*(data.images for data in splits.values()))))
    result: dict[str, dict[str, float]] = {}
    for name in names:
        model = student.probe("item", student.remote("models"), name, keep=True)
        result[name] = {}
        for split, data in splits.items():
            outputs = student.probe("outputs", model, images[split])
            assert isinstance(outputs, torch.Tensor) and tuple(outputs.shape) == (len(data), 2), (
                f"Das Netz {name} soll für jedes Bild zwei Logits liefern.")
            result[name][split] = (outputs.argmax(dim=1) == data.labels).double().mean().item()
    return result


# ------------------------------------------------------------------------------------------- verdicts

@verdict("build_mlp")
def test_build_mlp(student: Student) -> None:
    """build_mlp([1024, 512, 128]) baut das große Netz aus dem Buch: vier Linear-Schichten, dazwischen Tanh."""
    check_mlp(student, [1024, 512, 128])


@verdict("build_mlp")
def test_build_mlp_other_sizes(student: Student) -> None:
    """build_mlp() für andere Listen, auch ohne versteckte Schicht."""
    for hidden_sizes in ([], [7], [16, 4]):
        check_mlp(student, hidden_sizes)


@verdict("count_parameters")
def test_count_parameters(student: Student) -> None:
    """count_parameters() zählt die Gewichte und Biases des großen Netzes und liefert eine ganze Zahl."""
    model = large_network()
    value, expected = counted(student, model), trainable(model)
    assert value == expected, (
        f"Erwartet {format_count(expected)} Parameter (Gewichte und Biases aller vier Linear-Schichten), "
        f"gezählt: {format_count(value)}.")


@verdict("count_parameters")
def test_count_parameters_unseen_networks(student: Student) -> None:
    """count_parameters() für Netze mit BatchNorm, ohne Bias, eingefroren und mit einer Schicht an zwei Stellen."""
    model = nn.Sequential(nn.Conv2d(3, 8, 3, bias=False), nn.BatchNorm2d(8), nn.Flatten(), nn.Linear(8 * 30 * 30, 4))
    value = counted(student, model)
    assert value == trainable(model), (
        f"Für ein Netz mit Conv2d ohne Bias und BatchNorm erwartet {format_count(trainable(model))} Parameter, gezählt: "
        f"{format_count(value)}. Zählen Sie model.parameters(), nicht den state_dict (der enthält auch Puffer wie "
        "running_mean), und alle Parameter, nicht nur die Gewichtsmatrizen.")
    model[0].weight.requires_grad_(False)
    value = counted(student, model)
    assert value == trainable(model), (
        f"Eingefrorene Parameter (requires_grad=False) sollen nicht mitzählen: erwartet "
        f"{format_count(trainable(model))}, gezählt: {format_count(value)}.")
    shared = nn.Linear(6, 6)
    model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), shared, nn.Tanh(), shared, nn.Tanh(), nn.Linear(6, 2))
    value = counted(student, model)
    assert value == trainable(model), (
        f"Eine Linear-Schicht, die an zwei Stellen im Netz steht, hat ihre Parameter nur einmal (erwartet "
        f"{trainable(model)}, gezählt: {value}). model.parameters() liefert jeden Parameter genau einmal.")


@verdict("chosen", "models", "LARGE")
def test_chosen_is_much_smaller(student: Student) -> None:
    """Das gewählte Netz hat höchstens 25 % der Parameter des großen Netzes."""
    chosen, large = chosen_and_large(student)
    chosen_size, large_size = state_size(trained(student, chosen)), state_size(trained(student, large))
    share = chosen_size / large_size
    assert share <= 0.25, (
        f"Das gewählte Netz {chosen} hat {100 * share:.0f} % der Parameter des großen Netzes "
        f"({format_count(chosen_size)} von {format_count(large_size)}), erlaubt sind höchstens 25 %.")


@verdict("chosen", "models", "LARGE")
def test_chosen_overfits_less(student: Student) -> None:
    """Die Lücke zwischen Trainings- und Validierungs-Accuracy des gewählten Netzes ist um mindestens 0,02 kleiner."""
    chosen, large = chosen_and_large(student)
    measured = accuracies(student, (chosen, large))
    gaps = {name: accuracy["train"] - accuracy["val"] for name, accuracy in measured.items()}
    assert gaps[chosen] <= gaps[large] - 0.02 + RECOMPUTED_SLACK, (
        f"Lücke des gewählten Netzes {chosen} {format_number(gaps[chosen])}, des großen {format_number(gaps[large])}: "
        "Das gewählte Netz overfittet nicht deutlich weniger (die Lücke soll um mindestens 0,02 kleiner sein).")


@verdict("chosen", "models", "LARGE")
def test_chosen_keeps_accuracy(student: Student) -> None:
    """Das gewählte Netz ist auf den Validierungsdaten höchstens 0,02 schlechter als das große."""
    chosen, large = chosen_and_large(student)
    measured = accuracies(student, (chosen, large), with_training=False)
    chosen_accuracy, large_accuracy = measured[chosen]["val"], measured[large]["val"]
    assert chosen_accuracy >= large_accuracy - 0.02 - RECOMPUTED_SLACK, (
        f"Validierungs-Accuracy des gewählten Netzes {chosen} {format_number(chosen_accuracy)}, des großen "
        f"{format_number(large_accuracy)}: Das gewählte Netz ist zu klein geworden.")
