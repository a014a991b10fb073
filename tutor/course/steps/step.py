"""``step``: one ``optimizer.step()`` on one minibatch, for a few chosen weights.

SGD, SGD with momentum and Adam side by side, each on its own copy of the lesson's
model, all from the same weights and the same batch: for every chosen weight ``w``,
its gradient, ``lr × grad``, what each optimizer keeps (velocity; m, v, m̂, v̂), the
update and the new ``w``, by hand and by ``torch.optim``; the batch's loss before and
after. The engine's :class:`~tutor.engine.optim_step.OptimizerLab` keeps the copies
and the optimizers' state, so the next key takes the next step (:func:`advance`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tutor.course.schema import Index
from tutor.course.steps.base import CheckContext, CodeContext, ComputeContext, StepKind
from tutor.course.steps.batches import (
    BatchStep,
    batch_script,
    check_batch_step,
    lesson_model,
    minibatch,
    param_shapes,
)
from tutor.course.steps.claims import ViewClaim, ViewVerdict, check_claims, judge_claims
from tutor.engine.script import Script

OPTIMIZERS = ("sgd", "momentum", "adam")


class WeightChoice(BaseModel):
    """One weight to follow: ``{param: fc1.weight, index: [3, 407]}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    param: str
    index: list[Index] = Field(min_length=1, max_length=4)


