"""Verdicts of 05_lernkurven: each decides the test cell of its name (see coursetools.verdicts).

The plot is read as a reader sees it (the lines' data, the look of each line and of each legend
entry, axes legends and figure legends alike), drawn by the student's function for histories
chosen here while ``dlkurs.plot_history`` is locked. ``best_epoch`` and ``select_best`` are called
with histories and results built here, in which the smallest train/validation gap, the training
scores and the test scores all point elsewhere than the validation data. ``train_with_early_stopping``
trains a small model whose epochs are scripted here (epoch k sets every weight to k, in place, and
reports a validation loss chosen here): how many epochs ran, the best epoch and the weights it
leaves in the model are compared with the rule the notebook states. The grid's models are
rebuilt from their exported weights and measured on the verdict's own copy of the validation
data. The sealed test set's record is read in the probe process; the chosen model's test scores
are recomputed here from its exported weights.
"""
from __future__ import annotations

import functools
import re
from typing import Any

import torch
from torch import nn

from coursetools.verdicts import ModuleState, Student, StudentError, student_error_message, type_name, verdict
from dlkurs import format_number

History = dict[str, list[float]]
Results = dict[str, dict[str, float]]
Look = tuple | None

RESTART = (" Wurden Zellen mehrmals ausgeführt, zählt jeder Durchlauf mit: Kernel → Restart Kernel and Run All Cells "
           "prüft einen sauberen Durchlauf.")


def require(student: Student, name: str) -> None:
    """Fail with the usual message when ``name`` is not defined in the student's notebook."""
    student.value(name)


# ------------------------------------------------------------------------------------------- the plot

LONG_HISTORY: History = {
    "loss": [2.05 * 0.8 ** epoch + 0.02 for epoch in range(25)],
    "accuracy": [min(1.0, 0.55 + 0.02 * epoch) for epoch in range(25)],
    "val_loss": [0.32 + 0.0035 * (epoch - 9) ** 2 + 0.01 * (epoch % 3) for epoch in range(25)],
    "val_accuracy": [0.6 + 0.3 * (1 - 0.8 ** epoch) - 0.002 * max(0, epoch - 12) for epoch in range(25)],
}
"""Like the notebook's 25 epochs: the training loss falls to the end, the validation loss turns after epoch 10."""

SHORT_HISTORIES: tuple[History, ...] = (
    {"loss": [2.0, 1.0, 0.5], "accuracy": [0.3, 0.6, 0.9], "val_loss": [2.1, 1.4, 1.6], "val_accuracy": [0.25, 0.5, 0.55]},
    {"loss": [0.7, 0.45, 0.3, 0.22, 0.15, 0.1, 0.07], "accuracy": [0.8, 0.86, 0.9, 0.93, 0.95, 0.97, 0.98],
     "val_loss": [0.6, 0.5, 0.44, 0.43, 0.45, 0.5, 0.56], "val_accuracy": [0.82, 0.85, 0.87, 0.88, 0.875, 0.87, 0.86]},
)


def shows(line: dict, epochs: torch.Tensor, values: list[float], percent: bool) -> bool:
    """Whether ``line`` shows ``values`` over ``epochs`` (accuracy also in percent), within float32 rounding."""
    x, y = line["x"], line["y"]
    expected = torch.tensor(values, dtype=torch.float64)
    if x is None or y is None or len(x) != len(expected) or len(y) != len(expected):
        return False
    if not torch.allclose(x, epochs, rtol=0, atol=1e-6):
        return False
    return any(torch.allclose(y, scale * expected, rtol=1e-5, atol=1e-6) for scale in ((1, 100) if percent else (1,)))


def legend_entries(figure: dict) -> list[tuple[str | None, Look, str]]:
    """(role, look, text) of every entry of a visible legend, of the axes and of the figure."""
    legends = [axes["legend"] for axes in figure["axes"]] + list(figure["legends"])
    entries = []
    for legend in legends:
        if legend is None or not legend["visible"]:
            continue
        for entry in legend["entries"]:
            words = entry["text"].lower()
            role = ("Training" if "train" in words and "valid" not in words else
                    "Validierung" if "valid" in words and "train" not in words else None)
            entries.append((role, entry["look"], entry["text"]))
    return entries


def drawn_figure(student: Student, history: History) -> dict:
    """The figure ``plot_learning_curves(history)`` returns, as the probe saw it (``plot_history`` locked)."""
    require(student, "plot_learning_curves")
    drawn = student.probe("a05.draw", student.remote("plot_learning_curves"), history)
    if drawn["error"]:
        raise StudentError(student_error_message("`plot_learning_curves(…)`", drawn["error"]))
    if drawn["returned_figure"] is None:
        returned = "None" if drawn["returned"] is None else drawn["returned"].rsplit(".", 1)[-1]
        hint = (" Sie zeichnet eine Abbildung, gibt sie aber nicht zurück: Schreiben Sie am Ende return figure."
                if drawn["figures"] and drawn["returned"] is None else "")
        raise AssertionError(f"plot_learning_curves() soll die Abbildung (Figure) zurückgeben, nicht {returned}.{hint}")
    return drawn["figures"][drawn["returned_figure"]]


