"""Measurements for assignment 02 (Regularisieren), run beside the student's code in the probe process.

They only observe: a penalty's value and gradients, a gradient, a model's predicted classes. The verdicts in ``verdicts/02_regularisieren/`` decide what the observations mean.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn


def penalty_report(penalty: Any, model: nn.Module) -> dict:
    """What ``penalty(model)`` returns: its type, its value and, where it has one, the gradient of every parameter."""
    value = penalty(model)
    report = {"type": f"{type(value).__module__}.{type(value).__qualname__}",
              "is_tensor": isinstance(value, torch.Tensor)}
    if not isinstance(value, torch.Tensor):
        return report
    report |= {"numel": value.numel(), "requires_grad": bool(value.requires_grad),
               "value": value.detach().double().flatten()}
    if value.requires_grad and value.numel() == 1:
        model.zero_grad()
        value.sum().backward()
        report["grads"] = {name: None if parameter.grad is None else parameter.grad.detach().clone()
                           for name, parameter in model.named_parameters()}
    return report


def gradient(output: Any, inputs: torch.Tensor) -> torch.Tensor | None:
    """The gradient of ``output.sum()`` with respect to ``inputs``; ``None`` where none flows back to them."""
    if not isinstance(output, torch.Tensor) or not output.requires_grad:
        return None
    (grad,) = torch.autograd.grad(output.sum(), inputs, allow_unused=True)
    return grad


def set_training(module: nn.Module, training: bool) -> None:
    """Put ``module`` into training (``True``) or evaluation mode (``False``)."""
    module.train(training)


def predictions(model: nn.Module, images: torch.Tensor, batch_size: int = 2048) -> torch.Tensor:
    """The class ``model`` predicts for each image, in evaluation mode (the mode is restored afterwards)."""
    was_training = model.training
    device = next((parameter.device for parameter in model.parameters()), torch.device("cpu"))
    model.eval()
    try:
        with torch.no_grad():
            return torch.cat([model(images[start:start + batch_size].to(device)).argmax(dim=1).cpu()
                              for start in range(0, len(images), batch_size)])
    finally:
        model.train(was_training)
