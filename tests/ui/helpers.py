"""Waiting for the app without sleeping, and reading the screen as text."""

from __future__ import annotations

import contextlib
from typing import Any

from textual.pilot import Pilot
from textual.worker import WorkerState

from tests.ui.screen import screen_text

__all__ = ["busy_workers", "screen_flat", "screen_text", "settle", "view_of"]


def busy_workers(app: Any) -> list[Any]:
    return [w for w in app.workers if w.state in (WorkerState.PENDING, WorkerState.RUNNING)]


async def settle(pilot: Pilot, rounds: int = 20) -> None:
    """Wait until no worker is pending or running and the screen has caught up.

    A finished worker can start another (the lesson list checks lessons once torch is
    loaded; the player fills text after preparing), so wait in rounds.
    """
    app = pilot.app
    for _ in range(rounds):
        workers = busy_workers(app)
        if not workers:
            await pilot.pause()
            if not busy_workers(app):
                return
            continue
        for worker in workers:
            # A failed or cancelled worker is the view's business, not the wait's.
            with contextlib.suppress(Exception):
                await worker.wait()
        await pilot.pause()
    raise AssertionError(f"workers still busy: {busy_workers(app)}")


def view_of(app: Any) -> Any:
    """The step view of the lesson player on screen."""
    return app.screen.view


def screen_flat(app: Any) -> str:
    """The screen's text with every run of whitespace (line breaks too) made one space,
    so a phrase that wraps across lines can be found."""
    return " ".join(screen_text(app).split())
