"""What a model is called with: one tensor, several, keyword tensors, dicts, integers.

Two halves:

* :class:`ModelInputs` holds real values (positional ``args`` and keyword ``kwargs``)
  and calls a model with them; :meth:`ModelInputs.of` accepts what a notebook user
  passes: a tensor, a tuple or list of tensors (positional), or a dict (keywords).
* :class:`InputSpec` describes inputs without values, as ``--input`` or a model's
  ``input_shape`` attribute does, and :meth:`InputSpec.make` builds a seeded batch.

The ``--input`` grammar (also in ``tutor dissect --help``)::

    1,28,28              one input, one sample of shape (1, 28, 28); the batch is added
    1,28,28;10           two positional inputs
    10:int               integers (torch.long) in [0, HIGH): HIGH is the smallest
                         nn.Embedding's num_embeddings, or 10 without one
    10:int:100           integers in [0, 100)
    JSON list            positional inputs:  [[3,32,32], [10]]
    JSON object          keyword inputs:     {"x": [1,28,28], "lengths": {"shape": [], "dtype": "long", "fill": 5}}

In JSON each input is a shape (a list of whole numbers), a tensor description
``{"shape": [...], "dtype": "float"|"long"|"bool"|..., "low": 0, "high": N, "fill": V,
"batch": true}``, a plain number, string, true/false or null passed as it is, or a list
or object of these: an object inside the top-level list is one dict argument, so
``[{"image": [3,32,32], "mask": [32,32]}]`` calls ``forward({"image": ..., "mask": ...})``
while ``{"image": ..., "mask": ...}`` calls ``forward(image=..., mask=...)``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn as nn

from tutor.engine.structure import Shape, map_tensors, shapes_of, tensors_in
from tutor.errors import TutorError

#: ``--input`` dtype names and what they mean; "float" follows the model's own dtype.
DTYPES: dict[str, torch.dtype | None] = {
    "float": None,
    "float32": torch.float32,
    "float64": torch.float64,
    "double": torch.float64,
    "float16": torch.float16,
    "half": torch.float16,
    "bfloat16": torch.bfloat16,
    "int": torch.long,
    "long": torch.long,
    "int64": torch.long,
    "int32": torch.int32,
    "bool": torch.bool,
}
#: Integer inputs without an embedding to size them: indices 0..9.
DEFAULT_INT_HIGH = 10
#: Numbers in one generated input (per sample, and per batch): 400 MB as float32.
MAX_INPUT_ELEMENTS = 100_000_000
#: Largest whole number a generated input may hold or be filled with (int64 holds 2**63).
MAX_INT_VALUE = 2**62
_SPEC_KEYS = {"shape", "dtype", "low", "high", "fill", "batch"}


class InputError(TutorError):
    """An input description that cannot be turned into tensors."""


@dataclass(frozen=True)
class TensorSpec:
    """One tensor input described by its per-sample shape and kind of values."""

    shape: Shape
    dtype: str = "float"
    low: int = 0
    high: int | None = None
    fill: float | int | bool | None = None
    batch: bool = True
    """Add the batch dimension in front (``False`` for inputs such as an LSTM's ``h0``)."""

    def __post_init__(self) -> None:
        # Checked here, where every way of describing an input ends up, so that a size
        # torch cannot hold is a message and not an overflow deep inside torch.
        if math.prod(self.shape) > MAX_INPUT_ELEMENTS:
            raise InputError(
                f"an input of shape {list(self.shape)} holds {math.prod(self.shape):,} numbers "
                f"per sample, more than the {MAX_INPUT_ELEMENTS:,} that can be computed here"
            )
        for name in ("low", "high", "fill"):
            value = getattr(self, name)
            if (
                isinstance(value, int)
                and not isinstance(value, bool)
                and abs(value) > MAX_INT_VALUE
            ):
                raise InputError(f"{name} {value} is too large for a tensor of whole numbers")

    def make(
        self,
        batch_size: int,
        generator: torch.Generator,
        float_dtype: torch.dtype,
        int_high: int,
    ) -> torch.Tensor:
        """A seeded tensor of shape ``(batch_size, *shape)``: randn for floats, randint for
        integers, the ``fill`` value when given."""
        shape = (batch_size, *self.shape) if self.batch else self.shape
        if math.prod(shape) > MAX_INPUT_ELEMENTS:
            raise InputError(
                f"a batch of shape {list(shape)} holds {math.prod(shape):,} numbers, more than "
                f"the {MAX_INPUT_ELEMENTS:,} that can be computed here; use a smaller batch"
            )
        dtype = DTYPES[self.dtype] or float_dtype
        if self.fill is not None:
            return torch.full(shape, self.fill, dtype=dtype)
        if dtype == torch.bool:
            return torch.randint(0, 2, shape, generator=generator).bool()
        if dtype.is_floating_point:
            return torch.randn(shape, generator=generator).to(dtype)
        high = self.high if self.high is not None else max(int_high, self.low + 1)
        return torch.randint(self.low, high, shape, generator=generator, dtype=dtype)


@dataclass
class ModelInputs:
    """Real values to call a model with: ``model(*args, **kwargs)``."""

    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, x: Any) -> ModelInputs:
        """A tensor is one input; a tuple or list holds positional inputs; a dict holds
        keyword inputs (wrap a dict in a tuple to pass it as one argument)."""
        if isinstance(x, ModelInputs):
            return x
        if isinstance(x, tuple | list):
            return cls(tuple(x), {})
        if isinstance(x, Mapping):
            return cls((), {str(k): v for k, v in x.items()})
        return cls((x,), {})

    def call(self, model: nn.Module) -> Any:
        return model(*self.args, **self.kwargs)

    def to(self, device: torch.device) -> ModelInputs:
        """All tensors, however nested, moved to ``device``."""

        def move(t: torch.Tensor) -> torch.Tensor:
            return t.to(device)

        return ModelInputs(map_tensors(self.args, move), map_tensors(self.kwargs, move))

    def tensors(self) -> list[torch.Tensor]:
        return tensors_in(self.args) + tensors_in(self.kwargs)

    @property
    def is_single_tensor(self) -> bool:
        """One positional tensor and nothing else: the classic ``model(x)``."""
        return len(self.args) == 1 and not self.kwargs and isinstance(self.args[0], torch.Tensor)

    @property
    def shape(self) -> Shape | list[Shape]:
        """The shape of the only tensor, or a list with every tensor's shape."""
        shape, _ = shapes_of([*self.args, *self.kwargs.values()])
        return shape

    @property
    def batch_size(self) -> int:
        """The first dimension of the first tensor (1 when no tensor has one)."""
        for t in self.tensors():
            if t.dim() > 0:
                return int(t.shape[0])
        return 1

    def describe(self) -> list[dict[str, Any]]:
        """Every tensor input with its name (``0``, ``x``, ``0.image``), shape and dtype."""
        rows: list[dict[str, Any]] = []

        def walk(name: str, value: Any) -> None:
            if isinstance(value, torch.Tensor):
                rows.append(
                    {"name": name, "shape": list(value.shape), "dtype": _dtype_name(value.dtype)}
                )
            elif isinstance(value, Mapping):
                for key, item in value.items():
                    walk(f"{name}.{key}", item)
            elif isinstance(value, list | tuple):
                for i, item in enumerate(value):
                    walk(f"{name}.{i}", item)

        for i, arg in enumerate(self.args):
            walk(str(i), arg)
        for key, arg in self.kwargs.items():
            walk(key, arg)
        return rows

    def text(self) -> str:
        """``(1, 300)``, or ``x1 (1, 300), x2 (1, 300)`` for several inputs."""
        rows = self.describe()
        if self.is_single_tensor:
            return str(tuple(self.args[0].shape))
        return ", ".join(f"{r['name']} {tuple(r['shape'])}" for r in rows) or "no tensors"


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


