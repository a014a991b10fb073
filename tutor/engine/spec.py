"""Model specs: plain data (from YAML) -> checked layer descriptions.

A spec names only allow-listed ``torch.nn`` layers, and every argument is checked
against the layer's constructor signature before anything is built. Problems carry a
*path* into the source data (``("layers", 4, "Linear", "in_features")``) so that the
lesson loader can turn it into ``FILE:LINE:COL``; the engine knows nothing of YAML.

Accepted layer forms::

    - ReLU                                   # no arguments
    - MaxPool2d: [2]                         # positional arguments
    - MaxPool2d: 2                           # one positional argument
    - Conv2d: {in_channels: 1, out_channels: 6, kernel_size: 5}
    - {name: fc1, Linear: {in_features: 256, out_features: 120}}
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch.nn as nn

from tutor.engine.plane import PlaneFeatures
from tutor.errors import TutorError

Path = tuple[str | int, ...]

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
}

# Arguments torch lets you leave out but should not: an implicit softmax dimension is
# deprecated and silently picks one for you.
_REQUIRED_ARGS = {"Softmax": ("dim",), "LogSoftmax": ("dim",)}

#: Largest value accepted for any single size argument; bigger is a typo, not a lesson.
MAX_SIZE_VALUE = 1_000_000_000

_SPEC_KEYS = ("name", "input", "layers", "description")


class SpecError(TutorError):
    """One or more problems in a model spec, each with a path into the source data."""

    def __init__(self, issues: list[SpecIssue]):
        self.issues = issues
        super().__init__("; ".join(issue.message for issue in issues))


@dataclass(frozen=True)
class SpecIssue:
    """A problem found in a spec. ``path`` points into the spec's source data."""

    path: Path
    message: str
    key: bool = False
    """True when the problem is the mapping key itself (an unknown name), not its value."""


