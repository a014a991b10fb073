"""What the bundled lessons say their runs show, checked on runs of the data in use.

Every train step with an ``outcome:`` and every plot step whose fits carry claims is
run here, offline, exactly as the app runs it, and every claim must hold: a sentence
about a run's result is a checked statement, like a number. Statements that compare two
steps' runs are checked by the tests at the end.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.course.lesson import load_lesson
from tutor.course.steps import plot as plot_kind
from tutor.course.steps import train as train_kind
from tutor.course.steps.base import ComputeContext
from tutor.engine.outcome import judge
from tutor.engine.session import Session

LESSONS = sorted((Path(__file__).resolve().parents[2] / "lessons").glob("*.yaml"))


def _claims() -> list[tuple[Path, int, str]]:
    found = []
    for path in LESSONS:
        lesson = load_lesson(path).lesson
        assert lesson is not None
        for i, step in enumerate(lesson.steps):
            has_claims = getattr(step, "outcome", None) or (
                step.kind == "plot" and (step.compare or any(fit.outcome for fit in step.fits))
            )
            if has_claims:
                found.append((path, i, step.id or str(i)))
    return found


@pytest.fixture(scope="module")
def session() -> Session:
    return Session("cpu")


def _run(path: Path, step_id: str, session: Session):
    lesson_file = load_lesson(path)
    index = [s.id for s in lesson_file.lesson.steps].index(step_id)
    ctx = ComputeContext(lesson_file, index, session, "en")
    run = train_kind.start(ctx, lambda event: None)
    return run.run()


@pytest.mark.parametrize(
    ("path", "index", "step_id"), _claims(), ids=lambda v: getattr(v, "stem", v)
)
def test_every_claim_about_a_run_holds(path: Path, index: int, step_id: str, session: Session):
    lesson_file = load_lesson(path)
    step = lesson_file.lesson.steps[index]
    ctx = ComputeContext(lesson_file, index, session, "en")
    if step.kind == "train":
        result = train_kind.start(ctx, lambda event: None).run()
        verdicts = judge(step.outcome, result)
    else:
        plotted = plot_kind.compute(ctx)
        verdicts = [v for fit in plotted.fits for v in fit.verdicts] + plotted.comparisons
    assert verdicts
    failed = [(v.claim, v.expected, v.held) for v in verdicts if v.held is not True]
    assert not failed, f"{path.name} step {step_id}: {failed}"


def test_logsoftmax_and_nll_give_the_same_losses_as_cross_entropy(session: Session):
    """06 says: same layers, seed and batches, so train-nll's losses match train-ce's."""
    path = next(p for p in LESSONS if p.stem == "06-softmax-loss")
    ce = _run(path, "train-ce", session)
    nll = _run(path, "train-nll", session)
    assert [e.train_loss for e in ce.history] == pytest.approx(
        [e.train_loss for e in nll.history], rel=1e-5
    )


def test_minibatches_are_behind_one_sample_at_a_time_after_one_epoch(session: Session):
    """07 says: after one epoch at the same learning rate, batches of 64 are behind."""
    path = next(p for p in LESSONS if p.stem == "07-training-loop")
    single = _run(path, "one-at-a-time", session)
    batched = _run(path, "minibatches", session)
    assert batched.final_metrics.accuracy < single.final_metrics.accuracy
    assert batched.history[-1].samples_per_s > single.history[-1].samples_per_s
