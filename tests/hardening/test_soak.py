"""Soak: training in the app while the learner navigates; memory at start and end.

CI runs 20 epochs of mnist-5k (a few seconds each on two cores); set TUTOR_SOAK_EPOCHS
to run longer by hand.
"""

from __future__ import annotations

import os
from pathlib import Path

from textual import events

from tests.ui.conftest import FIXTURE_LESSONS
from tests.ui.helpers import busy_workers, screen_flat, settle
from tutor.ui.app import TutorApp

EPOCHS = int(os.environ.get("TUTOR_SOAK_EPOCHS", "20"))


def rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


async def test_soak_training_while_navigating():
    app = TutorApp(lesson=str(FIXTURE_LESSONS / "soak.yaml"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        view = app.screen.view
        view.epochs = EPOCHS
        view.batch_size = 16  # more steps: a longer run to navigate during
        start = rss()
        await pilot.press("s")
        keys = ["l", "L", "b", "B", "question_mark", "escape", "ctrl+l", "ctrl+l"]
        n = 0
        while view.state in ("idle", "running", "paused"):
            # Keys arrive while it trains, sent as the terminal sends them.
            app._driver.send_message(events.Key(keys[n % len(keys)], None))
            n += 1
            await pilot.pause(0.2)
        await settle(pilot)
        end = rss()
        assert view.state == "finished", view.error_message
        assert view.result.epochs_done == EPOCHS
        assert "finished" in screen_flat(app)
        assert not busy_workers(app)
    growth = end - start
    print(
        f"\nsoak: {EPOCHS} epochs, {n} keys during training; resident memory "
        f"{start / 2**20:.0f} MiB at start, {end / 2**20:.0f} MiB at the end"
    )
    assert growth < 400 * 2**20
