"""``tutor explore``: the lesson made for the learner's own file, walked with real keys.

The learner's file is written by the test; the numbers on screen are checked against
torchinfo run on the same module, and training goes through the engine's one entry point.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import torch

from tests.ui.helpers import screen_flat, settle, view_of
from tutor.course.explore import explore_lesson, lesson_id
from tutor.course.steps import step_code
from tutor.engine.usersource import load_user_source
from tutor.text import shape_text
from tutor.ui.app import TutorApp

LEARNER = textwrap.dedent(
    """
    import torch
    from torch import nn


    class SimpleLinearModel_01(nn.Module):
        input_shape = (1, 28, 28)

        def __init__(self, hidden=100):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_01 = nn.Linear(784, hidden)
            self.relu_01 = nn.ReLU()
            self.linear_02 = nn.Linear(hidden, 50)
            self.relu_02 = nn.ReLU()
            self.linear_03 = nn.Linear(50, 10)

        def forward(self, x):
            x = self.flatten(x)
            x = self.relu_01(self.linear_01(x))
            x = self.relu_02(self.linear_02(x))
            return self.linear_03(x)


    class Plane(nn.Module):
        input_shape = (2,)

        def __init__(self):
            super().__init__()
            self.hidden = nn.Linear(2, 8)
            self.act = nn.Tanh()
            self.out = nn.Linear(8, 2)

        def forward(self, x):
            return self.out(self.act(self.hidden(x)))


    class Odd(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(12, 3)

        def forward(self, x):
            return self.fc(x)
    """
)

STEPS = ["about", "layers", "samples", "forward", "softmax", "train", "code"]


@pytest.fixture
def learner_file(tmp_path: Path) -> Path:
    path = tmp_path / "model.py"
    path.write_text(LEARNER, encoding="utf-8")
    return path


def test_lesson_holds_every_step_for_a_classifier(learner_file: Path):
    source = load_user_source(f"{learner_file}:SimpleLinearModel_01", '{"hidden": 64}')
    lesson_file = explore_lesson(source)
    lesson = lesson_file.lesson
    assert lesson is not None and lesson_file.ok
    assert lesson.id == lesson_id("SimpleLinearModel_01") == "explore-simplelinearmodel_01"
    assert [s.id for s in lesson.steps] == STEPS
    assert lesson.dataset == "fashion-mnist"  # chosen from (1, 28, 28)
    # Fresh weights per build, the same for the same seed, from the learner's own class.
    a, b = source.build(seed=0), source.build(seed=0)
    assert torch.equal(a.linear_01.weight, b.linear_01.weight)
    assert a.linear_01.weight.shape == (64, 784)
    assert not torch.equal(a.linear_01.weight, source.build(seed=1).linear_01.weight)


def test_a_model_that_fits_no_dataset_gets_layers_and_code(learner_file: Path):
    source = load_user_source(f"{learner_file}:Odd", input_text="12")
    lesson = explore_lesson(source).lesson
    assert lesson is not None
    assert [s.kind for s in lesson.steps] == ["text", "dissect", "code"]
    assert "No dataset here takes one sample of (12,)" in lesson.steps[0].body["en"]


def test_a_model_of_two_features_explores_a_2d_set(learner_file: Path):
    lesson = explore_lesson(load_user_source(f"{learner_file}:Plane")).lesson
    assert lesson is not None and lesson.dataset == "circle"
    # Points are not pictures: no samples or forward screens, and the text says so.
    assert [s.kind for s in lesson.steps] == ["text", "dissect", "softmax", "train", "code"]
    assert "are points, not pictures" in lesson.steps[0].body["en"]
    train = lesson.steps[3]
    assert (train.lr, train.batch_size) == (0.03, 10)  # the 2-D sets' own defaults


def test_a_dataset_that_does_not_fit_is_said_with_the_rule(learner_file: Path):
    source = load_user_source(f"{learner_file}:SimpleLinearModel_01")
    lesson = explore_lesson(source, "cifar10").lesson
    assert lesson is not None
    assert [s.kind for s in lesson.steps] == ["text", "dissect", "samples", "code"]
    body = lesson.steps[0].body
    assert (
        "On CIFAR-10: model 'SimpleLinearModel_01' takes one sample of shape [1, 28, 28]"
        in body["en"]
    )
    assert "CIFAR-10 데이터에서는" in body["ko"]


async def test_explore_walks_dissect_forward_softmax_train_and_code(learner_file: Path):
    import torchinfo

    source = load_user_source(f"{learner_file}:SimpleLinearModel_01")
    app = TutorApp(lesson_file=explore_lesson(source))
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(pilot)
        text = screen_flat(app)
        assert "Exploring SimpleLinearModel_01" in text
        assert "84,060 parameters" in text

        await pilot.press("n")  # the layer table
        await settle(pilot)
        view = view_of(app)
        assert view.step.id == "layers" and view.error_message is None
        text = screen_flat(app)
        # torchinfo on the learner's own module, at the table's batch of 32.
        stats = torchinfo.summary(
            learner_module(learner_file),
            input_size=(32, 1, 28, 28),
            verbose=0,
            device="cpu",
            mode="eval",
        )
        leaves = [row for row in stats.summary_list if row.is_leaf_layer]
        assert [row.var_name for row in leaves] == [r.path for r in view.result.rows]
        for row, shown in zip(leaves, view.result.rows, strict=True):
            assert tuple(row.output_size) == shown.output_shape
            assert row.num_params == shown.num_params
            assert shape_text(tuple(row.output_size)) in text
            if row.num_params:
                assert f"{row.num_params:,}" in text
        assert f"total {stats.total_params:,} parameters" in text

        await pilot.press("n", "n")  # samples, then one real sample through the model
        await settle(pilot)
        view = view_of(app)
        assert view.step.id == "forward" and view.error_message is None
        assert "linear_03" in screen_flat(app)

        await pilot.press("n")  # softmax on the model's own logits
        await settle(pilot)
        assert view_of(app).step.id == "softmax" and view_of(app).error_message is None

        await pilot.press("n")  # training: a fresh model from the learner's class
        await settle(pilot)
        view = view_of(app)
        assert view.step.id == "train"
        view.epochs = 1
        await pilot.press("s")
        await settle(pilot)
        assert view.state == "finished", view.error_message
        assert view.result.epochs_done == 1
        trained = app.context.engine.session.trained(
            (lesson_id("SimpleLinearModel_01"), "SimpleLinearModel_01")
        )
        assert trained is not None and type(trained.model).__name__ == "SimpleLinearModel_01"

        await pilot.press("n")  # the code: their own class, then the training loop
        await settle(pilot)
        text = screen_flat(app)
        assert "from model import SimpleLinearModel_01" in text
        assert "model = SimpleLinearModel_01()" in text
        code = step_code(view.lesson_file, len(STEPS) - 1)
        assert code is not None and "loss.backward()" in code
        assert "# (B, 10): logits, one per class" in code


def learner_module(path: Path) -> torch.nn.Module:
    """The learner's class imported as a notebook would, for torchinfo."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("learner_for_torchinfo", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    torch.manual_seed(0)
    return module.SimpleLinearModel_01()


def test_a_placeholder_on_the_learners_model_is_a_located_fact_error(learner_file: Path):
    from tutor.course.facts import FactError

    lesson_file = explore_lesson(load_user_source(f"{learner_file}:SimpleLinearModel_01"))
    facts = lesson_file.facts()
    with pytest.raises(FactError, match="facts are computed for model specs only"):
        facts.compute("model.SimpleLinearModel_01.params")
    assert "⟨" in facts.fill("{{ model.SimpleLinearModel_01.params }}")


async def test_explore_in_korean_at_60x20(learner_file: Path):
    app = TutorApp(lesson_file=explore_lesson(load_user_source(f"{learner_file}:Plane")))
    app.language = "ko"
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        assert "Plane 살펴보기" in screen_flat(app)
        for i in range(5):
            view = view_of(app)
            assert view.index == i and view.error_message is None, view.error_message
            assert f"단계 {i + 1}/5" in screen_flat(app)
            await pilot.press("n")
            await settle(pilot)
