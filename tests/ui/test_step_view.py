"""The optimizer-step view, driven by keys: the losses and new weights on screen equal
what ``torch.optim`` makes of the same model and batch, run separately in this test."""

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
STEP = 3  # the fixture's step step: mlp, batch 16, lr 0.1, fc1.weight[3, 407], fc2.bias[4]
SIZE = (120, 80)


def torch_optim(steps: int, lr: float = 0.1) -> dict[str, tuple[list[float], list[float]]]:
    """For SGD, SGD with momentum 0.9 and Adam (lr 0.001): the batch's loss after each
    of ``steps`` steps, and fc1.weight[3, 407] after each, plain torch.optim."""
    spec = load_lesson(LESSON).specs["mlp"]
    data = load_dataset("mnist", device="cpu", download=False)
    x, y = data.train.x[:16], data.train.y[:16]
    makers = {
        "sgd": lambda ps: torch.optim.SGD(ps, lr=lr),
        "momentum": lambda ps: torch.optim.SGD(ps, lr=lr, momentum=0.9),
        "adam": lambda ps: torch.optim.Adam(ps, lr=0.001),
    }
    out = {}
    for name, make in makers.items():
        model = build_model(spec, seed=0)
        optimizer = make(model.parameters())
        losses, weights = [], []
        for _ in range(steps):
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
            with torch.no_grad():
                losses.append(float(F.cross_entropy(model(x), y)))
                weights.append(float(model.fc1.weight[3, 407]))
        out[name] = (losses, weights)
    return out


def row(values: list[float], digits: int = 5) -> str:
    return " ".join(f"{v:+.{digits}g}" for v in values)


async def open_step(pilot) -> None:
    await settle(pilot)
    for _ in range(STEP):
        await pilot.press("n")
        await settle(pilot)
    assert view_of(pilot.app).result is not None


@pytest.fixture
def app() -> TutorApp:
    return TutorApp(lesson=str(LESSON))


async def test_first_step_matches_torch_optim(app):
    ref = torch_optim(1)
    async with app.run_test(size=SIZE) as pilot:
        await open_step(pilot)
        text = screen_flat(app)
        after = " ".join(f"{ref[k][0][0]:.4f}" for k in ("sgd", "momentum", "adam"))
        assert f"loss after it {after}" in text
        new_w = row([ref[k][1][0] for k in ("sgd", "momentum", "adam")])
        assert f"new w, torch.optim {new_w}" in text
        # On the first step momentum's velocity is the gradient: the same move as SGD.
        assert ref["sgd"][1][0] == pytest.approx(ref["momentum"][1][0])
        assert "✔ As the lesson says" in text
        assert "fc1.weight[3, 407]" in text and "fc2.bias[4]" in text


async def test_next_step_reset_and_learning_rate_keys(app):
    ref = torch_optim(2)
    async with app.run_test(size=SIZE) as pilot:
        await open_step(pilot)
        await pilot.press("s")
        await settle(pilot)
        text = screen_flat(app)
        assert "after optimizer.step() number 2" in text
        new_w = row([ref[k][1][1] for k in ("sgd", "momentum", "adam")])
        assert f"new w, torch.optim {new_w}" in text
        # Step 2: momentum's velocity now carries the first gradient too.
        assert ref["sgd"][1][1] != pytest.approx(ref["momentum"][1][1])
        await pilot.press("r")
        await settle(pilot)
        assert "Step 0: every copy holds the model's own weights" in screen_flat(app)
        # The steps after r are the same steps again, whether taken again or looked up.
        await pilot.press("s")
        await settle(pilot)
        text = screen_flat(app)
        assert "after optimizer.step() number 1" in text
        new_w = row([ref[k][1][0] for k in ("sgd", "momentum", "adam")])
        assert f"new w, torch.optim {new_w}" in text
        await pilot.press("s")
        await settle(pilot)
        new_w = row([ref[k][1][1] for k in ("sgd", "momentum", "adam")])
        assert f"new w, torch.optim {new_w}" in screen_flat(app)
        await pilot.press("l")  # lr 0.1 -> 0.3: a fresh lab, one step
        await settle(pilot)
        text = screen_flat(app)
        assert "SGD lr 0.3" in text
        faster = torch_optim(1, lr=0.3)
        assert f"new w, torch.optim {row([faster['sgd'][1][0]])}" in text


async def test_a_key_draws_once_and_the_page_stays_in_place(app):
    """``r`` shows fewer lines than step 2 did: the view keeps its height (blank rows),
    so the page does not jump and the screen is not laid out again; and a key's result
    is drawn once, not again for the height it gave the view."""
    async with app.run_test(size=SIZE) as pilot:
        await open_step(pilot)
        await pilot.press("s")
        await settle(pilot)
        view = view_of(app)
        lines = view.query_one("#step-lines")
        tall = lines.size.height
        draws: list[int] = []
        original = view.draw
        view.draw = lambda: (draws.append(1), original())[1]
        await pilot.press("r")
        await settle(pilot)
        assert "Step 0: every copy holds the model's own weights" in screen_flat(app)
        assert lines.size.height == tall
        await pilot.press("s")
        await settle(pilot)
        assert "after optimizer.step() number 1" in screen_flat(app)
        assert len(draws) == 2  # one for r, one for s
