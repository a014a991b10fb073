"""Goals of a sandbox exercise, checked on the computed model, never on the text typed.

A sandbox step may ask the learner to fix or build a model; its ``goal:`` says what the
model must do, in a small vocabulary checked against the dry run of what they wrote::

    goal:
      output_shape: [N, 10]          # the model's output, batch first as N
      params_at_most: 100000         # also: params (exactly), params_at_least
      fits: fashion-mnist            # takes one sample of it, one logit per class
      layer:
        fc1: {input_shape: [N, 400]} # per named layer: type, input_shape,
                                     # output_shape, params, params_at_most

Shapes are written as the layer table shows them: the batch first as ``N``; ``null``
matches any size. Any spelling of a model that does what the goal says meets it.
This module imports no torch: :func:`check_goals` takes the engine's dry run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from tutor.locales import Phrase
from tutor.text import shape_text


def _check_shape(value: list[Any]) -> list[Any]:
    if not value:
        raise ValueError("a shape needs at least one size, e.g. [N, 10]")
    for i, size in enumerate(value):
        if size == "N" and i == 0:
            continue
        if size is None:
            continue
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            written = ", ".join("null" if v is None else str(v) for v in value)
            raise ValueError(
                f"shape [{written}]: each size is a whole number, N (the batch, first only) "
                f"or null (any size); {size!r} is none of these"
            )
    return value


ShapeGoal = Annotated[list[Any], AfterValidator(_check_shape)]
"""``[N, 400]``: the batch first as N; ``null`` for any size."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LayerGoal(_Strict):
    """What one named layer must be."""

    type: str | None = None
    """Its ``torch.nn`` type, e.g. ``Linear``."""
    input_shape: ShapeGoal | None = None
    output_shape: ShapeGoal | None = None
    params: int | None = Field(None, ge=0)
    params_at_most: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _something(self) -> LayerGoal:
        if all(getattr(self, f) is None for f in LayerGoal.model_fields):
            raise ValueError(
                "a layer goal needs type, input_shape, output_shape, params or params_at_most"
            )
        return self


class Goal(_Strict):
    """What the learner's model must do (see the module)."""

    output_shape: ShapeGoal | None = None
    params: int | None = Field(None, ge=0)
    params_at_most: int | None = Field(None, ge=0)
    params_at_least: int | None = Field(None, ge=0)
    fits: str | None = None
    """A dataset: the model takes one of its samples and gives one logit per class."""
    layer: dict[str, LayerGoal] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _something(self) -> Goal:
        if not self.layer and all(
            getattr(self, f) is None for f in Goal.model_fields if f != "layer"
        ):
            raise ValueError(
                "a goal needs at least one of output_shape, params, params_at_most, "
                "params_at_least, fits or layer"
            )
        return self


@dataclass(frozen=True)
class GoalCheck:
    """One goal, said in words, and whether the model meets it."""

    what: Phrase
    """The goal in the learner's language (``fc1 takes (N, 400)``)."""
    met: bool
    now: Phrase | str | None = None
    """What the model has instead, when it misses (``(N, 256)``)."""


def shape_goal_text(shape: list[Any]) -> str:
    """``(N, 400)``; ``?`` for a size that may be anything."""
    items = ["?" if s is None else str(s) for s in shape]
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def _shape_now(shape: tuple[int, ...]) -> str:
    items = ["N", *map(str, shape[1:])]
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def shape_meets(goal: list[Any], shape: tuple[int, ...]) -> bool:
    """True when ``shape`` (batch first) is what ``goal`` asks for."""
    if len(goal) != len(shape):
        return False
    return all(g is None or g == "N" or g == s for g, s in zip(goal, shape, strict=True))


def goal_phrases(goal: Goal) -> list[Phrase]:
    """Every goal in words, in order (for a model that does not build yet)."""
    return [check.what for check in _walk(goal, None, None)]


def check_goals(goal: Goal, spec: Any, dry: Any) -> list[GoalCheck]:
    """Each goal against ``spec`` and its dry run (``tutor.engine.build.DryRun``)."""
    return list(_walk(goal, spec, dry))


