"""The defects of issue 12, each as a test: what a lesson's text says, its screen shows.

Each test failed before its fix; together with tests/lessons/test_outcomes.py (claims
about runs) and test_lesson_code.py (every listing runs) they keep the lessons honest.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from tests.ui.helpers import screen_flat, settle, view_of
from tutor.course.lesson import load_lesson
from tutor.course.steps import step_code
from tutor.engine.build import build_model
from tutor.engine.functions import activation_series, curve_series
from tutor.ui.app import TutorApp

LESSONS = Path(__file__).resolve().parents[2] / "lessons"


def _lesson(stem: str):
    return load_lesson(LESSONS / f"{stem}.yaml")


def _index(lesson_file, step_id: str) -> int:
    return [s.id for s in lesson_file.lesson.steps].index(step_id)


async def _open(stem: str, step_id: str, lang: str = "en", size=(130, 60)):
    lesson_file = _lesson(stem)
    app = TutorApp(lesson=lesson_file.id)
    app.language = lang
    return app, lesson_file, _index(lesson_file, step_id), size


async def test_06_a_softmax_model_shows_its_own_probabilities_not_softmax_again():
    app, _, index, size = await _open("06-softmax-loss", "probs-forward")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        app.screen.go(index)
        await settle(pilot)
        view = view_of(app)
        result = view.result.view
        assert result.output_kind == "probs"
        assert "probabilities (the model ends in Softmax" in screen_flat(app)
        # The probabilities shown are the model's own output for that sample.
        assert result.probs == pytest.approx(result.logits, abs=1e-6)
        assert sum(result.probs) == pytest.approx(1.0, abs=1e-5)
        shown = f"{max(result.probs):6.1%}".strip()
        assert shown in screen_flat(app)


def test_01_the_softmax_curve_is_the_sigmoid_and_says_so():
    series = {s.label: s for s in activation_series(["softmax", "sigmoid"], -4, 4)}
    softmax = series["softmax([x, 0])₀ = sigmoid(x)"]
    assert softmax.ys == pytest.approx(series["sigmoid"].ys, abs=1e-6)
    text = _lesson("01-neuron").lesson.steps[_index(_lesson("01-neuron"), "activations")].text
    assert "exactly `sigmoid(x)`" in text["en"] and "시그모이드" in text["ko"]


def test_01_the_threshold_is_minus_the_bias():
    lesson_file = _lesson("01-neuron")
    step = lesson_file.lesson.steps[_index(lesson_file, "bias-threshold")]
    assert "θ = −b" in step.text["en"] and "θ = −b" in step.text["ko"]
    # The curve with b = −1 switches on at x = 1: threshold −b.
    curve = next(c for c in step.curves if c.terms[0].b == -1)
    (drawn,) = curve_series([curve], -3, 3, ["b = -1"])
    on = [x for x, y in zip(drawn.xs, drawn.ys, strict=True) if y >= 0.5]
    assert min(on) == pytest.approx(1.0, abs=0.1)
    assert "bias–variance" in step.text["en"]


def test_02_fits_train_on_the_training_readings_and_report_both_losses():
    from tutor.course.steps import plot as plot_kind
    from tutor.course.steps.base import ComputeContext
    from tutor.engine.session import Session

    lesson_file = _lesson("02-thermometer")
    index = _index(lesson_file, "fit-both")
    step = lesson_file.lesson.steps[index]
    # One change at a time: the last two fits differ only in the learning rate.
    a, b = step.fits[1], step.fits[2]
    differs = {k for k in a.model_fields if getattr(a, k) != getattr(b, k)}
    assert differs == {"lr", "label", "outcome"}
    result = plot_kind.compute(ComputeContext(lesson_file, index, Session("cpu"), "en"))
    assert len(result.points[0]) == 9 and len(result.val_points[0]) == 2
    for fit in result.fits:
        assert fit.val_loss is not None and fit.val_loss > 0
    assert all(v.held for v in result.comparisons)


def test_07_a_checkpoint_loads_as_the_lesson_says(tmp_path: Path):
    from tutor.engine.checkpoint import save_checkpoint
    from tutor.engine.config import TrainConfig
    from tutor.engine.optim import make_optimizer

    lesson_file = _lesson("07-training-loop")
    spec = lesson_file.specs["mlp"]
    model = build_model(spec, seed=0)
    optimizer = make_optimizer(model, TrainConfig(lr=0.1, momentum=0.9))
    path = save_checkpoint(tmp_path / "epoch-1.pt", model, optimizer, 1, spec=spec)
    checkpoint = torch.load(path, weights_only=True)
    assert {"model_state", "optimizer_state", "epoch"} <= set(checkpoint)
    fresh = build_model(spec, seed=1)
    with pytest.raises(RuntimeError):  # what the lesson used to say
        fresh.load_state_dict(checkpoint)
    fresh.load_state_dict(checkpoint["model_state"])  # what it says now
    make_optimizer(fresh, TrainConfig(lr=0.1, momentum=0.9)).load_state_dict(
        checkpoint["optimizer_state"]
    )
    assert torch.equal(fresh.fc1.weight, model.fc1.weight)
    text = lesson_file.lesson.steps[_index(lesson_file, "save-code")].text["en"]
    assert 'model.load_state_dict(checkpoint["model_state"])' in text


def test_09_the_code_keeps_two_classes_and_normalizes():
    lesson_file = _lesson("09-cifar-fc")
    code = step_code(lesson_file, _index(lesson_file, "code"))
    assert "label_map = {0: 0, 2: 1}" in code and "Normalize(mean.tolist(), std.tolist())" in code
    assert "train_data = Subset(train_data, range(min(500, len(train_data))))" in code


def test_09_and_10_say_equivariance_and_10_runs_the_shift_on_the_lenet():
    nine = _lesson("09-cifar-fc")
    ten = _lesson("10-convolution")
    shift = nine.lesson.steps[_index(nine, "shift-3")].text["en"]
    assert "translation equivariance" in shift and "convolutions build that in" not in shift
    step = ten.lesson.steps[_index(ten, "shift-lenet")]
    assert step.kind == "forward" and step.model == "lenet" and step.shift == 3


def test_the_optimizer_step_comment_is_true_for_each_optimizer():
    seven = _lesson("07-training-loop")
    five = _lesson("05-fashion-mlp")
    plain = step_code(seven, _index(seven, "baseline"))
    momentum = step_code(five, _index(five, "train"))
    assert "optimizer.step()       # w <- w - lr * grad" in plain
    assert "# v <- momentum * v + grad; w <- w - lr * v" in momentum
    assert "w <- w - lr * grad" not in momentum


@pytest.mark.parametrize(("lang", "words"), [("en", "stands in for it"), ("ko", "대신 씁니다")])
async def test_stand_in_data_is_named_above_the_text(lang: str, words: str):
    app = TutorApp(lesson="05-fashion-mlp")
    app.language = lang
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(pilot)
        lesson_file = app.screen.lesson_file
        app.screen.go(_index(lesson_file, "train") - 2)  # a forward step on the data
        await settle(pilot)
        text = screen_flat(app)
        assert words in text and "MNIST" in text