def check_learning_curves(student: Student, history: History) -> None:
    """plot_learning_curves(history): loss and accuracy in two axes, training and validation over epochs 1…n."""
    figure = drawn_figure(student, history)
    n = len(history["loss"])
    epochs = torch.arange(1, n + 1, dtype=torch.float64)
    lines = [(index, line) for index, axes in enumerate(figure["axes"]) for line in axes["lines"]]
    entries = legend_entries(figure)
    axes_of = {}
    for metric, name in (("loss", "Loss"), ("accuracy", "Accuracy")):
        pair = {}
        for role, key in (("Training", metric), ("Validierung", f"val_{metric}")):
            percent = metric == "accuracy"
            matching = [(index, line) for index, line in lines if shows(line, epochs, history[key], percent)]
            if not matching and any(shows(line, epochs - 1, history[key], percent) for _, line in lines):
                raise AssertionError(f"Die Linie von history[{key!r}] liegt über den Epochen 0 bis {n - 1}; "
                                     f"gezählt werden die Epochen ab 1, also 1 bis {n} (wie in der Aufgabe).")
            assert matching, f"Keine Linie der Abbildung zeigt history[{key!r}] über den Epochen 1 bis {n}."
            pair[role] = matching[0]
        index = pair["Training"][0]
        axes = figure["axes"][index]
        assert pair["Validierung"][0] == index, (
            f"Training und Validierung ({name}) sollen in derselben Achse liegen, damit man sie vergleichen kann.")
        assert name.lower() in axes["ylabel"].lower(), (
            f"Die y-Achse der Achse mit history[{metric!r}] soll „{name}“ heißen, nicht „{axes['ylabel']}“.")
        assert "epoche" in axes["xlabel"].lower(), (
            f"Die x-Achse der Achse „{name}“ soll „Epoche“ heißen, nicht „{axes['xlabel']}“.")
        training, validation = pair["Training"][1]["look"], pair["Validierung"][1]["look"]
        assert training != validation, (
            f"In der Achse „{name}“ sehen Training und Validierung gleich aus (Farbe, Linienart, Marker); "
            "so kann keine Legende sie unterscheiden.")
        assert entries, "Die Abbildung hat keine Legende: axes.legend() in jeder Achse oder figure.legend()."
        shown = {(role, look) for role, look, _ in entries}
        texts = ", ".join(f"„{text}“" for _, _, text in entries)
        assert not {("Training", validation), ("Validierung", training)} <= shown, (
            f"Die Legende vertauscht „Training“ und „Validierung“ (Achse „{name}“): Der Eintrag „Training“ sieht aus "
            f"wie die Linie von history['val_{metric}']. Legendeneinträge: {texts}.")
        assert {("Training", training), ("Validierung", validation)} <= shown, (
            f"Keine Legende nennt die Linie von history[{metric!r}] „Training“ und die von history['val_{metric}'] "
            f"„Validierung“ (Achse „{name}“). Legendeneinträge: {texts or 'keine'}.")
        axes_of[metric] = index
    assert axes_of["loss"] != axes_of["accuracy"], (
        "Loss und Accuracy sollen in zwei Achsen nebeneinander liegen, nicht in einer.")


@verdict("plot_learning_curves")
def test_learning_curve_plot(student: Student) -> None:
    """plot_learning_curves(history): loss and accuracy in two axes, training and validation over epochs 1…n."""
    check_learning_curves(student, LONG_HISTORY)


@verdict("plot_learning_curves")
def test_learning_curve_plot_other_history(student: Student) -> None:
    """plot_learning_curves() for other, short histories."""
    for history in SHORT_HISTORIES:
        check_learning_curves(student, history)


# ------------------------------------------------------------------------------------------- best epoch

def epoch_number(student: Student, history: History) -> int:
    """best_epoch(history) as a whole number (:func:`whole_number`)."""
    return whole_number(student.remote("best_epoch")(history), "best_epoch() soll die Nummer einer Epoche liefern")


def smallest_at(values: list[float]) -> set[int]:
    """The epochs (from 1) where ``values`` is smallest."""
    lowest = min(values)
    return {epoch for epoch, value in enumerate(values, start=1) if value == lowest}


@verdict("best_epoch")
def test_best_epoch(student: Student) -> None:
    """best_epoch() finds the epoch with the smallest validation loss, counted from 1."""
    history = {"loss": [0.9, 0.6, 0.4, 0.3, 0.2], "accuracy": [0.7, 0.8, 0.88, 0.92, 0.95],
               "val_loss": [1.0, 0.7, 0.6, 0.65, 0.8], "val_accuracy": [0.65, 0.75, 0.8, 0.82, 0.81]}
    value = epoch_number(student, history)
    assert value != 2, "Epoche 2 ist der Index in der Liste; gezählt werden die Epochen ab 1 (wie auf der x-Achse)."
    assert value != 5, "Epoche 5 ist die letzte bzw. die mit dem kleinsten Trainings-Loss; gesucht ist der Validierungs-Loss."
    assert value != 4, "Epoche 4 hat die beste Validierungs-Accuracy; gesucht ist der kleinste Validierungs-Loss."
    assert value == 3, f"Der kleinste Validierungs-Loss (0,6) liegt in Epoche 3, best_epoch() liefert {value}."


