"""``samples``: dataset images with their labels; each is an (image, label) pair."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from tutor.course.schema import StepBase
from tutor.course.steps.base import CheckContext, CodeContext, ComputeContext, StepKind
from tutor.engine.script import Script


class SamplesStep(StepBase):
    """A grid of dataset images with their labels and class names."""

    kind: Literal["samples"]
    dataset: str | None = None
    split: Literal["train", "val", "test"] = "train"
    count: int = Field(12, ge=1, le=64)
    start: int = Field(0, ge=0)


@dataclass(frozen=True)
class SampleCard:
    """One sample: its index, label, class name and pictures (small and large)."""

    index: int
    label: int
    name: str
    thumb: Any
    full: Any
    shape: tuple[int, ...]


@dataclass(frozen=True)
class SamplesResult:
    """The samples shown, and the data they come from."""

    cards: list[SampleCard]
    data: Any
    """The dataset in use (for its name and notice)."""
    mean: tuple[float, ...]
    std: tuple[float, ...]
    split: str


def check(step: SamplesStep, ctx: CheckContext) -> None:
    ctx.dataset(step)


_CODE = """image, label = train_data[{i}]  # already a pair: the image and its label
print(image.shape)               # (C, H, W), one sample without a batch
print(label, classes[label])     # the class name is only a lookup
"""


def code(step: SamplesStep, ctx: CodeContext) -> Script | None:
    from tutor.engine.codegen import torchvision_class
    from tutor.engine.codegen_data import data_script

    dataset = ctx.dataset(step)
    if not torchvision_class(dataset):
        return None
    return data_script(dataset) + Script(body=[_CODE.format(i=step.start)])


def compute(ctx: ComputeContext) -> SamplesResult:
    """The step's samples as pictures, with labels and class names."""
    from tutor.engine.images import picture

    step: SamplesStep = ctx.step
    data = ctx.dataset(step.dataset)
    split = data.split(step.split)
    count = max(0, min(step.count, len(split) - step.start))
    cards = []
    for i in range(step.start, step.start + count):
        image = data.image(i, step.split)  # (C, H, W), 0..1
        _, label, name = data.sample(i, step.split)
        cards.append(
            SampleCard(
                index=i,
                label=int(label),
                name=name,
                thumb=picture(image, max_h=14, max_w=16),
                full=picture(image),
                shape=tuple(image.shape),
            )
        )
    return SamplesResult(cards, data, tuple(data.mean), tuple(data.std), step.split)


KIND = StepKind("samples", SamplesStep, check=check, code=code)
