"""The instructor's side of 01's "Losskurven lesen": four training runs with one bug each, and the answer key.

Students see only the recorded loss curves, under the letters A to D
(``dlkurs/broken_training_curves.json``, read by :func:`dlkurs.broken_training_runs`); which bug is
behind which letter is written down here, in the verdicts (``verdicts/01_gezielt_overfitten``) of
``source/01_gezielt_overfitten`` and in its solution, never in ``dlkurs``. Record the curves again
(after changing a bug or the letters) with

    python -m coursetools.broken_runs

``tests/test_broken_training_curves.py`` checks that the shipped curves are what :func:`record`
produces, that each shows the pattern of its key, and that the notebook's key agrees.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import torch
from torch import nn

import dlkurs
from dlkurs.broken_training import CURVES_FILE

ITERATIONS = 100
SEED = 0
BATCH_SIZE = 64
SIGNIFICANT_DIGITS = 7


@dataclass(frozen=True)
class Bug:
    """What one broken run gets wrong, and the loss pattern this produces (a key of the notebook's ``PATTERNS``)."""

    pattern: str
    make_optimizer: Callable[..., torch.optim.Optimizer]
    shuffle_labels: bool = False      # labels no longer belong to their images
    sign: float = 1.0                 # -1: the optimizer climbs the loss
    erase_gradients: bool = False     # zero_grad() between backward() and step()
    reduction: str = "mean"           # "sum": gradients 64 times larger than meant


BUGS = {
    # the sign of the loss is flipped, so the optimizer climbs instead of descending
    "A": Bug("steigt", partial(torch.optim.Adam, lr=1e-4), sign=-1.0),
    # optimizer.zero_grad() sits between backward() and step() (a backprop bug): no update ever happens
    "B": Bug("plateau", partial(torch.optim.SGD, lr=0.1), erase_gradients=True),
    # the loss is summed over the batch instead of averaged, with a high learning rate and momentum
    "C": Bug("explodiert", partial(torch.optim.SGD, lr=0.1, momentum=0.9), reduction="sum"),
    # the labels are shuffled anew in every iteration (data and labels loaded wrongly)
    "D": Bug("oszilliert", partial(torch.optim.SGD, lr=0.2), shuffle_labels=True),
}
KEY = {letter: bug.pattern for letter, bug in BUGS.items()}
"""The answer key: the loss pattern of each curve."""


def build_model() -> nn.Module:
    """The model of notebook 01."""
    return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 128), nn.ReLU(), nn.Linear(128, 10))


def run(bug: Bug, images: torch.Tensor, labels: torch.Tensor, iterations: int = ITERATIONS,
        seed: int = SEED) -> list[float]:
    """Train a fresh model on one batch with ``bug``; the mean cross-entropy per iteration."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = build_model().to(images.dtype)
    optimizer = bug.make_optimizer(model.parameters())
    losses = []
    for _ in range(iterations):
        targets = labels[torch.randperm(len(labels), generator=generator)] if bug.shuffle_labels else labels
        loss = nn.functional.cross_entropy(model(images), targets, reduction=bug.reduction)
        optimizer.zero_grad()
        (bug.sign * loss).backward()
        if bug.erase_gradients:
            optimizer.zero_grad()
        optimizer.step()
        losses.append(loss.item() / (len(labels) if bug.reduction == "sum" else 1))
    return losses


def record() -> dict[str, list[float]]:
    """The loss curve of every bug on notebook 01's batch of MNIST, by letter.

    Computed on the CPU in float64 with one thread, so that another machine records the same
    numbers (the exploding run would amplify float32's rounding differences).
    """
    batch = dlkurs.load_mnist(train=True).subset(BATCH_SIZE, seed=SEED)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        curves = {letter: run(bug, batch.images.double(), batch.labels) for letter, bug in BUGS.items()}
    finally:
        torch.set_num_threads(threads)
    return {letter: [float(f"{loss:.{SIGNIFICANT_DIGITS}g}") for loss in losses] for letter, losses in curves.items()}


def write(curves: dict[str, list[float]], path: Path = CURVES_FILE) -> None:
    """Write the curves as JSON: only the letters and their losses."""
    lines = [f"{json.dumps(letter)}: {json.dumps(curves[letter])}" for letter in sorted(curves)]
    path.write_text("{\n" + ",\n".join(lines) + "\n}\n")


def main() -> None:
    write(record())
    print(f"{CURVES_FILE} geschrieben.")


if __name__ == "__main__":
    main()
