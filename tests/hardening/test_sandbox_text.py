"""Whatever is typed in the model sandbox gives a model or located problems: never a
traceback, never Python run, within a bounded time."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutor.course.steps.sandbox import FREE_START, MAX_PARAMS, read_spec

SETTINGS = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.fixture(autouse=True, scope="module")
def warm() -> None:
    """Load torch and the layers once, so the time limit measures reading alone."""
    read_spec(FREE_START)


def _check(text: str) -> None:
    started = time.perf_counter()
    spec, dry, problems = read_spec(text, batch=8)
    assert time.perf_counter() - started < 5.0
    if problems:
        assert spec is None and dry is None
        lines = max(len(text.splitlines()), 1)
        for problem in problems:
            assert 1 <= problem.line <= lines + 1, (problem, text)
            assert problem.column >= 1 and problem.message
    else:
        assert dry.total_params <= MAX_PARAMS


@SETTINGS
@given(st.text(max_size=300))
def test_any_text_gives_a_model_or_located_problems(text: str):
    _check(text)


@SETTINGS
@given(
    st.integers(min_value=0, max_value=len(FREE_START)),
    st.integers(min_value=0, max_value=12),
    st.text(alphabet="0123456789 {}[]:,-\n#!&*|>'\"abcLinearReLUname", max_size=12),
)
def test_every_edit_of_the_start_text_gives_a_model_or_located_problems(
    at: int, cut: int, typed: str
):
    # What a learner does: delete a few characters somewhere, type a few others.
    _check(FREE_START[:at] + typed + FREE_START[at + cut :])


def test_python_tags_and_huge_models_are_refused_with_a_location():
    _, _, problems = read_spec("!!python/object/apply:os.system ['echo hi']\n")
    assert problems and "would create a Python object" in problems[0].message
    huge = "input: [784]\nlayers:\n  - {Linear: [784, 100000]}\n"
    _, _, problems = read_spec(huge)
    assert problems[0].line == 1 and "above the limit of 10,000,000" in problems[0].message
    wide = "input: [3, 512, 512]\nlayers:\n  - {Conv2d: [3, 64, 3]}\n"
    _, _, problems = read_spec(wide, batch=8)
    assert (problems[0].line, problems[0].column) == (3, 5)
    assert "too large for the sandbox" in problems[0].message
