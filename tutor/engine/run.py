"""One training run, assembled in one place for the app and for ``tutor train``.

:class:`TrainingRun` takes a model source (a spec, or the learner's own model in
``tutor explore``), a dataset and a :class:`TrainConfig` and does everything around the
training loop that both callers need and must not disagree on:

* a fresh model built from the source with the run's seed;
* the model × data × loss rules (:mod:`tutor.engine.rules`, shared with validation);
* where checkpoints go (:func:`run_name`: ``<lesson>-<model>`` for a lesson's model,
  the spec's name otherwise);
* when the GPU runs out of memory: a :class:`DeviceFellBack` event, the data moved to the
  CPU, and the run started again there;
* control from other threads (pause, resume, stop, learning rate, batch size), which
  works even before the loop has started.

Nothing outside the engine constructs a :class:`~tutor.engine.train.Trainer` itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn

from tutor.engine.checkpoint import checkpoint_dir
from tutor.engine.config import OutOfMemory, TrainConfig, check_batch_size, check_lr
from tutor.engine.device import DeviceInfo, resolve_device
from tutor.engine.events import DeviceFellBack, TrainResult
from tutor.engine.source import ModelSource
from tutor.engine.spec import ModelSpec
from tutor.engine.tensordata import TensorData, TensorSplit
from tutor.engine.train import Trainer

#: The thermometer lesson's settings (Stevens et al., Deep Learning with PyTorch, ch. 5):
#: t_u scaled by 0.1, plain SGD at 1e-2, 5,000 full-batch epochs, MSE.
THERMOMETER_DEFAULTS: dict[str, Any] = {
    "epochs": 5000,
    "lr": 1e-2,
    "input_scale": 0.1,
    "full_batch": True,
    "loss": "mse",
}


def run_name(model: str, lesson_id: str | None = None) -> str:
    """The name a run's checkpoints are kept under: ``<lesson>-<model>`` or ``<model>``."""
    return f"{lesson_id}-{model}" if lesson_id else model


#: Playground's settings for the 2-D sets (circle, xor, gauss, spiral): plain SGD at
#: 0.03 in batches of 10. 20 epochs of 500 points are 1,000 steps, under a second.
PLANE_DEFAULTS: dict[str, Any] = {"epochs": 20, "lr": 0.03, "batch_size": 10, "momentum": 0.0}


def default_settings(dataset: str, task: str, last_layer: str) -> dict[str, Any]:
    """Settings that differ from :class:`TrainConfig`'s defaults for this data and model.

    The thermometer data trains the way the book does, the 2-D sets as on Playground;
    any regression uses MSE; a model that ends in LogSoftmax trains with NLL. Everything
    else keeps the defaults.
    """
    from tutor.engine.datasets.plane_info import PLANE_SETS
    from tutor.engine.rules import default_loss

    if dataset == "thermometer":
        return dict(THERMOMETER_DEFAULTS)
    settings = {"loss": default_loss(last_layer, task)}
    if dataset in PLANE_SETS:
        settings.update(PLANE_DEFAULTS)
    return settings