def noisy_histories() -> list[History]:
    """30 histories of 3 to 39 epochs whose validation loss turns at a random epoch, with noise."""
    generator = torch.Generator().manual_seed(2024)
    histories = []
    for _ in range(30):
        epochs = int(torch.randint(3, 40, (1,), generator=generator))
        turn = float(torch.rand(1, generator=generator)) * epochs
        x = torch.arange(1, epochs + 1, dtype=torch.float64)
        val_loss = 0.3 + 0.004 * (x - turn) ** 2 + 0.05 * torch.rand(epochs, generator=generator, dtype=torch.float64)
        histories.append({"loss": (1.0 / x).tolist(), "accuracy": (1 - 0.5 / x).tolist(), "val_loss": val_loss.tolist(),
                          "val_accuracy": torch.rand(epochs, generator=generator, dtype=torch.float64).tolist()})
    return histories


@verdict("best_epoch")
def test_best_epoch_noisy_histories(student: Student) -> None:
    """best_epoch() for noisy, unknown histories, a dip after a first rise, ties and a loss that falls to the end."""
    for history in noisy_histories():
        expected = smallest_at(history["val_loss"])
        value = epoch_number(student, history)
        assert value in expected, (
            f"Für einen Verlauf mit {len(history['val_loss'])} Epochen liefert best_epoch() {value}, der kleinste "
            f"Validierungs-Loss liegt aber in Epoche {min(expected)}.")
    # Smallest validation loss in epoch 4; first rise after epoch 2, smallest gap in epoch 1, best validation
    # accuracy in epoch 6, smallest training loss in the last epoch.
    disagreeing = {"loss": [1.0, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1],
                   "accuracy": [0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.93, 0.96],
                   "val_loss": [1.05, 0.9, 0.95, 0.7, 0.75, 0.72, 0.8, 0.9],
                   "val_accuracy": [0.6, 0.68, 0.7, 0.74, 0.75, 0.78, 0.77, 0.76]}
    value = epoch_number(student, disagreeing)
    assert value != 2, ("best_epoch() hält beim ersten Anstieg des Validierungs-Loss an (Epoche 2); gesucht ist der "
                        "kleinste Validierungs-Loss über alle Epochen (hier Epoche 4).")
    assert value != 1, ("best_epoch() wählt die Epoche mit der kleinsten Lücke zwischen Trainings- und "
                        "Validierungs-Loss; gesucht ist der kleinste Validierungs-Loss (hier Epoche 4).")
    assert value != 6, ("best_epoch() wählt die Epoche mit der besten Validierungs-Accuracy; gesucht ist der "
                        "kleinste Validierungs-Loss (hier Epoche 4).")
    assert value == 4, f"Der kleinste Validierungs-Loss (0,7) liegt in Epoche 4, best_epoch() liefert {value}."
    dip = {"loss": [1.0, 0.8, 0.6, 0.5, 0.4, 0.3], "accuracy": [0.5] * 6,
           "val_loss": [1.0, 0.8, 0.85, 0.7, 0.6, 0.9], "val_accuracy": [0.5] * 6}
    value = epoch_number(student, dip)
    assert value != 2, ("best_epoch() hält beim ersten Anstieg an (Epoche 2); gesucht ist der kleinste Validierungs-Loss "
                        "über alle Epochen (hier Epoche 5).")
    assert value == 5, f"Der kleinste Validierungs-Loss (0,6) liegt in Epoche 5, best_epoch() liefert {value}."
    tie = {"loss": [1.0, 0.8, 0.6, 0.4], "accuracy": [0.5] * 4, "val_loss": [0.9, 0.5, 0.5, 0.7], "val_accuracy": [0.5] * 4}
    value = epoch_number(student, tie)
    assert value in (2, 3), f"Epochen 2 und 3 haben beide den kleinsten Validierungs-Loss (0,5), best_epoch() liefert {value}."
    falling = {"loss": [1.0, 0.8, 0.6], "accuracy": [0.5] * 3, "val_loss": [1.1, 0.9, 0.8], "val_accuracy": [0.5] * 3}
    value = epoch_number(student, falling)
    assert value == 3, f"Fällt der Validierungs-Loss bis zum Schluss, ist die letzte Epoche (3) die beste, nicht {value}."
    single = {"loss": [0.9], "accuracy": [0.6], "val_loss": [1.0], "val_accuracy": [0.55]}
    value = epoch_number(student, single)
    assert value == 1, f"Bei nur einer Epoche ist sie die beste (1), best_epoch() liefert {value}."


# ------------------------------------------------------------------------------------------- early stopping

def whole_number(value: Any, what: str) -> int:
    """``value`` as a whole number: int, NumPy or PyTorch integers (also 3.0) count alike.

    ``what`` begins the message when it is none, e.g. ``"best_epoch() soll die Nummer einer Epoche liefern"``.
    """
    if isinstance(value, torch.Tensor) and value.numel() == 1 and value.dtype != torch.bool and not value.dtype.is_complex:
        value = value.item()
    number = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    assert number is not None and number.is_integer(), (
        f"{what} (eine ganze Zahl), nicht {type_name(value)} {value!r}.")
    return int(number)


def as_floats(values: Any, what: str) -> list[float]:
    """A history's list (or tuple, or one-dimensional tensor) of numbers as floats."""
    if isinstance(values, torch.Tensor) and values.dim() == 1:
        return [float(value) for value in values]
    assert isinstance(values, (list, tuple)) and all(
        isinstance(value, (int, float)) and not isinstance(value, bool)
        or isinstance(value, torch.Tensor) and value.numel() == 1 for value in values), (
        f"{what} soll eine Liste von Zahlen sein (ein Eintrag je Epoche), nicht {type_name(values)}.")
    return [float(value) for value in values]


