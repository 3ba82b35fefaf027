"""A test set that is used once, at the end: it only evaluates finished models and counts how often."""
from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from .data import ImageData
from .training import evaluate


class SealedTestSet:
    """The test data behind one door: :meth:`evaluate` gives a model's loss and accuracy on it.

    It counts its evaluations and remembers the last model it saw, so a notebook (and its grader)
    can check that the test set was used exactly once, for the model chosen on validation data.
    """

    def __init__(self, data: ImageData) -> None:
        self._data = data
        self.evaluations = 0
        self.evaluated_model: nn.Module | None = None

    def __len__(self) -> int:
        return len(self._data)

    def evaluate(
        self, model: nn.Module, loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    ) -> tuple[float, float]:
        """Return the mean loss and the accuracy of ``model`` on the test data, and count the use."""
        self.evaluations += 1
        self.evaluated_model = model
        return evaluate(model, self._data, loss_fn)
