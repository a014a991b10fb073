"""Small hostile lessons and helpers shared by the hardening corpus."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# A lesson with a quick train step, a quiz and a plain step; titles and choices are
# filled in by each test.
LESSON = """\
id: {id}
title: "{title}"
dataset: circle
models:
  net:
    input: [2]
    layers: [{{Linear: [2, 8]}}, ReLU, {{Linear: [8, 2]}}]
steps:
  - kind: text
    title: "{step_title}"
    body: hello
  - kind: train
    model: net
    epochs: {epochs}
    batch_size: 10
  - kind: quiz
    question: Which one?
    choices: {choices}
    correct: 0
"""


def write_lesson(
    folder: Path,
    *,
    id: str = "hostile",
    title: str = "Hostile",
    step_title: str = "First",
    choices: str = '["a", "b"]',
    epochs: int = 2,
    name: str | None = None,
) -> Path:
    """Write a lesson into ``folder`` (created) and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"{id}.yaml")
    path.write_text(
        LESSON.format(id=id, title=title, step_title=step_title, choices=choices, epochs=epochs),
        encoding="utf-8",
    )
    return path


def rendered(app) -> str:  # type: ignore[no-untyped-def]
    """Every cell the screen shows, with its raw characters (control characters kept)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def run_tutor(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m tutor ARGS`` in a fresh process (with ``env`` added to this one's):
    its exit code, stdout and stderr as text."""
    return subprocess.run(
        [sys.executable, "-m", "tutor", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, **env},
    )

