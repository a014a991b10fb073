"""What a bundled lesson says a backward or optimizer-step view shows holds on the
numbers the view computes (``outcome:`` on those steps), with the offline data."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.course.lesson import load_lesson
from tutor.course.steps import backward, step
from tutor.course.steps.base import ComputeContext

LESSONS = sorted((Path(__file__).resolve().parents[2] / "lessons").glob("*.yaml"))
COMPUTE = {"backward": backward.compute, "step": step.compute}
CLAIMED = [
    pytest.param(path, i, id=f"{path.stem}-{s.id or i}")
    for path in LESSONS
    for i, s in enumerate(load_lesson(path).lesson.steps)
    if s.kind in COMPUTE and getattr(s, "outcome", None)
]


@pytest.fixture(scope="module")
def session():
    from tutor.engine.session import Session

    return Session("cpu")


def test_the_new_lessons_make_claims():
    assert {p.values[0].stem for p in CLAIMED} >= {"12-backward", "13-optimizers"}


@pytest.mark.parametrize(("path", "index"), CLAIMED)
def test_claim_holds(path: Path, index: int, session, isolated_env):
    lesson_file = load_lesson(path)
    assert lesson_file.ok, lesson_file.problems
    step_ = lesson_file.lesson.steps[index]
    result = COMPUTE[step_.kind](ComputeContext(lesson_file, index, session, "en"))
    assert len(result.verdicts) == len(step_.outcome)
    for verdict in result.verdicts:
        assert verdict.held is True, f"{step_.id}: {verdict.describe('en')}"


TRAINED = [
    pytest.param(path, i, id=f"{path.stem}-{s.id or i}")
    for path in LESSONS
    for i, s in enumerate(load_lesson(path).lesson.steps)
    if s.kind == "train" and s.outcome and path.stem in ("13-optimizers", "14-overfitting")
]


@pytest.mark.parametrize(("path", "index"), TRAINED)
def test_run_outcome_holds(path: Path, index: int, isolated_env):
    """Issue 14's train steps, run as the app runs them (one core left to the UI)."""
    from tutor.engine.data import load_dataset
    from tutor.engine.device import resolve_device
    from tutor.engine.outcome import judge
    from tutor.engine.run import TrainingRun

    lesson_file = load_lesson(path)
    step_ = lesson_file.lesson.steps[index]
    data = load_dataset(step_.dataset or lesson_file.lesson.dataset, device="cpu")
    run = TrainingRun(
        lesson_file.specs[step_.model],
        data,
        step_.config(),
        device=resolve_device("cpu"),
        reserve_core=True,
    )
    result = run.run()
    for verdict in judge(step_.outcome, result):
        assert verdict.held is True, f"{step_.id}: {verdict.describe('en')}"
