"""``modes``: what ``model.train()``, ``model.eval()`` and ``torch.no_grad()`` change.

One minibatch through a copy of the lesson's model, several ways: twice in train mode
(dropout draws new masks: two different outputs), twice in eval mode (identical); the
first BatchNorm layer's running statistics before and after a train-mode and an
eval-mode pass; and the output's ``requires_grad`` and ``grad_fn`` with and without
``torch.no_grad()``. The engine's :func:`~tutor.engine.modes.mode_demo` does the work.

A kind of its own rather than a part of ``backward``: these are facts about the forward
pass and the buffers, not the gradients, they need their own key (new dropout masks),
and the backward view is already long.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from tutor.course.steps.base import CheckContext, CodeContext, ComputeContext, StepKind
from tutor.course.steps.batches import DataStep, batch_script, check_batch_step, minibatch
from tutor.engine.script import Script


class ModesStep(DataStep):
    """train() vs eval() and torch.no_grad(), on one minibatch."""

    kind: Literal["modes"]
    batch_size: int = Field(8, ge=2, le=1024)
    """BatchNorm needs at least 2 samples to have batch statistics."""


@dataclass(frozen=True)
class ModesResult:
    """``tutor.engine.modes.ModeDemo`` and the batch it ran on."""

    demo: Any
    seed: int
    batch: int
    batches: int
    batch_size: int
    split: str
    first: int


def check(step: ModesStep, ctx: CheckContext) -> None:
    check_batch_step(step, ctx)


def code(step: ModesStep, ctx: CodeContext) -> Script | None:
    spec = ctx.specs.get(step.model)
    if spec is None:
        return None
    lines = [
        "model.train()  # dropout on: a new random mask at every call",
        "with torch.no_grad():",
        "    a, b = model(inputs), model(inputs)",
        "print((a - b).abs().max())  # > 0 when the model has Dropout",
        "",
        "model.eval()  # dropout off; BatchNorm uses (and keeps) its running statistics",
        "with torch.no_grad():",
        "    a, b = model(inputs), model(inputs)",
        "print((a - b).abs().max())  # 0",
        "",
        "out = model(inputs)",
        "print(out.requires_grad, out.grad_fn)  # True, <...Backward0>: a graph was recorded",
        "with torch.no_grad():  # evaluation: no graph, less memory, faster",
        "    quiet = model(inputs)",
        "print(quiet.requires_grad, quiet.grad_fn)  # False None",
        "model.train()  # back to training mode before the next optimizer steps",
    ]
    data = batch_script(ctx.dataset(step), step.split, step.batch_size, skip=step.batch)
    own = Script(imports=["import torch"], body=["\n".join(lines)])
    return spec.code() + data + own


def compute(ctx: ComputeContext, batch: int | None = None, seed: int | None = None) -> ModesResult:
    """The step's model on batch ``batch``; ``seed`` picks the dropout masks."""
    from tutor.engine.modes import mode_demo

    step: ModesStep = ctx.step
    mb = minibatch(ctx, step, step.batch if batch is None else batch)
    chosen = step.seed if seed is None else seed
    demo = mode_demo(ctx.model_state(step.model).model, mb.x, seed=chosen)
    return ModesResult(demo, chosen, mb.index, mb.count, mb.size, mb.split, mb.first)


KIND = StepKind("modes", ModesStep, check=check, code=code)
