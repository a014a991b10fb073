"""Training: Data → Model → Logit → Loss → Optimizer → Result, live, with progress events.

:class:`Trainer` runs the classic loop over tensors that are already on the device
(see ``tutor.engine.data``), taking each minibatch by index (``x[perm[i:i + bs]]``)
instead of going through a per-sample ``Dataset``/``DataLoader``. That keeps it as fast
as a hand-written PyTorch loop, several times faster than the ``ToTensor`` +
``DataLoader`` pipeline of course notebooks (``bench/train_throughput.py`` measures both).

A caller in another thread (the app's worker) watches it through events passed to
``on_event``; the trainer never imports Textual. Steps are reported at most every
``progress_interval`` seconds, so a 10 Hz display costs nothing measurable, and the loss
is read from the device only then (no ``.item()`` per step, which would stall a GPU).

Control is thread-safe and takes effect within one step: :meth:`Trainer.pause`,
:meth:`Trainer.resume`, :meth:`Trainer.stop`; :meth:`Trainer.set_lr` and
:meth:`Trainer.set_batch_size` apply at the next epoch boundary.

A NaN or infinite loss ends training with :class:`TrainingDiverged`, which explains to
the learner that the learning rate is probably too large, instead of raising.
"""

from __future__ import annotations

import dataclasses
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn

from tutor.engine.checkpoint import checkpoint_path, save_checkpoint
from tutor.engine.metrics import (
    LOSSES,
    TASKS,
    Metrics,
    accumulator_dtype,
    evaluate,
    loss_function,
)
from tutor.engine.spec import ModelSpec
from tutor.errors import TutorError

OPTIMIZERS = ("sgd", "adam")
TARGETS = ("labels", "inputs")
#: A loss this many times the first step's loss means training has blown up.
EXPLOSION_FACTOR = 1e4
STATES = ("idle", "running", "paused", "stopped", "finished", "diverged", "failed")


class TrainError(TutorError):
    """Training cannot start or go on; the message is written for the learner."""


class OutOfMemory(TrainError):
    """The device ran out of memory; a caller may retry on the CPU or with a smaller batch."""


# --------------------------------------------------------------------------- config


