"""UI budgets of DESIGN.md, measured in one run:

* responsive: while training runs, a key press is reflected on screen within 50 ms at
  the 95th percentile;
* forward view: choosing another sample redraws every layer of LeNet within 50 ms at the
  95th percentile.

The app runs headless at 120×40. Keys are sent the way the terminal driver sends them
(``driver.send_message``), and the time is taken when the next frame is handed to the
display after the key's action ran. Training runs in the app's own worker, exactly as
when a learner presses `s`.

    .venv/bin/python bench/ui_latency.py [--keys 60] [--samples 60] [--size 120x40]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def report(name: str, values: list[float], budget_ms: float) -> None:
    ms = [v * 1000 for v in values]
    p95 = percentile(ms, 95)
    print(
        f"{name}: n={len(ms)}  median {statistics.median(ms):.1f} ms  p95 {p95:.1f} ms  "
        f"max {max(ms):.1f} ms  budget p95 ≤ {budget_ms:.0f} ms  "
        f"ratio {p95 / budget_ms:.2f}  {'OK' if p95 <= budget_ms else 'OVER'}"
    )


async def run(keys: int, samples: int, size: tuple[int, int]) -> None:
    from textual import events

    from tutor.ui.app import TutorApp

    app = TutorApp(lesson=str(HERE / "lessons" / "bench.yaml"))
    frames: list[float] = []
    original = app._display

    def display(screen, renderable):  # type: ignore[no-untyped-def]
        frames.append(time.perf_counter())
        return original(screen, renderable)

    app._display = display  # type: ignore[method-assign]

    acted: list[float] = []

    def record(obj, name):  # type: ignore[no-untyped-def]
        """Note the moment ``obj.name`` has run: the key's effect is then in the DOM."""
        method = getattr(obj, name)

        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            result = method(*args, **kwargs)
            acted.append(time.perf_counter())
            return result

        setattr(obj, name, wrapper)

    async def press(key: str) -> float:
        """Send a key like the terminal does; return seconds until the first frame
        handed to the display after the key's effect was applied."""
        count = len(acted)
        start = time.perf_counter()
        app._driver.send_message(events.Key(key, key if len(key) == 1 else None))
        while len(acted) == count:
            await asyncio.sleep(0.001)
        done = acted[-1]
        while True:
            later = [f for f in frames if f >= done]
            if later:
                return later[0] - start
            await asyncio.sleep(0.001)

    async with app.run_test(size=size) as pilot:
        while getattr(app.screen, "view", None) is None:
            await asyncio.sleep(0.05)
        await app.workers.wait_for_complete()
        view = app.screen.view
        await pilot.press("s")
        while view.trainer is None or view.trainer.state != "running":
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # let it settle into the loop
        record(view, "draw_settings")
        latencies = []
        for i in range(keys):
            latencies.append(await press("l" if i % 2 == 0 else "L"))
            await asyncio.sleep(0.1)
        steps = view.last_step.samples_seen if view.last_step else 0
        report("key during training", latencies, 50)
        print(f"   (training kept running: {steps:,} samples seen, state {view.trainer.state})")
        view.trainer.stop()
        await app.workers.wait_for_complete()

        await pilot.press("n")
        await app.workers.wait_for_complete()
        await asyncio.sleep(0.3)
        forward = app.screen.view
        record(forward, "draw")
        redraws = []
        for _ in range(samples):
            redraws.append(await press("right_square_bracket"))
            await asyncio.sleep(0.05)
        report("forward view redraw (LeNet, all layers)", redraws, 50)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=60)
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--size", default="120x40")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory() as home:
        os.environ["TUTOR_HOME"] = home
        os.environ.setdefault("TUTOR_OFFLINE", "1")
        print(f"cores {os.cpu_count()}, load {os.getloadavg()[0]:.2f}")
        asyncio.run(run(args.keys, args.samples, (width, height)))


if __name__ == "__main__":
    main()
