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


# Words that are the same in every language on screen: key names, devices, data names.
_NEUTRAL = {
    "esc",
    "ctrl",
    "tab",
    "enter",
    "space",
    "home",
    "end",
    "shift",
    "cpu",
    "cuda",
    "mps",
    "gpu",
    "apple",
    "metal",
    "nvidia",
    "mnist",
    "fashion",
    "fashionmnist",
    "cifar",
    "shapes",
    "tutor",
    "thermometer",
    "circle",
    "xor",
    "gauss",
    "spiral",
}


def _english_phrases() -> list[str]:
    """Phrases of the English catalog whose Korean differs: they must never show in Korean."""
    import re

    from tutor.locales import catalog

    english, korean = catalog("en"), catalog("ko")
    phrases = set()
    for key, text in english.items():
        if korean.get(key) == text:
            continue
        for chunk in re.split(r"\{[^}]*\}", text):
            chunk = chunk.strip(" ·:,.;()!?✔✘—-\n")
            if len(re.findall(r"[A-Za-z]{2,}", chunk)) >= 2 and len(chunk) >= 8:
                phrases.add(chunk)
    return sorted(phrases, key=len, reverse=True)


def english_leftovers(app: Any, allowed: str = "") -> list[str]:
    """English interface text on a Korean screen: catalog phrases anywhere, and any English
    word in the header and footer (the chrome) that is not in ``allowed`` (the lesson's
    own Korean title may hold names such as FashionMNIST) or a key or device name."""
    import re

    lines = screen_text(app).split("\n")
    flat = " ".join(" ".join(lines).split())
    # The lesson's own Korean text may name an English term in parentheses.
    own = " ".join(allowed.split())
    found = [phrase for phrase in _english_phrases() if phrase in flat and phrase not in own]
    allowed_words = {w.lower() for w in re.findall(r"[A-Za-z]+", allowed)} | _NEUTRAL
    for chrome in (lines[0], lines[-1]):
        for word in re.findall(r"[A-Za-z]{3,}", chrome):
            # a word cut at the screen's edge ("mnis…") is a name's beginning
            if not any(known.startswith(word.lower()) for known in allowed_words):
                found.append(word)
    return found
