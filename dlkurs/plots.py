"""Learning curves and loss curves with matplotlib, and tick labels as a German reader reads them."""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeVar

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .tables import THOUSANDS_SEPARATOR, _grouped, format_number
from .training import History

Target = TypeVar("Target")


# ------------------------------------------------------------------------------------------- German tick labels
#
# matplotlib writes tick labels with a decimal point (0.5). Its own way to a decimal comma,
# rcParams["axes.formatter.use_locale"], needs a German locale (de_DE) installed and set in the
# kernel, which the course's machines do not have. Instead each numeric formatter of an axis is
# switched, in place, to a subclass that rewrites the labels it produces: "0.5" -> "0,5" (in
# mathtext "0{,}5", where a bare comma would get a space after it), "60000" -> "60 000". Locators,
# offsets and every other setting stay as matplotlib chose them, log axes included.

_NUMBER = re.compile(r"(?<![\d.,])(\d+)(?:\.(\d+))?")
_DOLLAR = re.compile(r"(?<!\\)\$")


def german_label(text: str) -> str:
    """A tick label with decimal commas and digit groups: ``"0.25"`` → ``"0,25"``, ``"60000"`` → ``"60 000"``.

    Parts between ``$`` signs are mathtext: there the comma is written ``{,}`` and the groups are
    separated by ``\\,``. Already German text stays as it is.
    """
    parts = _DOLLAR.split(text)
    has_math = len(parts) > 1 and len(parts) % 2 == 1
    for index, part in enumerate(parts):
        math_part = has_math and index % 2 == 1
        comma, separator = ("{,}", r"\,") if math_part else (",", None)

        def german(match: re.Match[str]) -> str:
            whole, fraction = match.group(1), match.group(2)
            grouped = _grouped(whole) if separator is None else _grouped(whole).replace(THOUSANDS_SEPARATOR, separator)
            return grouped + (comma + fraction if fraction is not None else "")

        parts[index] = _NUMBER.sub(german, part)
    return "$".join(parts)


class _GermanLabels:
    """Mixin for a matplotlib formatter: the labels it writes, rewritten by :func:`german_label`."""

    def __call__(self, x, pos=None):  # noqa: ANN001, ANN204 (matplotlib's signature)
        return german_label(super().__call__(x, pos))

    def get_offset(self) -> str:
        return german_label(super().get_offset())

    def format_data(self, value) -> str:  # noqa: ANN001
        return german_label(super().format_data(value))

    def format_data_short(self, value) -> str:  # noqa: ANN001
        return german_label(super().format_data_short(value))


_NUMERIC_FORMATTERS = (
    ticker.ScalarFormatter, ticker.EngFormatter, ticker.LogFormatter, ticker.LogFormatterExponent,
    ticker.LogFormatterMathtext, ticker.LogFormatterSciNotation, ticker.LogitFormatter, ticker.PercentFormatter,
    ticker.StrMethodFormatter, ticker.FormatStrFormatter,
)
"""The formatters that write numbers; fixed labels, categories and dates are left alone."""

_GERMAN_FORMATTERS: dict[type, type] = {}
for _base in _NUMERIC_FORMATTERS:  # module-level classes, so figures still pickle
    _name = f"German{_base.__name__}"
    _GERMAN_FORMATTERS[_base] = globals()[_name] = type(
        _name, (_GermanLabels, _base), {"__module__": __name__, "__qualname__": _name,
                                        "__doc__": f"{_base.__name__} with German labels (decimal comma)."})
del _base, _name


def _all_axes(target: Figure | Axes | Iterable) -> list[Axes]:
    if isinstance(target, Figure):
        return list(target.get_axes())
    if isinstance(target, Axes):
        return [target]
    return [axes for item in np.asarray(target, dtype=object).flat for axes in _all_axes(item)]


def german_ticks(target: Target) -> Target:
    """Let every numeric tick label of ``target`` (a figure, an axes or an array of axes) show decimal commas.

    Call it once the axes have their scales (``set_yscale("log")`` installs new formatters); labels
    that are text (``set_xticks(positions, names)``, categories, dates) stay as they are. Returns
    ``target``, so it wraps a plot call: ``german_ticks(draw_my_plot(...))``. The plots of this module
    apply it themselves; calling it twice changes nothing.
    """
    for axes in _all_axes(target):
        for axis in (axes.xaxis, axes.yaxis, getattr(axes, "zaxis", None)):
            if axis is None:
                continue
            for level in (axis.major, axis.minor):
                german = _GERMAN_FORMATTERS.get(type(level.formatter))
                if german is not None:
                    level.formatter.__class__ = german  # same object and settings, German labels
    return target


