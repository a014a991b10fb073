"""What the UI benchmarks share: a clock from a key to the frame that shows its effect.

A key is sent the way the terminal driver sends it (``driver.send_message``); its effect
counts as applied when a recorded method of a view (its draw or show) has run, and as
shown when the next frame after that is handed to the display.

The clock waits on an event that frames and recorded methods set, never by polling: a
loop that wakes every millisecond takes the GIL from the worker thread it is timing
(measured: the backward view's pass took twice as long in the app as alone).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from typing import Any


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def report(name: str, seconds: list[float], budget_ms: float = 50.0) -> None:
    """Print median, p95 and max of ``seconds`` in ms against a p95 budget."""
    ms = [v * 1000 for v in seconds]
    p95 = percentile(ms, 95)
    print(
        f"{name:<40} n={len(ms):>3}  median {statistics.median(ms):6.1f} ms  "
        f"p95 {p95:6.1f} ms  max {max(ms):6.1f} ms  budget p95 ≤ {budget_ms:.0f} ms  "
        f"ratio {p95 / budget_ms:.2f}  {'OK' if p95 <= budget_ms else 'OVER'}"
    )


async def until_idle(app: Any, timeout: float = 30.0) -> None:
    """Wait until no worker of ``app`` is pending or running, including work that a
    finished worker starts (views compute the next batch ahead, one pass at a time):
    what a learner reading the screen between two keys leaves the app to do."""
    from textual.worker import WorkerState

    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        busy = [w for w in app.workers if w.state in (WorkerState.PENDING, WorkerState.RUNNING)]
        if not busy:
            await asyncio.sleep(0.02)  # a finished worker's message may start another
            if not any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers):
                return
            continue
        await app.workers.wait_for_complete(busy)


class KeyClock:
    """Times keys in a running Textual app: frames handed to the display, and the
    moments the recorded methods ran."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.frames: list[float] = []
        self.acted: list[float] = []
        self._changed: asyncio.Event | None = None
        original = app._display

        def display(screen: Any, renderable: Any) -> Any:
            self.frames.append(time.perf_counter())
            self.poke()
            return original(screen, renderable)

        app._display = display

    def record(self, obj: Any, name: str, log: Callable[[], None] | None = None) -> None:
        """Note every time ``obj.name`` has run (in ``acted``, or by calling ``log``)."""
        method = getattr(obj, name)
        note = log or (lambda: self.acted.append(time.perf_counter()))

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            note()
            self.poke()
            return result

        setattr(obj, name, wrapper)

    def poke(self) -> None:
        """Wake whoever waits in :meth:`until` (called on the app's own loop)."""
        if self._changed is not None:
            self._changed.set()

    async def until(self, ready: Callable[[], bool], timeout: float = 30.0) -> bool:
        """Wait, without polling, until ``ready()`` holds after a frame or a recorded
        method; False if ``timeout`` seconds pass first."""
        if self._changed is None:
            self._changed = asyncio.Event()
        deadline = time.perf_counter() + timeout
        while not ready():
            self._changed.clear()
            left = deadline - time.perf_counter()
            if left <= 0:
                return False
            try:
                await asyncio.wait_for(self._changed.wait(), left)
            except TimeoutError:
                return ready()
        return True

    def first_frame_after(self, moment: float) -> float | None:
        """When the first frame at or after ``moment`` was handed to the display."""
        return next((f for f in self.frames if f >= moment), None)

    def send(self, key: str) -> float:
        """Send ``key`` as the terminal does; return when it was sent."""
        from textual import events

        start = time.perf_counter()
        self.app._driver.send_message(events.Key(key, key if len(key) == 1 else None))
        return start

    async def frame_after(self, moment: float) -> float:
        """Wait for the first frame at or after ``moment``."""
        await self.until(lambda: self.first_frame_after(moment) is not None)
        shown = self.first_frame_after(moment)
        if shown is None:
            raise TimeoutError("no frame was drawn after the key")
        return shown

    async def press(self, key: str) -> float:
        """Seconds from sending ``key`` to the first frame after a recorded method ran."""
        count = len(self.acted)
        if self._changed is None:
            self._changed = asyncio.Event()
        start = self.send(key)
        if not await self.until(lambda: len(self.acted) > count):
            raise TimeoutError(f"the key {key!r} had no effect within 30 s")
        return await self.frame_after(self.acted[count]) - start
