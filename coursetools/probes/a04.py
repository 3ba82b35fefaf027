"""Measurements of assignment 04 (Netz verkleinern), run beside the student's code in the probe process."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn


def entry(mapping: Mapping, key: Any) -> Any:
    """``mapping[key]`` (e.g. one of the student's trained models, kept there with ``keep=True``)."""
    return mapping[key]


def logits(model: nn.Module, images: torch.Tensor, batch_size: int = 2048) -> torch.Tensor:
    """``model``'s outputs for ``images`` in evaluation mode, without gradients, as ``dlkurs.evaluate`` computes them.

    The images go to the device of the model's parameters; the model's mode is left as it was.
    """
    was_training = model.training
    parameter = next(model.parameters(), None)
    device = parameter.device if parameter is not None else torch.device("cpu")
    model.eval()
    try:
        with torch.no_grad():
            outputs = [model(images[start:start + batch_size].to(device)).detach().cpu()
                       for start in range(0, len(images), batch_size)]
    finally:
        model.train(was_training)
    return torch.cat(outputs)


def keys(mapping: Mapping) -> list:
    """The keys of ``mapping`` (e.g. the names of the student's trained models), in order."""
    return list(mapping)
