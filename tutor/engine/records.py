"""The records a traced forward pass produces, and how a layer's cost is counted.

``LayerRecord`` is one call of one leaf layer; ``Trace`` is a whole forward pass;
``mult_adds`` counts a call the way torchinfo does. They live apart from the tracer in
``tutor.engine.trace`` (which re-exports them) so that each module stays small.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn as nn

from tutor.engine.structure import Shape


@dataclass(frozen=True)
class TensorStats:
    """Summary numbers of one tensor, for the forward view."""

    min: float
    max: float
    mean: float
    std: float
    zero_fraction: float
    """Share of exact zeros: how many units a ReLU switched off."""

    @classmethod
    def of(cls, t: torch.Tensor) -> TensorStats:
        t = t.detach().float()
        if t.numel() == 0:
            return cls(0.0, 0.0, 0.0, 0.0, 0.0)
        values = torch.stack(
            [t.min(), t.max(), t.mean(), t.std(unbiased=False), (t == 0).float().mean()]
        ).tolist()
        return cls(*values)


@dataclass
class LayerRecord:
    """One call of one leaf module during the traced forward pass."""

    path: str
    """Dotted name inside the model, e.g. ``features.0`` or ``fc1``."""
    type: str
    depth: int
    input_shape: Shape | list[Shape]
    output_shape: Shape | list[Shape]
    param_shapes: dict[str, Shape]
    num_params: int
    trainable_params: int
    mult_adds: int
    module: nn.Module = field(repr=False)
    output: torch.Tensor | None = field(default=None, repr=False)
    """A detached copy of the output (kept only when asked for)."""
    stats: TensorStats | None = None
    flops: int | None = None
    """Operator FLOPs of this call (None when FLOPs were not counted)."""
    note: str | None = None
    """What is unusual about this layer: a non-tensor output, pruning, tied weights..."""

    def as_dict(self) -> dict[str, Any]:
        """The JSON record of DESIGN.md's ``tutor dissect --json`` contract."""
        record: dict[str, Any] = {
            "path": self.path,
            "type": self.type,
            "depth": self.depth,
            "input_shape": _jsonable_shape(self.input_shape),
            "output_shape": _jsonable_shape(self.output_shape),
            "param_shapes": {k: list(v) for k, v in self.param_shapes.items()},
            "num_params": self.num_params,
            "trainable_params": self.trainable_params,
            "mult_adds": self.mult_adds,
        }
        if self.flops is not None:
            record["flops"] = self.flops
        if self.note:
            record["note"] = self.note
        return record


@dataclass(frozen=True)
class ModuleFlops:
    """FLOPs a non-leaf module ran in its own ``forward``, outside any leaf layer
    (attention's matmuls, ``x @ self.weight`` on a parameter it holds itself)."""

    path: str
    type: str
    flops: int

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "type": self.type, "flops": self.flops}


@dataclass
class Trace:
    """All leaf calls of one forward pass, in call order, and the model's totals."""

    layers: list[LayerRecord]
    input_shape: Shape | list[Shape]
    output: Any
    total_params: int
    trainable_params: int
    total_flops: int | None = None
    """Every counted operator of the forward pass (None when FLOPs were not counted).
    Equals the layers' ``flops`` plus ``flops_by_module``."""
    flops_by_module: list[ModuleFlops] = field(default_factory=list)

    @property
    def total_mult_adds(self) -> int:
        return sum(layer.mult_adds for layer in self.layers)

    def by_path(self, path: str) -> LayerRecord:
        for layer in self.layers:
            if layer.path == path:
                return layer
        raise KeyError(path)


def _jsonable_shape(shape: Shape | list[Shape]) -> list[Any]:
    if isinstance(shape, list):
        return [list(s) for s in shape]
    return list(shape)


def type_name(module: nn.Module) -> str:
    """The class name a learner wrote: a TorchScript module keeps its original one."""
    if isinstance(module, torch.jit.ScriptModule):
        return str(getattr(module, "original_name", type(module).__name__))
    return type(module).__name__


def pruned_base(module: nn.Module, name: str) -> str | None:
    """``weight`` for ``weight_orig`` when ``torch.nn.utils.prune`` left a mask beside it."""
    if name.endswith("_orig"):
        base = name[: -len("_orig")]
        # A real pruning mask is a buffer; a parameter merely named so is not one.
        if f"{base}_mask" in dict(module.named_buffers(recurse=False)):
            return base
    return None


def mult_adds(module: nn.Module, output_shape: Shape | list[Shape]) -> int:
    """Multiply-adds of one call, counted the way torchinfo counts them.

    Each weight or bias element is used once per output position: per sample for a
    Linear layer, per sample and per spatial position for a convolution (the input
    channels are already inside the weight's size). A pruned ``weight_orig`` counts as
    the dense ``weight`` it is multiplied into. A TorchScript module with layers inside
    counts 0: its layers cannot be seen.
    """
    if isinstance(output_shape, list):
        output_shape = output_shape[0] if output_shape else ()
    shape = output_shape
    if not shape:
        return 0
    if isinstance(module, torch.jit.ScriptModule) and any(True for _ in module.children()):
        return 0
    total = 0
    is_conv = "Conv" in type_name(module)
    for name, param in module.named_parameters(recurse=False):
        name = pruned_base(module, name) or name
        if name in ("weight", "bias"):
            if is_conv:
                total += param.numel() * math.prod((shape[0], *shape[2:]))
            else:
                total += shape[0] * param.numel()
        elif "weight" in name or "bias" in name:
            total += math.prod(shape[:2]) * param.numel()
    return int(total)
