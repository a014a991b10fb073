"""What the bundled lessons say a boundary step's run shows, checked on a real run.

Each boundary step with an ``outcome:`` is trained as the app trains it (the step's
network and settings, the engine's one training entry point) and every claim must hold:
a sentence such as "the test accuracy stays below 70 %" is a checked fact, like a number.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.course.lesson import load_lesson
from tutor.course.steps import boundary
from tutor.course.steps.base import ComputeContext
from tutor.engine.session import Session

LESSONS = sorted((Path(__file__).resolve().parents[2] / "lessons").glob("*.yaml"))
CLAIMED = [
    pytest.param(path, i, id=f"{path.stem}:{step.id or i}")
    for path in LESSONS
    for i, step in enumerate(load_lesson(path).lesson.steps)
    if step.kind == "boundary" and step.outcome
]


def test_the_playground_lesson_states_its_runs():
    assert len([p for p in CLAIMED if "15-playground" in p.id]) >= 5


@pytest.mark.parametrize(("path", "index"), CLAIMED)
def test_boundary_outcome_holds(path: Path, index: int):
    lesson_file = load_lesson(path)
    assert lesson_file.ok
    step = lesson_file.lesson.steps[index]
    ctx = ComputeContext(lesson_file, index, Session("cpu"), "en")
    playground = boundary.prepare(ctx, boundary.playground_config(step, lesson_file))
    run = boundary.start(ctx, playground, lambda event: None)
    result = run.run()
    assert result.state == "finished" and result.epochs_done == step.epochs
    verdicts = boundary.verdicts(step, result)
    assert verdicts and all(v.held for v in verdicts), [
        (v.describe("en"), v.held, result.test_metrics.accuracy) for v in verdicts
    ]
