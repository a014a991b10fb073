"""A learning session's engine state: the device, loaded datasets and the models.

The app keeps one :class:`Session`. Its methods are called from worker threads, so
every shared structure is guarded by a lock, and a dataset is loaded once even when
two views ask for it at the same moment. A model that was trained in a lesson stays
trained for the rest of the session, so the steps after a train step show the
trained weights.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch.nn as nn

from tutor.engine.device import DeviceInfo, resolve_device
from tutor.engine.source import ModelSource

ModelKey = tuple[str, str]
"""``(lesson id, model name)``."""


@dataclass
class ModelState:
    """A built model, the source it was built from, and how it was trained (if it was)."""

    spec: ModelSource
    """A :class:`~tutor.engine.spec.ModelSpec` or the learner's own model."""
    model: nn.Module
    trained: Any = None
    """The ``TrainResult`` of the run that trained it, or None for initial weights."""


class Session:
    """Device, datasets and models of one run of the app, safe to use from threads."""

    def __init__(self, device_request: str = "auto") -> None:
        self._lock = threading.RLock()
        self._data_locks: dict[str, threading.Lock] = {}
        self._datasets: dict[str, Any] = {}
        self._models: dict[ModelKey, ModelState] = {}
        self._trainers: set[Any] = set()
        self.device: DeviceInfo = resolve_device(device_request)

    # ----------------------------------------------------------------- device

    def set_device(self, request: str) -> DeviceInfo:
        """Switch device; datasets are reloaded there and models moved when next used."""
        info = resolve_device(request)
        with self._lock:
            self.device = info
            self._datasets.clear()
            for state in self._models.values():
                state.model.to(info.torch_device)
        return info

    # ----------------------------------------------------------------- data

    def dataset(self, name: str, progress: Callable[[int, int], None] | None = None) -> Any:
        """The dataset ``name`` on the session's device, loaded once."""
        from tutor.engine.data import load_dataset

        with self._lock:
            if name in self._datasets:
                return self._datasets[name]
            lock = self._data_locks.setdefault(name, threading.Lock())
        with lock:
            with self._lock:
                if name in self._datasets:
                    return self._datasets[name]
                device = self.device.torch_device
            data = load_dataset(name, device=device, progress=progress)
            with self._lock:
                self._datasets[name] = data
            return data

    def loaded_datasets(self) -> dict[str, Any]:
        """The datasets loaded so far, by the name they were asked for."""
        with self._lock:
            return dict(self._datasets)

    # ----------------------------------------------------------------- models

    def model(self, key: ModelKey, spec: ModelSource) -> ModelState:
        """The model for ``key``: trained if it was trained with this spec, else fresh.

        A different spec (a layer resized in a "try it" step) gets a fresh model.
        """
        with self._lock:
            state = self._models.get(key)
            if state is None or state.spec != spec:
                model = spec.build(self.device.torch_device, seed=0)
                state = ModelState(spec, model)
                self._models[key] = state
            return state

    def fresh_model(self, spec: ModelSource, seed: int = 0) -> nn.Module:
        """A newly initialised model on the session's device (for a new training run)."""
        return spec.build(self.device.torch_device, seed=seed)

    def set_trained(self, key: ModelKey, spec: ModelSource, model: nn.Module, result: Any) -> None:
        with self._lock:
            self._models[key] = ModelState(spec, model, result)

    def trained(self, key: ModelKey) -> ModelState | None:
        with self._lock:
            state = self._models.get(key)
            return state if state is not None and state.trained is not None else None

    # ----------------------------------------------------------------- training

    def register(self, trainer: Any) -> None:
        with self._lock:
            self._trainers.add(trainer)

    def unregister(self, trainer: Any) -> None:
        with self._lock:
            self._trainers.discard(trainer)

    @property
    def training(self) -> bool:
        """True while any trainer of this session is running or paused."""
        with self._lock:
            return any(t.state in ("running", "paused") for t in self._trainers)

    def stop_all(self) -> None:
        """Ask every running trainer to stop (each ends within one step)."""
        with self._lock:
            trainers = list(self._trainers)
        for trainer in trainers:
            trainer.stop()
