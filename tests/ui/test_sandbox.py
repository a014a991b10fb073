"""The model sandbox: typing a spec, located errors beside the editor, the table following,
goals ticked on the computed model. Keys are pressed for real; numbers are PyTorch's."""

from __future__ import annotations

import pytest
import torch.nn as nn

from tests.ui.conftest import FIXTURE_LESSONS
from tests.ui.helpers import screen_flat, settle, view_of
from tutor.course.steps.sandbox import SandboxResult
from tutor.ui.app import TutorApp
from tutor.ui.screens.sandbox import SandboxScreen
from tutor.ui.views import sandbox as sandbox_view

LESSON = str(FIXTURE_LESSONS / "sandbox.yaml")


@pytest.fixture(autouse=True)
def no_debounce(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read the text 10 ms after the last key instead of 300 ms."""
    monkeypatch.setattr(sandbox_view, "DEBOUNCE", 0.01)


def params(*layers: nn.Module) -> int:
    return sum(p.numel() for layer in layers for p in layer.parameters())


async def shown(pilot, view) -> None:
    """Wait until the view shows the result of the text now in the editor."""
    for _ in range(20):
        await settle(pilot)
        if view.result is not None and view.result.text == view.text:
            return
        await pilot.pause()
    raise AssertionError("the sandbox never showed the editor's text")


async def replace(pilot, view, line: int, old: str, new: str, nth: int = 1) -> None:
    """Replace the ``nth`` ``old`` on ``line`` (1-based) by ``new``: the cursor is moved
    there with arrow keys, ``old`` deleted and ``new`` typed, key by key."""
    text = view.editor.text.splitlines()[line - 1]
    column = -1
    for _ in range(nth):
        column = text.index(old, column + 1)
    row, _ = view.editor.cursor_location
    await pilot.press(*["up" if row > line - 1 else "down"] * abs(row - (line - 1)))
    await pilot.press("end", *["left"] * (len(text) - column))
    assert view.editor.cursor_location == (line - 1, column)
    await pilot.press(*["delete"] * len(old), *new)


async def test_palette_opens_the_sandbox_and_a_wrong_size_is_located():
    app = TutorApp()
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"sandbox", "enter")
        await settle(pilot)
        assert isinstance(app.screen, SandboxScreen)
        view = app.screen.view
        await shown(pilot, view)
        mlp = params(nn.Linear(784, 100), nn.Linear(100, 10))
        assert f"total {mlp:,} parameters" in screen_flat(app)

        await pilot.press("e")  # edit: fc1 gets 50 outputs, fc2 still expects 100
        assert app.screen.focused is view.editor
        # line 5: "  - {name: fc1, Linear: {in_features: 784, out_features: 100}}"
        await replace(pilot, view, 5, "100", "50")
        await shown(pilot, view)
        text = screen_flat(app)
        # The problem sits beside the editor at fc2's line and column (its "{").
        assert "7:5: fc2 (Linear) expects 100 input features" in text
        assert "set in_features: 50" in text
        assert view.result.problems[0].line == 7 and view.result.problems[0].column == 5
        assert view.editor.text.splitlines()[6][4] == "{"
        assert f"total {mlp:,} parameters" in text  # the table keeps the last good model
        assert "The table below shows the last model that built." in text

        # line 7: "  - {name: fc2, Linear: {in_features: 100, out_features: 10}}"
        await replace(pilot, view, 7, "100", "50")
        await shown(pilot, view)
        text = screen_flat(app)
        fixed = params(nn.Linear(784, 50), nn.Linear(50, 10))
        assert not view.result.problems
        assert f"total {fixed:,} parameters" in text
        assert f"The model builds: {fixed:,} parameters." in text
        assert "(8, 50)" in text and "(50, 784)" in text  # fc1 output and weight, N = 8

        await pilot.press("escape")  # stop editing; a second Escape closes the screen
        assert isinstance(app.screen, SandboxScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, SandboxScreen)


async def test_exercise_goals_are_ticked_on_the_computed_model():
    app = TutorApp(lesson=LESSON)
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(pilot)
        view = view_of(app)
        await shown(pilot, view)
        text = screen_flat(app)
        assert (
            "11:5: fc1 (Linear) expects 256 input features but (N, 16, 5, 5) flattens to 400"
            in text
        )
        assert "✘ fc1 takes (N, 400)" in text
        assert "✘ it fits FashionMNIST" in text
        assert not view.result.solved

        # Another wrong size is located too, with the size it should be.
        await pilot.press("e")
        await replace(pilot, view, 11, "256", "1256")
        await shown(pilot, view)
        assert "11:5: fc1 (Linear) expects 1256 input features" in screen_flat(app)

        await replace(pilot, view, 11, "1256", "400")
        await shown(pilot, view)
        text = screen_flat(app)
        lenet = params(
            nn.Conv2d(1, 6, 5), nn.Conv2d(6, 16, 5), nn.Linear(400, 120), nn.Linear(120, 10)
        )
        assert f"total {lenet:,} parameters" in text
        assert "✔ fc1 takes (N, 400)" in text
        assert "✔ the model outputs (N, 10)" in text
        assert "✔ it fits FashionMNIST" in text
        assert "✔ at most 100,000 parameters" in text
        assert "Every goal is met. Well done!" in text
        record = app.context.progress.get("sandbox-exercise").quiz["fix-fc1"]
        assert record.correct and "in_features: 400" in record.answer

        # Goals follow every edit: too many parameters is a ✘ with the count now.
        await replace(pilot, view, 11, "120", "900")
        await replace(pilot, view, 13, "120", "900")
        await shown(pilot, view)
        text = screen_flat(app)
        big = params(
            nn.Conv2d(1, 6, 5), nn.Conv2d(6, 16, 5), nn.Linear(400, 900), nn.Linear(900, 10)
        )
        assert not view.result.problems and not view.result.solved
        assert f"✘ at most 100,000 parameters (now {big:,})" in screen_flat(app)
        assert "✔ fc1 takes (N, 400)" in text


async def test_typing_in_the_editor_never_reaches_the_player_or_the_app():
    app = TutorApp(lesson=LESSON)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        view = view_of(app)
        await pilot.press("e", "q", "n", "p", "c")
        await shown(pilot, view)
        assert app.is_running and view_of(app) is view  # no quit, no next step, no code
        assert view.editor.text.startswith("qnpcname: lenet")
        await pilot.press("ctrl+r")  # back to the start text (a key the editor leaves alone)
        await shown(pilot, view)
        assert view.editor.text.startswith("name: lenet")
        await pilot.press("escape", "n")  # stop editing, then the player's keys work
        await settle(pilot)
        assert view_of(app).step.id == "after"


async def test_a_stale_result_never_replaces_a_newer_text():
    app = TutorApp(lesson=LESSON)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        view = view_of(app)
        await shown(pilot, view)
        before = view.result
        view.show(SandboxResult(text="input: [3]\nlayers: [ReLU]\n"))
        assert view.result is before


async def test_sandbox_at_60x20_in_korean():
    app = TutorApp(lesson=LESSON)
    app.language = "ko"
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        view = view_of(app)
        await shown(pilot, view)
        assert view.has_class("-narrow")
        assert view.error_message is None
        assert "목표" in screen_flat(app) or view.result.goals