@dataclass(frozen=True)
class InputSpec:
    """Inputs described without values: positional and keyword, each a
    :class:`TensorSpec`, a plain value, or a list/dict of these."""

    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def single(cls, shape: Shape) -> InputSpec:
        return cls((TensorSpec(tuple(shape)),), {})

    def sample_shape(self) -> Shape | None:
        """The one float input's per-sample shape, when there is exactly one."""
        if len(self.args) == 1 and not self.kwargs and isinstance(self.args[0], TensorSpec):
            spec = self.args[0]
            return spec.shape if spec.dtype == "float" and spec.batch else None
        return None

    def make(
        self,
        batch_size: int = 1,
        model: nn.Module | None = None,
        seed: int = 0,
    ) -> ModelInputs:
        """Seeded tensors for every described input (on the CPU).

        Float inputs take the dtype of the model's first floating-point parameter
        (float32 without one); integer inputs default to indices valid for the model's
        smallest ``nn.Embedding``.
        """
        generator = torch.Generator().manual_seed(seed)
        float_dtype, int_high = _model_hints(model)

        def build(value: Any) -> Any:
            if isinstance(value, TensorSpec):
                return value.make(batch_size, generator, float_dtype, int_high)
            if isinstance(value, Mapping):
                return {k: build(v) for k, v in value.items()}
            if isinstance(value, list | tuple):
                return type(value)(build(v) for v in value)
            return value

        return ModelInputs(tuple(build(a) for a in self.args), build(dict(self.kwargs)))


