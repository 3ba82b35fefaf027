"""Helpers for the notebooks' test cells: what a model does in forward order, and calls a task forbids.

A structure test should see a model the way ``print(model)`` shows it: a module object that is used
after several layers (one ``nn.Tanh()`` for every hidden layer) counts once per use, and a layer
written with the functional API (``torch.relu(x)`` in ``forward``) counts like its module.
:func:`layer_sequence` runs the model once and lists the layers in the order they are called.
:func:`forbidden_calls` makes library functions unavailable while a student's own version runs
("write Dropout yourself").
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

IGNORED = frozenset({"Flatten", "Unflatten", "Identity"})
"""Layers that only reshape or pass the input on; :func:`layer_sequence` leaves them out by default."""

_FUNCTIONS = {
    "relu": "ReLU", "relu_": "ReLU", "tanh": "Tanh", "tanh_": "Tanh", "sigmoid": "Sigmoid", "sigmoid_": "Sigmoid",
    "linear": "Linear", "dropout": "Dropout", "dropout_": "Dropout", "batch_norm": "BatchNorm",
}
"""Functional calls (``torch.relu``, ``F.relu``, ``x.relu()``, ``F.linear`` …) and the layer they stand for."""


@dataclass(frozen=True)
class Layer:
    """One call of a layer in a forward pass.

    ``kind`` is the module's class name (``"Linear"``, ``"ReLU"``, ``"Dropout"``, ``"BatchNorm1d"``) or,
    for a functional call, the module it stands for; ``module`` is the module object (``None`` for a
    function); ``features`` are ``(in, out)`` of a linear layer and ``(num_features,)`` of a norm layer;
    ``p`` is the drop probability of a dropout layer.
    """

    kind: str
    module: nn.Module | None = None
    features: tuple[int, ...] = ()
    p: float | None = None

    def __str__(self) -> str:
        details = [str(size) for size in self.features] + ([f"p={self.p}"] if self.p is not None else [])
        return f"{self.kind}({', '.join(details)})" if details else self.kind


def describe(layers: Iterable[Layer]) -> str:
    """The layers as one line, e.g. ``Linear(784, 512) → ReLU → Dropout(p=0.5)``."""
    return " → ".join(str(layer) for layer in layers) or "(keine Schichten)"


def _module_layer(module: nn.Module) -> Layer:
    kind = type(module).__name__
    if isinstance(module, nn.Linear):
        return Layer(kind, module, (module.in_features, module.out_features))
    if isinstance(module, nn.modules.batchnorm._NormBase):
        return Layer(kind, module, (module.num_features,))
    p = getattr(module, "p", None)
    return Layer(kind, module, p=float(p) if "Dropout" in kind and isinstance(p, (int, float)) else None)


def _function_layer(kind: str, args: tuple, kwargs: dict) -> Layer:
    if kind == "Linear":
        weight = args[1] if len(args) > 1 else kwargs["weight"]
        return Layer(kind, features=(weight.shape[1], weight.shape[0]))
    if kind == "BatchNorm":
        return Layer(kind, features=(args[0].shape[1],))
    if kind == "Dropout":
        return Layer(kind, p=float(args[1] if len(args) > 1 else kwargs.get("p", 0.5)))
    return Layer(kind)


class _Recorder(TorchFunctionMode):
    def __init__(self) -> None:
        super().__init__()
        self.layers: list[Layer] = []
        self.depth = 0  # > 0 while a leaf module runs: its own calls (F.linear in nn.Linear) are not layers

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        kind = _FUNCTIONS.get(getattr(func, "__name__", ""))
        if kind is not None and self.depth == 0:
            self.layers.append(_function_layer(kind, args, kwargs))
        return func(*args, **kwargs)


def layer_sequence(model: nn.Module, *inputs: torch.Tensor, ignore: Iterable[str] = IGNORED) -> list[Layer]:
    """Run ``model(*inputs)`` once (without gradients) and return its layers in the order they were called.

    Modules without submodules count as layers, once per call, so a reused module appears at every
    use, as in ``print(model)``; functional calls outside such modules (``torch.relu``, ``F.linear``,
    ``F.dropout`` …) count as the layer they stand for. Layers whose kind is in ``ignore`` are left out.
    The model stays in its mode (training or evaluation).
    """
    recorder = _Recorder()
    leaves = [module for module in model.modules() if next(module.children(), None) is None]

    def enter(module, _inputs):
        if recorder.depth == 0:
            recorder.layers.append(_module_layer(module))
        recorder.depth += 1

    def leave(_module, _inputs, _output):
        recorder.depth -= 1

    handles = [module.register_forward_pre_hook(enter) for module in leaves]
    handles += [module.register_forward_hook(leave) for module in leaves]
    try:
        with torch.no_grad(), recorder:
            model(*inputs)
    finally:
        for handle in handles:
            handle.remove()
    ignored = set(ignore)
    return [layer for layer in recorder.layers if layer.kind not in ignored]


class ForbiddenCall(AssertionError):
    """A library function was called that the task asks the student to write themselves."""


class _Forbidder(TorchFunctionMode):
    def __init__(self, names: frozenset[str], message: str) -> None:
        super().__init__()
        self.names, self.message = names, message

    def __torch_function__(self, func, types, args=(), kwargs=None):
        name = getattr(func, "__name__", "")
        if name in self.names:
            module = getattr(func, "__module__", None) or "torch"
            qualified = f"{'torch' if module.startswith('torch._C') else module}.{name}"
            raise ForbiddenCall(self.message.format(call=qualified))
        return func(*args, **(kwargs or {}))


@contextmanager
def forbidden_calls(names: Iterable[str], message: str) -> Iterator[None]:
    """While active, every PyTorch function or tensor method named in ``names`` raises :class:`ForbiddenCall`.

    It catches the call however it is reached: ``F.dropout``, ``torch.dropout``, a name imported with
    ``from torch.nn.functional import dropout``, or ``nn.Dropout``'s forward. ``message`` may contain
    ``{call}``, replaced by the function's full name.
    """
    with _Forbidder(frozenset(names), message):
        yield