@dataclass(frozen=True)
class TrainConfig:
    """How to train. Every value is checked on creation (:class:`TrainError` if wrong)."""

    optimizer: str = "sgd"
    """``sgd`` (plain, or with momentum) or ``adam``."""
    lr: float = 0.01
    """Learning rate: how far each step moves the weights along the gradient."""
    momentum: float = 0.0
    """SGD momentum (0 is plain SGD); ignored by Adam."""
    weight_decay: float = 0.0
    """L2 regularization: each step also pulls every weight and bias towards 0 by
    ``lr × weight_decay × w`` (the gradient of ``weight_decay / 2 × Σ w²``); 0 is none."""
    batch_size: int = 64
    epochs: int = 5
    loss: str = "cross_entropy"
    """``cross_entropy`` (on logits), ``nll`` (model ends in LogSoftmax) or ``mse``."""
    seed: int = 0
    """Seeds the shuffling order, so two runs with the same seed see the same batches."""
    shuffle: bool = True
    input_scale: float = 1.0
    """Inputs are multiplied by this (the thermometer lesson scales t_u by 0.1)."""
    full_batch: bool = False
    """One step per epoch on the whole training split (the thermometer fit)."""
    target: str = "labels"
    """``labels``: learn the dataset's targets. ``inputs``: reproduce the input itself
    (an autoencoder), scored by MSE per pixel."""

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise TrainError(
                f"unknown optimizer {self.optimizer!r}: choose {' or '.join(OPTIMIZERS)}"
            )
        if self.loss not in LOSSES:
            raise TrainError(f"unknown loss {self.loss!r}: choose one of {', '.join(LOSSES)}")
        _check_lr(self.lr)
        _check_batch_size(self.batch_size)
        if isinstance(self.epochs, bool) or not isinstance(self.epochs, int) or self.epochs < 1:
            raise TrainError(
                f"the number of epochs must be a whole number of at least 1, got {self.epochs!r}"
            )
        if not _is_number(self.momentum) or not 0 <= self.momentum < 1:
            raise TrainError(
                f"momentum must be between 0 (plain SGD) and just below 1, "
                f"got {self.momentum!r}; 0.9 is a common choice"
            )
        if (
            not _is_number(self.weight_decay)
            or not math.isfinite(self.weight_decay)
            or self.weight_decay < 0
        ):
            raise TrainError(
                f"weight_decay (L2 regularization) must be 0 or a positive number such as "
                f"0.001, got {self.weight_decay!r}"
            )
        if (
            not _is_number(self.input_scale)
            or self.input_scale == 0
            or not math.isfinite(self.input_scale)
        ):
            raise TrainError(f"input_scale must be a non-zero number, got {self.input_scale!r}")
        if self.target not in TARGETS:
            raise TrainError(
                f"unknown target {self.target!r}: choose labels (the dataset's "
                "answers) or inputs (an autoencoder reproduces its input)"
            )
        if self.target == "inputs" and self.loss != "mse":
            raise TrainError(
                "with target: inputs the model reproduces its input, so the loss "
                "is mse (the mean squared error per pixel)"
            )
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise TrainError(f"seed must be a whole number, got {self.seed!r}")

    def replace(self, **changes: Any) -> TrainConfig:
        """A copy with some fields changed (and checked again)."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_lr(lr: Any) -> float:
    if not _is_number(lr) or not math.isfinite(lr) or lr <= 0:
        raise TrainError(f"the learning rate must be a positive number such as 0.01, got {lr!r}")
    return float(lr)


def _check_batch_size(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise TrainError(f"the batch size must be a whole number of at least 1, got {n!r}")
    return n


def default_loss(model: nn.Module, task: str) -> str:
    """The loss that fits ``model`` and ``task``: MSE for regression, NLL after a final
    LogSoftmax, otherwise cross-entropy on the logits."""
    if task == "regression":
        return "mse"
    return "nll" if isinstance(_last_leaf(model), nn.LogSoftmax) else "cross_entropy"


def _last_leaf(model: nn.Module) -> nn.Module | None:
    leaves = [m for m in model.modules() if not list(m.children())]
    return leaves[-1] if leaves else None


# --------------------------------------------------------------------------- events


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
    """The loss became NaN or infinite; training ended. ``explanation`` is for the learner."""

    epoch: int
    step: int
    loss: float
    explanation: str


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
    def final_metrics(self) -> Metrics | None:
        """Test scores when there is a test split, else validation scores."""
        return self.test_metrics or self.val_metrics


@dataclass(frozen=True)
class TrainingFinished:
    """All epochs ran; ``result`` has the history and the final metrics."""

    result: TrainResult


# --------------------------------------------------------------------------- tensors


@dataclass
class TensorSplit:
    """Inputs and targets of one split, already on the device."""

    x: torch.Tensor
    y: torch.Tensor


@dataclass
class TensorData:
    """The smallest thing :class:`Trainer` trains on; ``tutor.engine.data.Dataset`` has
    the same attributes and more. Handy for training on tensors of your own."""

    train: TensorSplit
    val: TensorSplit | None = None
    test: TensorSplit | None = None
    task: str = "classification"
    classes: tuple[str, ...] = ()
    name: str = "tensors"


def make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    """SGD (with ``config.momentum``) or Adam over the model's trainable parameters, with
    ``config.weight_decay`` as L2 regularization."""
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise TrainError("the model has no trainable parameters, so there is nothing to train")
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    return torch.optim.SGD(
        params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay
    )


def divergence_explanation(
    loss: float, lr: float, epoch: int, step: int, first_loss: float | None = None
) -> str:
    """Why a loss became NaN, infinite or exploded, for a learner, with what to try next."""
    if math.isnan(loss):
        what = "became NaN (not a number)"
    elif math.isinf(loss):
        what = "became infinite"
    else:
        what = f"exploded to {loss:.3g}"
        if first_loss is not None:
            what += f" (it started at {first_loss:.3g})"
    return (
        f"The loss {what} at epoch {epoch}, step {step}. The learning rate ({lr:g}) "
        f"is probably too large: each step overshoots the minimum and lands further from "
        f"it than before, so the loss grows instead of shrinking. Try lr = {lr / 10:g}."
    )


class _Diverged(Exception):
    """Internal: unwinds the loop to the divergence report."""

    def __init__(self, epoch: int, step: int, loss: float) -> None:
        super().__init__(epoch, step, loss)
        self.epoch, self.step, self.loss = epoch, step, loss


# --------------------------------------------------------------------------- trainer


class Trainer:
    """Trains ``model`` on ``data`` with ``config``, reporting progress through ``on_event``.

    Call :meth:`run` from the thread that should do the work (it blocks); call
    :meth:`pause`, :meth:`resume`, :meth:`stop`, :meth:`set_lr` and
    :meth:`set_batch_size` from any thread. ``on_event`` is called from the training
    thread and must be quick (post a message, append to a list).
    """

    def __init__(
        self,
        model: nn.Module,
        data: Any,
        config: TrainConfig,
        device: torch.device | str = "cpu",
        on_event: Callable[[object], None] | None = None,
        checkpoint_dir: Path | None = None,
        spec: ModelSpec | None = None,
        progress_interval: float = 0.1,
        reserve_core: bool = False,
        validate: bool = True,
        checkpoint_every: int = 1,
    ) -> None:
        """
        Args:
            model: the network; moved to ``device``.
            data: a ``tutor.engine.data.Dataset`` or :class:`TensorData` (``train``,
                ``val``, ``test`` splits with ``x``/``y`` tensors, ``task``, ``classes``).
            config: the training settings.
            device: where to train; the splits are moved there if they are elsewhere.
            on_event: receives every event, from the training thread.
            checkpoint_dir: where ``epoch-N.pt`` files go; None saves none. The usual
                place is ``tutor.engine.checkpoint.checkpoint_dir(spec.name)``.
            spec: the model's spec, stored in checkpoints so they can rebuild the model.
            progress_interval: least seconds between two StepFinished events (0: every step).
            reserve_core: leave one CPU core to the UI (``torch.set_num_threads(cores - 1)``
                during :meth:`run`, restored afterwards). The app passes True. On two
                cores this is faster as well as smoother: from a worker thread, two
                OpenMP threads trained the course MLP at ~33k samples/s, one at ~61k.
            validate: score the validation split after each epoch and the test split at
                the end (the benchmark turns this off to time training alone).
            checkpoint_every: save every N epochs (and always after the last one).
        """
        if data.task not in TASKS:
            raise TrainError(
                f"unknown task {data.task!r}: the data must be one of {', '.join(TASKS)}"
            )
        self.config = config
        # An autoencoder (target: inputs) is a regression onto the input's own pixels.
        self.task = "regression" if config.target == "inputs" else data.task
        self.device = torch.device(device)
        self.model = model.to(self.device)
        self.data = data
        self.spec = spec
        self.progress_interval = max(0.0, float(progress_interval))
        self.reserve_core = reserve_core
        self.validate = validate
        if checkpoint_every < 1:
            raise TrainError(f"checkpoint_every must be at least 1, got {checkpoint_every}")
        self.checkpoint_every = checkpoint_every
        self.checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir is not None else None
        self._emit: Callable[[object], None] = on_event or (lambda event: None)

        train = data.train
        if train is None or int(train.x.shape[0]) == 0:
            raise TrainError(f"the dataset {getattr(data, 'name', '')!r} has no training samples")
        self._x = train.x.to(self.device)
        self._y = train.y.to(self.device)
        if config.input_scale != 1.0:
            # Scale once here, not once per step: one copy instead of an op per batch.
            self._x = self._x * config.input_scale
        self._check_compatible()
        self.loss_fn = loss_function(config.loss)
        self.optimizer = make_optimizer(self.model, config)

        # Re-entrant: stop() may run in a signal handler while this thread holds the lock.
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._resume = threading.Event()
        self._resume.set()
        # Set whenever pause or stop is asked for, so the loop checks one flag per step.
        self._attention = threading.Event()
        self._state = "idle"
        self._lr = config.lr
        self._batch_size = config.batch_size
        self._pending_lr: float | None = None
        self._pending_batch_size: int | None = None
        self._paused_s = 0.0
        self._first_loss: float | None = None
        self._loss_limit = math.inf

    # ----------------------------------------------------------------- control

    @property
    def state(self) -> str:
        """``idle``, ``running``, ``paused``, ``stopped``, ``finished``, ``diverged``, or
        ``failed`` (an error was raised from :meth:`run`)."""
        return self._state

    @property
    def lr(self) -> float:
        """The learning rate in use now (a :meth:`set_lr` applies at the next epoch)."""
        return self._lr

    @property
    def batch_size(self) -> int:
        return self._batch_size

    def pause(self) -> None:
        """Hold the loop before its next step (thread-safe); :meth:`resume` goes on."""
        with self._lock:
            if self._state in ("idle", "running", "paused"):
                self._resume.clear()
                self._attention.set()

    def resume(self) -> None:
        """Continue after :meth:`pause` (thread-safe)."""
        with self._lock:
            self._resume.set()

    def stop(self) -> None:
        """End the run after the current step (thread-safe); also ends a pause."""
        with self._lock:
            self._stop.set()
            self._attention.set()
            self._resume.set()

    def set_lr(self, lr: float) -> None:
        """Use learning rate ``lr`` from the next epoch on (thread-safe)."""
        value = _check_lr(lr)
        with self._lock:
            self._pending_lr = value

    def set_batch_size(self, n: int) -> None:
        """Use batch size ``n`` from the next epoch on (thread-safe)."""
        value = _check_batch_size(n)
        with self._lock:
            self._pending_batch_size = value

    # ----------------------------------------------------------------- checks

    def _check_compatible(self) -> None:
        """Push two samples through the model before training, so that a model that
        does not fit the data fails now, with a message, not deep in the loop."""
        cfg, task = self.config, self.task
        if task == "classification" and cfg.loss == "mse":
            raise TrainError(
                "the loss 'mse' is for predicting numbers (regression); for "
                "classes use cross_entropy"
            )
        if task == "regression" and cfg.loss != "mse":
            raise TrainError(
                f"the loss '{cfg.loss}' is for classes; this dataset predicts "
                "numbers (regression), so use mse"
            )
        if cfg.loss == "nll" and not isinstance(_last_leaf(self.model), nn.LogSoftmax):
            raise TrainError(
                "the loss 'nll' expects log-probabilities: end the model with "
                "LogSoftmax (dim: 1), or use cross_entropy, which applies "
                "log-softmax itself"
            )
        x = self._x[:2]
        y = x if cfg.target == "inputs" else self._y[:2]
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.inference_mode():
                out = self.model(x)
        except RuntimeError as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise TrainError(
                f"the model cannot take this data: one sample is "
                f"{tuple(self._x.shape[1:])} but the model fails on it ({first})"
            ) from None
        finally:
            self.model.train(was_training)
        if task == "classification":
            k = len(getattr(self.data, "classes", ()) or ()) or int(self._y.max()) + 1
            if out.ndim != 2 or out.shape[1] < k:
                raise TrainError(
                    f"the model outputs {tuple(out.shape[1:])} per sample but the data has "
                    f"{k} classes: the last layer needs {k} outputs (one logit per class)"
                )
        elif out.shape[1:] != y.shape[1:]:
            what = "input (target: inputs)" if cfg.target == "inputs" else "target"
            raise TrainError(
                f"the model outputs {tuple(out.shape[1:])} per sample but each {what} is "
                f"{tuple(y.shape[1:])}: they must match for the MSE loss"
            )

    # ----------------------------------------------------------------- running

    def run(self) -> TrainResult:
        """Train for ``config.epochs`` epochs (blocking) and return the result.

        Ends early on :meth:`stop` (state ``stopped``) or a NaN/infinite loss (state
        ``diverged``); neither raises. The torch thread count is restored on every exit.
        """
        with self._lock:
            if self._state != "idle":
                raise TrainError("this trainer has already run; make a new Trainer to train again")
            self._state = "running"
        threads = torch.get_num_threads()
        changed = False
        try:
            cores = os.cpu_count() or 1
            if self.reserve_core and cores > 1:
                wanted = max(1, min(threads, cores - 1))
                if wanted != threads:
                    torch.set_num_threads(wanted)
                    changed = True
            return self._run()
        except BaseException:
            self._state = "failed"
            raise
        finally:
            if changed:
                torch.set_num_threads(threads)

    def _generator(self) -> tuple[torch.Generator, torch.device]:
        """A seeded generator for the shuffling order, on the data's device if possible."""
        try:
            gen = torch.Generator(device=self.device)
            gen.manual_seed(self.config.seed)
            return gen, self.device
        except RuntimeError:  # a backend without device generators: shuffle on the CPU
            gen = torch.Generator()
            gen.manual_seed(self.config.seed)
            return gen, torch.device("cpu")

    def _apply_pending(self) -> None:
        with self._lock:
            lr, bs = self._pending_lr, self._pending_batch_size
            self._pending_lr = self._pending_batch_size = None
        if lr is not None:
            self._lr = lr
            for group in self.optimizer.param_groups:
                group["lr"] = lr
        if bs is not None:
            self._batch_size = bs

    def _attend(self, epoch: int, step: int) -> bool:
        """Handle a pause or stop request before a step; True means stop now."""
        if self._stop.is_set():
            return True
        if not self._resume.is_set():
            self._state = "paused"
            self._emit(TrainingPaused(epoch, step))
            began = time.monotonic()
            self._resume.wait()  # blocks on an Event: no polling, wakes at once
            self._paused_s += time.monotonic() - began
            if self._stop.is_set():
                return True
            self._state = "running"
            self._emit(TrainingResumed(epoch, step))
        with self._lock:
            # Clear under the lock so a pause() racing with this check is never lost.
            if self._resume.is_set() and not self._stop.is_set():
                self._attention.clear()
        return self._stop.is_set()

    def _check_loss(self, loss: float, epoch: int, step: int) -> None:
        """Raise :class:`_Diverged` for a NaN/infinite loss, or one that exploded.

        An exploded loss counts too: with a learning rate far too large, the loss can
        shoot to 1e19 and then the ReLUs die and it falls back to a finite value, never
        passing through NaN. Healthy training never gets ``EXPLOSION_FACTOR`` times worse
        than the loss of its first step.
        """
        if not math.isfinite(loss) or loss > self._loss_limit:
            raise _Diverged(epoch, step, loss)
        if self._first_loss is None:
            self._first_loss = loss
            self._loss_limit = EXPLOSION_FACTOR * max(loss, 0.01)

    def _evaluate(self, split: Any) -> Metrics | None:
        if split is None or int(split.x.shape[0]) == 0:
            return None
        split = _on_device(split, self.device)
        if self.config.target == "inputs":
            # The target is the input as the model sees it: scaled like the training inputs.
            split = TensorSplit(split.x, split.x * self.config.input_scale)
        return evaluate(
            self.model,
            split,
            self.task,
            classes=tuple(getattr(self.data, "classes", ()) or ()) or None,
            loss=self.config.loss,
            input_scale=self.config.input_scale,
        )

    def _run(self) -> TrainResult:
        cfg = self.config
        model, loss_fn, optimizer = self.model, self.loss_fn, self.optimizer
        x, y = self._x, self._y
        n = int(x.shape[0])
        gen, perm_device = self._generator()
        acc = accumulator_dtype(self.device)
        interval = self.progress_interval
        attention = self._attention.is_set  # bound once: the per-step checks stay cheap
        monotonic = time.monotonic
        device_name = str(self.device)
        autoencode = cfg.target == "inputs"
        share_gil = self.reserve_core
        pause_thread = time.sleep

        result = TrainResult(state="running")
        started = monotonic()
        samples_before = 0  # samples seen in the epochs before this one
        val_metrics: Metrics | None = None
        epoch, steps, step = 0, 0, 0
        try:
            for epoch in range(1, cfg.epochs + 1):
                if attention() and self._attend(epoch - 1, steps):
                    return self._stopped(result, epoch - 1, steps, started)
                self._apply_pending()
                bs = n if cfg.full_batch else min(self._batch_size, n)
                steps = math.ceil(n / bs)
                order = None
                if cfg.shuffle and steps > 1:
                    order = torch.randperm(n, generator=gen, device=perm_device).to(self.device)
                loss_sum = torch.zeros((), dtype=acc, device=self.device)
                epoch_sum, emitted_seen = 0.0, 0
                next_emit = monotonic()  # the first step is reported at once
                paused_before = self._paused_s
                epoch_start = monotonic()
                model.train()
                for step in range(steps):
                    if attention() and self._attend(epoch, step):
                        return self._stopped(result, epoch, step, started)
                    lo = step * bs
                    if order is None:
                        xb = x[lo : lo + bs]  # a view, no copy
                        # an autoencoder learns to give back its own input
                        yb = xb if autoencode else y[lo : lo + bs]
                    else:
                        idx = order[lo : lo + bs]
                        xb = x[idx]  # (B, C, H, W) gathered on the device
                        yb = xb if autoencode else y[idx]  # (B,)
                    out = model(xb)  # (B, C, H, W) -> (B, classes) logits
                    loss = loss_fn(out, yb)  # mean over the batch, a 0-d tensor
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    optimizer.step()
                    if share_gil:
                        # Let a waiting UI thread take the GIL now rather than after the
                        # interpreter's 5 ms switch interval: key presses stay snappy.
                        pause_thread(0)
                    # Sum of per-sample losses, kept on the device: no sync per step.
                    loss_sum.add_(loss.detach(), alpha=min(bs, n - lo))
                    result.steps_done += 1
                    if interval == 0 or monotonic() >= next_emit:
                        next_emit = monotonic() + interval
                        seen = min(lo + bs, n)
                        # The one device read per interval. The sum restarts at each read
                        # so that one huge loss cannot swamp the later ones in the sum.
                        window_sum = float(loss_sum)
                        loss_sum.zero_()
                        epoch_sum += window_sum
                        window = window_sum / max(seen - emitted_seen, 1)
                        emitted_seen = seen
                        self._check_loss(window, epoch, step + 1)
                        self._emit(
                            StepFinished(epoch, step + 1, window, samples_before + seen, seen / n)
                        )
                train_s = monotonic() - epoch_start - (self._paused_s - paused_before)
                samples_before += n
                rest = n - emitted_seen
                if rest:
                    rest_sum = float(loss_sum)
                    epoch_sum += rest_sum
                    self._check_loss(rest_sum / rest, epoch, steps)
                train_loss = epoch_sum / n
                self._check_loss(train_loss, epoch, steps)
                if self.validate:
                    val_metrics = self._evaluate(getattr(self.data, "val", None))
                    if (
                        val_metrics is not None
                        and val_metrics.loss is not None
                        and not (math.isfinite(val_metrics.loss))
                    ):
                        raise _Diverged(epoch, steps, val_metrics.loss)
                event = EpochFinished(
                    epoch=epoch,
                    epochs=cfg.epochs,
                    train_loss=train_loss,
                    val_loss=val_metrics.loss if val_metrics else None,
                    val_accuracy=val_metrics.accuracy if val_metrics else None,
                    samples_per_s=n / max(train_s, 1e-9),
                    elapsed_s=monotonic() - started - self._paused_s,
                    lr=self._lr,
                    batch_size=bs,
                    device=device_name,
                    steps=steps,
                )
                result.history.append(event)
                result.epochs_done = epoch
                result.val_metrics = val_metrics
                self._emit(event)
                if self.checkpoint_dir is not None and (
                    epoch % self.checkpoint_every == 0 or epoch == cfg.epochs
                ):
                    try:
                        result.checkpoint = self._save(epoch, event)
                    except OSError as error:
                        # A full disk must not cost the learner the run: the weights are
                        # still in memory, so say so and carry on.
                        failed = CheckpointFailed(
                            epoch,
                            f"could not save the epoch {epoch} checkpoint in "
                            f"{self.checkpoint_dir}: {error.strerror or error}; training goes "
                            "on, and the weights stay in memory",
                        )
                        result.checkpoint_error = failed.message
                        self._emit(failed)
        except _Diverged as d:
            return self._diverged(result, d, started)
        except RuntimeError as error:
            raise _explain_runtime_error(error, self.device, self._batch_size) from error

        if self.validate:
            result.test_metrics = self._evaluate(getattr(self.data, "test", None))
        result.state = self._state = "finished"
        result.elapsed_s = monotonic() - started - self._paused_s
        self._emit(TrainingFinished(result))
        return result

    def _save(self, epoch: int, event: EpochFinished) -> Path:
        assert self.checkpoint_dir is not None
        path = checkpoint_path(self.checkpoint_dir, epoch)
        return save_checkpoint(
            path,
            self.model,
            self.optimizer,
            epoch,
            spec=self.spec,
            config=self.config,
            extra={
                "dataset": getattr(self.data, "name", None),
                "train_loss": event.train_loss,
                "val_loss": event.val_loss,
                "val_accuracy": event.val_accuracy,
                "lr": event.lr,
                "batch_size": event.batch_size,
                "device": event.device,
            },
        )

    def _stopped(self, result: TrainResult, epoch: int, step: int, started: float) -> TrainResult:
        event = TrainingStopped(epoch, step)
        result.state = self._state = "stopped"
        result.stopped = event
        result.elapsed_s = time.monotonic() - started - self._paused_s
        self._emit(event)
        return result

    def _diverged(self, result: TrainResult, d: _Diverged, started: float) -> TrainResult:
        event = TrainingDiverged(
            d.epoch,
            d.step,
            d.loss,
            divergence_explanation(d.loss, self._lr, d.epoch, d.step, self._first_loss),
        )
        result.state = self._state = "diverged"
        result.diverged = event
        result.elapsed_s = time.monotonic() - started - self._paused_s
        self._emit(event)
        return result