def stopped_at(val_losses: list[float], patience: int) -> tuple[int, int]:
    """(epochs run, best epoch) by the notebook's rule: only a strictly smaller validation loss is an improvement,
    the training ends after ``patience`` epochs in a row without one, at the latest after ``len(val_losses)``."""
    best = 1
    for epoch in range(2, len(val_losses) + 1):
        if val_losses[epoch - 1] < val_losses[best - 1]:
            best = epoch
        elif epoch >= best + patience:
            return epoch, best
    return len(val_losses), best


def losses_text(val_losses: list[float]) -> str:
    return "; ".join(format_number(value, 3) for value in val_losses)


def early_stopping(student: Student, val_losses: list[float], patience: int) -> dict:
    """``train_with_early_stopping`` on the scripted model, with ``max_epochs = len(val_losses)``: the epochs that
    ran, the returned history and best epoch, and the epoch whose weights the model holds afterwards (or ``None``)."""
    require(student, "train_with_early_stopping")
    run = student.probe("a05.early_stopping_run", student.remote("train_with_early_stopping"), list(val_losses),
                        len(val_losses), patience)
    result = run["result"]
    assert isinstance(result, (tuple, list)) and len(result) == 2, (
        f"train_with_early_stopping() soll das Paar (history, best) zurückgeben, nicht {type_name(result)}.")
    history, best = result
    if isinstance(best, dict) and not isinstance(history, dict):
        raise AssertionError("train_with_early_stopping() gibt (best, history) zurück; verlangt ist die Reihenfolge "
                             "(history, best).")
    assert isinstance(history, dict), (
        f"Das erste Element des Ergebnisses soll der Verlauf sein (ein Dictionary wie bei fit), nicht {type_name(history)}.")
    values = {float(value) for tensor in run["final"].values() for value in tensor.flatten()}
    weights = int(next(iter(values))) if len(values) == 1 and next(iter(values)).is_integer() else None
    return {"epochs": run["epochs"], "history": history, "weights": weights, "values": sorted(values),
            "best": whole_number(best, "Das zweite Element des Ergebnisses (die beste Epoche) soll die Nummer einer "
                                      "Epoche sein")}


def check_stopping(student: Student, val_losses: list[float], patience: int, why: str) -> None:
    """Epochs run, best epoch and history of one scripted run against the notebook's rule."""
    epochs, best = stopped_at(val_losses, patience)
    run = early_stopping(student, val_losses, patience)
    case = f"Bei den Validierungs-Losses {losses_text(val_losses)} mit patience={patience} und max_epochs={len(val_losses)}"
    assert run["epochs"] == epochs, (
        f"{case} soll das Training nach Epoche {epochs} enden ({why}); es lief aber {run['epochs']} Epochen.")
    assert run["best"] == best, f"{case} ist Epoche {best} die beste; train_with_early_stopping() liefert {run['best']}."
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert key in run["history"], f"Dem Verlauf fehlt history[{key!r}] (wie bei fit: loss, accuracy, val_loss, val_accuracy)."
        values = as_floats(run["history"][key], f"history[{key!r}]")
        assert len(values) == epochs, (
            f"{case} liefen {epochs} Epochen; history[{key!r}] soll für jede einen Eintrag haben, hat aber {len(values)}.")
    shown = as_floats(run["history"]["val_loss"], "history['val_loss']")
    assert all(abs(got - want) <= 1e-9 for got, want in zip(shown, val_losses)), (
        f"{case} soll history['val_loss'] die Losses der gelaufenen Epochen halten ({losses_text(val_losses[:epochs])}), "
        f"nicht {losses_text(shown)}.")


STOP_CASES: tuple[tuple[list[float], int, str], ...] = (
    ([2.3, 2.1, 1.9, 2.0, 1.95, 2.2, 1.7, 1.6], 3, "nach der besten Epoche 3 bringen die Epochen 4, 5 und 6 keine Verbesserung"),
    ([1.0, 0.9, 0.95, 0.97, 0.85, 0.88, 0.9, 0.86, 0.7, 0.6], 3,
     "die Verbesserung in Epoche 5 beginnt die Zählung von vorn; danach bringen 6, 7 und 8 keine"),
    ([1.0, 0.6, 0.7, 0.65, 0.66, 0.64, 0.63, 0.62, 0.61, 0.605], 2,
     "verglichen wird mit dem besten Loss bisher (0,6 in Epoche 2), nicht mit dem der Epoche davor"),
    ([1.0, 0.9, 0.95, 0.8], 1, "mit patience=1 endet es nach der ersten Epoche ohne Verbesserung"),
)
"""Scripted runs for the stopping rule: an early stop, a counter that starts again, the best loss (not the previous one) as the bar, patience 1."""


