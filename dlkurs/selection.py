"""A test set that is used once, at the end: it only evaluates finished models and remembers which."""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from .data import ImageData
from .training import evaluate


def fingerprint(model: nn.Module) -> str:
    """A digest of what ``model`` computes: its structure (``repr``) and every parameter and buffer.

    Two evaluations with the same fingerprint saw the same function; training the model changes it.
    """
    digest = hashlib.sha256(repr(model).encode())
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(str((tuple(tensor.shape), tensor.dtype)).encode())
        digest.update(tensor.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class Evaluation:
    """One use of the test set: the model, its :func:`fingerprint` at that moment, and the scores."""

    model: nn.Module
    weights: str
    loss: float
    accuracy: float


class SealedTestSet:
    """The test data behind one door: :meth:`evaluate` gives a model's loss and accuracy on it.

    It records every evaluation (:attr:`history`), so a notebook (and its grader) can check that the
    test set judged exactly one model, the one chosen on validation data. Evaluating the same model
    with unchanged weights again (a cell run twice) reveals nothing new: :attr:`distinct_evaluations`
    counts it once.
    """

    def __init__(self, data: ImageData) -> None:
        self._data = data
        self.history: list[Evaluation] = []

    def __len__(self) -> int:
        return len(self._data)

    @property
    def evaluations(self) -> int:
        """How often :meth:`evaluate` was called."""
        return len(self.history)

    @property
    def evaluated_model(self) -> nn.Module | None:
        """The model of the last evaluation (``None`` before the first)."""
        return self.history[-1].model if self.history else None

    @property
    def distinct_evaluations(self) -> list[Evaluation]:
        """The first evaluation of each distinct model state (structure and weights), in order."""
        seen: set[str] = set()
        distinct = []
        for record in self.history:
            if record.weights not in seen:
                seen.add(record.weights)
                distinct.append(record)
        return distinct

    def was_evaluated(self, model: nn.Module) -> bool:
        """Whether ``model`` as it is now (same structure and weights) is what the test set judged."""
        weights = fingerprint(model)
        return any(record.weights == weights for record in self.history)

    def evaluate(
        self, model: nn.Module, loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    ) -> tuple[float, float]:
        """Return the mean loss and the accuracy of ``model`` on the test data, and record the use."""
        loss, accuracy = evaluate(model, self._data, loss_fn)
        self.history.append(Evaluation(model, fingerprint(model), loss, accuracy))
        return loss, accuracy
