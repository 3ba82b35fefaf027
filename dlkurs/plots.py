"""Learning curves and loss curves with matplotlib."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from .training import History


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
    return figure


def plot_loss_curves(curves: Mapping[str, Sequence[float]], columns: int = 2) -> Figure:
    """Plot each named loss curve (loss per iteration) in a panel of its own."""
    rows = math.ceil(len(curves) / columns)
    figure, axes_grid = plt.subplots(rows, columns, figsize=(5 * columns, 3 * rows), squeeze=False)
    for axes, (name, losses) in zip(axes_grid.flat, curves.items()):
        axes.plot(range(len(losses)), losses)
        axes.set_title(name)
        axes.set_xlabel("Iteration")
        axes.set_ylabel("Loss")
    for axes in list(axes_grid.flat)[len(curves):]:
        axes.set_visible(False)
    figure.tight_layout()
    return figure
