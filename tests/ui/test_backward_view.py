"""The backward view, driven by keys: the loss, a gradient norm and the chain rule on
screen equal what plain autograd computes for the same batch, in this test."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from tests.ui.conftest import FIXTURE_LESSONS
from tests.ui.helpers import screen_flat, settle, view_of
from tutor.course.lesson import load_lesson
from tutor.engine.build import build_model
from tutor.engine.data import load_dataset
from tutor.ui.app import TutorApp

LESSON = FIXTURE_LESSONS / "backward.yaml"
SIZE = (120, 130)  # tall enough for every part of the view at once


def autograd(
    model_name: str, first: int, size: int, train: bool = True
) -> tuple[torch.nn.Module, float]:
    """The lesson's model as the session builds it (seed 0), after ``loss.backward()``
    on training samples ``first`` to ``first + size − 1``, the plain PyTorch way; and
    the loss."""
    spec = load_lesson(LESSON).specs[model_name]
    model = build_model(spec, seed=0)
    model.train(train)
    data = load_dataset("mnist", device="cpu", download=False)  # offline: mnist-5k
    x, y = data.train.x[first : first + size], data.train.y[first : first + size]
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    return model, float(loss.detach())


def shown(value: float, digits: int = 4) -> str:
    """A number as the view prints it (sign kept, ``0`` for exactly zero)."""
    return "0" if value == 0 else f"{value:+.{digits}g}"


async def open_app(pilot) -> None:
    await settle(pilot)
    assert view_of(pilot.app).result is not None


@pytest.fixture
def app() -> TutorApp:
    return TutorApp(lesson=str(LESSON))


async def test_loss_gradient_norms_and_chain_rule_match_autograd(app):
    ref, loss = autograd("mlp", 0, 16)
    async with app.run_test(size=SIZE) as pilot:
        await open_app(pilot)
        text = screen_flat(app)
        assert f"loss = {loss:.4f}" in text
        w, g = ref.fc1.weight, ref.fc1.weight.grad
        row = (
            f"fc1.weight (100, 784) (100, 784) {float(w.detach().norm()):.4g} {float(g.norm()):.4g}"
        )
        assert row in text
        # The chain rule of unit 3 of fc1: its bias gradient by hand and autograd's.
        assert "unit 3 of fc1, then ReLU; sample 0 of the batch of 16" in text
        b3 = shown(float(ref.fc1.bias.grad[3]))
        assert f"= {b3} bias.grad = {b3}" in text
        assert "▶ unit 3" in text  # its gradient picture among its neighbours'
        assert "largest |middle − (first + last)| over the whole tensor: 0.0e+00" in text


async def test_keys_choose_unit_layer_sample_and_batch(app):
    ref, _ = autograd("mlp", 0, 16)
    async with app.run_test(size=SIZE) as pilot:
        await open_app(pilot)
        await pilot.press("plus")
        await settle(pilot)
        text = screen_flat(app)
        assert "unit 4 of fc1" in text
        b4 = shown(float(ref.fc1.bias.grad[4]))
        assert f"bias.grad = {b4}" in text
        await pilot.press("down")  # fc1 -> fc2: its first unit
        await settle(pilot)
        text = screen_flat(app)
        assert "unit 0 of fc2, then none; sample 0" in text
        assert f"bias.grad = {shown(float(ref.fc2.bias.grad[0]))}" in text
        await pilot.press("full_stop")
        await settle(pilot)
        assert "sample 1 of the batch of 16" in screen_flat(app)
        await pilot.press("right_square_bracket")  # the next batch: samples 16-31
        await settle(pilot)
        text = screen_flat(app)
        _, loss = autograd("mlp", 16, 16)
        assert "batch 1 of 250 (train samples 16–31, B = 16)" in text
        assert f"loss = {loss:.4f}" in text
        assert view_of(app).layer_name == "fc2"  # the chosen layer stays


async def test_train_eval_switch_and_convolutions(app):
    async with app.run_test(size=SIZE) as pilot:
        await open_app(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert "model.eval()" in screen_flat(app)
        await pilot.press("n")  # LeNet: the first layer is a convolution
        await settle(pilot)
        _, loss = autograd("lenet", 0, 8)
        text = screen_flat(app)
        assert f"loss = {loss:.4f}" in text
        assert "conv1.weight (6, 1, 5, 5) (6, 1, 5, 5)" in text
        assert "conv1 is a Conv2d, not a Linear layer" in text
        assert "▶ filter 0" in text
        assert view_of(app).error_message is None


async def test_zero_initialisation_keeps_units_identical(app):
    async with app.run_test(size=SIZE) as pilot:
        await open_app(pilot)
        await pilot.press("n", "n")
        await settle(pilot)
        text = screen_flat(app)
        assert "initial weights: all zeros" in text
        assert "✔ As the lesson says: the units stay identical." in text
        assert "0 0 0 0 0 0" in text  # the spread after each SGD step
        assert "fc1.weight (16, 784) (16, 784) 0 0" in text


async def test_korean_on_a_small_terminal(app):
    app.language = "ko"
    async with app.run_test(size=(60, 20)) as pilot:
        await open_app(pilot)
        await pilot.press("plus", "down", "t")
        await settle(pilot)
        assert view_of(app).error_message is None
        assert "손실 =" in screen_flat(app)


async def test_passes_computed_ahead_equal_autograd(app):
    """``]``, ``[`` and ``t`` show passes computed while the screen was read: they are
    the passes plain autograd makes for those batches and modes."""
    async with app.run_test(size=SIZE) as pilot:
        await open_app(pilot)
        view = view_of(app)
        # The next and previous batch and the other mode were computed ahead.
        assert {(1, True), (249, True), (0, False)} <= set(view._ahead)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        _, loss = autograd("mlp", 16, 16)
        text = screen_flat(app)
        assert "batch 1 of 250 (train samples 16–31, B = 16)" in text
        assert f"loss = {loss:.4f}" in text
        await pilot.press("left_square_bracket", "left_square_bracket")
        await settle(pilot)
        _, loss = autograd("mlp", 249 * 16, 16)
        text = screen_flat(app)
        assert "batch 249 of 250 (train samples 3984–3999, B = 16)" in text
        assert f"loss = {loss:.4f}" in text
        await pilot.press("t")
        await settle(pilot)
        ref, loss = autograd("mlp", 249 * 16, 16, train=False)
        text = screen_flat(app)
        assert "model.eval()" in text and f"loss = {loss:.4f}" in text
        b3 = shown(float(ref.fc1.bias.grad[3]))
        assert f"= {b3} bias.grad = {b3}" in text
