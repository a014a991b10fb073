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

import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn

from tutor.engine.activity import PROBE_SIZE, LayerActivity, activation_stats
from tutor.engine.checkpoint import checkpoint_path, save_checkpoint
from tutor.engine.config import (
    EXPLOSION_FACTOR,
    TASKS,
    TrainConfig,
    TrainError,
)
from tutor.engine.control import RunControl
from tutor.engine.events import (
    CheckpointFailed,
    EpochFinished,
    Metrics,
    StepFinished,
    TrainingDiverged,
    TrainingFinished,
    TrainingStopped,
    TrainResult,
)
from tutor.engine.metrics import accumulator_dtype, evaluate, loss_function
from tutor.engine.optim import explain_runtime_error, make_optimizer
from tutor.engine.preflight import preflight
from tutor.engine.spec import ModelSpec
from tutor.engine.tensordata import TensorSplit, split_on_device


class _Diverged(Exception):
    """Internal: unwinds the loop to the divergence report."""

    def __init__(self, epoch: int, step: int, loss: float) -> None:
        super().__init__(epoch, step, loss)
        self.epoch, self.step, self.loss = epoch, step, loss


# --------------------------------------------------------------------------- trainer


class Trainer(RunControl):
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
            raise TrainError(key="train.no_samples", data=getattr(data, "name", ""))
        x_train, y_train = train.x, train.y
        if config.train_subset is not None:
            available = int(x_train.shape[0])
            if config.train_subset > available:
                raise TrainError(
                    key="train.subset_too_big",
                    asked=f"{config.train_subset:,}",
                    data=getattr(data, "name", "data"),
                    available=f"{available:,}",
                )
            x_train, y_train = x_train[: config.train_subset], y_train[: config.train_subset]
        self._x = x_train.to(self.device)
        self._y = y_train.to(self.device)
        if config.input_scale != 1.0:
            # Scale once here, not once per step: one copy instead of an op per batch.
            self._x = self._x * config.input_scale
        preflight(self)
        RunControl.__init__(self, config.lr, config.batch_size)
        self.loss_fn = loss_function(config.loss)
        self.optimizer = make_optimizer(self.model, config)

        self._first_loss: float | None = None
        self._loss_limit = math.inf
        self._probe: torch.Tensor | None = None

    # ----------------------------------------------------------------- running

    def run(self) -> TrainResult:
        """Train for ``config.epochs`` epochs (blocking) and return the result.

        Ends early on :meth:`stop` (state ``stopped``) or a NaN/infinite loss (state
        ``diverged``); neither raises. The torch thread count is restored on every exit.
        """
        with self._lock:
            if self._state != "idle":
                raise TrainError(key="train.already_ran")
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
            # Dropout draws its masks from the global generator: seed it for the run (and
            # give it back afterwards), so the same seed gives the same run.
            cuda = [self.device.index or 0] if self.device.type == "cuda" else []
            with torch.random.fork_rng(devices=cuda):
                torch.manual_seed(self.config.seed)
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
        split = split_on_device(split, self.device)
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
        count_correct = self.task == "classification"
        # Right predictions, summed on the device and read once per epoch.
        correct = torch.zeros((), dtype=torch.int64, device=self.device)

        result = TrainResult(state="running")
        started = monotonic()
        samples_before = 0  # samples seen in the epochs before this one
        val_metrics: Metrics | None = None
        epoch, steps, step = 0, 0, 0
        try:
            for epoch in range(1, cfg.epochs + 1):
                if attention() and self._attend(epoch - 1, steps):
                    return self._stopped(result, epoch - 1, steps, started)
                lr, _ = self.take_pending()
                if lr is not None:
                    for group in optimizer.param_groups:
                        group["lr"] = lr
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
                correct.zero_()
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
                    if count_correct:
                        # (B, classes) -> (B,) predicted classes, compared with the labels
                        correct.add_((out.detach().argmax(dim=1) == yb).sum())
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
                    train_accuracy=float(correct) / n if count_correct else None,
                    activity=self._activity() if cfg.track_activity else None,
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
            raise explain_runtime_error(error, self.device, self._batch_size) from error

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
                "train_accuracy": event.train_accuracy,
                "val_loss": event.val_loss,
                "val_accuracy": event.val_accuracy,
                "lr": event.lr,
                "batch_size": event.batch_size,
                "device": event.device,
            },
        )

    def _activity(self) -> tuple[LayerActivity, ...]:
        """Activation statistics on a fixed probe batch: the first validation samples
        (the first training samples without a validation split), scaled as in training."""
        if self._probe is None:
            val = getattr(self.data, "val", None)
            source = val.x if val is not None and int(val.x.shape[0]) else None
            if source is None:
                self._probe = self._x[:PROBE_SIZE]  # already scaled
            else:
                self._probe = source[:PROBE_SIZE].to(self.device) * self.config.input_scale
        return tuple(activation_stats(self.model, self._probe))

    def _stopped(self, result: TrainResult, epoch: int, step: int, started: float) -> TrainResult:
        event = TrainingStopped(epoch, step)
        result.state = self._state = "stopped"
        result.stopped = event
        result.elapsed_s = time.monotonic() - started - self._paused_s
        self._emit(event)
        return result

    def _diverged(self, result: TrainResult, d: _Diverged, started: float) -> TrainResult:
        event = TrainingDiverged(d.epoch, d.step, d.loss, self._lr, self._first_loss)
        result.state = self._state = "diverged"
        result.diverged = event
        result.elapsed_s = time.monotonic() - started - self._paused_s
        self._emit(event)
        return result
