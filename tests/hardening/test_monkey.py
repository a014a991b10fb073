"""A seeded monkey: random keys on every screen and lesson, with training running.

No exception (``run_test`` re-raises any), no worker left running once training is
stopped, and memory flat. Short in CI; ``TUTOR_MONKEY_KEYS=5000`` for the long run.
"""

from __future__ import annotations

import asyncio
import os
import random
from pathlib import Path

import pytest
from textual import events
from textual.command import CommandPalette

from tests.ui.helpers import busy_workers, settle
from tutor.course.lesson import load_lesson
from tutor.course.progress import ProgressStore
from tutor.ui.app import TutorApp
from tutor.ui.screens.player import LessonScreen

KEYS = [
    "n",
    "p",
    "right",
    "left",
    "up",
    "down",
    "enter",
    "escape",
    "s",
    "space",
    "x",
    "l",
    "L",
    "b",
    "B",
    "plus",
    "minus",
    "left_square_bracket",
    "right_square_bracket",
    "full_stop",
    "comma",
    "c",
    "question_mark",
    "ctrl+l",
    "home",
    "end",
    "tab",
    "1",
    "5",
    "backspace",
    "a",
    "pagedown",
    "pageup",
    # The command palette, and typing into it (letters that also are the player's keys).
    "ctrl+p",
    "e",
    "o",
    "t",
    "r",
]
# Keys that keep the learner on the current step (leaving a training step stops it).
STAY = [
    k for k in KEYS if k not in ("n", "p", "left", "right", "enter", "escape", "home", "end", "tab")
]
# Weighted towards moving around, so every lesson and step kind gets visited; ctrl+p
# often enough that keys land in the palette while it opens, filters and closes. Both
# seeds failed before issue 13's fixes (a second palette pushed while the first was
# still on the stack: DuplicateIds; page keys before the palette's list was drawn:
# KeyError; its search worker after it closed: NoMatches).
WEIGHTS = [
    8 if k in ("n", "enter", "down") else 3 if k == "ctrl+p" else 2 if k == "escape" else 1
    for k in KEYS
]
COUNT = int(os.environ.get("TUTOR_MONKEY_KEYS", "600"))
LESSONS = Path(__file__).resolve().parents[2] / "lessons"


async def catch_up(app: TutorApp, limit: float = 1.0) -> None:
    """Wait for the running workers to finish, up to ``limit`` seconds (training may not)."""
    waits = [asyncio.ensure_future(worker.wait()) for worker in busy_workers(app)]
    if waits:
        await asyncio.wait(waits, timeout=limit)
    for wait in waits:
        wait.cancel()
    await asyncio.gather(*waits, return_exceptions=True)


def rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


@pytest.mark.parametrize(("size", "seed"), [((120, 40), 1), ((60, 20), 2)], ids=["120x40", "60x20"])
async def test_monkey(size: tuple[int, int], seed: int, monkeypatch: pytest.MonkeyPatch):
    rng = random.Random(seed)
    # The palette's Quit (or q) would end the walk: count it instead of exiting. Each
    # quit route is tested in tests/ui/test_quit.py.
    quits: list[int] = []
    monkeypatch.setattr(TutorApp, "shutdown", lambda self: quits.append(1))
    # Start on a training step (the learner's saved place); the monkey roams from there.
    lesson = load_lesson(LESSONS / "05-fashion-mlp.yaml").lesson
    train = next(i for i, step in enumerate(lesson.steps) if step.kind == "train")
    ProgressStore().visit(lesson.id, train)
    app = TutorApp(lesson=lesson.id)
    visited: set[tuple[str, int]] = set()
    trained = 0
    in_palette = 0  # keys that reached an open command palette
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        app.screen.view.epochs = 1000  # a long run: it trains while the monkey presses keys
        await pilot.press("s")
        baseline = 0
        for i in range(COUNT):
            key = rng.choices(KEYS, WEIGHTS)[0]
            current = getattr(app.screen, "view", None)
            state = getattr(current, "state", None)
            if state == "idle" and rng.random() < 0.5:
                key = "s"  # make sure training runs while the monkey keeps pressing
            elif state in ("running", "paused") and rng.random() < 0.9:
                key = rng.choice(STAY)  # mostly stay on the step while it trains
            in_palette += isinstance(app.screen, CommandPalette)
            char = key if len(key) == 1 else None
            app._driver.send_message(events.Key(key, char))  # as the terminal sends it
            # Yield to the app's loop. (Pilot's pause() cannot be used here: it waits for
            # every widget to acknowledge, and a widget removed meanwhile never does.)
            await asyncio.sleep(0)
            if i % 25 == 24:
                await catch_up(app)  # as a learner pausing to read
            screen = app.screen
            view = getattr(screen, "view", None)
            if isinstance(screen, LessonScreen) and view is not None:
                visited.add((screen.lesson_file.id, screen.index))
                trained += getattr(view, "state", None) in ("running", "paused")
            if i == COUNT // 4:
                baseline = rss()
        if app.context.engine.session is not None:
            app.context.engine.session.stop_all()
        await settle(pilot, rounds=60)
        assert not busy_workers(app)
        growth = rss() - baseline
    print(
        f"\nmonkey {size}: {COUNT} keys, {len(visited)} steps visited, {trained} key presses "
        f"while training, {in_palette} in the command palette, resident memory "
        f"{growth / 2**20:+.0f} MiB after warm-up"
    )
    assert len(visited) >= 3, visited  # it really went through lessons
    assert trained > 0  # and pressed keys while a model was training
    assert in_palette > 0  # and typed into the command palette
    assert growth < 300 * 2**20, f"resident memory grew by {growth / 2**20:.0f} MiB"