class TrainingRun:
    """Train a fresh model built from ``spec`` on ``data``: blocking :meth:`run`, control
    from any thread.

    Args:
        spec: the model to build (with ``config.seed``): a :class:`ModelSpec` or any
            :class:`~tutor.engine.source.ModelSource` (the learner's own model).
        data: a ``tutor.engine.data.Dataset`` or :class:`TensorData` on ``device``.
        config: the training settings.
        device: where to train.
        on_event: receives every event (from the training thread); must be quick.
        name: checkpoints go to ``checkpoint_dir(name)``; None saves none.
        checkpoint_every: save every N epochs (and after the last one).
        reserve_core: leave one CPU core to a UI thread (the app passes True).
        progress_interval: least seconds between two progress events.
        validate: score the validation split after each epoch and the test split at the end.
    """

    def __init__(
        self,
        spec: ModelSource,
        data: Any,
        config: TrainConfig,
        device: DeviceInfo | None = None,
        on_event: Callable[[object], None] | None = None,
        name: str | None = None,
        checkpoint_every: int = 1,
        reserve_core: bool = False,
        progress_interval: float = 0.1,
        validate: bool = True,
    ) -> None:
        self.spec = spec
        self.data = data
        self.config = config
        self.device = device or resolve_device("auto")
        self._emit = on_event or (lambda event: None)
        self.checkpoint_dir: Path | None = checkpoint_dir(name) if name else None
        self.checkpoint_every = checkpoint_every
        self.reserve_core = reserve_core
        self.progress_interval = progress_interval
        self.validate = validate
        self.model: nn.Module | None = None
        """The model being (or last) trained; the trained weights after :meth:`run`."""
        self._lock = threading.RLock()
        self._trainer: Trainer | None = None
        self._stopped = False
        self._paused = False
        self._started = False
        self._lr = config.lr
        self._batch_size = config.batch_size

    # ----------------------------------------------------------------- control

    @property
    def state(self) -> str:
        """The trainer's state; ``idle`` before the loop starts."""
        trainer = self._trainer
        if trainer is None:
            if self._stopped:
                return "stopped"
            # Between run() and the loop's start (building the model) it is running.
            return "running" if self._started else "idle"
        return trainer.state

    @property
    def stop_requested(self) -> bool:
        """Whether :meth:`stop` was called: the run then ends within one step, whether or
        not its last event has reached anyone yet (an app that quits does not wait)."""
        return self._stopped

    @property
    def lr(self) -> float:
        """The learning rate in use (a change applies from the next epoch)."""
        trainer = self._trainer
        return trainer.lr if trainer is not None else self._lr

    @property
    def batch_size(self) -> int:
        trainer = self._trainer
        return trainer.batch_size if trainer is not None else self._batch_size

    def pause(self) -> None:
        with self._lock:
            self._paused = True
            if self._trainer is not None:
                self._trainer.pause()

    def resume(self) -> None:
        with self._lock:
            self._paused = False
            if self._trainer is not None:
                self._trainer.resume()

    def stop(self) -> None:
        """End the run within one step (thread-safe, re-entrant: fine from a signal handler)."""
        with self._lock:
            self._stopped = True
            if self._trainer is not None:
                self._trainer.stop()

    def set_lr(self, lr: float) -> None:
        value = check_lr(lr)
        with self._lock:
            self._lr = value
            if self._trainer is not None:
                self._trainer.set_lr(value)

    def set_batch_size(self, n: int) -> None:
        value = check_batch_size(n)
        with self._lock:
            self._batch_size = value
            if self._trainer is not None:
                self._trainer.set_batch_size(value)

    # ----------------------------------------------------------------- running

    def run(self) -> TrainResult:
        """Train until the last epoch, a stop or a divergence (blocking).

        On a GPU that runs out of memory, the run starts again on the CPU after a
        :class:`DeviceFellBack` event; the CPU's own out-of-memory error is raised.
        """
        self._started = True
        self.check()
        try:
            return self._run_on(self.device)
        except OutOfMemory as error:
            if self.device.type == "cpu":
                raise
            cpu = resolve_device("cpu")
            self._emit(DeviceFellBack(cpu.label, error.message))
            self.device = cpu
            self.data = on_device(self.data, cpu.torch_device)
            return self._run_on(cpu)

    def check(self) -> None:
        """Refuse a model, data and loss that do not go together, before anything runs.

        The same rules as lesson validation, on the spec's dry run (no forward pass), or
        on what the learner's own model showed when it was loaded.
        """
        from tutor.engine.config import TrainError
        from tutor.engine.rules import DataFacts, check_combination

        data = self.data
        model = self.spec.rule_facts()
        facts = DataFacts(
            name=getattr(data, "name", "data"),
            sample_shape=tuple(data.train.x.shape[1:]),
            task=data.task,
            num_classes=len(getattr(data, "classes", ()) or ())
            if data.task == "classification"
            else 0,
        )
        problems = check_combination(model, facts, self.config.loss, self.config.target)
        if problems:
            raise TrainError(key=problems[0].key, **problems[0].values)

    def _run_on(self, device: DeviceInfo) -> TrainResult:
        model = self.spec.build(device.torch_device, seed=self.config.seed)
        with self._lock:
            config = self.config.replace(lr=self._lr, batch_size=self._batch_size)
            trainer = Trainer(
                model,
                self.data,
                config,
                device=device.torch_device,
                on_event=self._emit,
                checkpoint_dir=self.checkpoint_dir,
                # Checkpoints store a spec to rebuild the model from; the learner's own
                # model is rebuilt from their file instead, so only its weights are kept.
                spec=self.spec if isinstance(self.spec, ModelSpec) else None,
                progress_interval=self.progress_interval,
                reserve_core=self.reserve_core,
                validate=self.validate,
                checkpoint_every=self.checkpoint_every,
            )
            self.model = model
            self._trainer = trainer
            if self._paused:
                trainer.pause()
            if self._stopped:
                trainer.stop()
        return trainer.run()


def on_device(data: Any, device: torch.device) -> Any:
    """``data`` with every split on ``device`` (a Dataset moves itself)."""
    if hasattr(data, "to"):
        return data.to(device)

    def move(split: Any) -> Any:
        return None if split is None else TensorSplit(split.x.to(device), split.y.to(device))

    return TensorData(
        train=move(data.train),
        val=move(data.val),
        test=move(data.test),
        task=data.task,
        classes=tuple(data.classes),
        name=data.name,
    )
