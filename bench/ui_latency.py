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
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from keyclock import KeyClock, report  # noqa: E402


async def run(keys: int, samples: int, size: tuple[int, int]) -> None:
    from tutor.ui.app import TutorApp

    app = TutorApp(lesson=str(HERE / "lessons" / "bench.yaml"))
    clock = KeyClock(app)

    async with app.run_test(size=size) as pilot:
        while getattr(app.screen, "view", None) is None:
            await asyncio.sleep(0.05)
        await app.workers.wait_for_complete()
        view = app.screen.view
        await pilot.press("s")
        while view.trainer is None or view.trainer.state != "running":
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # let it settle into the loop
        clock.record(view, "draw_settings")
        latencies = []
        for i in range(keys):
            latencies.append(await clock.press("l" if i % 2 == 0 else "L"))
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
        clock.record(forward, "draw")
        redraws = []
        for _ in range(samples):
            redraws.append(await clock.press("right_square_bracket"))
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