def plot_history(history: History, title: str | None = None) -> Figure:
    """Plot loss and accuracy per epoch side by side, training and validation in each."""
    figure, (loss_axes, accuracy_axes) = plt.subplots(1, 2, figsize=(10, 3.5))
    epochs = range(1, len(history["loss"]) + 1)
    for axes, metric, label in ((loss_axes, "loss", "Loss"), (accuracy_axes, "accuracy", "Accuracy")):
        axes.plot(epochs, history[metric], label="Training")
        axes.plot(epochs, history[f"val_{metric}"], label="Validierung")
        axes.set_xlabel("Epoche")
        axes.set_ylabel(label)
        axes.legend()
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return german_ticks(figure)


def plot_loss_curves(curves: Mapping[str, Sequence[float]], columns: int = 2, log: bool = False) -> Figure:
    """Plot each named loss curve (loss per iteration) in a panel of its own; ``log``: a logarithmic loss axis."""
    rows = math.ceil(len(curves) / columns)
    figure, axes_grid = plt.subplots(rows, columns, figsize=(5 * columns, 3 * rows), squeeze=False)
    for axes, (name, losses) in zip(axes_grid.flat, curves.items()):
        axes.plot(range(len(losses)), losses)
        axes.set_title(name)
        axes.set_xlabel("Iteration")
        axes.set_ylabel("Loss")
        if log:
            axes.set_yscale("log")
    for axes in list(axes_grid.flat)[len(curves):]:
        axes.set_visible(False)
    figure.tight_layout()
    return german_ticks(figure)


def plot_runs(histories: Mapping[str, History], metric: str, ylabel: str | None = None) -> Figure:
    """Plot one metric of a history (e.g. ``"val_accuracy"``) per epoch, one line per named run."""
    figure, axes = plt.subplots(figsize=(7, 3.5))
    for name, history in histories.items():
        axes.plot(range(1, len(history[metric]) + 1), history[metric], label=name)
    axes.set_xlabel("Epoche")
    axes.set_ylabel(ylabel or metric)
    axes.legend()
    figure.tight_layout()
    return german_ticks(figure)


def plot_accuracy_over(results: Mapping[float, tuple[float, float]], xlabel: str, title: str | None = None,
                       log_base: float | None = None) -> Figure:
    """Training and validation accuracy over a setting (a strength, a number of images): ``results`` maps each
    setting to ``(training accuracy, validation accuracy)``; ``log_base``: a logarithmic x axis."""
    figure, axes = plt.subplots(figsize=(6, 3.5))
    settings = list(results)
    axes.plot(settings, [train for train, _ in results.values()], "o-", label="Training")
    axes.plot(settings, [val for _, val in results.values()], "o-", label="Validierung")
    if log_base is not None:
        axes.set_xscale("log", base=log_base)
    axes.set_xlabel(xlabel)
    axes.set_ylabel("Accuracy")
    if title:
        axes.set_title(title)
    axes.legend()
    figure.tight_layout()
    return german_ticks(figure)


def plot_train_test_gap(
    results: Mapping[str, tuple[float, float]], labels: tuple[str, str] = ("Training", "Test"),
) -> Figure:
    """Bar chart of training and test (or validation) accuracy per named model, the gap above each pair."""
    figure, axes = plt.subplots(figsize=(max(6, 1.4 * len(results)), 3.5))
    positions = range(len(results))
    train = [train_accuracy for train_accuracy, _ in results.values()]
    test = [test_accuracy for _, test_accuracy in results.values()]
    axes.bar([x - 0.2 for x in positions], train, width=0.4, label=labels[0])
    axes.bar([x + 0.2 for x in positions], test, width=0.4, label=labels[1])
    for x, train_accuracy, test_accuracy in zip(positions, train, test):
        axes.annotate(f"Lücke {format_number(train_accuracy - test_accuracy)}", (x, max(train_accuracy, test_accuracy)),
                      xytext=(0, 3), textcoords="offset points", ha="center", fontsize=8)
    axes.set_xticks(list(positions), list(results))
    axes.set_ylabel("Accuracy")
    axes.set_ylim(min(test + train) - 0.05, 1.02)
    axes.legend(loc="lower right")
    figure.tight_layout()
    return german_ticks(figure)


def plot_images(images: torch.Tensor, titles: Sequence[str] | None = None, columns: int = 8) -> Figure:
    """Show a batch of images ``(N, C, H, W)``: one channel in grey, three channels as RGB in [0, 1]."""
    rows = math.ceil(len(images) / columns)
    figure, axes_grid = plt.subplots(rows, columns, figsize=(1.3 * columns, 1.5 * rows), squeeze=False)
    for index, axes in enumerate(axes_grid.flat):
        axes.axis("off")
        if index >= len(images):
            continue
        image = images[index].detach().cpu()
        if image.shape[0] == 1:
            axes.imshow(image[0].numpy(), cmap="gray")
        else:
            axes.imshow(image.permute(1, 2, 0).clamp(0, 1).numpy())
        if titles is not None:
            axes.set_title(titles[index], fontsize=9)
    figure.tight_layout()
    return figure
