"""``train``: live training with curves, speed and device; then metrics and the model.

The run itself is the engine's one training entry point
(:class:`tutor.engine.run.TrainingRun`); this module only says which model, data and
settings a lesson's train step stands for, and keeps the trained model for the later
steps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from tutor.course.schema import StepBase, TrainSettings
from tutor.course.steps.base import CheckContext, CodeContext, ComputeContext, StepKind

#: Learning rates and batch sizes that ``l``/``L`` and ``b``/``B`` step through.
LR_LADDER = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
BATCH_LADDER = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096)


def ladder_step(ladder: tuple[float, ...], value: float, direction: int) -> float:
    """The next rung above (or below) ``value`` on a ladder of round values."""
    if direction > 0:
        bigger = [v for v in ladder if v > value * 1.0001]
        return bigger[0] if bigger else value
    smaller = [v for v in ladder if v < value * 0.9999]
    return smaller[-1] if smaller else value


class TrainStep(StepBase, TrainSettings):
    """Live training: curves, accuracy, speed; then metrics and the trained model."""

    kind: Literal["train"]
    model: str
    dataset: str | None = None


def check(step: TrainStep, ctx: CheckContext) -> None:
    if ctx.model(step.model) is None:
        return
    info = ctx.dataset(step)
    ctx.combination(step.model, info, step.loss, step.target)


def code(step: TrainStep, ctx: CodeContext) -> str | None:
    from tutor.engine.codegen import model_code, training_code

    spec = ctx.specs.get(step.model)
    if spec is None:
        return None
    return model_code(spec) + "\n" + training_code(spec, ctx.dataset(step), step.config())


def start(
    ctx: ComputeContext,
    on_event: Callable[[object], None],
    **changes: Any,
) -> Any:
    """A training run of the step's model on its data, with the learner's ``changes``
    to the settings (``lr``, ``batch_size``, ``epochs``); call ``run()`` on it in a
    worker thread, then :func:`keep`."""
    from tutor.engine.run import TrainingRun, run_name

    step: TrainStep = ctx.step
    data = ctx.dataset()
    spec = ctx.lesson_file.specs[step.model]
    return TrainingRun(
        spec,
        data,
        step.config(**changes),
        device=ctx.session.device,
        on_event=on_event,
        name=run_name(step.model, ctx.lesson_id),
        reserve_core=True,
    )


def keep(ctx: ComputeContext, run: Any, result: Any) -> None:
    """Keep the trained model for the lesson's later steps (when it learned anything)."""
    step: TrainStep = ctx.step
    if result.epochs_done > 0 and run.model is not None:
        spec = ctx.lesson_file.specs[step.model]
        ctx.session.set_trained((ctx.lesson_id, step.model), spec, run.model, result)


def has_images(run: Any) -> bool:
    """True when the run trained on images (so one can be shown through the model)."""
    return len(getattr(run.data, "sample_shape", ())) == 3


KIND = StepKind("train", TrainStep, check=check, code=code)