def noisy_runs() -> list[tuple[list[float], int]]:
    """20 noisy validation losses of 5 to 30 epochs whose minimum lies at a random epoch, each with a patience of 1 to 6."""
    generator = torch.Generator().manual_seed(2025)
    runs = []
    for _ in range(20):
        epochs = int(torch.randint(5, 31, (1,), generator=generator))
        patience = int(torch.randint(1, 7, (1,), generator=generator))
        turn = float(torch.rand(1, generator=generator)) * epochs
        x = torch.arange(1, epochs + 1, dtype=torch.float64)
        val_loss = 0.3 + 0.004 * (x - turn) ** 2 + 0.05 * torch.rand(epochs, generator=generator, dtype=torch.float64)
        runs.append((val_loss.tolist(), patience))
    return runs


@verdict("train_with_early_stopping")
def test_early_stopping_stops(student: Student) -> None:
    """train_with_early_stopping() stops after `patience` epochs without improvement, for scripted and noisy runs."""
    for val_losses, patience, why in STOP_CASES:
        check_stopping(student, val_losses, patience, why)
    for val_losses, patience in noisy_runs():
        check_stopping(student, val_losses, patience, "ein verrauschter Verlauf")


RESTORE_CASES: tuple[tuple[list[float], int], ...] = (
    ([2.3, 2.1, 1.9, 2.0, 1.95, 2.2, 1.7, 1.6], 3),
    ([1.0, 0.9, 0.95, 0.97, 0.85, 0.88, 0.9, 0.86, 0.7, 0.6], 3),
    ([1.0, 0.9, 0.95, 0.97, 0.99], 10),
    ([2.0, 1.5, 1.6, 1.4, 1.45], 2),
    ([1.0, 0.9, 0.8, 0.7], 2),
)
"""Runs that stop early, and runs that end at max_epochs with the best epoch before the last (or at it)."""


@verdict("train_with_early_stopping")
def test_early_stopping_restores_best(student: Student) -> None:
    """Afterwards the model holds exactly the weights of the best of the epochs that ran, also when max_epochs ended it."""
    for val_losses, patience in RESTORE_CASES:
        run = early_stopping(student, val_losses, patience)
        ran = run["epochs"]
        lowest = min(val_losses[:ran])
        best = [epoch for epoch in range(1, ran + 1) if val_losses[epoch - 1] == lowest]
        case = f"Bei den Validierungs-Losses {losses_text(val_losses)} mit patience={patience}"
        if run["weights"] in best:
            continue
        if run["weights"] == ran:
            end = ("Das Training endete hier nach max_epochs, ohne dass die Geduld aufgebraucht war: Auch dann bekommt "
                   "das Modell zum Schluss die Gewichte der besten Epoche zurück."
                   if ran == len(val_losses) and stopped_at(val_losses, patience)[0] == len(val_losses) else
                   "Häufige Ursache: best_state = model.state_dict() ist keine Kopie, sondern zeigt auf dieselben "
                   "Tensoren, die das Training an Ort und Stelle weiter verändert (auch model.state_dict().copy() kopiert "
                   "sie nicht). Sichern Sie copy.deepcopy(model.state_dict()) und laden Sie die Kopie zum Schluss mit "
                   "model.load_state_dict(...) zurück.")
            raise AssertionError(f"{case} hält das Modell nach dem Aufruf die Gewichte der letzten Epoche ({ran}), nicht "
                                 f"die der besten ({best[0]}). {end}")
        if run["weights"] is None:
            raise AssertionError(
                f"{case} stammen die Gewichte des Modells nach dem Aufruf aus keiner Epoche (der Test setzt in Epoche k "
                f"jedes Gewicht auf k; gefunden: {', '.join(format_number(v, 2) for v in run['values'][:6])}). Laden Sie "
                "die gesicherte Kopie der besten Epoche mit model.load_state_dict(...) in das übergebene model zurück.")
        raise AssertionError(f"{case} hält das Modell die Gewichte von Epoche {run['weights']}, die beste der {ran} "
                             f"gelaufenen Epochen ist aber Epoche {best[0]} (kleinster Validierungs-Loss "
                             f"{format_number(lowest, 3)}).")


EDGE_CASES: tuple[tuple[list[float], int, str], ...] = (
    ([1.0, 0.8, 0.8, 0.8, 0.9, 0.7], 3,
     "ein gleich großer Loss ist keine Verbesserung: Epoche 2 bleibt die beste, 3, 4 und 5 zählen als Epochen ohne "
     "Verbesserung"),
    ([0.7, 0.7, 0.7], 2, "die gleich großen Losses der Epochen 2 und 3 sind keine Verbesserung"),
    ([1.0, 0.9, 0.95, 0.97, 0.99], 10, "patience ist größer als max_epochs: Es endet bei max_epochs"),
    ([1.0, 0.9, 0.8, 0.7], 2, "der Loss fällt bis zum Schluss"),
    ([0.5], 3, "max_epochs=1: eine einzige Epoche, und sie ist die beste"),
    ([12.0, 11.5, 11.8], 5, "auch Losses über 10 sind Losses"),
)
"""Ties (the earlier epoch stays best), a patience longer than the run, a loss that falls to the end, one epoch, large losses."""


@verdict("train_with_early_stopping")
def test_early_stopping_ties_and_edges(student: Student) -> None:
    """Equal losses are no improvement, a patience longer than the run, one epoch, a loss that falls to the end."""
    for val_losses, patience, why in EDGE_CASES:
        check_stopping(student, val_losses, patience, why)


# ------------------------------------------------------------------------------------------- the grid

