"""What the backward, step and modes kinds share: one minibatch of a lesson's data, the
model to dissect (reinitialised on request), and the checks of their common fields.

Not a step kind (the registry lists only kinds): a helper of three of them. Engine
imports stay inside the functions, so the schemas import without torch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from tutor.course.schema import Index, Seed, StepBase

if TYPE_CHECKING:
    from tutor.course.steps.base import CheckContext, ComputeContext
    from tutor.engine.script import Script
    from tutor.engine.spec import ModelSpec

#: Layer types with a weight that a view can pick (heatmaps, chosen weights).
WEIGHT_LAYERS = ("Linear", "Conv1d", "Conv2d")


class DataStep(StepBase):
    """The fields of a step that runs one minibatch of a lesson's data through a model."""

    model: str
    dataset: str | None = None
    split: Literal["train", "val", "test"] = "train"
    """Gradients are taken on training batches, as in training."""
    batch_size: int = Field(32, ge=1, le=1024)
    batch: Index = 0
    """Which minibatch: samples ``batch × batch_size`` onwards, in the split's order."""
    seed: Seed = 0
    """Fixes dropout's random masks, so every pass of the view sees the same network."""


class BatchStep(DataStep):
    """A data step that also computes a loss (and so gradients)."""

    loss: Literal["cross_entropy", "nll", "mse"] = "cross_entropy"


@dataclass(frozen=True)
class Minibatch:
    """Batch ``index`` of a split (tensors on the device: the engine's to read)."""

    x: Any
    y: Any
    index: int
    count: int
    """Batches in the split (``[``/``]`` wrap around)."""
    size: int
    split: str
    first: int
    """The split position of the batch's first sample."""
    data_name: str


def minibatch(ctx: ComputeContext, step: DataStep, index: int) -> Minibatch:
    """Batch ``index`` (wrapping around) of the step's split, as a DataLoader without
    shuffling would hand it out: samples ``index × batch_size`` onwards."""
    data = ctx.dataset()
    split = step.split if getattr(data, step.split, None) is not None else "train"
    part = data.split(split)
    size = min(step.batch_size, len(part))
    count = max(1, len(part) // size)
    index %= count
    first = index * size
    return Minibatch(
        part.x[first : first + size],  # (B, *sample)
        part.y[first : first + size],  # (B,) labels or (B, 1) targets
        index,
        count,
        size,
        split,
        first,
        data.name,
    )


def lesson_model(ctx: ComputeContext, name: str, init: str = "default", seed: int = 0) -> Any:
    """The lesson's model ``name`` (trained, if a train step trained it); for another
    ``init`` a reinitialised copy, so the lesson's own model is never touched."""
    model = ctx.model_state(name).model
    if init == "default":
        return model
    import copy

    from tutor.engine.initialise import reinitialise

    return reinitialise(copy.deepcopy(model), init, seed=seed)


def check_batch_step(step: DataStep, ctx: CheckContext) -> ModelSpec | None:
    """The model, the data and the loss of a batch step; the model's spec when usable."""
    spec = ctx.model(step.model)
    if spec is None:
        return None
    ctx.combination(step.model, ctx.dataset(step), getattr(step, "loss", None))
    return spec


def weight_layers(spec: ModelSpec) -> list[str]:
    """The names of the layers with a weight, in order (what ↑/↓ step through)."""
    names = spec.child_names()
    return [names[i] for i, layer in enumerate(spec.layers) if layer.type in WEIGHT_LAYERS]


def check_layer(
    spec: ModelSpec, ctx: CheckContext, layer: str, field: str = "layer", unit: int | None = None
) -> None:
    """``layer`` names a layer with a weight; ``unit`` is one of its units."""
    from tutor.text import suggest

    names = spec.child_names()
    choices = weight_layers(spec)
    if layer not in choices:
        what = "has no layer" if layer not in names else "has no weight in layer"
        ctx.problem(
            field,
            f"model '{spec.name}' {what} '{layer}'{suggest(layer, choices)}; "
            f"layers with weights: {', '.join(choices) or 'none'}",
        )
        return
    if unit is None:
        return
    record = ctx.facts.dry_run(spec.name).layers[names.index(layer)]
    units = int(record.output_shape[1]) if len(record.output_shape) > 1 else 1
    if unit >= units:
        ctx.problem(
            "unit", f"{layer} has {units} units (0 to {units - 1}): there is no unit {unit}"
        )


def param_shapes(spec: ModelSpec) -> dict[str, tuple[int, ...]]:
    """Every parameter's name (``fc1.weight``) and shape, built on the meta device."""
    import torch

    from tutor.engine.build import make_layer

    shapes: dict[str, tuple[int, ...]] = {}
    for name, layer in zip(spec.child_names(), spec.layers, strict=True):
        with torch.device("meta"):
            module = make_layer(layer)
        for kind, p in module.named_parameters():
            shapes[f"{name}.{kind}"] = tuple(p.shape)
    return shapes


def check_sample(step: BatchStep, ctx: CheckContext, sample: int) -> None:
    """``sample`` is a position inside one batch."""
    if sample >= step.batch_size:
        ctx.problem(
            "sample",
            f"sample {sample} is not in a batch of {step.batch_size} (0 to {step.batch_size - 1})",
        )


def batch_script(
    dataset: str | None, split: str, batch_size: int, second: bool = False, skip: int = 0
) -> Script:
    """The lesson's data as the app splits and normalizes it
    (:func:`tutor.engine.codegen_data.data_script`), then the minibatch the view shows
    (and the next one): an unshuffled DataLoader over the step's split."""
    from tutor.engine.codegen_data import data_script
    from tutor.engine.script import Script

    lines = [
        f"loader = DataLoader({split}_data, batch_size={batch_size})  # in order, as the view",
        "batches = iter(loader)",
    ]
    if skip:
        lines.append(f"for _ in range({skip}):  # on to minibatch {skip}")
        lines.append("    next(batches)")
    lines.append("inputs, targets = next(batches)  # one minibatch")
    if second:
        lines.append("inputs2, targets2 = next(batches)  # the next one")
    batch = Script(imports=["from torch.utils.data import DataLoader"], body=["\n".join(lines)])
    return data_script(dataset) + batch


def fraction(value: float) -> bool:
    """A share from 0 to 1 (for claims)."""
    return math.isfinite(value) and 0 <= value <= 1