def _model_hints(model: nn.Module | None) -> tuple[torch.dtype, int]:
    float_dtype = torch.float32
    high = DEFAULT_INT_HIGH
    if model is None:
        return float_dtype, high
    for p in model.parameters():
        if p.dtype.is_floating_point:
            float_dtype = p.dtype
            break
    sizes = [
        m.num_embeddings for m in model.modules() if isinstance(m, nn.Embedding | nn.EmbeddingBag)
    ]
    return float_dtype, min(sizes) if sizes else high


# ------------------------------------------------------------------ parsing


def _shape(value: Any, where: str) -> Shape:
    if not isinstance(value, list | tuple) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise InputError(f"{where}: a shape is a list of whole numbers, got {json.dumps(value)}")
    if any(v < 0 for v in value):
        raise InputError(f"{where}: sizes cannot be negative, got {list(value)}")
    return tuple(int(v) for v in value)


def _is_shape(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    )


def _tensor_spec(obj: Mapping[str, Any], where: str) -> TensorSpec:
    unknown = set(obj) - _SPEC_KEYS
    if unknown:
        from tutor.text import suggest

        key = sorted(unknown)[0]
        raise InputError(
            f"{where}: a tensor description has no key {key!r}{suggest(key, sorted(_SPEC_KEYS))}; "
            f"its keys are {', '.join(sorted(_SPEC_KEYS))}"
        )
    dtype = str(obj.get("dtype", "float"))
    if dtype not in DTYPES:
        from tutor.text import suggest

        raise InputError(
            f"{where}: unknown dtype {dtype!r}{suggest(dtype, list(DTYPES))}; "
            f"choose one of {', '.join(DTYPES)}"
        )
    low, high = obj.get("low", 0), obj.get("high")
    for name, v in (("low", low), ("high", high)):
        if v is not None and (not isinstance(v, int) or isinstance(v, bool)):
            raise InputError(f"{where}: {name} must be a whole number, got {json.dumps(v)}")
    if high is not None and high <= low:
        raise InputError(f"{where}: high ({high}) must be larger than low ({low})")
    fill = obj.get("fill")
    if fill is not None and not isinstance(fill, int | float | bool):
        raise InputError(f"{where}: fill must be a number, got {json.dumps(fill)}")
    batch = obj.get("batch", True)
    if not isinstance(batch, bool):
        raise InputError(f"{where}: batch must be true or false, got {json.dumps(batch)}")
    return TensorSpec(_shape(obj["shape"], where), dtype, low, high, fill, batch)


