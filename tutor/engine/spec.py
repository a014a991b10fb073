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

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch.nn as nn

from tutor.engine.layers import (
    ALLOWED_LAYERS,
    MAX_SIZE_VALUE,
    Path,
    parse_arguments,
    type_name,
)
from tutor.errors import TutorError
from tutor.text import suggest

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

    # The model-source interface (tutor.engine.source): what lesson steps and training
    # runs ask of any model, a spec or the learner's own code.

    def build(self, device: Any = "cpu", seed: int | None = 0) -> nn.Module:
        """The spec built for real (:func:`tutor.engine.build.build_model`)."""
        from tutor.engine.build import build_model

        return build_model(self, device=device, seed=seed)

    def rule_facts(self) -> Any:
        """The rules' :class:`~tutor.engine.rules.ModelFacts`, from a dry run (no weights)."""
        from tutor.engine.build import dry_run
        from tutor.engine.rules import ModelFacts

        return ModelFacts(
            name=self.name,
            input=tuple(self.input),
            output=tuple(dry_run(self, batch_size=1).output_shape[1:]),
            last_layer=self.layers[-1].type if self.layers else "",
        )

    def code(self) -> Any:
        """An ``nn.Sequential`` equal to the spec, as a :class:`~tutor.engine.script.Script`
        (:func:`tutor.engine.codegen.model_script`)."""
        from tutor.engine.codegen import model_script

        return model_script(self)


def _reporter(issues: list[SpecIssue]) -> Any:
    """A ``report`` callback (see ``tutor.engine.layers``) that collects SpecIssues."""

    def report(path: Path, message: str, key: bool = False) -> None:
        issues.append(SpecIssue(path, message, key=key))

    return report


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
        args, kwargs = parse_arguments(layer_type, raw, path, _reporter(issues))
        return LayerSpec(layer_type, args, kwargs, None, path)

    if not isinstance(entry, Mapping):
        issues.append(
            SpecIssue(
                path,
                f"a layer must be a name such as ReLU or a mapping such as "
                f"Linear: {{in_features: 784, out_features: 10}}, not {type_name(entry)}",
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
    args, kwargs = parse_arguments(layer_type, entry[type_keys[0]], path, _reporter(issues))
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
                    f"'layers', not {type_name(data)}",
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
