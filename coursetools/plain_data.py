"""Plain data: what crosses from a process that ran student code to the process that decides a grade.

The untrusted side (:mod:`coursetools.probe_server`, in the sandbox) turns any value into plain
data with :func:`to_plain`: numbers, strings, tensors, lists, tuples and dicts of those, and tagged
dicts for models, datasets, figures and everything else. The trusted side reads the bytes with
:func:`load_plain`, which uses ``torch.load(weights_only=True)``: it builds tensors and containers
and never runs code of the sender, so no student object (an ``__eq__`` that is always true, a
patched method) ever exists in the grading process.
"""
from __future__ import annotations

import io
import numbers
from typing import Any

import torch

KIND = "__kind__"
"""Key of a tagged dict: ``"module"``, ``"images"``, ``"generator"``, ``"figure"`` or ``"object"``."""
MAX_DEPTH = 32
MAX_ITEMS = 1_000_000
"""Elements of all containers of one value together (tensors count as one)."""
REPR_LIMIT = 4000


class TooLarge(ValueError):
    """A value is nested too deep or holds too many elements to be sent."""


def to_plain(value: Any) -> Any:
    """``value`` as plain data (runs on the untrusted side, may run student code through ``__repr__``)."""
    budget = [MAX_ITEMS]
    return _plain(value, 0, budget)


def _plain(value: Any, depth: int, budget: list[int]) -> Any:
    budget[0] -= 1
    if depth > MAX_DEPTH or budget[0] < 0:
        raise TooLarge("Der Wert ist zu tief verschachtelt oder zu groß.")
    if value is None or type(value) in (bool, str):
        return value
    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu()
        return (tensor.to_dense() if tensor.layout != torch.strided else tensor).clone()
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if _is_numpy_array(value):
        return _numpy_to_plain(value, depth, budget)
    if isinstance(value, (list, tuple)):
        items = [_plain(item, depth + 1, budget) for item in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, (set, frozenset)):
        return {KIND: "set", "items": [_plain(item, depth + 1, budget) for item in value]}
    if isinstance(value, dict):
        return {_plain_key(key): _plain(item, depth + 1, budget) for key, item in value.items()}
    if isinstance(value, torch.nn.Module):
        return module_to_plain(value)
    if isinstance(value, torch.Generator):
        return {KIND: "generator", "state": value.get_state().clone()}
    if type(value).__name__ == "ImageData" and type(value).__module__.startswith("dlkurs"):
        return {KIND: "images", "images": _plain(value.images, depth + 1, budget),
                "labels": _plain(value.labels, depth + 1, budget), "classes": tuple(map(str, value.classes))}
    if _is_figure(value):
        return figure_to_plain(value)
    return {KIND: "object", "type": _type_name(value), "repr": _short_repr(value)}


def _plain_key(key: Any) -> Any:
    if isinstance(key, (bool, str)) or key is None:
        return key if type(key) in (bool, str) or key is None else str(key)
    if isinstance(key, numbers.Integral):
        return int(key)
    if isinstance(key, numbers.Real):
        return float(key)
    if isinstance(key, tuple):
        return tuple(_plain_key(item) for item in key)
    return _short_repr(key)


def _is_numpy_array(value: Any) -> bool:
    return type(value).__module__ == "numpy" and type(value).__name__ in ("ndarray", "matrix")


def _numpy_to_plain(value: Any, depth: int, budget: list[int]) -> Any:
    import numpy

    array = numpy.asarray(value)
    if array.dtype.kind in "biuf":
        return torch.from_numpy(numpy.array(array, dtype=numpy.float64 if array.dtype.kind == "f" else None))
    return _plain(array.tolist(), depth + 1, budget)


def module_to_plain(module: torch.nn.Module) -> dict:
    """A model as data: its class, mode, parameters and buffers, and how ``print(model)`` shows it."""
    return {
        KIND: "module",
        "type": _type_name(module),
        "training": bool(module.training),
        "modes": [bool(part.training) for part in module.modules()],
        "state_dict": {str(name): tensor.detach().cpu().clone() for name, tensor in module.state_dict().items()
                       if isinstance(tensor, torch.Tensor)},
        "repr": _short_repr(module),
    }


def _is_figure(value: Any) -> bool:
    return any(cls.__module__ == "matplotlib.figure" and cls.__name__ == "Figure" for cls in type(value).__mro__)


def figure_to_plain(figure: Any) -> dict:
    """A matplotlib figure as what a reader sees: per axes its title, labels, scales, lines and legend."""
    legends = [[text.get_text() for text in legend.get_texts()] for legend in getattr(figure, "legends", [])]
    return {KIND: "figure", "axes": [_axes_to_plain(axes) for axes in figure.get_axes()],
            "legends": legends, "title": figure._suptitle.get_text() if getattr(figure, "_suptitle", None) else ""}


def _axes_to_plain(axes: Any) -> dict:
    legend = axes.get_legend()
    return {
        "title": axes.get_title(), "xlabel": axes.get_xlabel(), "ylabel": axes.get_ylabel(),
        "xscale": axes.get_xscale(), "yscale": axes.get_yscale(),
        "lines": [{"x": torch.tensor([float(x) for x in line.get_xdata()], dtype=torch.float64),
                   "y": torch.tensor([float(y) for y in line.get_ydata()], dtype=torch.float64),
                   "label": str(line.get_label())} for line in axes.get_lines()],
        "legend": [text.get_text() for text in legend.get_texts()] if legend is not None else None,
        "legend_handles": [str(handle.get_label()) for handle in getattr(legend, "legend_handles", [])]
        if legend is not None else None,
    }


def _type_name(value: Any) -> str:
    cls = type(value)
    return f"{cls.__module__}.{cls.__qualname__}"


def _short_repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception as error:  # a student's __repr__ may fail
        text = f"<{_type_name(value)}: repr() schlug fehl: {type(error).__name__}>"
    return text if len(text) <= REPR_LIMIT else text[:REPR_LIMIT] + " …"


def check_plain(value: Any) -> None:
    """Refuse plain data read on the trusted side that :func:`to_plain` would not have sent.

    The probe process's answers may be written by student code itself, bypassing :func:`to_plain`:
    containers shared within the pickle count each time they are reached (as :func:`to_plain` counts
    them), so a few bytes cannot expand to billions of items in the grader; tensors must hold their
    elements (no stride-0 views of a tiny storage that a comparison would expand).
    """
    budget = MAX_ITEMS
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        budget -= 1
        if budget < 0 or depth > MAX_DEPTH:
            raise TooLarge("Der Wert ist zu tief verschachtelt oder zu groß.")
        if isinstance(item, dict):
            stack.extend((part, depth + 1) for pair in item.items() for part in pair)
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend((part, depth + 1) for part in item)
        elif isinstance(item, torch.Tensor) and item.layout == torch.strided and (
                item.numel() * item.element_size() > item.untyped_storage().nbytes()):
            raise TooLarge("Der Tensor ist eine aufgeblähte Sicht auf zu wenig Daten.")


def dump_plain(value: Any) -> bytes:
    """Plain data as bytes for :func:`load_plain`."""
    buffer = io.BytesIO()
    torch.save(value, buffer)
    return buffer.getvalue()


def load_plain(payload: bytes) -> Any:
    """Read plain data on the trusted side: tensors and containers only, no code of the sender runs."""
    return torch.load(io.BytesIO(payload), weights_only=True, map_location="cpu")


def is_kind(value: Any, kind: str) -> bool:
    """Whether ``value`` is a tagged dict of ``kind`` (``"module"``, ``"figure"`` …)."""
    return isinstance(value, dict) and value.get(KIND) == kind