@functools.cache
def mnist_validation_data() -> Any:
    """The notebook's validation data: 1000 of MNIST's training images, split off with seed 0 as in the notebook."""
    from dlkurs import load_mnist

    return load_mnist(train=True).split([2000, 1000], seed=0)[1]


GRID_SIZE = 12
"""2 architectures × 3 activations × 2 optimizers."""


@verdict("models", "results", "grid_histories")
def test_grid_uses_best_weights(student: Student) -> None:
    """Each grid model holds the weights of its best epoch (measured here), and results holds that epoch's values."""
    from dlkurs.training import evaluate

    results, histories = student.value("results"), student.value("grid_histories")
    require(student, "models")
    names = student.probe("keys", student.remote("models"))
    assert isinstance(results, dict) and isinstance(histories, dict), (
        "results und grid_histories sollen Dictionaries sein (ein Eintrag je Modell).")
    assert set(results) == set(names) == set(histories), (
        "results, models und grid_histories sollen dieselben Modelle enthalten (je eines pro Kombination).")
    assert len(names) == GRID_SIZE, f"Das Raster hat {GRID_SIZE} Kombinationen, models enthält {len(names)}."
    for name in names:
        history = histories[name]
        assert isinstance(history, dict) and "val_loss" in history and "val_accuracy" in history, (
            f"grid_histories[„{name}“] soll der Verlauf von train_with_early_stopping sein (mit val_loss und val_accuracy).")
        val_loss = as_floats(history["val_loss"], f"grid_histories[„{name}“]['val_loss']")
        val_accuracy = as_floats(history["val_accuracy"], f"grid_histories[„{name}“]['val_accuracy']")
        model = rebuild(student.probe("item", student.remote("models"), name))
        assert model is not None, f"models[„{name}“] ist nicht das Netz aus build_mlp."
        loss, _ = evaluate(model, mnist_validation_data(), nn.CrossEntropyLoss())
        lowest = min(val_loss)
        if not close(loss, lowest, 1e-4):
            last = " – so viel wie in der letzten Epoche" if close(loss, val_loss[-1], 1e-4) else ""
            raise AssertionError(
                f"„{name}“ hat auf den Validierungsdaten den Loss {format_number(loss, 4)}{last}, der kleinste seines "
                f"Verlaufs ist aber {format_number(lowest, 4)}: Das Modell hält nicht die Gewichte seiner besten Epoche. "
                "Trainieren Sie es mit train_with_early_stopping(...), das die beste Kopie zurücklädt.")
        at_best = [value for value, epoch_loss in zip(val_accuracy, val_loss) if epoch_loss == lowest]
        assert isinstance(results[name], dict) and "val_accuracy" in results[name], (
            f"results[„{name}“] soll ein Dictionary mit train_accuracy und val_accuracy sein.")
        value = float(results[name]["val_accuracy"])
        if not any(abs(value - accuracy) <= 1e-9 for accuracy in at_best):
            last = " – der Wert der letzten Epoche" if abs(value - val_accuracy[-1]) <= 1e-9 else ""
            raise AssertionError(
                f"results[„{name}“]['val_accuracy'] ist {format_number(value)}{last}; in der besten Epoche (kleinster "
                f"Validierungs-Loss), deren Gewichte das Modell hält, war sie {format_number(at_best[0])}. Nehmen Sie die "
                "Werte der besten Epoche.")


# ------------------------------------------------------------------------------------------- the standard error

SE_CASES: tuple[tuple[float, int], ...] = ((0.9, 1000), (0.5, 100), (0.99, 10000), (0.75, 400), (0.123, 1000),
                                           (0.0, 500), (1.0, 200))
"""Accuracies k/n on n images (the sample standard deviation of k ones and n − k zeros, with n − 1, counts too)."""


@verdict("accuracy_standard_error")
def test_standard_error(student: Student) -> None:
    """accuracy_standard_error(p, n) is sqrt(p(1 − p)/n) for accuracies and numbers of images chosen here."""
    function = student.remote("accuracy_standard_error")
    for p, n in SE_CASES:
        value = function(p, n)
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        assert isinstance(value, (int, float)) and not isinstance(value, bool), (
            f"accuracy_standard_error() soll eine Zahl liefern, nicht {type_name(value)}.")
        expected = (p * (1 - p) / n) ** 0.5
        if abs(value - expected) <= 0.01 * expected + 1e-12:
            continue
        call = f"accuracy_standard_error({format_number(p, 3)}, {n})"
        assert not close(value, p * (1 - p) / n, 1e-6), f"{call} liefert p(1 − p)/n: Es fehlt die Wurzel."
        assert not close(value, (p * (1 - p)) ** 0.5 / n, 1e-6), (
            f"{call} teilt die Wurzel aus p(1 − p) durch n; n gehört mit unter die Wurzel.")
        assert not close(value, 100 * expected, 1e-2), f"{call} liefert Prozentpunkte; gefragt ist ein Anteil wie die Accuracy."
        raise AssertionError(f"{call} soll {format_number(expected, 5)} sein, nicht {format_number(value, 5)}.")


# ------------------------------------------------------------------------------------------- model selection

def selected(student: Student, results: Results) -> str:
    """select_best(results), which must be a name of ``results``."""
    value = student.remote("select_best")(results)
    assert isinstance(value, str) and value in results, (
        f"select_best() soll den Namen eines Modells liefern (einen Schlüssel von results), nicht {value!r}.")
    return value


