"""``forward``: one sample through a model, every layer's output down to the logits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from tutor.course.schema import StepBase
from tutor.course.steps.base import CheckContext, CodeContext, ComputeContext, StepKind
from tutor.engine.script import Script


class ForwardStep(StepBase):
    """One sample through a model: every layer's output, down to the logits."""

    kind: Literal["forward"]
    model: str
    dataset: str | None = None
    split: Literal["train", "val", "test"] = "test"
    sample: int = Field(0, ge=0)
    shift: int = Field(0, ge=-8, le=8)
    """Shift the image this many pixels right (the translation experiment)."""


#: How far ``,`` and ``.`` may shift the image, in pixels.
MAX_SHIFT = 8


@dataclass(frozen=True)
class ForwardResult:
    """A forward pass of one sample (``tutor.engine.forward.ForwardView``) and where
    the sample came from."""

    view: Any
    index: int
    split: str
    shift: int
    count: int
    """Samples in the split, for wrapping around."""


def check(step: ForwardStep, ctx: CheckContext) -> None:
    if ctx.model(step.model) is not None:
        ctx.combination(step.model, ctx.dataset(step))


def code(step: ForwardStep, ctx: CodeContext) -> Script | None:
    spec = ctx.specs.get(step.model)
    return spec.code() if spec is not None else None


def compute(
    ctx: ComputeContext,
    model: str | None = None,
    sample: int | None = None,
    shift: int | None = None,
) -> ForwardResult:
    """Sample ``sample`` (wrapping around) through the lesson's model ``model``.

    The defaults are the step's own; the train step passes its model to show it trained.
    """
    from tutor.engine.forward import forward_view, shift_image
    from tutor.engine.source import explained

    step = ctx.step
    name = model or step.model
    wanted_split = getattr(step, "split", "test")
    data = ctx.dataset()
    split = wanted_split if getattr(data, wanted_split, None) is not None else "train"
    count = len(data.split(split))
    index = (sample if sample is not None else getattr(step, "sample", 0)) % count
    pixels = shift if shift is not None else getattr(step, "shift", 0)
    x, label, _ = data.sample(index, split)  # (C, H, W) normalized, or (1,) a reading
    source = ctx.lesson_file.specs[name]
    net = ctx.model_state(name).model
    if data.task != "classification":
        with explained(source):
            view = forward_view(net, x, label=None, classes=())
        return ForwardResult(view, index, split, 0, count)
    image = data.image(index, split)  # (C, H, W) 0..1 for the picture
    x, image = shift_image(x, pixels), shift_image(image, pixels)
    with explained(source):  # the learner's own model fails in their own file
        view = forward_view(net, x, image=image, label=int(label), classes=data.classes)
    return ForwardResult(view, index, split, pixels, count)


KIND = StepKind("forward", ForwardStep, check=check, code=code)
