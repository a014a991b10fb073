"""``train``: live training with curves, speed and device; then metrics and the model.

The run itself is the engine's one training entry point
(:class:`tutor.engine.run.TrainingRun`); this module only says which model, data and
settings a lesson's train step stands for, and keeps the trained model for the later
steps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import Field, field_validator

from tutor.course.schema import StepBase, TrainSettings
from tutor.course.steps.base import CheckContext, CodeContext, ComputeContext, StepKind
from tutor.engine.script import Script

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


#: Switches a train step can offer: ``d`` turns the model's Dropout layers off and on,
#: ``w`` turns the step's weight decay off and on.
TOGGLES = ("dropout", "weight_decay")


class TrainStep(StepBase, TrainSettings):
    """Live training: curves, accuracy, speed; then metrics and the trained model."""

    kind: Literal["train"]
    model: str
    dataset: str | None = None
    toggles: list[Literal["dropout", "weight_decay"]] = Field(default_factory=list)
    """Switches the learner may flip before a run (``d``: dropout, ``w``: weight decay)."""
    outcome: dict[str, Any] | None = None
    """What the text says a run shows, checked after every run and in the lesson tests:
    ``{val_loss_ends_above_train: true, train_val_gap_at_least: 0.1}`` (the claims are
    ``tutor.engine.outcome.CLAIMS``)."""

    @field_validator("outcome")
    @classmethod
    def _check_outcome(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        from tutor.engine.outcome import check_outcome

        check_outcome(value)
        return value


def check(step: TrainStep, ctx: CheckContext) -> None:
    spec = ctx.model(step.model)
    if spec is None:
        return
    info = ctx.dataset(step)
    ctx.combination(step.model, info, step.loss, step.target)
    if "dropout" in step.toggles and not any(layer.type == "Dropout" for layer in spec.layers):
        ctx.problem(
            "toggles",
            f"the dropout switch needs Dropout layers in model '{step.model}'; "
            "add one, e.g. '- Dropout: {p: 0.5}' after a hidden layer's activation",
        )
    if "weight_decay" in step.toggles and step.weight_decay == 0:
        ctx.problem(
            "toggles",
            "the weight_decay switch turns the step's weight_decay on and off: "
            "set weight_decay (e.g. 0.001)",
        )


def code(step: TrainStep, ctx: CodeContext) -> Script | None:
    from tutor.engine.codegen import model_script, training_script

    spec = ctx.specs.get(step.model)
    if spec is None:
        return None
    return model_script(spec, step.seed) + training_script(spec, ctx.dataset(step), step.config())


def start(
    ctx: ComputeContext,
    on_event: Callable[[object], None],
    switches: dict[str, bool] | None = None,
    **changes: Any,
) -> Any:
    """A training run of the step's model on its data, with the learner's ``changes``
    to the settings (``lr``, ``batch_size``, ``epochs``) and its ``switches`` (a
    dropout or weight-decay switch turned off); call ``run()`` on it in a worker
    thread, then :func:`keep`."""
    from tutor.engine.edit import with_dropout
    from tutor.engine.run import TrainingRun, run_name

    step: TrainStep = ctx.step
    switches = switches or {}
    data = ctx.dataset()
    spec = with_dropout(ctx.lesson_file.specs[step.model], switches.get("dropout", True))
    if not switches.get("weight_decay", True):
        changes["weight_decay"] = 0.0
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
        # Kept under the lesson's own spec: the later steps use the model as written
        # (with dropout switched off, only its p differs, and eval mode ignores p).
        spec = ctx.lesson_file.specs[step.model]
        ctx.session.set_trained((ctx.lesson_id, step.model), spec, run.model, result)


def has_images(run: Any) -> bool:
    """True when the run trained on images (so one can be shown through the model)."""
    return len(getattr(run.data, "sample_shape", ())) == 3


KIND = StepKind("train", TrainStep, check=check, code=code)
