"""Every way to quit asks while a model trains (issue 17): q, ctrl+q, Textual's own
quit action, and the palette's Quit typed and chosen; F1 opens the help."""

from __future__ import annotations

import time
from pathlib import Path

from textual.command import CommandPalette

from tests.hardening.hostile.lessons import write_lesson
from tests.ui.helpers import screen_flat, settle
from tutor.ui.app import TutorApp
from tutor.ui.screens.confirm import ConfirmScreen
from tutor.ui.screens.help import HelpScreen
from tutor.ui.screens.player import LessonScreen

QUESTION = "Training is running. Stop it and quit?"


async def until(pilot, condition, seconds: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    """Let the app run until ``condition()`` holds (training never lets ``settle`` end).
    A deadline in seconds, not a count of pauses: a training thread on 2 busy cores makes
    each pause far longer than asked."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("the app never got there")


async def _training(pilot, app: TutorApp):  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("n")  # the train step
    await settle(pilot)
    view = app.screen.view
    await pilot.press("s")
    await until(pilot, lambda: view.state == "running")
    return view


def _hits(app: TutorApp) -> list[str]:
    """The palette's hits, as text (none before its list is there)."""
    lists = app.screen.query("CommandList")
    if not lists:
        return []
    hits = lists.first()
    return [str(hits.get_option_at_index(i).prompt) for i in range(hits.option_count)]


async def _quit_by(pilot, route: str) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    if route == "palette":  # typed: "quit", then Enter on the first hit
        await pilot.press("ctrl+p")
        # The palette's screen, not its first hits: under load they come later.
        await until(pilot, lambda: CommandPalette.is_open(app))
        await pilot.press(*"quit")
        await until(pilot, lambda: "Quit tutor (asks first" in screen_flat(app))
        await until(pilot, lambda: "Theme" not in screen_flat(app))
        await pilot.press("enter")
    elif route == "palette-chosen":  # no typing: the cursor moves down to Quit
        await pilot.press("ctrl+p")
        # Quit is among the hits, maybe below the fold: every bundled lesson is listed.
        await until(pilot, lambda: any("Quit tutor" in p for p in _hits(app)))
        hits = app.screen.query_one("CommandList")
        for _ in range(hits.option_count):
            if "Quit" in str(hits.get_option_at_index(hits.highlighted or 0).prompt):
                break
            await pilot.press("down")
        await pilot.press("enter")
    elif route == "textual":  # Textual's own quit action (what its defaults bind)
        await app.run_action("quit")
    else:
        await pilot.press(route)


async def _asks_and_keeps_training(pilot, route: str, state: str) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    view = app.screen.view
    await _quit_by(pilot, route)
    await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
    await until(pilot, lambda: QUESTION in screen_flat(app))
    await pilot.press("n")  # no: the run goes on
    await until(pilot, lambda: isinstance(app.screen, LessonScreen))
    assert view.state == state, route


async def test_every_quit_route_asks_while_training(tmp_path: Path):
    """One training run (starting one is the slow part). Each route asks and "n" keeps
    the run: q and ctrl+q while it runs, the rest while it is paused (a paused run is
    still one to lose, and a running one starves the UI thread on 2 busy cores); the
    last "y" stops the run and quits."""
    path = write_lesson(tmp_path / "l", epochs=100000)
    app = TutorApp(lesson=str(path))
    async with app.run_test(size=(100, 30)) as pilot:
        view = await _training(pilot, app)
        for route in ("q", "ctrl+q"):
            await _asks_and_keeps_training(pilot, route, "running")
        await pilot.press("space")
        await until(pilot, lambda: view.state == "paused")
        for route in ("palette", "palette-chosen", "textual"):
            await _asks_and_keeps_training(pilot, route, "paused")
        await _quit_by(pilot, "q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        run = view.trainer
        assert not run.stop_requested
        await pilot.press("y")
        await until(pilot, lambda: view.state == "stopped" or not app.is_running)
    # The app may be gone before the run's last event reaches the view (CI saw it still
    # "paused" once): what "y" must do is stop the run, which ends within one step.
    assert view.state == "stopped" or run.stop_requested


async def test_quitting_when_nothing_trains_does_not_ask(tmp_path: Path):
    app = TutorApp(lesson=str(write_lesson(tmp_path / "l")))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not any(isinstance(s, ConfirmScreen) for s in app.screen_stack)


async def test_f1_opens_the_help_and_closes_it(tmp_path: Path):
    app = TutorApp(lesson=str(write_lesson(tmp_path / "l")))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "Keys" in screen_flat(app) or "key" in screen_flat(app).lower()
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
