"""Every step kind, driven with real key presses, asserting on what the screen shows."""

from __future__ import annotations

import re

import pytest

from tests.ui.conftest import FIXTURE_LESSONS
from tests.ui.helpers import screen_flat, settle, view_of
from tutor.course.steps import step_code
from tutor.ui.app import TutorApp

LESSON = str(FIXTURE_LESSONS / "all-kinds.yaml")
STEPS = [
    "intro",
    "samples",
    "dissect",
    "forward",
    "softmax",
    "train",
    "plot",
    "fit",
    "quiz-choice",
    "quiz-number",
    "code",
]


async def open_step(pilot, step_id: str) -> None:
    """Open the fixture lesson and walk to ``step_id`` with the `n` key."""
    await settle(pilot)
    app = pilot.app
    for _ in range(STEPS.index(step_id)):
        await pilot.press("n")
        await settle(pilot)
    assert app.screen.lesson_file.lesson.steps[app.screen.index].id == step_id


def app_for(lang: str = "en") -> TutorApp:
    app = TutorApp(lesson=LESSON)
    app.language = lang
    return app


async def test_text_fills_computed_facts():
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_step(pilot, "intro")
        text = screen_flat(app)
        assert "fc1 holds 156,800 weights and 157,000 parameters." in text
        assert "step 1/11" in text
        assert "device: cpu" in text


async def test_text_in_korean():
    app = app_for("ko")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_step(pilot, "intro")
        text = screen_flat(app)
        assert "fc1에는 가중치 156,800개, 파라미터 157,000개가 있습니다." in text
        assert "단계 1/11" in text


async def test_samples_arrows_pick_the_pair():
    app = app_for()
    async with app.run_test(size=(100, 50)) as pilot:
        await open_step(pilot, "samples")
        text = screen_flat(app)
        assert "train_data[0][0] → image tensor of shape (1, 28, 28)" in text
        # Offline, FashionMNIST falls back to mnist-5k, and the screen says so.
        assert "data: mnist-5k" in text
        assert "instead of FashionMNIST" in text
        first = re.search(r"train_data\[0\]\[1\] = (\d)", text)
        assert first is not None
        await pilot.press("right")
        text = screen_flat(app)
        assert "train_data[1][0] → image tensor of shape (1, 28, 28)" in text
        assert re.search(r'train_data\[1\]\[1\] = \d → "\d"', text)
        await pilot.press("left")
        assert "train_data[0][1] = " + first.group(1) in screen_flat(app)


async def test_dissect_shows_shapes_and_batch_changes_only_activations():
    app = app_for()
    async with app.run_test(size=(120, 50)) as pilot:
        await open_step(pilot, "dissect")
        text = screen_flat(app)
        assert "(N, 784) → (N, 200)" in text  # the selected layer, fc1
        assert "(200, 784)" in text and "(200,)" in text
        assert "(32, 784)" in text and "batch N = 32" in text
        assert "784 × 200 + 200 = 157,000" in text
        assert "PyTorch weight (200, 784) = (out, in)" in text
        assert "Keras kernel is (784, 200) = (in, out)" in text
        await pilot.press("b")
        await settle(pilot)
        text = screen_flat(app)
        assert "batch N = 64" in text
        assert "(64, 784)" in text and "(64, 200)" in text
        assert "(32, 784)" not in text
        assert "(200, 784)" in text  # no weight shape changed
        # Try it: fc1 one step wider (200 -> 250); fc2 now reads 250 features.
        await pilot.press("plus")
        await settle(pilot)
        text = screen_flat(app)
        assert "(250, 784)" in text
        assert f"total {784 * 250 + 250 + 250 * 10 + 10:,} parameters" in text
        view = view_of(app)
        assert view.result.rows[3].param_shapes["weight"] == (10, 250)


async def test_dissect_refuses_to_resize_the_output_layer():
    app = app_for()
    async with app.run_test(size=(120, 50), notifications=True) as pilot:
        await open_step(pilot, "dissect")
        await pilot.press("down", "down")  # fc1 -> relu -> fc2
        await pilot.press("minus")
        await settle(pilot)
        view = view_of(app)
        assert view.result.rows[3].param_shapes["weight"] == (10, 200)
        assert any("output layer" in str(n.message) for n in app._notifications)


async def test_forward_shows_every_layer_and_sample_keys():
    app = app_for()
    async with app.run_test(size=(120, 60)) as pilot:
        await open_step(pilot, "forward")
        text = screen_flat(app)
        assert "sample 0 of the test split" in text
        assert "conv1 Conv2d → (1, 6, 28, 28)" in text
        await pilot.press("pagedown", "pagedown", "pagedown")
        text = screen_flat(app)
        assert "fc3 Linear → (1, 10)" in text
        assert "logits → probabilities" in text
        view = view_of(app)
        assert [layer.path for layer in view.result.view.layers][-1] == "fc3"
        assert abs(sum(view.result.view.probs) - 1) < 1e-5
        await pilot.press("right_square_bracket")
        await settle(pilot)
        await pilot.press("pageup", "pageup", "pageup")
        assert "sample 1 of the test split" in screen_flat(app)
        await pilot.press("full_stop")
        await settle(pilot)
        assert "shifted 1 px right" in screen_flat(app)


