"""Pausing, resuming and stopping a run, and changing its settings, from another thread.

Every request takes effect within one step: the loop checks one ``threading.Event`` per
step (``_attention``) and only then looks at what was asked for (:meth:`_attend`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from tutor.engine.config import check_batch_size, check_lr
from tutor.engine.events import TrainingPaused, TrainingResumed


class RunControl:
    """Thread-safe control of a training loop (the :class:`~tutor.engine.train.Trainer`)."""

    _emit: Callable[[object], None]

    def __init__(self, lr: float, batch_size: int) -> None:
        # Re-entrant: stop() may run in a signal handler while this thread holds the lock.
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._resume = threading.Event()
        self._resume.set()
        # Set whenever pause or stop is asked for, so the loop checks one flag per step.
        self._attention = threading.Event()
        self._state = "idle"
        self._lr = lr
        self._batch_size = batch_size
        self._pending_lr: float | None = None
        self._pending_batch_size: int | None = None
        self._paused_s = 0.0

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
        value = check_lr(lr)
        with self._lock:
            self._pending_lr = value

    def set_batch_size(self, n: int) -> None:
        """Use batch size ``n`` from the next epoch on (thread-safe)."""
        value = check_batch_size(n)
        with self._lock:
            self._pending_batch_size = value

    def take_pending(self) -> tuple[float | None, int | None]:
        """Apply the learning rate and batch size asked for since the last call, and
        return them (None: no change), so the loop can pass the rate to its optimizer."""
        with self._lock:
            lr, bs = self._pending_lr, self._pending_batch_size
            self._pending_lr = self._pending_batch_size = None
        if lr is not None:
            self._lr = lr
        if bs is not None:
            self._batch_size = bs
        return lr, bs

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
