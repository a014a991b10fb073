"""``boundary``: TensorFlow Playground in the terminal.

A 2-D set (circle, xor, gauss, spiral), a small network on it, and its decision
boundary over the plane, redrawn while the network trains; beside it what every input
feature and hidden unit computes over the plane. The learner changes the network with
keys (layers, widths, activation, input features, learning rate, L2 rate, noise).

The network and its settings are one :class:`tutor.engine.playground.PlaygroundConfig`,
the engine's home for them and their limits; this module says which config a lesson's
step stands for, checks it, exports its code, and runs it through the engine's one
training entry point (:class:`tutor.engine.run.TrainingRun`). A step may state what its
run shows (``outcome:``, the claims of :mod:`tutor.engine.outcome`, as a train step
does); the app checks the claim after each run and the lesson tests require it to hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import field_validator

from tutor.course.schema import Seed, StepBase
from tutor.course.steps.base import CheckContext, CodeContext, ComputeContext, StepKind
from tutor.engine.datasets.plane_info import PLANE_SETS
from tutor.engine.playground import PlaygroundConfig, PlaygroundError, config_from_spec

if TYPE_CHECKING:
    from tutor.course.lesson import LessonFile
    from tutor.engine.boundary import BoundaryMap
    from tutor.engine.outcome import Verdict
    from tutor.engine.playground import Playground
    from tutor.engine.script import Script

CONTROLS = ("layers", "width", "activation", "features", "lr", "regularization", "noise", "dataset")
"""What a learner may change on a boundary step (``controls:``; all of them by default)."""
Control = Literal[
    "layers", "width", "activation", "features", "lr", "regularization", "noise", "dataset"
]
UNTIL_STOPPED = 100_000
"""Epochs of a step without ``epochs``: it trains until the learner stops it."""
CODE_EPOCHS = 20
"""Epochs the exported code trains for when the step runs until stopped and the learner
has not trained yet (20 epochs of 500 points in batches of 10: 1,000 steps, seconds in
a notebook; the learner changes the number)."""

_DEFAULTS = PlaygroundConfig()
"""Playground's own defaults, the engine's: the step's defaults are these."""


