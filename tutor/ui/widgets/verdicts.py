"""What a lesson says a run shows, and whether this run showed it: one line per claim."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.text import Text


def verdict_text(
    verdicts: Sequence[Any], tr: Callable[..., str], lang: str, changed: bool = False
) -> Text:
    """✔ held, ✘ did not (red, or yellow when the learner changed the settings), ? the
    run cannot say. ``verdicts`` are ``tutor.engine.outcome.Verdict`` s."""
    text = Text()
    for verdict in verdicts:
        claim = verdict.describe(lang)
        if verdict.held is True:
            text.append(tr("outcome.held", claim=claim) + "\n", style="green")
        elif verdict.held is False:
            style = "yellow" if changed else "red"
            text.append(tr("outcome.failed", claim=claim) + "\n", style=style)
        else:
            text.append(tr("outcome.unknown", claim=claim) + "\n", style="dim")
    if changed and verdicts:
        text.append(tr("outcome.changed") + "\n", style="dim")
    return text
