"""Start-up budget of DESIGN.md: the lesson list is interactive within 0.35× the time of
``python -c "import torch"`` on the same machine.

Both are measured from process start (``time.time()`` in the parent just before the
child is spawned). "Interactive" means the lesson list is on screen and a key press
(ctrl+l, switch language) has been handled and drawn; "listed" means the lessons are
read and shown (that happens in a worker, while torch still loads in another).

    .venv/bin/python bench/startup.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

CHILD = r"""
import asyncio, time
from textual import events
from tutor.ui.app import TutorApp
from tutor.ui.screens.lessons import LessonListScreen

app = TutorApp()
frames = []
original = app._display
def display(screen, renderable):
    frames.append(time.time())
    return original(screen, renderable)
app._display = display

async def auto_pilot(pilot):
    while not isinstance(app.screen, LessonListScreen) or not app.screen.is_mounted:
        await asyncio.sleep(0.001)
    app._driver.send_message(events.Key("ctrl+l", None))
    while app.language != "ko":
        await asyncio.sleep(0.001)
    switched = time.time()
    while not frames or frames[-1] < switched:
        await asyncio.sleep(0.001)
    interactive = [f for f in frames if f >= switched][0]
    while not app.screen.entries:
        await asyncio.sleep(0.005)
    listed = time.time()
    print(f"{interactive} {listed}", flush=True)
    app.exit()

app.run(headless=True, auto_pilot=auto_pilot)
"""


def spawn(code: str, env: dict[str, str]) -> tuple[float, str]:
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout
    return start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "TUTOR_HOME": home, "TUTOR_OFFLINE": "1"}
        torch_times, interactive, listed = [], [], []
        for _ in range(args.repeats):
            start, _ = spawn("import torch", env)
            torch_times.append(time.time() - start)
            start, out = spawn(CHILD, env)
            ready, shown = (float(v) for v in out.split())
            interactive.append(ready - start)
            listed.append(shown - start)
    torch_s = statistics.median(torch_times)
    ready_s = statistics.median(interactive)
    listed_s = statistics.median(listed)
    print(f"cores {os.cpu_count()}, repeats {args.repeats}")
    print(f'python -c "import torch": median {torch_s * 1000:.0f} ms')
    print(
        f"lesson list interactive: median {ready_s * 1000:.0f} ms  "
        f"ratio {ready_s / torch_s:.2f} (budget ≤ 0.35)  "
        f"{'OK' if ready_s / torch_s <= 0.35 else 'OVER'}"
    )
    print(
        f"lessons listed:          median {listed_s * 1000:.0f} ms  ratio {listed_s / torch_s:.2f}"
    )


if __name__ == "__main__":
    main()
