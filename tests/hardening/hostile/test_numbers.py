"""Class 5 (and items 6, 12): numbers a view cannot draw are refused by validation with
their location; what passes is drawn, or explained in the learner's words."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.hardening.hostile.lessons import run_tutor
from tests.ui.helpers import screen_flat, settle
from tutor.course.lesson import load_lesson
from tutor.ui.app import TutorApp

LESSON = """\
id: numbers
title: Numbers
dataset: mnist
models:
  m: {{input: [1, 28, 28], layers: [Flatten, {{Linear: [784, 10]}}]}}
  {model}
steps:
  - {step}
"""

# case: (an extra model or "", the step, the text on the problem's line, the message)
REFUSED = {
    "leaky-relu-nan-slope": (
        "bad: {input: [4], layers: [{LeakyReLU: {negative_slope: .nan}}]}",
        "{kind: dissect, model: bad}",
        "negative_slope",
        "LeakyReLU argument 'negative_slope' must be a finite number, not nan",
    ),
    "softmax-dim-9": (
        "bad: {input: [4], layers: [{Softmax: {dim: 9}}]}",
        "{kind: dissect, model: bad}",
        "Softmax",
        "layer 0 (Softmax) fails on input (N, 4) (Softmax(dim=9)): Dimension out of range",
    ),
    "adaptive-pool-0": (
        "bad: {input: [1, 8, 8], layers: [{AdaptiveAvgPool2d: 0}, Flatten]}",
        "{kind: dissect, model: bad}",
        "AdaptiveAvgPool2d",
        "layer 0 (AdaptiveAvgPool2d) would output (N, 1, 0, 0): an empty tensor",
    ),
    "plot-x-nan-inf": (
        "",
        "{kind: plot, functions: [tanh], x: [.nan, .inf]}",
        ".nan",
        "'x[0]' must be a finite number, not nan",
    ),
    "plot-x-1e308": (
        "",
        "{kind: plot, functions: [tanh], x: [-1.0e+308, 1.0e+308]}",
        "1.0e+308",
        "'x[1]' must be at most 1,000,000, not 1e+308",
    ),
    "softmax-logits-inf-nan": (
        "",
        "{kind: softmax, logits: [.inf, .nan, 1.0], label: 0}",
        ".inf",
        "'logits[1]' must be a finite number, not nan",
    ),
    "lr-nan": (
        "",
        "{kind: train, model: m, lr: .nan}",
        "lr: .nan",
        "'lr' must be a finite number, not nan",  # was "less than or equal to 1000, got nan"
    ),
    "input-scale-1e308": (
        "",
        "{kind: train, model: m, input_scale: 1.0e+308}",
        "input_scale",
        "'input_scale' must be at most 1,000,000, not 1e+308",
    ),
    "sample-huge": (
        "",
        "{kind: forward, model: m, sample: 99999999999999999999}",
        "sample",
        "'sample' must be at most 1,000,000,000, not 99,999,999,999,999,999,999",
    ),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_numbers_a_view_cannot_draw_are_refused_where_they_are_written(tmp_path: Path, case: str):
    model, step, marker, message = REFUSED[case]
    text = LESSON.format(model=model, step=step)
    path = tmp_path / "l.yaml"
    path.write_text(text)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if marker in row)
    problems = [str(p) for p in load_lesson(path).problems]
    assert any(p.startswith(f"{path}:{line}:") and message in p for p in problems), problems


def test_languages_are_checked_by_name(tmp_path: Path):
    path = tmp_path / "l.yaml"
    path.write_text("id: x\ntitle: x\nlanguages: [en, xx]\nsteps: [{kind: text, body: hi}]\n")
    problems = [p.message for p in load_lesson(path).problems]
    assert problems == ["unknown language 'xx' in 'languages': use en or ko"]  # not "'0' must"


def _app_lesson(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "l.yaml"
    path.write_text(body)
    assert load_lesson(path).ok, load_lesson(path).problems
    return path


async def test_samples_starting_past_the_data_in_use_say_so(tmp_path: Path):
    path = _app_lesson(
        tmp_path, "id: s\ntitle: s\ndataset: mnist\nsteps: [{kind: samples, start: 99999999}]\n"
    )
    app = TutorApp(lesson=str(path))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        message = app.screen.view.error_message  # an empty view before
        assert message == (
            "this step starts at sample 99,999,999, but the train split of MNIST 5k has "
            "4,000 samples (0 to 3,999)"
        )
        assert "starts at sample 99,999,999" in screen_flat(app)


async def test_the_forward_step_on_the_thermometer_model_draws_its_numbers(tmp_path: Path):
    path = _app_lesson(
        tmp_path,
        "id: t\ntitle: t\ndataset: thermometer\nmodels:\n  line: {input: [1], layers: "
        "[{Linear: [1, 1]}]}\nsteps: [{kind: forward, model: line}]\n",
    )
    app = TutorApp(lesson=str(path))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        view = app.screen.view
        assert view.error_message is None  # "not enough values to unpack" before
        assert "(1, 1)" in screen_flat(app)


async def test_a_forward_pass_that_overflows_is_drawn_with_its_infinities(tmp_path: Path):
    # Seven LeakyReLUs with slope 1e6 take a negative input past float32's range: the
    # views get -inf, and NaN after the Linear layer.
    layers = ", ".join(["{LeakyReLU: {negative_slope: 1000000.0}}"] * 7)
    path = _app_lesson(
        tmp_path,
        f"id: o\ntitle: o\ndataset: circle\nmodels:\n  big: {{input: [2], layers: [{layers}, "
        "{Linear: [2, 2]}]}\nsteps: [{kind: forward, model: big, sample: 1}, "
        "{kind: softmax, model: big, sample: 1}]\n",
    )
    app = TutorApp(lesson=str(path))
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        assert app.screen.view.error_message is None
        assert "inf" in screen_flat(app)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen.view.error_message is None


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text("name: s\ninput: [3, 32, 32]\nlayers: [Flatten, {Linear: [3072, 2]}]\n")
    return path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--input", "99999999999999999999,1,1"],
            "holds 99,999,999,999,999,999,999 numbers per sample, more than the 100,000,000",
        ),
        (["--input", "3,,32"], "--input has an empty size between commas: '3,,32'"),
        (
            ["--backward", "--seed", "99999999999999999999999"],
            "--seed must be a whole number from 0 to 9,223,372,036,854,775,807",
        ),
        (["--batch", "99999999999999999999"], "--batch must be from 1 to 1,000,000"),
    ],
    ids=["input-huge", "input-empty-size", "seed-huge", "batch-huge"],
)
def test_dissect_numbers_on_the_command_line(spec: Path, args: list[str], message: str):
    result = run_tutor("dissect", str(spec), *args)
    assert result.returncode in (1, 2)
    assert message in result.stderr and "Traceback" not in result.stderr


def test_forty_thousand_placeholders_are_refused_quickly(tmp_path: Path):
    body = " ".join("{{ model.m.params }}" for _ in range(40_000))
    path = tmp_path / "l.yaml"
    path.write_text(
        f"id: p\ntitle: p\nmodels:\n  m: {{input: [4], layers: [{{Linear: [4, 2]}}]}}\n"
        f'steps:\n  - kind: text\n    body: "{body}"\n'
    )
    load_lesson(tmp_path / "missing.yaml")  # torch and the checker imported first
    start = time.perf_counter()
    problems = load_lesson(path).problems
    assert time.perf_counter() - start < 3  # 10.9 s before
    assert [p.message for p in problems] == [
        "this lesson has more than 2,000 placeholders ({{ ... }}); split it into several lessons"
    ]