@dataclass(frozen=True)
class LayerSpec:
    """One layer: its ``torch.nn`` type, arguments and optional name."""

    type: str
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    name: str | None = None
    path: Path = ()
    """Where this layer was written in the source data, for error locations."""

    @property
    def layer_class(self) -> type[nn.Module]:
        return ALLOWED_LAYERS[self.type]

    def arg_path(self, arg: str | int) -> Path:
        """Source path of one argument (a keyword name or a positional index)."""
        return (*self.path, self.type, arg)

    def describe(self) -> str:
        """Python-like text such as ``Linear(in_features=784, out_features=100)``."""
        parts = [repr(a) for a in self.args]
        parts += [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{self.type}({', '.join(parts)})"


@dataclass(frozen=True)
class ModelSpec:
    """A checked model description: the input shape of one sample and its layers."""

    name: str
    input: tuple[int, ...]
    """Shape of one sample, without the batch dimension, e.g. ``(1, 28, 28)``."""
    layers: tuple[LayerSpec, ...]
    description: str | None = None
    path: Path = ()

    def child_names(self) -> list[str]:
        """Names the layers get inside ``nn.Sequential``: their own name or their index."""
        return [layer.name or str(i) for i, layer in enumerate(self.layers)]

    def layer_label(self, index: int) -> str:
        """How to call a layer in a message: ``fc1 (Linear)`` or ``layer 3 (ReLU)``."""
        layer = self.layers[index]
        if layer.name:
            return f"{layer.name} ({layer.type})"
        return f"layer {index} ({layer.type})"


def suggest(word: str, choices: Sequence[str]) -> str:
    """`` (did you mean 'X'?)`` when a close match exists, else an empty string."""
    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered:
        return f" (did you mean '{lowered[word.lower()]}'?)"
    # Learners often write nn.Linear or torch.nn.Linear.
    tail = word.rsplit(".", 1)[-1]
    if tail in choices:
        return f" (did you mean '{tail}'?)"
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _type_name(value: Any) -> str:
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
        return f"{layer_type} argument '{arg}' must be a number, text or a list, not {_type_name(value)}"
    if arg in _SIZE_ARGS or annotation == "int":
        for v in items:
            if arg == "padding" and isinstance(v, str):
                continue
            if isinstance(v, bool) or not isinstance(v, int):
                return f"{layer_type} argument '{arg}' must be a whole number, not {_type_name(v)} ({v!r})"
            if arg in _SIZE_ARGS and v < 1:
                return f"{layer_type} argument '{arg}' must be at least 1, got {v}"
            if abs(v) > MAX_SIZE_VALUE:
                return f"{layer_type} argument '{arg}' is {v:,}, far beyond any sensible size"
    if annotation == "bool" and not isinstance(value, bool):
        return f"{layer_type} argument '{arg}' must be true or false, not {value!r}"
    if (
        annotation in ("float", "float | None")
        and value is not None
        and (isinstance(value, bool) or not isinstance(value, int | float))
    ):
        return f"{layer_type} argument '{arg}' must be a number, not {_type_name(value)}"
    return None


def _annotation_text(param: inspect.Parameter) -> str:
    ann = param.annotation
    if ann is inspect.Parameter.empty:
        return ""
    return ann if isinstance(ann, str) else getattr(ann, "__name__", str(ann))


def _parse_arguments(
    layer_type: str, raw: Any, path: Path, issues: list[SpecIssue]
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
    if raw is None:
        pass
    elif isinstance(raw, Mapping):
        for key, value in raw.items():
            key_text = str(key)
            if key_text in _FORBIDDEN_ARGS:
                issues.append(
                    SpecIssue(
                        (*here, key),
                        f"{layer_type} argument '{key_text}' cannot be set in a "
                        "lesson: tutor chooses it",
                        key=True,
                    )
                )
            elif key_text not in names:
                if not names:
                    msg = f"{layer_type} takes no arguments, but '{key_text}' was given"
                else:
                    msg = (
                        f"{layer_type} has no argument '{key_text}'{suggest(key_text, names)}; "
                        f"it takes: {', '.join(names)}"
                    )
                issues.append(SpecIssue((*here, key), msg, key=True))
            else:
                kwargs[key_text] = value
    elif isinstance(raw, list | tuple):
        if len(raw) > len(positional):
            issues.append(
                SpecIssue(
                    here,
                    f"{layer_type} takes at most {len(positional)} positional "
                    f"argument{'s' if len(positional) != 1 else ''} "
                    f"({', '.join(p.name for p in positional) or 'none'}), got {len(raw)}",
                )
            )
        args = tuple(raw[: len(positional)])
    else:
        if not positional:
            issues.append(
                SpecIssue(here, f"{layer_type} takes no arguments, but {raw!r} was given")
            )
        else:
            args = (raw,)

    bound: dict[str, tuple[Any, Path]] = {}
    for i, value in enumerate(args):
        bound[positional[i].name] = (value, (*here, i) if isinstance(raw, list | tuple) else here)
    for key, value in kwargs.items():
        if key in bound:
            issues.append(SpecIssue((*here, key), f"{layer_type} argument '{key}' is given twice"))
        bound[key] = (value, (*here, key))

    # A misspelt keyword is already reported with a suggestion; "missing" would repeat it.
    misspelt = any(issue.key and issue.path[: len(here)] == here for issue in issues)
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
        issues.append(
            SpecIssue(
                here,
                f"{layer_type} needs {', '.join(repr(m) for m in missing)}; "
                f"write for example {layer_type}: {{{sample}}}",
            )
        )

    by_name = {p.name: p for p in usable}
    for name, (value, value_path) in bound.items():
        problem = _check_value(layer_type, name, value, _annotation_text(by_name[name]))
        if problem:
            issues.append(SpecIssue(value_path, problem))

    return tuple(_freeze(a) for a in args), {k: _freeze(v) for k, v in kwargs.items()}


def _parse_layer(entry: Any, index: int, base: Path, issues: list[SpecIssue]) -> LayerSpec | None:
    path = (*base, "layers", index)
    allowed = list(ALLOWED_LAYERS)
    name: str | None = None

    if isinstance(entry, str):
        layer_type, raw = entry.strip(), None
        if layer_type not in ALLOWED_LAYERS:
            issues.append(SpecIssue(path, _unknown_layer(layer_type, allowed)))
            return None
        # Missing required arguments point at the entry itself (the locator falls back
        # to the longest path that exists in the file).
        args, kwargs = _parse_arguments(layer_type, raw, path, issues)
        return LayerSpec(layer_type, args, kwargs, None, path)

    if not isinstance(entry, Mapping):
        issues.append(
            SpecIssue(
                path,
                f"a layer must be a name such as ReLU or a mapping such as "
                f"Linear: {{in_features: 784, out_features: 10}}, not {_type_name(entry)}",
            )
        )
        return None

    type_keys = [k for k in entry if k != "name"]
    if "name" in entry:
        raw_name = entry["name"]
        if not isinstance(raw_name, str) or not raw_name.isidentifier():
            issues.append(
                SpecIssue(
                    (*path, "name"),
                    f"a layer name must be a Python-style identifier "
                    f"such as fc1 or conv_1, not {raw_name!r}",
                )
            )
        else:
            name = raw_name
    if len(type_keys) != 1:
        if not type_keys:
            issues.append(
                SpecIssue(
                    path,
                    "this layer has a name but no type; add for example "
                    "Linear: {in_features: 784, out_features: 10}",
                )
            )
        else:
            unknown = [k for k in type_keys if k not in ALLOWED_LAYERS]
            if unknown:
                issues.append(
                    SpecIssue(
                        (*path, unknown[0]), _unknown_layer(str(unknown[0]), allowed), key=True
                    )
                )
            else:
                issues.append(
                    SpecIssue(
                        path,
                        f"one layer per list entry: this entry names "
                        f"{len(type_keys)} layers ({', '.join(map(str, type_keys))})",
                    )
                )
        return None
    layer_type = str(type_keys[0])
    if layer_type not in ALLOWED_LAYERS:
        issues.append(
            SpecIssue((*path, type_keys[0]), _unknown_layer(layer_type, allowed), key=True)
        )
        return None
    args, kwargs = _parse_arguments(layer_type, entry[type_keys[0]], path, issues)
    return LayerSpec(layer_type, args, kwargs, name, path)


def _unknown_layer(layer_type: str, allowed: list[str]) -> str:
    return (
        f"unknown layer type '{layer_type}'{suggest(layer_type, allowed)}; "
        f"allowed layers: {', '.join(allowed)}"
    )


def parse_spec(data: Any, name: str | None = None, path: Path = ()) -> ModelSpec:
    """Check plain spec data and return a :class:`ModelSpec`.

    Args:
        data: the mapping read from YAML (``input`` and ``layers``, optionally ``name``).
        name: the model's name when the data does not hold one (a lesson's ``models:`` key).
        path: where ``data`` sits in its file, prefixed to every issue's path.

    Raises:
        SpecError: with every problem found, not just the first.
    """
    issues: list[SpecIssue] = []
    if not isinstance(data, Mapping):
        raise SpecError(
            [
                SpecIssue(
                    path,
                    f"a model spec must be a mapping with 'input' and "
                    f"'layers', not {_type_name(data)}",
                )
            ]
        )
    for key in data:
        if key not in _SPEC_KEYS:
            issues.append(
                SpecIssue(
                    (*path, key),
                    f"unknown model field '{key}'{suggest(str(key), _SPEC_KEYS)}",
                    key=True,
                )
            )

    model_name = data.get("name", name)
    if model_name is None:
        model_name = "model"
    if not isinstance(model_name, str) or not model_name.strip():
        issues.append(SpecIssue((*path, "name"), "the model name must be text"))
        model_name = "model"

    raw_input = data.get("input")
    input_shape: tuple[int, ...] = ()
    if raw_input is None:
        issues.append(
            SpecIssue(
                path,
                "the model needs 'input': the shape of one sample without "
                "the batch dimension, e.g. input: [1, 28, 28]",
            )
        )
    else:
        items = raw_input if isinstance(raw_input, list | tuple) else [raw_input]
        bad = [v for v in items if isinstance(v, bool) or not isinstance(v, int) or v < 1]
        if bad or not items:
            issues.append(
                SpecIssue(
                    (*path, "input"),
                    "'input' must be a list of positive whole "
                    f"numbers such as [1, 28, 28] or [784], got {raw_input!r}",
                )
            )
        elif any(v > MAX_SIZE_VALUE for v in items):
            issues.append(SpecIssue((*path, "input"), f"'input' {raw_input!r} is far too large"))
        else:
            input_shape = tuple(items)

    raw_layers = data.get("layers")
    layers: list[LayerSpec] = []
    if raw_layers is None:
        issues.append(
            SpecIssue(
                path,
                "the model needs 'layers': a list such as "
                "[Flatten, {Linear: {in_features: 784, out_features: 10}}]",
            )
        )
    elif not isinstance(raw_layers, list) or not raw_layers:
        issues.append(SpecIssue((*path, "layers"), "'layers' must be a non-empty list of layers"))
    else:
        for i, entry in enumerate(raw_layers):
            layer = _parse_layer(entry, i, path, issues)
            if layer is not None:
                layers.append(layer)
        seen: dict[str, int] = {}
        for layer in layers:
            if layer.name is None:
                continue
            if layer.name in seen:
                issues.append(
                    SpecIssue((*layer.path, "name"), f"the layer name '{layer.name}' is used twice")
                )
            seen[layer.name] = 1

    if issues:
        raise SpecError(issues)
    description = data.get("description")
    return ModelSpec(
        name=model_name.strip(),
        input=input_shape,
        layers=tuple(layers),
        description=description if isinstance(description, str) else None,
        path=path,
    )