def _walk(goal: Goal, spec: Any, dry: Any) -> list[GoalCheck]:
    built = dry is not None
    checks: list[GoalCheck] = []

    def add(what: Phrase, met: bool, now: Phrase | str | None) -> None:
        checks.append(GoalCheck(what, built and met, None if built and met else now))

    not_built = Phrase("sandbox.now.not_built")
    output = tuple(dry.output_shape) if built else ()
    total = dry.total_params if built else 0
    if goal.output_shape is not None:
        add(
            Phrase("sandbox.goal.output_shape", shape=shape_goal_text(goal.output_shape)),
            built and shape_meets(goal.output_shape, output),
            _shape_now(output) if built else not_built,
        )
    for field, key, test in (
        ("params", "sandbox.goal.params", lambda n, limit: n == limit),
        ("params_at_most", "sandbox.goal.params_at_most", lambda n, limit: n <= limit),
        ("params_at_least", "sandbox.goal.params_at_least", lambda n, limit: n >= limit),
    ):
        limit = getattr(goal, field)
        if limit is not None:
            add(
                Phrase(key, n=f"{limit:,}"),
                built and test(total, limit),
                f"{total:,}" if built else not_built,
            )
    if goal.fits is not None:
        add(*_fits(goal.fits, spec, dry, not_built))
    names = spec.child_names() if built else []
    for name, wanted in goal.layer.items():
        index = names.index(name) if name in names else None
        record = dry.layers[index] if index is not None else None
        missing: Phrase | str = Phrase("sandbox.now.no_layer", layer=name) if built else not_built
        if wanted.type is not None:
            kind = spec.layers[index].type if index is not None else None
            add(
                Phrase("sandbox.goal.layer_type", layer=name, type=wanted.type),
                kind == wanted.type,
                kind if kind is not None else missing,
            )
        for field, key in (
            ("input_shape", "sandbox.goal.layer_in"),
            ("output_shape", "sandbox.goal.layer_out"),
        ):
            shape = getattr(wanted, field)
            if shape is not None:
                actual = getattr(record, field) if record is not None else None
                add(
                    Phrase(key, layer=name, shape=shape_goal_text(shape)),
                    actual is not None and shape_meets(shape, actual),
                    _shape_now(actual) if actual is not None else missing,
                )
        for field, key, test in (
            ("params", "sandbox.goal.layer_params", lambda n, limit: n == limit),
            ("params_at_most", "sandbox.goal.layer_params_at_most", lambda n, limit: n <= limit),
        ):
            limit = getattr(wanted, field)
            if limit is not None:
                count = record.num_params if record is not None else None
                add(
                    Phrase(key, layer=name, n=f"{limit:,}"),
                    count is not None and test(count, limit),
                    f"{count:,}" if count is not None else missing,
                )
    return checks


def _fits(name: str, spec: Any, dry: Any, not_built: Phrase) -> tuple[Phrase, bool, Any]:
    """The model takes one sample of dataset ``name`` and is trained on it as it ends."""
    from tutor.course.steps.base import data_facts
    from tutor.engine.data import dataset_info
    from tutor.engine.rules import ModelFacts, check_combination, default_loss

    info = dataset_info(name)
    what = Phrase(
        "sandbox.goal.fits",
        data=info.title,
        sample=shape_text(info.sample_shape),
        k=len(info.classes),
    )
    if dry is None:
        return what, False, not_built
    facts = ModelFacts(
        name=spec.name,
        input=tuple(spec.input),
        output=tuple(dry.output_shape[1:]),
        last_layer=spec.layers[-1].type if spec.layers else "",
    )
    problems = check_combination(facts, data_facts(info), default_loss(facts.last_layer, info.task))
    if not problems:
        return what, True, None
    return what, False, Phrase(problems[0].key, **problems[0].values)


def largest_output(dry: Any) -> tuple[int, int]:
    """(layer index, elements) of the layer with the largest output, batch included."""
    sizes = [(record.index, math.prod(record.output_shape)) for record in dry.layers]
    return max(sizes, key=lambda item: item[1]) if sizes else (0, 0)
