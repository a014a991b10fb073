"""What a training run reports: events, scores and the result. No torch here.

The trainer calls ``on_event`` with these from its thread; the app matches them by type
(this module imports without torch, so the UI can import it at the top), and
``tutor train`` prints them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tutor.engine.activity import LayerActivity
from tutor.engine.config import EARLY_STOP_PATIENCE
from tutor.locales import DEFAULT_LANGUAGE, t


@dataclass(frozen=True)
class Metrics:
    """The scores of a model on one split.

    For classification ``accuracy``, the per-class lists, the macro averages and
    ``confusion`` are set and ``mse`` is None; for regression ``mse`` and ``mae`` are set
    and the classification fields are None or empty.
    """

    task: str
    n: int
    """Number of samples scored."""
    loss: float | None = None
    """Mean loss per sample under the training loss, when one was given."""
    accuracy: float | None = None
    classes: tuple[str, ...] = ()
    precision: tuple[float, ...] = ()
    recall: tuple[float, ...] = ()
    f1: tuple[float, ...] = ()
    support: tuple[int, ...] = ()
    """How many samples of each true class there are (the row sums of ``confusion``)."""
    macro_precision: float | None = None
    macro_recall: float | None = None
    macro_f1: float | None = None
    confusion: tuple[tuple[int, ...], ...] = field(default=())
    """``confusion[true][predicted]``: counts, rows are the true class."""
    mse: float | None = None
    mae: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (lists, floats, ints, str)."""
        data: dict[str, Any] = {"task": self.task, "n": self.n, "loss": self.loss}
        if self.task == "classification":
            data.update(
                accuracy=self.accuracy,
                macro_precision=self.macro_precision,
                macro_recall=self.macro_recall,
                macro_f1=self.macro_f1,
                classes=list(self.classes),
                precision=list(self.precision),
                recall=list(self.recall),
                f1=list(self.f1),
                support=list(self.support),
                confusion=[list(row) for row in self.confusion],
            )
        else:
            data.update(mse=self.mse, mae=self.mae)
        return data


@dataclass(frozen=True)
class StepFinished:
    """Progress within an epoch, sent at most every ``progress_interval`` seconds."""

    epoch: int
    """1-based epoch number."""
    step: int
    """Steps (minibatches) done in this epoch so far."""
    loss: float
    """Mean training loss per sample over the steps since the previous StepFinished."""
    samples_seen: int
    """Training samples processed since the run started, across epochs."""
    epoch_progress: float
    """Fraction of this epoch done, 0..1."""


@dataclass(frozen=True)
class EpochFinished:
    """One epoch done: training loss, validation scores and speed."""

    epoch: int
    epochs: int
    train_loss: float
    """Mean loss per training sample over this epoch (while the weights were changing)."""
    val_loss: float | None
    val_accuracy: float | None
    """None for regression, or when there is no validation split."""
    samples_per_s: float
    """Training samples per second in this epoch (validation and pauses not counted)."""
    elapsed_s: float
    """Seconds since the run started, pauses not counted."""
    lr: float
    batch_size: int
    device: str
    steps: int = 0
    """Steps taken in this epoch."""
    train_accuracy: float | None = None
    """Share of training samples whose prediction (argmax of the output) was right,
    counted during the epoch from each step's outputs: like ``train_loss``, it is
    measured while the weights were changing, so it lags the model at the end of the
    epoch. None for regression."""
    activity: tuple[LayerActivity, ...] | None = None
    """Activation statistics on a fixed probe batch after this epoch, when
    ``TrainConfig.track_activity`` is on."""


@dataclass(frozen=True)
class TrainingPaused:
    """The loop is blocked in :meth:`Trainer.pause` before step ``step + 1``."""

    epoch: int
    step: int


@dataclass(frozen=True)
class TrainingResumed:
    """The loop goes on after a pause."""

    epoch: int
    step: int


@dataclass(frozen=True)
class CheckpointFailed:
    """Saving a checkpoint failed (a full or read-only disk); training goes on."""

    epoch: int
    message: str


@dataclass(frozen=True)
class TrainingStopped:
    """:meth:`Trainer.stop` ended the run after ``step`` steps of ``epoch``."""

    epoch: int
    step: int