async def test_softmax_probabilities_sum_to_one_and_logits_move():
    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        await open_step(pilot, "softmax")
        text = screen_flat(app)
        assert "Σ p = 1.000000" in text
        assert 'argmax: 0 "cat"' in text
        b = view_of(app).result.breakdown
        assert b.nll == pytest.approx(b.cross_entropy) and b.loss == pytest.approx(b.cross_entropy)
        match = re.search(r"LogSoftmax \+ NLLLoss = ([\d.]+)\s+CrossEntropyLoss = ([\d.]+)", text)
        assert match and match.group(1) == match.group(2)
        await pilot.press("down", "plus", "plus", "plus", "plus")  # dog: 1.0 -> 3.0
        await settle(pilot)
        text = screen_flat(app)
        assert 'argmax: 1 "dog"' in text
        assert "Σ p = 1.000000" in text


async def test_train_runs_shows_falling_loss_and_ends_with_accuracy():
    app = app_for()
    async with app.run_test(size=(120, 60)) as pilot:
        await open_step(pilot, "train")
        assert "Press s to start training." in screen_flat(app)
        await pilot.press("s")
        await settle(pilot)
        view = view_of(app)
        assert view.state == "finished"
        losses = [e.train_loss for e in view.result.history]
        assert len(losses) == 2 and losses[1] < losses[0]
        text = screen_flat(app)
        assert "finished · epoch 2/2" in text
        assert re.search(r"accuracy \d+\.\d%", text)
        assert "confusion matrix" in text
        # Training and validation accuracy per epoch, and how far apart they are.
        assert "train accuracy" in text and "validation accuracy" in text
        last = view.result.history[-1]
        assert f"training {last.train_accuracy:.1%} · validation {last.val_accuracy:.1%}" in text
        title = view.query(".trained-forward").first()
        app.screen.query_one("#step-body").scroll_to_widget(title, animate=False, top=True)
        await settle(pilot)
        assert "The trained model, on one test sample:" in screen_flat(app)
        # The next steps use the trained weights.
        session = app.context.engine.session
        assert session.trained((view.lesson_id, "mlp")) is not None


async def test_train_keys_change_lr_and_batch_and_divergence_is_explained():
    app = app_for()
    async with app.run_test(size=(120, 60)) as pilot:
        await open_step(pilot, "train")
        await pilot.press("b", "B", "B")  # 64 -> 128 -> 64 -> 32
        for _ in range(6):
            await pilot.press("l")  # 0.05 -> 0.1 -> 0.3 -> 1 -> 3 -> 10 -> 30
        text = screen_flat(app)
        assert "lr 30 · batch 32" in text
        await pilot.press("s")
        await settle(pilot)
        view = view_of(app)
        assert view.state == "diverged"
        text = screen_flat(app)
        assert "diverged" in text
        assert "learning rate" in text.lower()


async def test_plot_functions_and_fits():
    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        await open_step(pilot, "plot")
        text = screen_flat(app)
        for name in ("tanh", "relu", "sigmoid"):
            assert name in text
        await pilot.press("n")
        await settle(pilot)
        text = screen_flat(app)
        assert "linear: training loss" in text and "validation loss" in text
        assert "weight (1):" in text and "bias (1):" in text
        view = view_of(app)
        assert view.lesson_file.specs["line"] is not None


async def test_quiz_choice_and_number_are_checked_and_recorded():
    app = app_for()
    async with app.run_test(size=(100, 40)) as pilot:
        await open_step(pilot, "quiz-choice")
        await pilot.press("down", "enter")  # first option is highlighted; go to B
        text = screen_flat(app)
        assert "✔ Correct." in text and "One score per class." in text
        assert app.context.progress.get("all-kinds").quiz["quiz-choice"].correct is True
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"157000", "enter")
        assert "✔ Correct." in screen_flat(app)
        await pilot.press("backspace", "enter")
        text = screen_flat(app)
        assert "✘ Not quite." in text and "The answer is 157,000." in text
        record = app.context.progress.get("all-kinds").quiz["quiz-number"]
        assert record.answer == 15700.0 and record.correct is False


async def test_code_step_and_code_key():
    app = app_for()
    async with app.run_test(size=(120, 50)) as pilot:
        await open_step(pilot, "code")
        text = screen_flat(app)
        assert "model = nn.Sequential(OrderedDict([" in text
        assert '("fc1", nn.Linear(784, 200)),' in text
        # The whole script (data, model, loop) is the step's code; its loop is further down.
        code = step_code(view_of(app).lesson_file, view_of(app).index)
        assert "torch.optim.SGD(model.parameters(), lr=0.05)" in code
        assert code.startswith(text.split("Code ", 1)[1][:40].strip()[:10]) or "import torch" in text
        await pilot.press("p", "p", "p", "p", "p", "p", "p", "p")  # back to dissect
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        text = screen_flat(app)
        assert "The plain PyTorch code of this step" in text
        assert "nn.Linear(784, 200)" in text
        await pilot.press("escape")
        assert "The plain PyTorch code of this step" not in screen_flat(app)
