"""Measurements for assignment 05 (Lernkurven), run beside the student's code in the probe process.

They only observe: the figures a plotting function draws (as a reader sees them: data, labels,
the look of each line and of each legend entry), what an early-stopping function does with a
small model whose training the verdict scripts, and what the sealed test set recorded. The
verdicts in ``verdicts/05_lernkurven/`` decide what the observations mean.
"""
from __future__ import annotations

import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch

PLOT_HISTORY_LOCKED = ("plot_history() aus dem Kurspaket ist hier nicht erlaubt: "
                       "plot_learning_curves() soll die Lernkurven selbst zeichnen.")


def _namespaces(function: Any) -> list[dict]:
    """The global namespaces of ``function`` and of every function it can reach through them or its closure."""
    seen: dict[int, dict] = {}
    pending = [function]
    visited: set[int] = set()
    while pending:
        current = pending.pop()
        if id(current) in visited:
            continue
        visited.add(id(current))
        current = getattr(current, "__func__", current)  # bound methods
        if not isinstance(current, types.FunctionType):
            continue
        namespace = current.__globals__
        if id(namespace) not in seen:
            seen[id(namespace)] = namespace
            pending.extend(value for value in list(namespace.values()) if callable(value))
        for cell in current.__closure__ or ():
            try:
                pending.append(cell.cell_contents)
            except ValueError:  # an empty cell
                pass
    return list(seen.values())


@contextmanager
def plot_history_locked(function: Any) -> Iterator[Callable[..., Any]]:
    """While active, ``dlkurs.plot_history`` raises, however the student's ``function`` reaches it; yields the callable."""
    import dlkurs
    import dlkurs.plots

    original = dlkurs.plots.plot_history

    def locked(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError(PLOT_HISTORY_LOCKED)

    places = [(space, key) for space in [vars(dlkurs), vars(dlkurs.plots), *_namespaces(function)]
              for key, value in list(space.items()) if value is original]
    for space, key in places:
        space[key] = locked
    try:
        yield locked if function is original else function
    finally:
        for space, key in places:
            space[key] = original


def _values(data: Any) -> torch.Tensor | None:
    """A line's coordinates as float64, or ``None`` when they are no numbers (e.g. strings)."""
    import numpy

    try:
        return torch.from_numpy(numpy.array(numpy.asarray(data, dtype=float).ravel(), dtype=numpy.float64))
    except (TypeError, ValueError):
        return None


def _look(artist: Any) -> tuple | None:
    """What a reader tells lines apart by: colour (RGBA), line style, marker; ``None`` for other artists."""
    from matplotlib.colors import to_rgba

    try:
        return (tuple(float(c) for c in to_rgba(artist.get_color())), str(artist.get_linestyle()),
                str(artist.get_marker()))
    except (AttributeError, TypeError, ValueError):
        return None


def _legend(legend: Any) -> dict | None:
    if legend is None:
        return None
    handles = getattr(legend, "legend_handles", None) or getattr(legend, "legendHandles", None) or []
    texts = [text.get_text() for text in legend.get_texts()]
    return {"visible": bool(legend.get_visible()),
            "entries": [{"text": text, "look": _look(handle)} for text, handle in zip(texts, handles)]}


def describe_figure(figure: Any) -> dict:
    """A figure as a reader sees it: per axes the labels, each line's data and look, and the legends."""
    axes_list = []
    for axes in figure.get_axes():
        axes_list.append({
            "visible": bool(axes.get_visible()), "title": axes.get_title(),
            "xlabel": axes.get_xlabel(), "ylabel": axes.get_ylabel(),
            "lines": [{"x": _values(line.get_xdata(orig=False)), "y": _values(line.get_ydata(orig=False)),
                       "label": str(line.get_label()), "look": _look(line), "visible": bool(line.get_visible())}
                      for line in axes.get_lines()],
            "legend": _legend(axes.get_legend()),
        })
    return {"axes": axes_list, "legends": [_legend(legend) for legend in getattr(figure, "legends", [])]}


def draw(function: Callable[..., Any], *args: Any) -> dict:
    """Call ``function(*args)`` with ``dlkurs.plot_history`` locked; what it returned and the figures it drew.

    ``figures``: every figure the call created (and the returned one); ``returned``: the type of the
    result, ``returned_figure``: its index in ``figures`` if it is a figure. An error of the call is
    answered as data (``error``), with the traceback of the student's code.
    """
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    from ..probe_server import error_answer

    before = set(plt.get_fignums())
    result = None
    error = None
    try:
        with plot_history_locked(function) as callable_:
            result = callable_(*args)
    except Exception as raised:  # noqa: BLE001 - the student's error, reported as data
        error = error_answer(raised)["error"]
    figures = [plt.figure(number) for number in plt.get_fignums() if number not in before]
    if isinstance(result, Figure) and not any(result is figure for figure in figures):
        figures.append(result)
    answer = {
        "error": error,
        "returned": None if result is None else f"{type(result).__module__}.{type(result).__qualname__}",
        "returned_figure": next((index for index, figure in enumerate(figures) if figure is result), None),
        "figures": [describe_figure(figure) for figure in figures],
    }
    for figure in figures:
        plt.close(figure)
    return answer


def sealed_record(test_set: Any, models: Any) -> dict:
    """What the sealed test set recorded: each evaluation's weights (fingerprint), scores and which entry of
    ``models`` it judged (the same object), and each model's fingerprint now."""
    from dlkurs.selection import SealedTestSet, fingerprint

    if not isinstance(test_set, SealedTestSet):
        return {"sealed": False, "type": type(test_set).__name__}
    entries = list(models.items()) if isinstance(models, dict) else []
    return {
        "sealed": True,
        "evaluations": [{"weights": record.weights, "loss": float(record.loss), "accuracy": float(record.accuracy),
                         "models": [str(name) for name, model in entries if model is record.model]}
                        for record in test_set.history],
        "fingerprints": {str(name): fingerprint(model) for name, model in entries
                         if isinstance(model, torch.nn.Module)},
    }


def early_stopping_run(function: Callable[..., Any], val_losses: list[float], max_epochs: int, patience: int) -> dict:
    """``function(model, run_epoch, max_epochs, patience)`` for a small model whose training is scripted.

    Epoch k of ``run_epoch()`` sets every parameter of the model to k, in place (as ``optimizer.step()``
    changes them), and reports ``val_losses[k - 1]`` as its validation loss (the validation accuracy
    rises in every epoch, as it may while the loss already rises); called more than
    ``len(val_losses)`` times it raises. Answers what the call returned (``result``), how many epochs
    ran (``epochs``) and the model's parameters and buffers afterwards (``final``). An error of the
    student's code propagates (the verdict reports it as the student's).
    """
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    epochs = [0]

    def run_epoch() -> dict[str, float]:
        epoch = epochs[0] + 1
        if epoch > len(val_losses):
            raise RuntimeError(f"run_epoch() wurde öfter aufgerufen als max_epochs = {max_epochs}: Das Training soll "
                               "spätestens nach max_epochs Epochen enden.")
        epochs[0] = epoch
        with torch.no_grad():
            for parameter in model.parameters():
                parameter.fill_(float(epoch))
        loss = float(val_losses[epoch - 1])
        return {"loss": 1.0 / epoch, "accuracy": 1.0 - 0.5 / epoch, "val_loss": loss, "val_accuracy": 0.5 + 0.01 * epoch}

    result = function(model, run_epoch, max_epochs, patience)
    return {"result": result, "epochs": epochs[0],
            "final": {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}}
