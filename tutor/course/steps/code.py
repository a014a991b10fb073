"""``code``: the plain PyTorch code of a model, and of its training when settings are given."""

from __future__ import annotations

from typing import Literal

from tutor.course.schema import StepBase, TrainSettings
from tutor.course.steps.base import CheckContext, CodeContext, ComputeContext, StepKind
from tutor.engine.script import Script


class CodeStep(StepBase):
    """The plain PyTorch code of a model, and of its training when settings are given."""

    kind: Literal["code"]
    model: str
    dataset: str | None = None
    train: TrainSettings | None = None


def check(step: CodeStep, ctx: CheckContext) -> None:
    if ctx.model(step.model) is None:
        return
    info = ctx.dataset(step, required=False)
    if step.train is not None:
        ctx.combination(step.model, info, step.train.loss, step.train.target)
    elif info is not None:
        ctx.combination(step.model, info)


def code(step: CodeStep, ctx: CodeContext) -> Script | None:
    from tutor.engine.codegen import training_script

    spec = ctx.specs.get(step.model)
    if spec is None:
        return None
    script = spec.code()
    if step.train is not None:
        script = script + training_script(spec, ctx.dataset(step), step.train.config())
    return script


def compute(ctx: ComputeContext) -> str | None:
    """The step's code (what the view shows, and ``c`` too)."""
    from tutor.course.steps import step_code

    return step_code(ctx.lesson_file, ctx.index)


KIND = StepKind("code", CodeStep, check=check, code=code)