@dataclass(frozen=True)
class TrainingDiverged:
    """The loss became NaN, infinite or exploded; training ended.

    :meth:`explain` says why to the learner, in their language.
    """

    epoch: int
    step: int
    loss: float
    lr: float
    """The learning rate the run diverged with."""
    first_loss: float | None = None
    """The loss of the first step, to compare an explosion with."""
    input_scale: float = 1.0
    """What the inputs were multiplied by (a cause when the very first loss is not finite)."""

    def explain(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """Why the loss blew up (the learning rate, most likely) and what to try.

        A loss that is not finite at the very first step, before any update, cannot be
        the learning rate's doing: then the inputs or the model are named instead.
        """
        if math.isnan(self.loss):
            what = t("train.diverged.nan", lang)
        elif math.isinf(self.loss):
            what = t("train.diverged.inf", lang)
        else:
            what = t("train.diverged.big", lang, loss=self.loss)
            if self.first_loss is not None:
                what += t("train.diverged.started", lang, first=self.first_loss)
        if self.first_loss is None and not math.isfinite(self.loss):
            return t(
                "train.diverged.at_start",
                lang,
                what=what,
                epoch=self.epoch,
                step=self.step,
                scale=self.input_scale,
            )
        return t(
            "train.diverged.explain",
            lang,
            what=what,
            epoch=self.epoch,
            step=self.step,
            lr=self.lr,
            smaller=self.lr / 10,
        )

    @property
    def explanation(self) -> str:
        """:meth:`explain` in English (for logs and ``tutor train --json``)."""
        return self.explain(DEFAULT_LANGUAGE)


@dataclass
class TrainResult:
    """What a run produced. ``state`` is ``finished``, ``stopped`` or ``diverged``."""

    state: str
    history: list[EpochFinished] = field(default_factory=list)
    epochs_done: int = 0
    steps_done: int = 0
    """Optimizer steps over the whole run."""
    val_metrics: Metrics | None = None
    """Scores on the validation split after the last completed epoch."""
    test_metrics: Metrics | None = None
    """Scores on the test split at the end of a finished run (None if there is none)."""
    checkpoint: Path | None = None
    """The last checkpoint written, if any."""
    diverged: TrainingDiverged | None = None
    stopped: TrainingStopped | None = None
    checkpoint_error: str | None = None
    """Why the last checkpoint could not be saved, if it could not."""
    elapsed_s: float = 0.0

    @property
    def best_epoch(self) -> int | None:
        """The epoch with the lowest validation loss (the first, on a tie): the weights
        early stopping keeps. None without validation losses."""
        return best_epoch(self.history)

    @property
    def early_stop_epoch(self) -> int | None:
        """The epoch where early stopping with ``EARLY_STOP_PATIENCE`` would have
        ended this run (see :func:`early_stop_epoch`); None if it would not have."""
        return early_stop_epoch(self.history)

    @property
    def final_metrics(self) -> Metrics | None:
        """Test scores when there is a test split, else validation scores."""
        return self.test_metrics or self.val_metrics


def best_epoch(history: list[EpochFinished]) -> int | None:
    """The epoch of ``history`` with the lowest validation loss (first on a tie)."""
    scored = [(e.val_loss, e.epoch) for e in history if e.val_loss is not None]
    scored = [(loss, epoch) for loss, epoch in scored if math.isfinite(loss)]
    return min(scored)[1] if scored else None


def early_stop_epoch(
    history: list[EpochFinished], patience: int = EARLY_STOP_PATIENCE
) -> int | None:
    """Where early stopping would stop: the first epoch that ends ``patience`` epochs in
    a row without a new lowest validation loss (any decrease counts as new; ties do
    not). Keras' ``EarlyStopping(patience=...)`` and the usual PyTorch recipe follow this
    rule; they then restore the weights of :func:`best_epoch`. None if the run never
    went ``patience`` epochs without improving."""
    if patience < 1:
        raise ValueError(f"patience must be at least 1 epoch, got {patience}")
    best: float | None = None
    waited = 0
    for event in history:
        loss = event.val_loss
        if loss is None or not math.isfinite(loss):
            continue
        if best is None or loss < best:
            best, waited = loss, 0
        else:
            waited += 1
            if waited >= patience:
                return event.epoch
    return None


@dataclass(frozen=True)
class TrainingFinished:
    """All epochs ran; ``result`` has the history and the final metrics."""

    result: TrainResult


@dataclass(frozen=True)
class DeviceFellBack:
    """The device ran out of memory and the run starts again on ``device`` (the CPU)."""

    device: str
    """The label of the device the run continues on."""
    reason: str
    """Why (the out-of-memory message), for the learner."""
