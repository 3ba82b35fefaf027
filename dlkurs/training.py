"""Minibatches from memory, evaluation, and the course's training loop."""
from __future__ import annotations

from collections.abc import Callable, Iterator

import torch
from torch import nn

from .data import ImageData
from .device import get_device

History = dict[str, list[float]]
"""Per-epoch metrics, as in Keras's ``History.history``: loss, accuracy, val_loss, val_accuracy."""


def batches(
    data: ImageData, batch_size: int, shuffle: bool = False, generator: torch.Generator | None = None
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Yield ``(images, labels)`` minibatches as slices of ``data``; the last one may be smaller."""
    order = torch.randperm(len(data), generator=generator) if shuffle else torch.arange(len(data))
    order = order.to(data.labels.device)
    for start in range(0, len(data), batch_size):
        indices = order[start:start + batch_size]
        yield data.images[indices], data.labels[indices]


@torch.no_grad()
def evaluate(
    model: nn.Module, data: ImageData, loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    batch_size: int = 2048,
) -> tuple[float, float]:
    """Return the mean loss and the accuracy of ``model`` on ``data``, in evaluation mode.

    The model is switched back to training mode afterwards if it was in it.
    """
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    total_loss, correct = 0.0, 0
    for images, labels in batches(data.to(device), batch_size):
        outputs = model(images)
        total_loss += loss_fn(outputs, labels).item() * len(labels)
        correct += (outputs.argmax(dim=1) == labels).sum().item()
    model.train(was_training)
    return total_loss / len(data), correct / len(data)


def fit(
    model: nn.Module,
    train_data: ImageData,
    val_data: ImageData,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    epochs: int,
    batch_size: int = 64,
    augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
    penalty: Callable[[nn.Module], torch.Tensor] | None = None,
    seed: int = 0,
    device: torch.device | None = None,
    progress: bool = True,
) -> History:
    """Train ``model`` for ``epochs`` epochs of shuffled minibatches and return its history.

    ``loss`` and ``accuracy`` are the means over the epoch's training batches (as Keras reports
    them); ``val_loss`` and ``val_accuracy`` are measured on ``val_data`` after each epoch.
    ``augment``, if given, transforms each training batch of images. ``penalty``, if given, is
    added to the loss before ``backward`` (``loss_fn(outputs, labels) + penalty(model)``, e.g. an L1
    term); ``loss`` in the history stays the data loss without it, comparable with ``val_loss``.
    The data is moved to ``device`` (default: :func:`get_device`) once, before the first epoch.
    """
    device = device or get_device()
    model.to(device)
    train_data, val_data = train_data.to(device), val_data.to(device)
    generator = torch.Generator().manual_seed(seed)
    history: History = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
    from tqdm.auto import tqdm  # imports IPython: only where a model is trained

    bar = tqdm(range(epochs), desc="Training", unit="Epoche", disable=not progress)
    for _ in bar:
        model.train()
        total_loss, correct = 0.0, 0
        for images, labels in batches(train_data, batch_size, shuffle=True, generator=generator):
            if augment is not None:
                images = augment(images)
            outputs = model(images)
            loss = loss_fn(outputs, labels)
            optimizer.zero_grad()
            (loss if penalty is None else loss + penalty(model)).backward()
            optimizer.step()
            total_loss += loss.item() * len(labels)
            correct += (outputs.argmax(dim=1) == labels).sum().item()
        val_loss, val_accuracy = evaluate(model, val_data, loss_fn)
        history["loss"].append(total_loss / len(train_data))
        history["accuracy"].append(correct / len(train_data))
        history["val_loss"].append(val_loss)
        history["val_accuracy"].append(val_accuracy)
        bar.set_postfix(loss=f"{history['loss'][-1]:.3f}", val_accuracy=f"{val_accuracy:.3f}")
    return history