def best_on_validation(results: Results) -> set[str]:
    top = max(float(result["val_accuracy"]) for result in results.values())
    return {name for name, result in results.items() if float(result["val_accuracy"]) == top}


def check_selection(student: Student, results: Results, by_training: str, by_gap: str, by_test: str | None) -> None:
    """select_best(results) picks the validation's best; ``by_*``: the model other criteria would pick."""
    value = selected(student, results)
    best = best_on_validation(results)
    if value in best:
        return
    if by_test is not None:
        assert value != by_test, "select_best() wählt nach der Test-Accuracy; die Testdaten dürfen nicht entscheiden."
    assert value != by_training, "select_best() wählt nach der Trainings-Accuracy; entscheiden soll die Validierung."
    assert value != by_gap, ("select_best() wählt das Modell mit der kleinsten Lücke zwischen Training und "
                             "Validierung; entscheiden soll die höchste Validierungs-Accuracy.")
    raise AssertionError(f"Erwartet das Modell mit der höchsten Validierungs-Accuracy ({', '.join(map(repr, sorted(best)))}), "
                         f"geliefert {value!r}.")


@verdict("select_best", "results")
def test_selection_follows_validation(student: Student) -> None:
    """select_best() chooses by validation accuracy, not training accuracy or gap; also on the notebook's grid."""
    abc = {"A": {"train_accuracy": 0.99, "val_accuracy": 0.90},
           "B": {"train_accuracy": 0.95, "val_accuracy": 0.93},
           "C": {"train_accuracy": 0.80, "val_accuracy": 0.79}}
    value = selected(student, abc)
    assert value != "A", "select_best() wählt das Modell mit der besten Trainings-Accuracy; entscheiden soll die Validierung."
    assert value != "C", ("select_best() wählt das Modell mit der kleinsten Lücke zwischen Training und Validierung; "
                          "entscheiden soll die höchste Validierungs-Accuracy.")
    assert value == "B", f"Modell B hat die höchste Validierungs-Accuracy (0,93), select_best() liefert {value!r}."
    results = student.value("results")
    best = best_on_validation(results)
    value = selected(student, results)
    top = max(float(result["val_accuracy"]) for result in results.values())
    assert value in best, (f"Im Raster ist die höchste Validierungs-Accuracy {format_number(top)} ("
                           + ", ".join(repr(name) for name in results if name in best)
                           + f"), select_best() liefert {value!r}.")


GRID: Results = {
    "schmal [32], ReLU, SGD": {"train_accuracy": 0.962, "val_accuracy": 0.887, "test_accuracy": 0.884},
    "schmal [32], ReLU, Adam": {"train_accuracy": 0.975, "val_accuracy": 0.902, "test_accuracy": 0.899},
    "schmal [32], Sigmoid, Adam": {"train_accuracy": 0.842, "val_accuracy": 0.834, "test_accuracy": 0.829},
    "breit [256], ReLU, Adam": {"train_accuracy": 0.999, "val_accuracy": 0.911, "test_accuracy": 0.905},
    "breit [256], Tanh, SGD": {"train_accuracy": 0.981, "val_accuracy": 0.923, "test_accuracy": 0.914},
    "breit [256], Tanh, Adam": {"train_accuracy": 0.996, "val_accuracy": 0.917, "test_accuracy": 0.927},
    "breit [256], Sigmoid, SGD": {"train_accuracy": 0.905, "val_accuracy": 0.889, "test_accuracy": 0.881},
}
"""A grid like the notebook's: training, gap, validation and test each favour another model; the best is in the middle."""


@verdict("select_best")
def test_selection_ignores_training_and_test(student: Student) -> None:
    """Training, gap, validation and test point to different models; ties may go either way; order does not matter."""
    four = {"auswendig": {"train_accuracy": 1.00, "val_accuracy": 0.88, "test_accuracy": 0.87},
            "validiert": {"train_accuracy": 0.99, "val_accuracy": 0.94, "test_accuracy": 0.92},
            "testglück": {"train_accuracy": 0.93, "val_accuracy": 0.90, "test_accuracy": 0.95},
            "vorsichtig": {"train_accuracy": 0.86, "val_accuracy": 0.85, "test_accuracy": 0.84}}
    check_selection(student, four, "auswendig", "vorsichtig", "testglück")
    check_selection(student, dict(reversed(four.items())), "auswendig", "vorsichtig", "testglück")
    check_selection(student, GRID, "breit [256], ReLU, Adam", "schmal [32], Sigmoid, Adam", "breit [256], Tanh, Adam")
    check_selection(student, dict(reversed(GRID.items())), "breit [256], ReLU, Adam", "schmal [32], Sigmoid, Adam",
                    "breit [256], Tanh, Adam")
    tied = {"erstes": {"train_accuracy": 0.95, "val_accuracy": 0.91}, "zweites": {"train_accuracy": 0.99, "val_accuracy": 0.91},
            "drittes": {"train_accuracy": 0.90, "val_accuracy": 0.89}}
    value = selected(student, tied)
    assert value in ("erstes", "zweites"), (
        f"„erstes“ und „zweites“ teilen die höchste Validierungs-Accuracy (0,91), select_best() liefert {value!r}.")


