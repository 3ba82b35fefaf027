"""Measurements for assignment 03 (``"a03.<function>"`` in :meth:`Student.probe`)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch


def loss_and_gradient(loss_fn: Callable[..., Any], probabilities: torch.Tensor, labels: torch.Tensor) -> dict:
    """``loss_fn(probabilities, labels)`` and, if it is a tensor with one element, its gradient after ``probabilities``.

    ``{"value": …, "gradient": tensor or None}``; ``gradient`` is ``None`` where no gradient reached the inputs.
    """
    inputs = probabilities.detach().clone().requires_grad_()
    value = loss_fn(inputs, labels)
    if isinstance(value, torch.Tensor) and value.numel() == 1 and value.requires_grad:
        value.backward()
    return {"value": value, "gradient": inputs.grad}