def _value(value: Any, where: str) -> Any:
    """One JSON input value: a shape, a tensor description, a literal, or nested."""
    if _is_shape(value):
        return TensorSpec(_shape(value, where))
    if isinstance(value, Mapping):
        if "shape" in value:
            return _tensor_spec(value, where)
        return {str(k): _value(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_value(v, f"{where}.{i}") for i, v in enumerate(value)]
    return value  # numbers, strings, true/false, null: passed to forward as they are


def spec_from_value(value: Any, where: str = "input") -> InputSpec:
    """An :class:`InputSpec` from parsed JSON or a Python ``input_shape`` attribute.

    A shape is one input; a list of inputs is positional; a dict is keyword inputs.
    """
    if _is_shape(value):
        return InputSpec((TensorSpec(_shape(value, where)),), {})
    if isinstance(value, Mapping):
        if "shape" in value:
            return InputSpec((_tensor_spec(value, where),), {})
        return InputSpec((), {str(k): _value(v, f"{where}.{k}") for k, v in value.items()})
    if isinstance(value, list | tuple):
        if not value:
            raise InputError(f"{where}: no inputs given")
        return InputSpec(tuple(_value(v, f"{where}[{i}]") for i, v in enumerate(value)), {})
    raise InputError(
        f"{where}: expected a shape such as [1, 28, 28], a list of inputs or an object of "
        f"keyword inputs, got {json.dumps(value) if _jsonable(value) else repr(value)}"
    )


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def _part(text: str, original: str) -> TensorSpec:
    """``1,28,28``, ``10:int`` or ``10:int:100``."""
    pieces = text.split(":")
    if len(pieces) > 3:
        raise InputError(
            f"--input part {text!r} has too many ':'; write SHAPE, SHAPE:TYPE or SHAPE:int:HIGH"
        )
    sizes = pieces[0].split(",")
    if len(sizes) > 1 and sizes[-1] == "":
        sizes = sizes[:-1]  # "784," as Python writes a one-element tuple
    if any(p == "" for p in sizes):
        raise InputError(
            f"--input has an empty size between commas: {original!r}; write every size, "
            "such as 3,32,32"
        )
    try:
        shape = tuple(int(p) for p in sizes)
    except ValueError:
        raise InputError(
            f"--input must be whole numbers separated by commas, such as 3,224,224; got {original!r}"
        ) from None
    if not shape or any(v < 1 for v in shape):
        raise InputError(f"--input must be positive sizes such as 1,28,28; got {original!r}")
    dtype = pieces[1] if len(pieces) > 1 else "float"
    if dtype not in DTYPES:
        from tutor.text import suggest

        raise InputError(
            f"--input part {text!r}: unknown type {dtype!r}{suggest(dtype, list(DTYPES))}; "
            f"use float or int (e.g. 10:int for token ids)"
        )
    high = None
    if len(pieces) == 3:
        try:
            high = int(pieces[2])
        except ValueError:
            raise InputError(
                f"--input part {text!r}: the highest value must be a whole number, as in 10:int:100"
            ) from None
        if high < 1 or high > MAX_INT_VALUE:
            raise InputError(f"--input part {text!r}: HIGH must be between 1 and {MAX_INT_VALUE:,}")
    return TensorSpec(shape, dtype, 0, high)


def parse_input(text: str) -> InputSpec:
    """The ``--input`` option: ``1,28,28``, ``1,28,28;10``, ``10:int`` or JSON."""
    stripped = text.strip()
    if stripped.startswith(("[", "{")):
        try:
            value = json.loads(stripped)
        except json.JSONDecodeError as error:
            raise InputError(
                f"--input is not valid JSON at line {error.lineno} column {error.colno}: "
                f"{error.msg}"
            ) from None
        return spec_from_value(value, "--input")
    parts = [p for p in stripped.replace(" ", "").split(";") if p]
    if not parts:
        raise InputError(f"--input must be positive sizes such as 1,28,28; got {text!r}")
    return InputSpec(tuple(_part(p, text) for p in parts), {})