class OptimizerStepStep(BatchStep):
    """One optimizer step on one minibatch: SGD, momentum and Adam side by side."""

    kind: Literal["step"]
    optimizers: list[Literal["sgd", "momentum", "adam"]] = Field(
        default_factory=lambda: list(OPTIMIZERS), min_length=1
    )
    lr: float = Field(0.01, gt=0, le=100)
    """The learning rate of SGD and SGD with momentum."""
    momentum: float = Field(0.9, ge=0, lt=1)
    adam_lr: float = Field(0.001, gt=0, le=100)
    """Adam's learning rate (PyTorch's default, 0.001)."""
    weight_decay: float = Field(0.0, ge=0, le=10)
    weights: list[WeightChoice] | None = Field(None, min_length=1, max_length=6)
    """The weights followed; default: the entry with the largest gradient of each of
    the first weight matrices."""
    steps: int = Field(1, ge=0, le=50)
    """Steps already taken when the step opens (2 shows momentum's velocity at work)."""
    train_mode: bool = True
    outcome: dict[str, Any] | None = None
    """What the text says the steps show: see :data:`CLAIMS`."""

    @field_validator("outcome")
    @classmethod
    def _check_outcome(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        check_claims(value, CLAIMS)
        return value


@dataclass(frozen=True)
class StepResult:
    """The optimizers' steps so far on one batch (plain numbers, and the kept lab)."""

    lab: Any
    """The :class:`~tutor.engine.optim_step.OptimizerLab` (tensors: the engine's)."""
    history: tuple[Any, ...]
    """Every ``StepComparison`` so far, oldest first (empty after a reset)."""
    kinds: tuple[str, ...]
    lr: float
    momentum: float
    adam_lr: float
    weight_decay: float
    betas: tuple[float, float]
    eps: float
    batch: int
    batches: int
    batch_size: int
    split: str
    first: int
    verdicts: tuple[ViewVerdict, ...] = ()

    @property
    def latest(self) -> Any:
        """The last ``StepComparison``, or None at step 0."""
        return self.history[-1] if self.history else None


def _loss_falls(result: StepResult, kinds: list[str]) -> bool | None:
    if not result.history:
        return None
    first = result.history[0]
    shown = {r.kind: r for r in first.results}
    if any(k not in shown for k in kinds):
        return False
    return all(shown[k].loss_after < shown[k].loss_before for k in kinds)


CLAIMS: dict[str, ViewClaim] = {
    "loss_falls": ViewClaim("names", _loss_falls, "claim.loss_falls"),
}
"""What a step's text may state about its numbers (``outcome:``)."""


def check(step: OptimizerStepStep, ctx: CheckContext) -> None:
    spec = check_batch_step(step, ctx)
    if spec is None:
        return
    from tutor.text import shape_text, suggest

    shapes = param_shapes(spec)
    for i, choice in enumerate(step.weights or []):
        where = ("steps", ctx.index, "weights", i)
        if choice.param not in shapes:
            ctx.problem(
                (*where, "param"),
                f"model '{step.model}' has no parameter '{choice.param}'"
                f"{suggest(choice.param, list(shapes))}; its parameters: {', '.join(shapes)}",
            )
            continue
        shape = shapes[choice.param]
        fits = len(choice.index) == len(shape) and all(
            0 <= i < n for i, n in zip(choice.index, shape, strict=False)
        )
        if not fits:
            ctx.problem(
                (*where, "index"),
                f"{choice.param} has shape {shape_text(shape)}: {choice.index} is not a "
                f"position in it (give {len(shape)} indices, each from 0 to the size − 1)",
            )
    for name in (step.outcome or {}).get("loss_falls", []):
        if name not in step.optimizers:
            ctx.problem(
                "outcome",
                f"loss_falls names '{name}', which this step does not show; "
                f"its optimizers: {', '.join(step.optimizers)}",
            )


def code(step: OptimizerStepStep, ctx: CodeContext) -> Script | None:
    spec = ctx.specs.get(step.model)
    if spec is None:
        return None
    choice = (step.weights or [None])[0]
    shapes = param_shapes(spec)
    name = choice.param if choice else next((n for n in shapes if len(shapes[n]) >= 2), None)
    index = tuple(choice.index) if choice else tuple(0 for _ in shapes.get(name or "", ()))
    decay = f", weight_decay={step.weight_decay!r}" if step.weight_decay else ""
    makers = {
        "sgd": f'("SGD", lambda ps: torch.optim.SGD(ps, lr={step.lr!r}{decay})),',
        "momentum": (
            f'("SGD + momentum", lambda ps: torch.optim.SGD(ps, lr={step.lr!r}, '
            f"momentum={step.momentum!r}{decay})),"
        ),
        "adam": f'("Adam", lambda ps: torch.optim.Adam(ps, lr={step.adam_lr!r}{decay})),',
    }
    loss = {"cross_entropy": "CrossEntropyLoss", "nll": "NLLLoss", "mse": "MSELoss"}[step.loss]
    lines = [
        f"loss_fn = nn.{loss}()",
        "",
        "for title, make in [",
        *(f"    {makers[k]}" for k in step.optimizers),
        "]:",
        "    net = copy.deepcopy(model)  # every optimizer starts from the same weights",
        "    net.train()" if step.train_mode else "    net.eval()",
        "    optimizer = make(net.parameters())",
        f'    w = dict(net.named_parameters())["{name}"]',
        f"    before = w[{', '.join(map(str, index))}].item()",
        "    optimizer.zero_grad()",
        "    loss = loss_fn(net(inputs), targets)",
        "    loss.backward()",
        f"    grad = w.grad[{', '.join(map(str, index))}].item()",
        "    optimizer.step()  # SGD: w - lr * grad; momentum and Adam keep a state",
        f"    after = w[{', '.join(map(str, index))}].item()",
        "    with torch.no_grad():",
        "        new_loss = loss_fn(net(inputs), targets).item()",
        '    print(f"{title}: w {before:+.4g} grad {grad:+.4g} -> {after:+.4g}, '
        'loss {loss.item():.4f} -> {new_loss:.4f}")',
        "    print(optimizer.state[w].keys())  # momentum_buffer, or exp_avg and exp_avg_sq",
    ]
    data = batch_script(ctx.dataset(step), step.split, step.batch_size, skip=step.batch)
    own = Script(
        imports=["import copy", "import torch", "from torch import nn"], body=["\n".join(lines)]
    )
    return spec.code() + data + own


def compute(
    ctx: ComputeContext,
    batch: int | None = None,
    lr: float | None = None,
    adam_lr: float | None = None,
    steps: int | None = None,
) -> StepResult:
    """A fresh lab on batch ``batch`` with these learning rates, after ``steps`` steps."""
    from tutor.engine.optim_step import OptimizerLab, OptimizerSettings

    step: OptimizerStepStep = ctx.step
    mb = minibatch(ctx, step, step.batch if batch is None else batch)
    settings = OptimizerSettings(
        lr=step.lr if lr is None else lr,
        momentum=step.momentum,
        adam_lr=step.adam_lr if adam_lr is None else adam_lr,
        weight_decay=step.weight_decay,
    )
    weights = [(w.param, tuple(w.index)) for w in step.weights] if step.weights else None
    lab = OptimizerLab(
        lesson_model(ctx, step.model),
        mb.x,
        mb.y,
        step.loss,
        weights=weights,
        settings=settings,
        kinds=tuple(step.optimizers),
        train_mode=step.train_mode,
        seed=step.seed,
    )
    for _ in range(step.steps if steps is None else steps):
        lab.step()
    result = StepResult(
        lab=lab,
        history=tuple(lab.history),
        kinds=tuple(step.optimizers),
        lr=settings.lr,
        momentum=settings.momentum,
        adam_lr=settings.lr_of("adam"),
        weight_decay=settings.weight_decay,
        betas=settings.betas,
        eps=settings.eps,
        batch=mb.index,
        batches=mb.count,
        batch_size=mb.size,
        split=mb.split,
        first=mb.first,
    )
    as_written = (mb.index, settings.lr, settings.lr_of("adam")) == (
        step.batch,
        step.lr,
        step.adam_lr,
    )
    if as_written:  # the lesson's claims are about its own batch and learning rates
        result = replace(result, verdicts=judge_claims(step.outcome, CLAIMS, result))
    return result


def advance(result: StepResult) -> StepResult:
    """The step after ``result``'s with every optimizer, on the same batch (taken now,
    or already by :func:`ahead`)."""
    t = len(result.history) + 1
    result.lab.comparison(t)
    return replace(result, history=tuple(result.lab.history[:t]))


def ahead(result: StepResult) -> None:
    """Take the step after ``result``'s while the learner reads it; :func:`advance`
    then only looks it up."""
    result.lab.comparison(len(result.history) + 1)


def reset(result: StepResult) -> StepResult:
    """Back to step 0: the model's own weights and empty optimizer state.

    The lab keeps the steps it took: step ``t`` is the same each time it is taken from
    the model's own weights (same batch, same dropout masks), so the next :func:`advance`
    looks step 1 up again instead of taking it twice. No tensor is touched here."""
    return replace(result, history=())


KIND = StepKind("step", OptimizerStepStep, check=check, code=code)
