"""The layers a model spec may name, and how their arguments are checked.

This is the allow-list: nothing else can be built from a lesson file. Every argument is
checked against the layer's constructor signature (names, types, sizes) before anything
is built, and problems are reported with a path into the source data.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch.nn as nn

from tutor.engine.plane import PlaneFeatures
from tutor.text import suggest

Path = tuple[str | int, ...]
Report = Callable[..., None]
"""``report(path, message, key=False)``: record a problem at ``path``."""

#: The only layer types a spec may name. Nothing else can be built from a lesson file.
ALLOWED_LAYERS: dict[str, type[nn.Module]] = {
    cls.__name__: cls
    for cls in (
        nn.Linear,
        nn.Conv1d,
        nn.Conv2d,
        nn.MaxPool1d,
        nn.MaxPool2d,
        nn.AvgPool1d,
        nn.AvgPool2d,
        nn.AdaptiveAvgPool1d,
        nn.AdaptiveAvgPool2d,
        nn.Flatten,
        nn.Unflatten,
        nn.ReLU,
        nn.LeakyReLU,
        nn.Tanh,
        nn.Hardtanh,
        nn.Sigmoid,
        nn.GELU,
        nn.Softmax,
        nn.LogSoftmax,
        nn.Dropout,
        nn.BatchNorm1d,
        nn.BatchNorm2d,
        nn.Identity,
        PlaneFeatures,  # tutor's own: Playground's input features (tutor.engine.plane)
    )
}

# Arguments that a spec may not set: the engine decides placement and precision, and a
# pooling layer that returns (values, indices) would break the chain of layers.
_FORBIDDEN_ARGS = {"device", "dtype", "return_indices"}

# Arguments that are sizes: they must be positive whole numbers (or lists of them).
_SIZE_ARGS = {
    "in_features",
    "out_features",
    "in_channels",
    "out_channels",
    "num_features",
    "kernel_size",
    "groups",
    "stride",
    "dilation",
    "divisor_override",
}

# Arguments that only mean something within a range: BatchNorm's running averages
# (0 keeps the first batch's statistics for good, 1 keeps only the last one).
_RANGES = {"momentum": (0.0, 1.0)}

# Arguments torch lets you leave out but should not: an implicit softmax dimension is
# deprecated and silently picks one for you.
_REQUIRED_ARGS = {"Softmax": ("dim",), "LogSoftmax": ("dim",)}

#: Largest value accepted for any single size argument; bigger is a typo, not a lesson.
MAX_SIZE_VALUE = 1_000_000_000
#: Largest magnitude of a float argument (a slope, a bound, an epsilon): beyond it the
#: layer's outputs overflow float32 on ordinary inputs.
MAX_FLOAT_VALUE = 1e6


def type_name(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, Sequence):
        return "a list"
    return type(value).__name__


def _freeze(value: Any) -> Any:
    """Lists become tuples, as torch expects for sizes such as ``kernel_size: [3, 3]``."""
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


def _check_value(layer_type: str, arg: str, value: Any, annotation: str) -> str | None:
    """A learner-facing complaint about one argument value, or None when it is fine."""
    scalar_ok = (bool, int, float, str, type(None))
    items = value if isinstance(value, list | tuple) else [value]
    if isinstance(value, Mapping) or any(not isinstance(v, scalar_ok) for v in items):
        return f"{layer_type} argument '{arg}' must be a number, text or a list, not {type_name(value)}"
    # Every number, whatever the signature says: a NaN slope or a 1e308 bound builds a
    # layer whose outputs no view can draw, so it is refused here, with its location.
    for v in items:
        if isinstance(v, float) and not math.isfinite(v):
            return f"{layer_type} argument '{arg}' must be a finite number, not {v!r}"
        is_float = isinstance(v, float) or ("float" in annotation and isinstance(v, int))
        if is_float and not isinstance(v, bool) and abs(v) > MAX_FLOAT_VALUE:
            return f"{layer_type} argument '{arg}' is {v:g}, far beyond any sensible value"
        if isinstance(v, int) and not isinstance(v, bool) and abs(v) > MAX_SIZE_VALUE:
            return f"{layer_type} argument '{arg}' is {v:,}, far beyond any sensible size"
    if arg in _SIZE_ARGS or annotation == "int":
        for v in items:
            if arg == "padding" and isinstance(v, str):
                continue
            if isinstance(v, bool) or not isinstance(v, int):
                return f"{layer_type} argument '{arg}' must be a whole number, not {type_name(v)} ({v!r})"
            if arg in _SIZE_ARGS and v < 1:
                return f"{layer_type} argument '{arg}' must be at least 1, got {v}"
            if abs(v) > MAX_SIZE_VALUE:
                return f"{layer_type} argument '{arg}' is {v:,}, far beyond any sensible size"
    low_high = _RANGES.get(arg)
    if low_high is not None and value is not None:
        low, high = low_high
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{layer_type} argument '{arg}' must be a number from {low:g} to {high:g}, not {type_name(value)} ({value!r})"
        if not low <= value <= high:
            return f"{layer_type} argument '{arg}' must be from {low:g} to {high:g}, got {value!r}"
    if annotation == "bool" and not isinstance(value, bool):
        return f"{layer_type} argument '{arg}' must be true or false, not {value!r}"
    if (
        annotation in ("float", "float | None")
        and value is not None
        and (isinstance(value, bool) or not isinstance(value, int | float))
    ):
        return f"{layer_type} argument '{arg}' must be a number, not {type_name(value)}"
    return None


def _annotation_text(param: inspect.Parameter) -> str:
    ann = param.annotation
    if ann is inspect.Parameter.empty:
        return ""
    return ann if isinstance(ann, str) else getattr(ann, "__name__", str(ann))


def parse_arguments(
    layer_type: str, raw: Any, path: Path, report: Report
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Check ``raw`` (None, a scalar, a list or a mapping) against the layer's signature."""
    cls = ALLOWED_LAYERS[layer_type]
    sig = inspect.signature(cls.__init__)
    params = [
        p
        for name, p in sig.parameters.items()
        if name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    usable = [p for p in params if p.name not in _FORBIDDEN_ARGS]
    positional = [p for p in usable if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    names = [p.name for p in usable]
    here = (*path, layer_type)

    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = {}
    misspelt = False
    if raw is None:
        pass
    elif isinstance(raw, Mapping):
        for key, value in raw.items():
            key_text = str(key)
            if key_text in _FORBIDDEN_ARGS:
                misspelt = True
                report(
                    (*here, key),
                    f"{layer_type} argument '{key_text}' cannot be set in a lesson: tutor chooses it",
                    key=True,
                )
            elif key_text not in names:
                if not names:
                    msg = f"{layer_type} takes no arguments, but '{key_text}' was given"
                else:
                    msg = (
                        f"{layer_type} has no argument '{key_text}'{suggest(key_text, names)}; "
                        f"it takes: {', '.join(names)}"
                    )
                misspelt = True
                report((*here, key), msg, key=True)
            else:
                kwargs[key_text] = value
    elif isinstance(raw, list | tuple):
        if len(raw) > len(positional):
            report(
                here,
                f"{layer_type} takes at most {len(positional)} positional "
                f"argument{'s' if len(positional) != 1 else ''} "
                f"({', '.join(p.name for p in positional) or 'none'}), got {len(raw)}",
            )
        args = tuple(raw[: len(positional)])
    else:
        if not positional:
            report(here, f"{layer_type} takes no arguments, but {raw!r} was given")
        else:
            args = (raw,)

    bound: dict[str, tuple[Any, Path]] = {}
    for i, value in enumerate(args):
        bound[positional[i].name] = (value, (*here, i) if isinstance(raw, list | tuple) else here)
    for key, value in kwargs.items():
        if key in bound:
            report((*here, key), f"{layer_type} argument '{key}' is given twice")
        bound[key] = (value, (*here, key))

    # A misspelt keyword is already reported with a suggestion; "missing" would repeat it.
    missing = (
        []
        if misspelt
        else [
            p.name
            for p in usable
            if (
                p.default is inspect.Parameter.empty or p.name in _REQUIRED_ARGS.get(layer_type, ())
            )
            and p.kind != p.KEYWORD_ONLY
            and p.name not in bound
        ]
    )
    if missing:
        sample = ", ".join(f"{m}: ..." for m in missing)
        report(
            here,
            f"{layer_type} needs {', '.join(repr(m) for m in missing)}; "
            f"write for example {layer_type}: {{{sample}}}",
        )

    by_name = {p.name: p for p in usable}
    for name, (value, value_path) in bound.items():
        problem = _check_value(layer_type, name, value, _annotation_text(by_name[name]))
        if problem:
            report(value_path, problem)

    return tuple(_freeze(a) for a in args), {k: _freeze(v) for k, v in kwargs.items()}
