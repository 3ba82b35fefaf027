"""Training runs with one deliberate bug each, whose loss curves students learn to read."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import torch
from torch import nn


@dataclass(frozen=True)
class _Bug:
    """What one broken run gets wrong."""

    make_optimizer: Callable[..., torch.optim.Optimizer]
    shuffle_labels: bool = False      # labels no longer belong to their images
    sign: float = 1.0                 # -1: the optimizer climbs the loss
    erase_gradients: bool = False     # zero_grad() between backward() and step()
    reduction: str = "mean"           # "sum": gradients 64 times larger than meant


_BUGS = {
    "A": _Bug(partial(torch.optim.SGD, lr=0.2), shuffle_labels=True),
    "B": _Bug(partial(torch.optim.Adam, lr=1e-4), sign=-1.0),
    "C": _Bug(partial(torch.optim.SGD, lr=0.1), erase_gradients=True),
    "D": _Bug(partial(torch.optim.SGD, lr=0.1, momentum=0.9), reduction="sum"),
}


def broken_training_runs(
    build_model: Callable[[], nn.Module], images: torch.Tensor, labels: torch.Tensor,
    iterations: int = 100, seed: int = 0,
) -> dict[str, list[float]]:
    """Train a fresh model on one batch four times, each time with another bug.

    Returns the mean cross-entropy per iteration of each run, under the names ``"A"`` to ``"D"``:

    - A: the labels are shuffled anew in every iteration (data and labels loaded wrongly);
    - B: the sign of the loss is flipped, so the optimizer climbs instead of descending;
    - C: ``optimizer.zero_grad()`` sits between ``backward()`` and ``step()`` (backprop bug);
    - D: the loss is summed over the batch instead of averaged, with a high learning rate and
      momentum: the steps are far too large.
    """
    generator = torch.Generator().manual_seed(seed)
    curves = {}
    for name, bug in _BUGS.items():
        torch.manual_seed(seed)
        model = build_model().to(images.device)
        optimizer = bug.make_optimizer(model.parameters())
        losses = []
        for _ in range(iterations):
            targets = labels
            if bug.shuffle_labels:
                targets = labels[torch.randperm(len(labels), generator=generator).to(labels.device)]
            loss = nn.functional.cross_entropy(model(images), targets, reduction=bug.reduction)
            optimizer.zero_grad()
            (bug.sign * loss).backward()
            if bug.erase_gradients:
                optimizer.zero_grad()
            optimizer.step()
            losses.append(loss.item() / (len(labels) if bug.reduction == "sum" else 1))
        curves[name] = losses
    return curves
