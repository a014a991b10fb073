"""Forward tracing with hooks: what every leaf layer received, produced and holds.

Modelled on torchinfo: hooks are built by small factories that close over shared
state, their handles are kept and removed in ``finally``, and the model's train/eval
mode is restored whatever happens, so tracing never leaves a model changed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn as nn
from torch.utils.hooks import RemovableHandle

Shape = tuple[int, ...]


class TraceError(RuntimeError):
    """The forward pass failed; the message names the layers that did run."""


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

    def as_dict(self) -> dict[str, Any]:
        """The JSON record of DESIGN.md's ``tutor dissect --json`` contract."""
        return {
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


@dataclass
class Trace:
    """All leaf calls of one forward pass, in call order, and the model's totals."""

    layers: list[LayerRecord]
    input_shape: Shape
    output: torch.Tensor
    total_params: int
    trainable_params: int

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


def _shape_of(value: Any) -> Shape | list[Shape]:
    """Shape of a tensor, or a list of shapes for a tuple/list of tensors."""
    if isinstance(value, torch.Tensor):
        return tuple(value.shape)
    if isinstance(value, Sequence) and not isinstance(value, str):
        shapes = [tuple(v.shape) for v in value if isinstance(v, torch.Tensor)]
        if len(shapes) == 1:
            return shapes[0]
        return shapes
    return ()


def _first_tensor(value: Any) -> torch.Tensor | None:
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, Sequence) and not isinstance(value, str):
        for v in value:
            if isinstance(v, torch.Tensor):
                return v
    return None


def mult_adds(module: nn.Module, output_shape: Shape | list[Shape]) -> int:
    """Multiply-adds of one call, counted the way torchinfo counts them.

    Each weight or bias element is used once per output position: per sample for a
    Linear layer, per sample and per spatial position for a convolution (the input
    channels are already inside the weight's size).
    """
    shape = output_shape[0] if isinstance(output_shape, list) else output_shape
    if not shape:
        return 0
    total = 0
    is_conv = "Conv" in type(module).__name__
    for name, param in module.named_parameters(recurse=False):
        if name in ("weight", "bias"):
            if is_conv:
                total += param.numel() * math.prod((shape[0], *shape[2:]))
            else:
                total += shape[0] * param.numel()
        elif "weight" in name or "bias" in name:
            total += math.prod(shape[:2]) * param.numel()
    return int(total)


def leaf_modules(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """Named modules that have no children: the layers that do the actual work."""
    return [
        (name, module)
        for name, module in model.named_modules()
        if name and not any(True for _ in module.children())
    ]


def trace(
    model: nn.Module,
    x: torch.Tensor,
    keep_outputs: bool = False,
    train_mode: bool = False,
    on_layer: Callable[[LayerRecord], None] | None = None,
) -> Trace:
    """Run ``model(x)`` once and record every leaf call.

    Args:
        model: any ``nn.Module``; a bare leaf module is traced as its own single layer.
        x: the input batch, already on the model's device.
        keep_outputs: keep a detached copy of every layer's output and its statistics.
            Copies are needed because in-place layers (``ReLU(inplace=True)``) would
            otherwise overwrite the previous layer's recorded output.
        train_mode: trace in training mode (dropout active) instead of eval mode.
        on_layer: called with each record as soon as its layer has run.

    Raises:
        TraceError: when the forward pass fails, naming the layers that did run.
    """
    records: list[LayerRecord] = []
    handles: list[RemovableHandle] = []
    leaves = leaf_modules(model) or [("", model)]
    was_training = model.training

    def make_hook(path: str) -> Callable[[nn.Module, Any, Any], None]:
        # One closure per leaf so the record knows its own name, as torchinfo does.
        def hook(module: nn.Module, inputs: Any, output: Any) -> None:
            params = dict(module.named_parameters(recurse=False))
            out_shape = _shape_of(output)
            record = LayerRecord(
                path=path or type(module).__name__,
                type=type(module).__name__,
                depth=path.count(".") + 1 if path else 0,
                input_shape=_shape_of(inputs),
                output_shape=out_shape,
                param_shapes={k: tuple(p.shape) for k, p in params.items()},
                num_params=sum(p.numel() for p in params.values()),
                trainable_params=sum(p.numel() for p in params.values() if p.requires_grad),
                mult_adds=mult_adds(module, out_shape),
                module=module,
            )
            if keep_outputs:
                tensor = _first_tensor(output)
                if tensor is not None:
                    record.output = tensor.detach().clone()
                    record.stats = TensorStats.of(record.output)
            records.append(record)
            if on_layer is not None:
                on_layer(record)

        return hook

    try:
        for path, module in leaves:
            handles.append(module.register_forward_hook(make_hook(path)))
        model.train(train_mode)
        with torch.no_grad():
            try:
                output = model(x)
            except Exception as error:
                ran = ", ".join(r.path for r in records) or "none"
                raise TraceError(
                    f"the forward pass failed on input {tuple(x.shape)}: {error} "
                    f"(layers that ran: {ran})"
                ) from error
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)

    # model.parameters() yields a shared parameter once, so totals count it once.
    unique = list(model.parameters())
    return Trace(
        layers=records,
        input_shape=tuple(x.shape),
        output=output.detach() if isinstance(output, torch.Tensor) else output,
        total_params=sum(p.numel() for p in unique),
        trainable_params=sum(p.numel() for p in unique if p.requires_grad),
    )