# ------------------------------------------------------------------------------------------- the sealed test set

@functools.cache
def mnist_test_data() -> Any:
    from dlkurs import load_mnist

    return load_mnist(train=False)


LAYER = re.compile(r"^  \((\d+)\): (\w+)\(")
ACTIVATIONS = {"ReLU": nn.ReLU, "Tanh": nn.Tanh, "Sigmoid": nn.Sigmoid, "Flatten": nn.Flatten}


def rebuild(state: ModuleState) -> nn.Module | None:
    """The notebook's MLP (``build_mlp``) with the exported weights; ``None`` if it is built otherwise."""
    if not isinstance(state, ModuleState) or not state.type.endswith(".Sequential"):
        return None
    layers: list[nn.Module] = []
    for index, line in enumerate(line for line in state.repr.splitlines() if LAYER.match(line)):
        number, kind = LAYER.match(line).groups()
        if int(number) != index:
            return None
        if kind == "Linear":
            weight = state.state_dict.get(f"{index}.weight")
            if weight is None or weight.dim() != 2:
                return None
            layers.append(nn.Linear(weight.shape[1], weight.shape[0], bias=f"{index}.bias" in state.state_dict))
        elif kind in ACTIVATIONS:
            layers.append(ACTIVATIONS[kind]())
        else:
            return None
    module = nn.Sequential(*layers)
    try:
        module.load_state_dict({name: tensor.float() for name, tensor in state.state_dict.items()})
    except (RuntimeError, KeyError):
        return None
    return module


def judged_models(evaluation: dict) -> str:
    return ", ".join(f"„{name}“" for name in evaluation["models"]) or "ein Modell außerhalb von models"


def close(got: float, expected: float, relative: float = 1e-6) -> bool:
    return abs(got - expected) <= relative * max(1.0, abs(expected))


@verdict("test_set", "models", "results", "select_best", "test_loss", "test_accuracy")
def test_test_set_used_once(student: Student) -> None:
    """The test data judge exactly one model, the one chosen on validation; test_loss/test_accuracy hold its scores."""
    require(student, "test_set")
    record = student.probe("a05.sealed_record", student.remote("test_set"), student.remote("models"))
    assert record["sealed"], f"test_set soll das SealedTestSet aus dem Notebook bleiben, ist aber {record['type']}."
    distinct: list[dict] = []
    for evaluation in record["evaluations"]:
        if all(evaluation["weights"] != seen["weights"] for seen in distinct):
            distinct.append(evaluation)
    assert distinct, ("Die Testdaten wurden nicht verwendet: Bewerten Sie das gewählte Modell einmal mit "
                      "test_set.evaluate(models[best_name], loss_fn).")
    judged_names = [judged_models(evaluation) for evaluation in distinct]
    retrained = (" – dasselbe Modell mit verschiedenen Gewichten, z. B. nach weiterem Training"
                 if len(set(judged_names)) < len(judged_names) else "")
    assert len(distinct) == 1, (
        f"Die Testdaten haben {len(distinct)} verschiedene Modelle bzw. Gewichtsstände bewertet ("
        + "; ".join(judged_names) + retrained
        + "); erlaubt ist nur das gewählte Modell, am Schluss (dasselbe Modell ein zweites Mal zu bewerten schadet "
        "nicht)." + RESTART)
    judged = distinct[0]
    chosen = selected(student, student.value("results"))
    assert chosen in judged["models"] or record["fingerprints"].get(chosen) == judged["weights"], (
        f"Auf den Testdaten wurde nicht das Modell bewertet, das auf den Validierungsdaten am besten ist "
        f"(models[select_best(results)], also „{chosen}“), sondern {judged_models(judged)}." + RESTART)
    scores = {name: student.number(name) for name in ("test_loss", "test_accuracy")}
    loss, accuracy = judged["loss"], judged["accuracy"]
    assert not (close(scores["test_loss"], accuracy) and close(scores["test_accuracy"], loss)), (
        "test_loss und test_accuracy sind vertauscht: test_set.evaluate(...) liefert (Loss, Accuracy).")
    for name, expected in (("test_loss", loss), ("test_accuracy", accuracy)):
        assert close(scores[name], expected), (
            f"{name} ist {format_number(scores[name], 4)}, test_set.evaluate(...) lieferte aber {format_number(expected, 4)}.")
    if record["fingerprints"].get(chosen) != judged["weights"]:
        return  # trained further after the evaluation: its weights then are gone
    model = rebuild(student.probe("item", student.remote("models"), chosen))
    if model is None:
        return
    from dlkurs.training import evaluate

    true_loss, true_accuracy = evaluate(model, mnist_test_data(), nn.CrossEntropyLoss())
    assert close(scores["test_loss"], true_loss, 1e-4) and abs(scores["test_accuracy"] - true_accuracy) <= 1.5e-4, (
        f"test_loss und test_accuracy ({format_number(scores['test_loss'], 4)}, {format_number(scores['test_accuracy'], 4)}) passen "
        f"nicht zu dem, was „{chosen}“ auf den Testdaten erreicht ({format_number(true_loss, 4)}, {format_number(true_accuracy, 4)}): "
        "Legen Sie das Ergebnis von test_set.evaluate(models[best_name], loss_fn) unverändert ab.")
