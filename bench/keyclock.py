"""What the UI benchmarks share: a clock from a key to the frame that shows its effect.

A key is sent the way the terminal driver sends it (``driver.send_message``); its effect
counts as applied when a recorded method of a view (its draw or show) has run, and as
shown when the next frame after that is handed to the display.
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


class KeyClock:
    """Times keys in a running Textual app: frames handed to the display, and the
    moments the recorded methods ran."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.frames: list[float] = []
        self.acted: list[float] = []
        original = app._display

        def display(screen: Any, renderable: Any) -> Any:
            self.frames.append(time.perf_counter())
            return original(screen, renderable)

        app._display = display

    def record(self, obj: Any, name: str, log: Callable[[], None] | None = None) -> None:
        """Note every time ``obj.name`` has run (in ``acted``, or by calling ``log``)."""
        method = getattr(obj, name)
        note = log or (lambda: self.acted.append(time.perf_counter()))

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            note()
            return result

        setattr(obj, name, wrapper)

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
        while (shown := self.first_frame_after(moment)) is None:
            await asyncio.sleep(0.001)
        return shown

    async def press(self, key: str) -> float:
        """Seconds from sending ``key`` to the first frame after a recorded method ran."""
        count = len(self.acted)
        start = self.send(key)
        while len(self.acted) == count:
            await asyncio.sleep(0.001)
        return await self.frame_after(self.acted[-1]) - start
