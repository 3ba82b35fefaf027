"""Measurements that verdicts run in the probe process, beside the student's code (:meth:`Student.probe`).

They hold no expectation, only ways to observe: which layers a model calls, how often an optimizer
stepped, which figures a function drew. A verdict names them as ``"layers"`` or, for the modules of
one assignment, ``"a05.figures_of"`` (``coursetools/probes/a05.py``). Results travel as plain data.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import torch
from torch import nn


def resolve(name: str) -> Callable[..., Any]:
    """The measurement called ``name``: a function of this package, or ``"module.function"`` in a submodule."""
    if "." not in name:
        return globals()[name]
    module, function = name.rsplit(".", 1)
    return getattr(importlib.import_module(f"{__name__}.{module}"), function)


def layers(model: nn.Module, *inputs: torch.Tensor) -> list[dict]:
    """The layers ``model(*inputs)`` calls, in order, as ``print(model)`` shows them (:func:`dlkurs.checks.layer_sequence`).

    Each layer is ``{"kind", "features", "p", "text", "object", "type"}``: ``object`` numbers the module
    objects in order of first use (a reused module has the same number at each place) and ``type`` is the
    module's class (``module.qualname``); both are ``None`` for a functional call. The model's mode is left
    as it was.
    """
    from dlkurs.checks import layer_sequence

    numbers: dict[int, int] = {}
    result = []
    for layer in layer_sequence(model, *inputs):
        module = layer.module
        result.append({"kind": layer.kind, "features": tuple(layer.features), "p": layer.p, "text": str(layer),
                       "object": None if module is None else numbers.setdefault(id(module), len(numbers)),
                       "type": None if module is None else f"{type(module).__module__}.{type(module).__qualname__}"})
    return result


class CountingLoss(nn.Module):
    """A loss that counts how often it is called, around a loss the verdict chooses."""

    def __init__(self, loss: nn.Module) -> None:
        super().__init__()
        self.loss = loss
        self.calls = 0

    def forward(self, *args: Any, **kwargs: Any) -> torch.Tensor:
        self.calls += 1
        return self.loss(*args, **kwargs)


def count_steps(optimizer: torch.optim.Optimizer) -> torch.optim.Optimizer:
    """The same optimizer, counting its ``step()`` calls (read them with :func:`steps_taken`)."""
    optimizer.dlkurs_steps = 0
    step = optimizer.step

    def counted_step(*args: Any, **kwargs: Any) -> Any:
        optimizer.dlkurs_steps += 1
        return step(*args, **kwargs)

    optimizer.step = counted_step
    return optimizer


def steps_taken(optimizer: torch.optim.Optimizer) -> int:
    """How often ``optimizer.step()`` ran since :func:`count_steps`."""
    return int(optimizer.dlkurs_steps)


def calls(counting_loss: CountingLoss) -> int:
    """How often a :class:`CountingLoss` was called."""
    return int(counting_loss.calls)


def repeat(function: Callable[..., Any], times: int, *args: Any, **kwargs: Any) -> list[Any]:
    """``function(*args, **kwargs)`` called ``times`` times; the results in order."""
    return [function(*args, **kwargs) for _ in range(times)]


def seeded(seed: int, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)`` after ``torch.manual_seed(seed)`` (the global random state of the call)."""
    torch.manual_seed(seed)
    return function(*args, **kwargs)


def attribute(value: Any, name: str) -> Any:
    """``value.name`` (e.g. a model's ``training`` flag or a dataset's ``images``)."""
    return getattr(value, name)


def item(mapping: Any, key: Any) -> Any:
    """``mapping[key]`` (e.g. one model of the student's dict of models; ``keep=True`` keeps it there)."""
    return mapping[key]


def keys(mapping: Any) -> list:
    """The keys of ``mapping`` (e.g. the names of the student's trained models), in order."""
    return list(mapping)


def outputs(model: nn.Module, images: torch.Tensor, batch_size: int = 2048) -> torch.Tensor:
    """``model``'s outputs for ``images`` in evaluation mode, without gradients, in batches like ``dlkurs.evaluate``.

    The images go to the device of the model's parameters; the model's mode is restored afterwards.
    """
    was_training = model.training
    device = next((parameter.device for parameter in model.parameters()), torch.device("cpu"))
    model.eval()
    try:
        with torch.no_grad():
            return torch.cat([model(images[start:start + batch_size].to(device)).detach().cpu()
                              for start in range(0, len(images), batch_size)])
    finally:
        model.train(was_training)
