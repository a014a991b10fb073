"""Issue 17's conventions: the theme followed by charts, pictures and status lines (light
ones included), the theme and language remembered in the settings file, the code copied
with one key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.ui.helpers import screen_flat, settle
from tutor.ui.app import TutorApp
from tutor.ui.screens.code import CodeScreen
from tutor.ui.screens.lessons import LessonListScreen

# A plot (a chart), a forward step on a small CNN (a picture and heatmaps), samples
# (pictures in a grid) and a train step (its status line and progress, drawn idle).
THEMED = """\
id: themed
title: Themed
dataset: mnist
models:
  conv:
    input: [1, 28, 28]
    layers:
      - {Conv2d: [1, 2, 3]}
      - ReLU
      - Flatten
      - {Linear: [1352, 10]}
steps:
  - kind: plot
    title: Curves
    functions: [tanh, relu]
    x: [-3, 3]
  - kind: forward
    model: conv
    sample: 0
    title: Forward
  - kind: samples
    count: 4
    title: Samples
  - kind: train
    model: conv
    epochs: 1
    batch_size: 64
    train_subset: 256
  - kind: code
    model: conv
    title: Code
"""


def _write(tmp_path: Path) -> Path:
    path = tmp_path / "themed.yaml"
    path.write_text(THEMED, encoding="utf-8")
    return path


def _gray(colour: Any) -> bool:
    if colour is None or colour.is_default:
        return False
    r, g, b = colour.get_truecolor()
    return r == g == b


def dark_cells(app: TutorApp) -> list[tuple[int, str]]:
    """Rendered cells with the terminal's default background (a dark box on a light
    theme) or a dark one that is not a picture's own pixel (a digit's black is data: a
    half-block whose two halves are both gray)."""
    bad = []
    for y, strip in enumerate(app.screen._compositor.render_strips()):
        for segment in strip:
            style = segment.style
            bg = style.bgcolor if style else None
            if bg is None or bg.is_default:
                bad.append((y, segment.text))
                continue
            r, g, b = bg.get_truecolor()
            if (r + g + b) / 3 < 90 and not (_gray(bg) and _gray(style.color)):
                bad.append((y, segment.text))
    return bad


async def test_every_view_follows_a_switch_to_the_light_theme(tmp_path: Path):
    """Each view drawn under the dark theme, then switched to textual-light: charts,
    pictures, heatmaps (0 is the background), the status line and the code have no dark
    box left."""
    app = TutorApp(lesson=str(_write(tmp_path)))
    async with app.run_test(size=(100, 60)) as pilot:
        for step in ("plot", "forward", "samples", "train", "code"):
            await settle(pilot)
            assert app.screen.view.step.kind == step
            assert app.theme == "textual-dark" and dark_cells(app)  # the check can fail
            app.theme = "textual-light"
            await settle(pilot)
            assert dark_cells(app) == [], step
            app.theme = "textual-dark"
            await pilot.press("n")


async def test_theme_and_language_are_remembered(tmp_path: Path, monkeypatch, isolated_env):
    """The theme chosen and the language switched with ctrl+l are saved in
    TUTOR_HOME/settings.json and applied at the next start."""
    monkeypatch.delenv("TUTOR_LANG")  # nothing on the command line: the file decides
    settings = isolated_env["home"] / "settings.json"
    app = TutorApp(lesson=str(_write(tmp_path)))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert not settings.exists()  # applying the defaults writes nothing
        app.theme = "textual-light"  # what the palette's Theme picker sets
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert app.language == "ko"
    assert json.loads(settings.read_text()) == {"language": "ko", "theme": "textual-light"}
    again = TutorApp(lesson=str(_write(tmp_path)))
    async with again.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert again.theme == "textual-light" and again.language == "ko"
        assert "단계 1/5" in screen_flat(again)


async def test_the_command_line_language_wins_over_the_file(monkeypatch, isolated_env):
    (isolated_env["home"] / "settings.json").write_text('{"language": "ko"}')
    monkeypatch.setenv("TUTOR_LANG", "en")
    app = TutorApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.language == "en"


async def test_a_settings_file_that_cannot_be_written_is_said_and_the_app_goes_on(
    tmp_path: Path, monkeypatch
):
    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("tutor.ui.app.remember", full)
    app = TutorApp(lesson=str(_write(tmp_path)))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert app.language == "ko" and app.is_running
        notices = [str(n.message) for n in app._notifications]
        assert any("설정을" in n and "No space left on device" in n for n in notices)


async def test_a_served_learner_gets_their_own_theme_and_language(monkeypatch, isolated_env):
    home = isolated_env["home"]
    monkeypatch.setenv("TUTOR_SERVED", "1")
    monkeypatch.setenv("TUTOR_HOME", str(home))  # enter_learner moves it; put back after
    monkeypatch.delenv("TUTOR_LANG")
    learner = home / "learners" / "lee"
    learner.mkdir(parents=True)
    (learner / "settings.json").write_text('{"language": "ko", "theme": "textual-light"}')
    app = TutorApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.theme != "textual-light"
        await pilot.press(*"lee", "enter")
        await settle(pilot)
        assert isinstance(app.screen, LessonListScreen)
        assert app.theme == "textual-light" and app.language == "ko"
        app.shutdown()


@pytest.mark.parametrize("where", ["step", "screen"])
async def test_y_copies_the_code(tmp_path: Path, where: str):
    app = TutorApp(lesson=str(_write(tmp_path)))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("end")  # the code step
        await settle(pilot)
        if where == "screen":
            await pilot.press("c")
            await settle(pilot)
            assert isinstance(app.screen, CodeScreen)
        await pilot.press("y")
        await pilot.pause()
        code = app.clipboard
        assert "nn.Conv2d(1, 2" in code and "nn.Linear(1352, 10)" in code
        notices = [str(n.message) for n in app._notifications]
        assert f"Copied {len(code.splitlines())} lines of code to the clipboard" in notices