def _on_device(split: Any, device: torch.device) -> Any:
    if split.x.device == device and split.y.device == device:
        return split
    return TensorSplit(split.x.to(device), split.y.to(device))


def _explain_runtime_error(
    error: RuntimeError, device: torch.device, batch_size: int
) -> TrainError:
    text = str(error).strip()
    first = text.splitlines()[0] if text else type(error).__name__
    if "out of memory" in text.lower() or isinstance(error, torch.OutOfMemoryError):
        return OutOfMemory(
            f"{device} ran out of memory at batch size {batch_size}: try a "
            f"smaller batch size such as {max(1, batch_size // 4)} ({first})"
        )
    return TrainError(f"training failed: {first}")


def fit_tensors(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    config: TrainConfig,
    *,
    val: tuple[torch.Tensor, torch.Tensor] | None = None,
    task: str | None = None,
    device: torch.device | str | None = None,
    on_event: Callable[[object], None] | None = None,
    progress_interval: float = 0.1,
) -> TrainResult:
    """Train ``model`` on the tensors ``x`` and ``y`` directly (a notebook helper).

    ``task`` defaults to classification for integer targets and regression otherwise;
    ``device`` defaults to where ``x`` is.
    """
    if task is None:
        task = "regression" if y.is_floating_point() else "classification"
    data = TensorData(
        train=TensorSplit(x, y),
        val=TensorSplit(*val) if val is not None else None,
        task=task,
    )
    trainer = Trainer(
        model,
        data,
        config,
        device=device or x.device,
        on_event=on_event,
        progress_interval=progress_interval,
    )
    return trainer.run()
