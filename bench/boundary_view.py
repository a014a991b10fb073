"""The boundary view's budgets (DESIGN.md, Playground), measured in the app, in one run:

* while training, the decision-boundary map is redrawn at least 5 times a second
  (maps handed to the screen per second, over a few seconds of training);
* a key press is reflected on screen within 50 ms at the 95th percentile, at 120×40:
  the time from the key to the first frame handed to the display after the key's action
  ran. Measured for the learning rate (``l``/``L``: the run goes on with it) and for the
  width of a hidden layer (``+``/``−``: a new network, whose run starts at once); for
  the latter also the time until the new network's own map is on screen.

The app runs headless; keys are sent the way the terminal driver sends them
(``driver.send_message``), and training runs in the view's own worker, exactly as when a
learner presses `s`.

    .venv/bin/python bench/boundary_view.py [--keys 40] [--seconds 5] [--size 120x40]

Measured 2026-12-01 with --keys 40 --seconds 5 on a quiet 2-core machine: 6.8 maps a
second; l/L p95 31 ms; +/− p95 45 ms; the new network's map p95 51 ms (median 42 ms:
its network is built and drawn in a worker after the key, then waits for a frame).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from keyclock import KeyClock, report  # noqa: E402


async def run(keys: int, seconds: float, size: tuple[int, int]) -> None:
    from tutor.ui.app import TutorApp

    app = TutorApp(lesson=str(HERE / "lessons" / "playground.yaml"))
    clock = KeyClock(app)
    maps: list[tuple[float, int]] = []  # (when, generation) of every map put on screen

    async def press(key: str, view) -> tuple[float, float | None]:  # type: ignore[no-untyped-def]
        """Seconds until the key's effect is on screen, and until the new network's
        map is (None when the key does not change the network)."""
        count, generation = len(clock.acted), view.generation
        await clock.until(lambda: True)  # the clock's event exists before the key
        start = clock.send(key)
        await clock.until(lambda: len(clock.acted) > count)
        shown = await clock.frame_after(clock.acted[count])
        if view.generation == generation:
            return shown - start, None
        await clock.until(lambda: any(g == view.generation for _, g in maps), timeout=2.0)
        drawn = next((t for t, g in maps if g == view.generation), None)
        if drawn is None:
            return shown - start, float("inf")
        return shown - start, await clock.frame_after(drawn) - start

    async with app.run_test(size=size) as pilot:
        while getattr(app.screen, "view", None) is None:
            await asyncio.sleep(0.05)
        view = app.screen.view
        while view.playground is None:
            await asyncio.sleep(0.05)
        clock.record(view, "draw_settings")
        clock.record(view, "show_map", lambda: maps.append((time.perf_counter(), view.generation)))
        await pilot.press("s")
        while view.run is None or view.run.state != "running":
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # let it settle into the loop

        before, start = len(maps), time.perf_counter()
        await asyncio.sleep(seconds)
        rate = (len(maps) - before) / (time.perf_counter() - start)
        epochs = view.history[-1].epoch if view.history else 0
        print(
            f"map redraws while training: {rate:.1f}/s over {seconds:.0f} s "
            f"(budget ≥ 5/s, ratio {rate / 5:.2f}, {'OK' if rate >= 5 else 'UNDER'}); "
            f"{epochs} epochs trained meanwhile"
        )

        lr_keys = []
        for i in range(keys):
            reflected, _ = await press("l" if i % 2 == 0 else "L", view)
            lr_keys.append(reflected)
            await asyncio.sleep(0.1)
        report("key during training (l/L: learning rate)", lr_keys, 50)

        width_keys, new_maps = [], []
        for i in range(keys):
            reflected, mapped = await press("minus" if i % 2 == 0 else "plus", view)
            width_keys.append(reflected)
            if mapped is not None:
                new_maps.append(mapped)
            await asyncio.sleep(0.15)
        report("key during training (+/−: a new network)", width_keys, 50)
        if new_maps:
            report("   ...until the new network's map is on screen", new_maps, 50)
        print(f"   (training kept running: state {view.state}, generation {view.generation})")
        view.action_stop()
        await asyncio.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--size", default="120x40")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory() as home:
        os.environ["TUTOR_HOME"] = home
        os.environ.setdefault("TUTOR_OFFLINE", "1")
        print(f"cores {os.cpu_count()}, load {os.getloadavg()[0]:.2f}, size {width}x{height}")
        asyncio.run(run(args.keys, args.seconds, (width, height)))
        print(f"load at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
