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


class RecordingModel(torch.nn.Module):
    """``model`` as it is, recording a copy of every input it sees while gradients are on (a training forward)."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model
        self.inputs: list[torch.Tensor] = []

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        if torch.is_grad_enabled():
            self.inputs.append(inputs.detach().cpu().clone())
        return self.model(inputs)


def train_epochs_run(train_epochs: Callable[..., Any], model: torch.nn.Module, images: torch.Tensor,
                     labels: torch.Tensor, loss_fn: Callable[..., Any], optimizer: torch.optim.Optimizer,
                     epochs: int, batch_size: int, generator_seed: int, global_seed: int) -> dict:
    """One call of the student's ``train_epochs`` on the given objects, observed.

    PyTorch's global random state is set to ``global_seed`` first and the generator is a fresh one seeded with
    ``generator_seed``. ``{"result": what it returned, "inputs": the input of each training forward, in order,
    "steps": optimizer steps, "state": the model's weights afterwards}``.
    """
    from . import count_steps, steps_taken

    recorder = RecordingModel(model)
    count_steps(optimizer)
    torch.manual_seed(global_seed)
    result = train_epochs(recorder, images, labels, loss_fn, optimizer, epochs, batch_size,
                          torch.Generator().manual_seed(generator_seed))
    return {"result": result, "inputs": recorder.inputs, "steps": steps_taken(optimizer),
            "state": {name: tensor.detach().cpu().clone() for name, tensor in model.state_dict().items()}}
