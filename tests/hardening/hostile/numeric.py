"""Every numeric field of every step kind and of every allow-listed layer, enumerated
from the schemas themselves (so a new kind or layer is covered the day it is added),
and the extreme values fed into them."""

from __future__ import annotations

import inspect
import math
import types
from collections.abc import Iterator
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

FieldPath = tuple[str | int, ...]

#: What a hostile learner or a careless author writes where a number goes.
EXTREMES: list[Any] = [
    math.nan,
    math.inf,
    -math.inf,
    1e308,
    -1e308,
    10**30,
    -(10**30),
    2**63,
    -1,
    0,
]


def numeric_fields(model: type[BaseModel], prefix: FieldPath = ()) -> Iterator[FieldPath]:
    """Paths of every int or float field of ``model``, nested models and lists included
    (a list's items as index 0, a tuple's as each position)."""
    for path, _ in numeric_fields_with_bounds(model, prefix):
        yield path


def numeric_fields_with_bounds(
    model: type[BaseModel], prefix: FieldPath = ()
) -> Iterator[tuple[FieldPath, list[Any]]]:
    """:func:`numeric_fields` with the bounds the schema puts on each (``ge``, ``le``,
    ``gt``, ``lt`` values): the largest and smallest numbers it accepts."""
    for name, info in model.model_fields.items():
        yield from _walk(info.annotation, (*prefix, name), _limits(info.metadata))


def _limits(metadata: Any) -> list[Any]:
    found = []
    for item in metadata:
        found += _limits(getattr(item, "metadata", ()))
        for attr in ("ge", "le", "gt", "lt"):
            value = getattr(item, attr, None)
            if isinstance(value, int | float) and not isinstance(value, bool):
                found.append(value)
    return found


def _walk(
    annotation: Any, path: FieldPath, bounds: list[Any]
) -> Iterator[tuple[FieldPath, list[Any]]]:
    origin, args = get_origin(annotation), get_args(annotation)
    if annotation in (int, float):
        yield path, bounds
    elif origin is Annotated:
        yield from _walk(args[0], path, bounds + _limits(args[1:]))
    elif origin in (Union, types.UnionType):
        seen: set[FieldPath] = set()
        for arg in args:
            for found, limits in _walk(arg, path, bounds):
                if found not in seen:
                    seen.add(found)
                    yield found, limits
    elif origin is list:
        yield from _walk(args[0], (*path, 0), [])
    elif origin is tuple:
        for i, arg in enumerate(args):
            yield from _walk(arg, (*path, i), [])
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield from numeric_fields_with_bounds(annotation, path)
    # str, bool, Literal, dict[str, Any] (expect, outcome: checked against facts) hold no
    # number of their own.


def layer_numeric_arguments(cls: type) -> list[str]:
    """Arguments of a layer's constructor that take numbers (by annotation or default)."""
    names = []
    for name, param in inspect.signature(cls.__init__).parameters.items():
        if name in ("self", "device", "dtype") or param.kind in (
            param.VAR_POSITIONAL,
            param.VAR_KEYWORD,
        ):
            continue
        annotation = str(param.annotation)
        default = param.default
        numeric_default = isinstance(default, int | float) and not isinstance(default, bool)
        if numeric_default or any(word in annotation for word in ("int", "float", "_size")):
            names.append(name)
    return names


def set_path(data: Any, path: FieldPath, value: Any) -> None:
    """Put ``value`` at ``path`` in nested dicts and lists (made as needed)."""
    for i, key in enumerate(path[:-1]):
        nxt = path[i + 1]
        if isinstance(data, list):
            while len(data) <= int(key):
                data.append({} if isinstance(nxt, str) else [])
            data = data[int(key)]
        else:
            data = data.setdefault(key, {} if isinstance(nxt, str) else [])
    last = path[-1]
    if isinstance(data, list):
        while len(data) <= int(last):
            data.append(0.0)
        data[int(last)] = value
    else:
        data[last] = value
