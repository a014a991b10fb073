"""``dissect``: a model's layer table, with the batch dimension, weights and counts.

The learner can double or halve the batch (every activation shape follows, no weight
shape does) and make a Linear or Conv layer wider or narrower (the next layer's input
size follows, and the parameter counts are recomputed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import Field

from tutor.course.schema import StepBase
from tutor.course.steps.base import CheckContext, CodeContext, ComputeContext, StepKind
from tutor.engine.script import Script
from tutor.errors import TutorError

#: Layer types whose width the learner can change.
RESIZABLE = ("Linear", "Conv1d", "Conv2d")


class DissectStep(StepBase):
    """A model's layer table: shapes with the batch dimension, weights, counts."""

    kind: Literal["dissect"]
    model: str
    batch: int = Field(32, ge=1, le=4096)
    layer: str | int | None = None
    """The layer selected at first (name or index)."""


@dataclass
class LayerRow:
    """One traced layer, ready to draw."""

    path: str
    type: str
    depth: int
    input_shape: Any
    output_shape: Any
    param_shapes: dict[str, tuple[int, ...]]
    num_params: int
    mult_adds: int
    formula: str | None
    arithmetic: str | None
    layout: str | None
    maps: list[Any] = field(default_factory=list)
    width_index: int | None = None
    """Index of the spec layer this row can resize, if any."""


@dataclass
class DissectResult:
    spec: Any
    batch: int
    rows: list[LayerRow]
    total_params: int
    total_mult_adds: int
    device: str
    resized: tuple[str, int] | None = None
    """(layer, new width) when this result follows a resize."""
    error: str | None = None
    """Why a requested resize could not be made (the table is the previous model's)."""


def check(step: DissectStep, ctx: CheckContext) -> None:
    spec = ctx.model(step.model)
    if spec is not None and step.layer is not None:
        children = spec.child_names()
        if str(step.layer) not in children:
            ctx.problem(
                "layer",
                f"model '{step.model}' has no layer '{step.layer}'; "
                f"its layers: {', '.join(children)}",
            )


def code(step: DissectStep, ctx: CodeContext) -> Script | None:
    spec = ctx.specs.get(step.model)
    return spec.code() if spec is not None else None


def width_step(current: int) -> int:
    """How much ``+``/``−`` change a width: small steps for small layers."""
    return 1 if current < 10 else 5 if current < 50 else 10 if current < 200 else 50


def resized(spec: Any, index: int, direction: int) -> int:
    """The width layer ``index`` gets after one ``+`` (1) or ``−`` (−1)."""
    from tutor.engine.edit import width

    current = width(spec, index) or 1
    return max(1, current + direction * width_step(current))


def compute(
    ctx: ComputeContext, spec: Any, batch: int, resize: tuple[int, int] | None = None
) -> DissectResult:
    """Trace ``spec`` (the lesson's model, or a resized copy) on a batch of ``batch``.

    Args:
        resize: (layer index, new width) to apply to ``spec`` first.
    """
    from tutor.engine.edit import EditError, resize_layer

    step: DissectStep = ctx.step
    error = None
    done = None
    if resize is not None:
        index, new_width = resize
        try:
            spec = resize_layer(spec, index, new_width)
            done = (spec.layer_label(index), new_width)
        except EditError as problem:
            error = problem.localized(ctx.language)
    session = ctx.session
    if spec == ctx.lesson_file.specs[step.model]:
        model = ctx.model_state(step.model).model
    else:
        model = session.fresh_model(spec)
    result = layer_table(spec, model, batch, session.device)
    result.resized, result.error = done, error
    return result


def layer_table(spec: Any, model: Any, batch: int, device: Any) -> DissectResult:
    """The layer table of ``model`` (built from ``spec``) traced on a batch of ``batch``.

    ``spec`` is any model source (a spec, or the learner's own model); only a spec's
    Linear and Conv layers can be resized. The dissect step and the sandbox draw this.
    """
    from tutor.engine.dissect import dissect
    from tutor.engine.images import weight_maps
    from tutor.engine.source import explained
    from tutor.engine.spec import ModelSpec

    with explained(spec):
        # The table shows no FLOPs: counting them would only slow every redraw.
        result = dissect(
            model,
            spec.input,
            batch_size=batch,
            device=device,
            model_name=spec.name,
            count_flops=False,
        )
    resizable = isinstance(spec, ModelSpec)
    names = spec.child_names() if resizable else []
    rows = []
    for record, notes in zip(result.layers, result.notes, strict=True):
        width_index = names.index(record.path) if record.path in names else None
        if width_index is not None and spec.layers[width_index].type not in RESIZABLE:
            width_index = None
        rows.append(
            LayerRow(
                path=record.path,
                type=record.type,
                depth=record.depth,
                input_shape=record.input_shape,
                output_shape=record.output_shape,
                param_shapes=record.param_shapes,
                num_params=record.num_params,
                mult_adds=record.mult_adds,
                formula=notes.formula,
                arithmetic=notes.arithmetic,
                layout=notes.layout,
                maps=weight_maps(record.module),
                width_index=width_index,
            )
        )
    return DissectResult(
        spec,
        result.batch_size,
        rows,
        result.trace.total_params,
        result.trace.total_mult_adds,
        result.device,
    )


def check_resizable(row: LayerRow) -> None:
    """Raise a learner-facing error when ``row``'s layer has no width to change."""
    if row.width_index is None:
        if not row.num_params:
            raise TutorError(key="dissect.no_weights")
        raise TutorError(key="dissect.no_width", layer=row.path, type=row.type)


KIND = StepKind("dissect", DissectStep, check=check, code=code)
