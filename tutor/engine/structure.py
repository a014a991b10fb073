"""Tensors inside nested values: what a layer received or returned, whatever its form.

Models take and return more than one tensor: an LSTM returns ``(out, (h, c))``, a
packed sequence hides its numbers in ``.data``, a detection model returns a dict, a
policy network returns a distribution, a debugging layer returns a string. These
helpers find every tensor in such a value and describe it without ever raising, so a
tracer built on them cannot break the forward pass it watches.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch.nn.utils.rnn import PackedSequence

Shape = tuple[int, ...]

# Deeper nesting than this is treated as opaque: a guard against self-referencing values.
_MAX_DEPTH = 16


def _is_namedtuple(value: Any) -> bool:
    return isinstance(value, tuple) and hasattr(value, "_fields")


def tensors_in(value: Any) -> list[torch.Tensor]:
    """Every tensor inside ``value``, depth first, in argument / key order.

    A ``PackedSequence`` contributes its ``.data``; a distribution contributes nothing.
    """
    found: list[torch.Tensor] = []

    def walk(v: Any, depth: int) -> None:
        if depth > _MAX_DEPTH:
            return
        if isinstance(v, torch.Tensor):
            found.append(v)
        elif isinstance(v, PackedSequence):
            found.append(v.data)
        elif isinstance(v, Mapping):
            for item in v.values():
                walk(item, depth + 1)
        elif isinstance(v, list | tuple):
            for item in v:
                walk(item, depth + 1)

    walk(value, 0)
    return found


def first_tensor(value: Any) -> torch.Tensor | None:
    """The first tensor inside ``value`` (see :func:`tensors_in`), or None."""
    found = tensors_in(value)
    return found[0] if found else None


def _kind(value: Any) -> str:
    """A learner-readable name for a non-tensor value: ``a str``, ``a Categorical``."""
    if value is None:
        return "None"
    if isinstance(value, type):
        return f"the class {value.__name__}"
    return f"a {type(value).__name__}"


def shapes_of(value: Any) -> tuple[Shape | list[Shape], str | None]:
    """The shape of every tensor in ``value`` and a note on anything unusual.

    Returns one shape for a single tensor (also a tuple holding one tensor), a list of
    shapes for several, and an empty list with a note when there is no tensor at all
    (``()`` is the shape of a 0-d tensor). A
    ``PackedSequence`` is described by its ``.data`` shape; a distribution by its
    ``batch_shape + event_shape``.
    """
    shapes: list[Shape] = []
    notes: list[str] = []

    def walk(v: Any, depth: int) -> None:
        if depth > _MAX_DEPTH:
            return
        if isinstance(v, torch.Tensor):
            shapes.append(tuple(v.shape))
        elif isinstance(v, PackedSequence):
            shapes.append(tuple(v.data.shape))
            notes.append(
                f"PackedSequence: {tuple(v.data.shape)} is its .data, every time step of "
                f"every sequence packed together ({len(v.batch_sizes)} time steps)"
            )
        elif isinstance(v, torch.distributions.Distribution):
            shape = tuple(v.batch_shape) + tuple(v.event_shape)
            shapes.append(shape)
            notes.append(f"returns {_kind(v)} distribution; {shape} is batch_shape + event_shape")
        elif isinstance(v, Mapping):
            for item in v.values():
                walk(item, depth + 1)
        elif isinstance(v, list | tuple) and not isinstance(v, str):
            for item in v:
                walk(item, depth + 1)

    try:
        walk(value, 0)
    except Exception as error:  # a strange container must not break the forward pass
        return [], f"could not read the shapes ({type(error).__name__}: {error})"
    if not shapes:
        if isinstance(value, list | tuple | Mapping) and not _is_namedtuple(value):
            kind = type(value).__name__
            return [], f"returns a {kind} without tensors"
        return [], f"returns {_kind(value)}, not a tensor"
    note = "; ".join(dict.fromkeys(notes)) or None
    if len(shapes) == 1:
        return shapes[0], note
    return shapes, note


def map_tensors(value: Any, fn: Callable[[torch.Tensor], torch.Tensor]) -> Any:
    """``value`` rebuilt with ``fn`` applied to every tensor (lists, tuples, dicts,
    named tuples and packed sequences keep their type); other values pass through."""
    if isinstance(value, torch.Tensor):
        return fn(value)
    if isinstance(value, PackedSequence):
        data = fn(value.data)
        # batch_sizes stay on the CPU (PyTorch requires it); the indices follow the data.
        moved = value.to(data.device)
        return PackedSequence(data, moved.batch_sizes, moved.sorted_indices, moved.unsorted_indices)
    if isinstance(value, Mapping):
        items = {k: map_tensors(v, fn) for k, v in value.items()}
        try:
            return type(value)(items)  # type: ignore[call-arg]
        except TypeError:
            return items
    if _is_namedtuple(value):
        return type(value)(*(map_tensors(v, fn) for v in value))
    if isinstance(value, list | tuple):
        return type(value)(map_tensors(v, fn) for v in value)
    return value
