"""``softmax``: logits → exp → sum → probabilities → argmax → loss, by hand."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, model_validator

from tutor.course.schema import LocalText, StepBase
from tutor.course.steps.base import CheckContext, CodeContext, ComputeContext, StepKind
from tutor.engine.script import Script


class SoftmaxStep(StepBase):
    """Logits -> exp -> sum -> probabilities -> argmax -> loss for the true label."""

    kind: Literal["softmax"]
    logits: list[float] | None = None
    """Example logits, or leave out and name a model and a sample."""
    label: int | None = Field(None, ge=0)
    classes: list[LocalText] | None = None
    model: str | None = None
    dataset: str | None = None
    split: Literal["train", "val", "test"] = "test"
    sample: int = Field(0, ge=0)

    @model_validator(mode="after")
    def _source(self) -> SoftmaxStep:
        if (self.logits is None) == (self.model is None):
            raise ValueError("a softmax step needs either 'logits' (with 'label') or 'model'")
        if self.logits is not None:
            if len(self.logits) < 2 or len(self.logits) > 100:
                raise ValueError("'logits' needs between 2 and 100 numbers")
            if self.label is None:
                raise ValueError("with 'logits', give 'label': the index of the true class")
            if self.label >= len(self.logits):
                raise ValueError(
                    f"'label' {self.label} is not an index of the {len(self.logits)} logits"
                )
            if self.classes is not None and len(self.classes) != len(self.logits):
                raise ValueError(
                    f"'classes' has {len(self.classes)} names for {len(self.logits)} logits"
                )
        return self

    def texts(self) -> Iterator[tuple[tuple[str | int, ...], str | dict[str, str]]]:
        yield from super().texts()
        for j, name in enumerate(self.classes or []):
            yield ("classes", j), name


@dataclass(frozen=True)
class SoftmaxResult:
    """Every number of softmax for one set of logits, and where they came from."""

    breakdown: Any
    """``tutor.engine.softmax.SoftmaxBreakdown``."""
    classes: list[str]
    logits: list[float]
    sample: int | None
    """The sample the logits came from (None for a step's own logits)."""
    count: int
    """Samples in the split, for wrapping around."""


def check(step: SoftmaxStep, ctx: CheckContext) -> None:
    if step.model is not None and ctx.model(step.model) is not None:
        ctx.combination(step.model, ctx.dataset(step))


_CODE = """logits = torch.tensor([[{logits}]])         # (1, K): one score per class
probs = torch.softmax(logits, dim=1)         # exp(z) / sum(exp(z)), each row sums to 1
label = torch.tensor([{label}])
loss = nn.CrossEntropyLoss()(logits, label)  # = -log probs[0, label]
same = nn.NLLLoss()(nn.LogSoftmax(dim=1)(logits), label)
"""


def code(step: SoftmaxStep, ctx: CodeContext) -> Script | None:
    if step.logits is not None:
        body = _CODE.format(logits=", ".join(repr(float(v)) for v in step.logits), label=step.label)
        body += "print(probs, loss.item(), same.item())\n"
        return Script(imports=["import torch", "from torch import nn"], body=[body])
    spec = ctx.specs.get(step.model or "")
    return spec.code() if spec is not None else None


def compute(
    ctx: ComputeContext,
    logits: list[float] | None = None,
    sample: int | None = None,
) -> SoftmaxResult:
    """Softmax of ``logits`` (the step's own, or changed by the learner), or of the
    model's logits for ``sample`` when ``logits`` is None."""
    from tutor.engine.softmax import sample_logits, softmax_breakdown
    from tutor.engine.source import explained

    step: SoftmaxStep = ctx.step
    if step.model is None:
        values = list(logits if logits is not None else step.logits or [])
        names = (
            [ctx.text(c) for c in step.classes]
            if step.classes
            else [str(k) for k in range(len(values))]
        )
        return SoftmaxResult(softmax_breakdown(values, step.label), names, values, None, 0)
    data = ctx.dataset()
    split = step.split if getattr(data, step.split, None) is not None else "train"
    count = len(data.split(split))
    index = (sample if sample is not None else step.sample) % count
    x, label, _ = data.sample(index, split)
    if logits is not None:
        values = logits
    else:
        with explained(ctx.lesson_file.specs[step.model]):
            values = sample_logits(ctx.model_state(step.model).model, x)
    return SoftmaxResult(
        softmax_breakdown(values, int(label)), list(data.classes), list(values), index, count
    )


KIND = StepKind("softmax", SoftmaxStep, check=check, code=code)
