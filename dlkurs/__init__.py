"""Helpers for the course module on overfitting and regularisation.

Data loading, the device choice, a training loop with a progress bar, evaluation, plots, results
tables (with German decimal commas) and a test set that counts its uses.
What an exercise teaches stays in its notebook; these are the parts every notebook shares.
"""
from .broken_training import broken_training_runs
from .data import (
    CIFAR2_CLASSES, CIFAR10_CLASSES, DataNotFoundError, ImageData, data_roots, load_cifar2, load_cifar10, load_mnist,
)
from .device import get_device, seed_everything
from .selection import SealedTestSet
from .tables import format_count, format_number, format_percent, markdown_table, show_table
from .training import History, batches, evaluate, fit

PLOTS = ("plot_accuracy_over", "plot_history", "plot_images", "plot_loss_curves", "plot_runs", "plot_train_test_gap")
"""Imported from :mod:`dlkurs.plots` when first used: matplotlib costs a second in a process that only handles tensors."""


def __getattr__(name: str):
    if name in PLOTS:
        from . import plots
        return getattr(plots, name)
    raise AttributeError(f"module 'dlkurs' has no attribute {name!r}")


__all__ = [
    "CIFAR2_CLASSES", "CIFAR10_CLASSES", "DataNotFoundError", "History", "ImageData", "SealedTestSet", "batches",
    "broken_training_runs", "data_roots", "evaluate", "fit", "format_count", "format_number", "format_percent",
    "get_device", "load_cifar2", "load_cifar10", "load_mnist", "markdown_table", "plot_accuracy_over", "plot_history", "plot_images",
    "plot_loss_curves", "plot_runs", "plot_train_test_gap", "seed_everything", "show_table",
]