class BoundaryStep(StepBase):
    """The decision boundary of a small network on a 2-D set, live, with unit maps."""

    kind: Literal["boundary"]
    dataset: str | None = None
    """One of the 2-D sets; the lesson's dataset, or ``circle``, when not given."""
    noise: float = _DEFAULTS.noise
    model: str | None = None
    """A lesson model of the playground's form (features layer, Linear + activation per
    hidden layer, Linear to 2): the network, so facts about it are facts about what is
    trained. Or give ``features``, ``hidden`` and ``activation`` instead."""
    features: list[str] | None = None
    hidden: list[int] | None = None
    activation: str | None = None
    lr: float = _DEFAULTS.lr
    regularization: float = _DEFAULTS.regularization
    """The L2 rate (the optimizer's ``weight_decay``)."""
    batch_size: int = _DEFAULTS.batch_size
    optimizer: str = _DEFAULTS.optimizer
    """``sgd``, as Playground trains, or ``adam`` (for a run the lesson keeps short)."""
    epochs: int | None = None
    """How many epochs a run lasts; none: until the learner stops it."""
    seed: Seed = _DEFAULTS.seed
    controls: list[Control] | None = None
    """What the learner may change (:data:`CONTROLS`); all of it when not given, none
    with ``[]``."""
    outcome: dict[str, Any] | None = None
    """What the text says a run shows, checked after every run and in the lesson tests
    (``{accuracy_below: 0.7}``; the claims are ``tutor.engine.outcome.CLAIMS``)."""

    @field_validator("outcome")
    @classmethod
    def _check_outcome(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        from tutor.engine.outcome import check_outcome

        check_outcome(value)
        return value


@dataclass(frozen=True)
class LiveNetwork:
    """What a boundary view holds now, for the code screen: the network as the learner
    changed it, and the epochs the exported loop should train."""

    config: PlaygroundConfig
    epochs: int


def step_dataset(step: BoundaryStep, lesson_file: LessonFile) -> str:
    """The step's 2-D set: its own, the lesson's, or Playground's default."""
    lesson = lesson_file.lesson
    return step.dataset or (lesson.dataset if lesson is not None else None) or _DEFAULTS.dataset


def playground_config(step: BoundaryStep, lesson_file: LessonFile) -> PlaygroundConfig:
    """The network and settings the step stands for (the lesson must be checked when
    the step names a ``model``).

    Raises:
        PlaygroundError: a value out of the engine's limits, or a model of another form.
    """
    settings: dict[str, Any] = {
        "dataset": step_dataset(step, lesson_file),
        "noise": step.noise,
        "lr": step.lr,
        "regularization": step.regularization,
        "batch_size": step.batch_size,
        "optimizer": step.optimizer,
        "epochs": step.epochs or UNTIL_STOPPED,
        "seed": step.seed,
    }
    if step.model is not None:
        return config_from_spec(lesson_file.specs[step.model], **settings)
    return PlaygroundConfig(
        features=tuple(step.features) if step.features is not None else _DEFAULTS.features,
        hidden=tuple(step.hidden) if step.hidden is not None else _DEFAULTS.hidden,
        activation=step.activation if step.activation is not None else _DEFAULTS.activation,
        **settings,
    )


# Which field of the step an engine refusal is about (by its catalog key).
_FIELDS = {
    "playground.dataset_not_plane": "dataset",
    "playground.noise_range": "noise",
    "playground.layers_max": "hidden",
    "playground.width_range": "hidden",
    "playground.activation_unknown": "activation",
    "playground.lr_range": "lr",
    "playground.regularization_range": "regularization",
    "config.batch_size": "batch_size",
    "config.optimizer": "optimizer",
    "config.epochs": "epochs",
    "config.seed": "seed",
    "playground.not_a_network": "model",
}


def check(step: BoundaryStep, ctx: CheckContext) -> None:
    from tutor.text import suggest

    if step.model is not None:
        given = [f for f in ("features", "hidden", "activation") if getattr(step, f) is not None]
        if given:
            ctx.problem(
                given[0],
                f"the network is model '{step.model}': leave out '{given[0]}', or leave out "
                "'model' and give features, hidden and activation",
            )
            return
        if ctx.model(step.model) is None:
            return
    name = step_dataset(step, ctx.lesson_file)
    if name not in PLANE_SETS and step.dataset:
        ctx.problem(
            "dataset",
            f"a boundary step draws a 2-D set, not '{name}'{suggest(name, PLANE_SETS)}; "
            f"choose {', '.join(PLANE_SETS)}",
        )
        return
    if name not in PLANE_SETS:
        ctx.problem(
            ctx.base,
            f"a boundary step draws a 2-D set, and the lesson's dataset is '{name}': "
            f"give the step its own 'dataset' ({', '.join(PLANE_SETS)})",
        )
        return
    try:
        playground_config(step, ctx.lesson_file)
    except PlaygroundError as error:
        # A feature's own error has no key: it is about 'features'.
        where = _FIELDS.get(error.key or "", "features")
        if step.model is not None and where in ("features", "hidden", "activation"):
            where = "model"  # the model's layers say it, not the step's fields
        ctx.problem(where, error.message)
    if step.outcome and step.epochs is None:
        ctx.problem(
            "outcome",
            "an outcome is checked at the end of a run, and without 'epochs' this step "
            "trains until the learner stops it: give 'epochs' (e.g. 40)",
        )


def code(step: BoundaryStep, ctx: CodeContext) -> Script | None:
    """The whole playground as one script: the points, the network, the loop. With the
    learner's changes when the app passes them (``LiveNetwork``)."""
    from tutor.engine.playground import playground_script

    if isinstance(ctx.state, LiveNetwork):
        return playground_script(ctx.state.config, epochs=ctx.state.epochs)
    config = playground_config(step, ctx.lesson_file)
    return playground_script(config, epochs=step.epochs or CODE_EPOCHS)


# ----------------------------------------------------------------------------- compute


def prepare(ctx: ComputeContext, config: PlaygroundConfig, announce: bool = True) -> Playground:
    """The network of ``config`` freshly initialised (what a run starts from, so the
    learner sees it before training) and its data on the session's device; the data is
    reported to ``ctx.on_data`` when ``announce`` (the caller knows when it changed:
    naming the same data again would cost the screen a layout pass for nothing)."""
    from tutor.engine.playground import build_playground

    playground = build_playground(config, device=ctx.session.device.torch_device)
    if announce:
        ctx.on_data(playground.data)
    return playground


def start(ctx: ComputeContext, playground: Playground, on_event: Callable[[object], None]) -> Any:
    """A training run of the playground (no checkpoints: a playground run is restarted,
    not resumed); call ``run()`` on it in a worker thread. Its model starts from the
    same weights as ``playground.model`` (the same spec and seed)."""
    from tutor.engine.run import TrainingRun

    return TrainingRun(
        playground.spec,
        playground.data,
        playground.train_config,
        device=ctx.session.device,
        on_event=on_event,
        name=None,
        reserve_core=True,
        progress_interval=0.2,
    )


def boundary(
    model: Any, data: Any, size: tuple[int, int], unit_size: tuple[int, int]
) -> BoundaryMap:
    """The model's decision boundary and unit maps; safe while the model trains."""
    from tutor.engine.boundary import boundary_map

    return boundary_map(model, data, size=size, unit_size=unit_size)


def verdicts(step: BoundaryStep, result: Any) -> list[Verdict]:
    """The step's ``outcome`` claims, checked on a finished run."""
    from tutor.engine.outcome import judge

    return judge(step.outcome or {}, result)


KIND = StepKind("boundary", BoundaryStep, check=check, code=code)
