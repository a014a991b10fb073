"""Computed facts: the small, fixed placeholder grammar lessons use for numbers.

Lesson text never types a number the engine can compute; it names the fact::

    The first layer holds {{ model.mlp.layer.fc1.weights }} weights plus
    {{ model.mlp.layer.fc1.biases }} biases: {{ model.mlp.layer.fc1.params }} in all.

The grammar (no expressions, no calls, no attribute access beyond this list)::

    model.M.params | trainable_params | layers | input_shape | output_shape
    model.M.layer.L.params | weights | biases | weight_shape | bias_shape
                   | input_shape | output_shape | type
    dataset.D.classes | num_classes | sample_shape | features | title | class.K
    dataset.D.train_size | val_size | test_size           (only when shown: they depend
                                                            on the data actually in use)

``M`` is a model of the lesson, ``L`` a layer name (``fc1``) or position (``3``), ``D``
a registry dataset and ``K`` a class index. Shapes with a batch write it as ``N``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tutor.errors import TutorError
from tutor.text import suggest

PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_NAME = r"[A-Za-z0-9_][A-Za-z0-9_-]*"
_FACT = re.compile(
    rf"^(?P<kind>model|dataset)\.(?P<name>{_NAME})"
    rf"(?:\.(?P<layer_word>layer|class)\.(?P<layer>{_NAME}))?"
    rf"(?:\.(?P<attr>{_NAME}))?$"
)

MODEL_ATTRS = ("params", "trainable_params", "layers", "input_shape", "output_shape")
LAYER_ATTRS = (
    "params",
    "weights",
    "biases",
    "weight_shape",
    "bias_shape",
    "input_shape",
    "output_shape",
    "type",
)
DATASET_ATTRS = ("classes", "num_classes", "sample_shape", "features", "title")
DATASET_SIZE_ATTRS = ("train_size", "val_size", "test_size")


class FactError(TutorError):
    """A placeholder that does not follow the grammar or names something missing."""


@dataclass(frozen=True)
class Shape:
    """A shape for display: ``(N, 784)`` with a batch, ``(100, 784)`` without."""

    dims: tuple[int, ...]
    batch: bool = False

    def __str__(self) -> str:
        items = ["N", *map(str, self.dims)] if self.batch else list(map(str, self.dims))
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


@dataclass(frozen=True)
class FactRef:
    """A parsed placeholder."""

    text: str
    kind: str
    name: str
    attr: str
    layer: str | None = None
    class_index: int | None = None


def parse_fact(text: str) -> FactRef:
    """Parse ``model.mlp.layer.fc1.params`` and friends.

    Raises:
        FactError: naming what is wrong and listing what is allowed.
    """
    ref = text.strip()
    match = _FACT.match(ref)
    if not match:
        raise FactError(
            f"'{{{{ {ref} }}}}' is not a fact; write model.NAME.ATTR, "
            "model.NAME.layer.LAYER.ATTR or dataset.NAME.ATTR"
        )
    kind, name, word, layer, attr = match.group("kind", "name", "layer_word", "layer", "attr")
    if kind == "dataset" and word == "class":
        if attr is not None or not (layer or "").isdigit():
            raise FactError(f"'{ref}': write dataset.NAME.class.K with K a class index")
        return FactRef(ref, kind, name, "class", class_index=int(layer or 0))
    if attr is None:
        raise FactError(f"'{ref}' names no attribute, e.g. {ref}.params")
    if word == "class" or (kind == "dataset" and word):
        raise FactError(f"'{ref}': datasets have no layers")
    if kind == "model" and word is None and attr not in MODEL_ATTRS:
        raise FactError(
            f"'{ref}': a model has no fact '{attr}'{suggest(attr, MODEL_ATTRS)}; "
            f"choose from {', '.join(MODEL_ATTRS)}"
        )
    if kind == "model" and word == "layer" and attr not in LAYER_ATTRS:
        raise FactError(
            f"'{ref}': a layer has no fact '{attr}'{suggest(attr, LAYER_ATTRS)}; "
            f"choose from {', '.join(LAYER_ATTRS)}"
        )
    if kind == "dataset" and attr not in DATASET_ATTRS + DATASET_SIZE_ATTRS:
        allowed = DATASET_ATTRS + DATASET_SIZE_ATTRS
        raise FactError(
            f"'{ref}': a dataset has no fact '{attr}'{suggest(attr, allowed)}; "
            f"choose from {', '.join(allowed)}"
        )
    return FactRef(ref, kind, name, attr, layer=layer)


def placeholders(text: str) -> list[str]:
    """The raw contents of every ``{{ ... }}`` in ``text``."""
    return [m.group(1) for m in PLACEHOLDER.finditer(text)]


def datasets_for_sizes(*texts: str) -> set[str]:
    """Datasets whose sizes the texts mention: they must be loaded before filling."""
    names = set()
    for text in texts:
        for raw in placeholders(text):
            try:
                ref = parse_fact(raw)
            except FactError:
                continue
            if ref.kind == "dataset" and ref.attr in DATASET_SIZE_ATTRS:
                names.add(ref.name)
    return names


def format_value(value: Any) -> str:
    """How a fact is written on screen: ``78,500``, ``(N, 100)``, ``T-shirt/top``."""
    if isinstance(value, Shape):
        return str(value)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4g}"
    if isinstance(value, list | tuple):
        return ", ".join(format_value(v) for v in value)
    return str(value)


def same_value(computed: Any, expected: Any) -> bool:
    """Compare a computed fact with a lesson's ``expect:`` value.

    Shapes may be written as ``[100, 784]``, ``[N, 100]`` or ``"(N, 100)"``.
    """
    if isinstance(computed, Shape):
        if isinstance(expected, str):
            return str(computed).replace(" ", "") == expected.replace(" ", "")
        if isinstance(expected, list):
            dims = list(computed.dims)
            full = ["N", *dims] if computed.batch else dims
            return [str(v) for v in expected] == [str(v) for v in full]
        return False
    if isinstance(computed, bool) or isinstance(expected, bool):
        return computed == expected
    if isinstance(computed, int | float) and isinstance(expected, int | float):
        return math.isclose(computed, expected, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(computed, list | tuple) and isinstance(expected, list | tuple):
        return [str(c) for c in computed] == [str(e) for e in expected]
    return str(computed) == str(expected)


@dataclass
class FactContext:
    """Computes facts for one lesson. Models are dry-run on the meta device, lazily.

    ``specs`` maps model names to ``ModelSpec``s; ``datasets`` optionally maps dataset
    names to loaded datasets, for the sizes that depend on the data actually in use.
    """

    specs: Mapping[str, Any]
    datasets: Mapping[str, Any] = field(default_factory=dict)
    _dry: dict[str, Any] = field(default_factory=dict)

    def dry_run(self, name: str) -> Any:
        """The dry run of model ``name`` at batch 1 (cached): its shapes and counts."""
        if name not in self._dry:
            from tutor.engine.build import dry_run

            self._dry[name] = dry_run(self.specs[name], batch_size=1)
        return self._dry[name]

    def compute(self, ref: FactRef | str) -> Any:
        """The value of a fact.

        Raises:
            FactError: the model, layer, dataset or class does not exist, or a size is
                asked for before the data is loaded.
        """
        if isinstance(ref, str):
            ref = parse_fact(ref)
        if ref.kind == "model":
            return self._model_fact(ref)
        return self._dataset_fact(ref)

    def _model_fact(self, ref: FactRef) -> Any:
        if ref.name not in self.specs:
            names = tuple(self.specs)
            raise FactError(
                f"'{ref.text}': this lesson has no model '{ref.name}'{suggest(ref.name, names)}"
                + (f"; its models: {', '.join(names)}" if names else "")
            )
        from tutor.engine.spec import ModelSpec

        spec = self.specs[ref.name]
        if not isinstance(spec, ModelSpec):
            # The learner's own model (tutor explore) has no spec to dry-run; its
            # lesson states its numbers as the engine computed them when it loaded.
            raise FactError(f"'{ref.text}': facts are computed for model specs only")
        dry = self.dry_run(ref.name)
        if ref.layer is None:
            values: dict[str, Callable[[], Any]] = {
                "params": lambda: dry.total_params,
                "trainable_params": lambda: dry.total_params,
                "layers": lambda: len(spec.layers),
                "input_shape": lambda: Shape(tuple(spec.input), batch=True),
                "output_shape": lambda: Shape(dry.output_shape[1:], batch=True),
            }
            return values[ref.attr]()
        names = spec.child_names()
        if ref.layer not in names:
            raise FactError(
                f"'{ref.text}': model '{ref.name}' has no layer '{ref.layer}'"
                f"{suggest(ref.layer, tuple(names))}; its layers: {', '.join(names)}"
            )
        index = names.index(ref.layer)
        record = dry.layers[index]
        shapes = _param_shapes(spec.layers[index])
        if ref.attr in ("weight_shape", "bias_shape", "weights", "biases"):
            key = "weight" if ref.attr.startswith("weight") else "bias"
            if key not in shapes:
                raise FactError(f"'{ref.text}': layer '{ref.layer}' ({record.label}) has no {key}")
            if ref.attr.endswith("_shape"):
                return Shape(shapes[key])
            return math.prod(shapes[key])
        values = {
            "params": lambda: record.num_params,
            "input_shape": lambda: Shape(record.input_shape[1:], batch=True),
            "output_shape": lambda: Shape(record.output_shape[1:], batch=True),
            "type": lambda: spec.layers[index].type,
        }
        return values[ref.attr]()

    def _dataset_fact(self, ref: FactRef) -> Any:
        from tutor.engine.data import dataset_info, dataset_names

        if ref.name not in dataset_names():
            names = tuple(dataset_names())
            raise FactError(
                f"'{ref.text}': there is no dataset '{ref.name}'{suggest(ref.name, names)}; "
                f"datasets: {', '.join(names)}"
            )
        info = dataset_info(ref.name)
        loaded = self.datasets.get(ref.name)
        # Class names and shapes are facts about the dataset named, from the registry, so
        # text about CIFAR-10 stays true offline, when a stand-in is loaded instead (the
        # header names the data in use). Sizes depend on the data actually loaded.
        classes = tuple(info.classes)
        if ref.attr == "class":
            if ref.class_index is None or ref.class_index >= len(classes):
                raise FactError(
                    f"'{ref.text}': {ref.name} has {len(classes)} classes (0 to {len(classes) - 1})"
                )
            return classes[ref.class_index]
        if ref.attr in DATASET_SIZE_ATTRS:
            if loaded is None:
                raise FactError(
                    f"'{ref.text}': dataset sizes depend on the data in use and are only "
                    "known when it is loaded"
                )
            split = getattr(loaded, ref.attr.removesuffix("_size"))
            return 0 if split is None else len(split)
        sample_shape = tuple(info.sample_shape)
        values: dict[str, Callable[[], Any]] = {
            "classes": lambda: list(classes),
            "num_classes": lambda: len(classes),
            "sample_shape": lambda: Shape(sample_shape),
            "features": lambda: math.prod(sample_shape),
            "title": lambda: info.title,
        }
        return values[ref.attr]()

    def fill(self, text: str) -> str:
        """Replace every placeholder in ``text``; a broken one shows as ``⟨error⟩``.

        Validation has already reported broken placeholders with their line, so at
        display time the text is still shown rather than failing the whole step.
        """

        def replace(match: re.Match[str]) -> str:
            try:
                return format_value(self.compute(match.group(1)))
            except FactError as error:
                return f"⟨{error.message}⟩"

        return PLACEHOLDER.sub(replace, text)


def _param_shapes(layer: Any) -> dict[str, tuple[int, ...]]:
    """Weight and bias shapes of one layer, built on the meta device (no memory)."""
    import torch

    from tutor.engine.build import make_layer

    with torch.device("meta"):
        module = make_layer(layer)
    return {name: tuple(p.shape) for name, p in module.named_parameters(recurse=False)}
