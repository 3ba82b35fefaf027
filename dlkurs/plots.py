"""Learning curves and loss curves with matplotlib."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import torch
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


def plot_runs(histories: Mapping[str, History], metric: str, ylabel: str | None = None) -> Figure:
    """Plot one metric of a history (e.g. ``"val_accuracy"``) per epoch, one line per named run."""
    figure, axes = plt.subplots(figsize=(7, 3.5))
    for name, history in histories.items():
        axes.plot(range(1, len(history[metric]) + 1), history[metric], label=name)
    axes.set_xlabel("Epoche")
    axes.set_ylabel(ylabel or metric)
    axes.legend()
    figure.tight_layout()
    return figure


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
        axes.annotate(f"Lücke {train_accuracy - test_accuracy:.3f}", (x, max(train_accuracy, test_accuracy)),
                      xytext=(0, 3), textcoords="offset points", ha="center", fontsize=8)
    axes.set_xticks(list(positions), list(results))
    axes.set_ylabel("Accuracy")
    axes.set_ylim(min(test + train) - 0.05, 1.02)
    axes.legend(loc="lower right")
    figure.tight_layout()
    return figure


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
