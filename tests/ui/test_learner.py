"""Served mode's first screen: the learner's name, checked, then their own folder."""

from __future__ import annotations

import json
import os

import pytest

from tests.ui.helpers import screen_flat, settle
from tutor.ui.app import TutorApp
from tutor.ui.screens.learner import LearnerScreen
from tutor.ui.screens.lessons import LessonListScreen
from tutor.ui.screens.player import LessonScreen


@pytest.fixture
def served(isolated_env, monkeypatch):
    monkeypatch.setenv("TUTOR_SERVED", "1")
    # enter_learner moves TUTOR_HOME for the process; monkeypatch puts it back afterwards.
    monkeypatch.setenv("TUTOR_HOME", str(isolated_env["home"]))
    return isolated_env["home"]


async def type_name(pilot, name: str) -> None:
    for char in name:
        await pilot.press(char)
    await pilot.press("enter")
    await pilot.pause()


async def test_name_then_lessons_and_progress_under_the_learner(served):
    app = TutorApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LearnerScreen)
        assert "Who is learning?" in screen_flat(app)
        await type_name(pilot, "Kim-1")
        await settle(pilot)
        assert isinstance(app.screen, LessonListScreen)
        folder = served / "learners" / "kim-1"
        assert os.environ["TUTOR_HOME"] == str(folder)
        ctx = app.context
        assert ctx.settings.home == folder and ctx.progress.path == folder / "progress.json"
        first = app.screen.entries[0]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LessonScreen)
        await pilot.press("right")
        await settle(pilot)
        saved = json.loads((folder / "progress.json").read_text())["lessons"]
        assert saved[first.id]["current"] == 1
        assert not (served / "progress.json").exists()  # the class home stays clean
        app.shutdown()


async def test_bad_names_are_refused_with_the_reason(served):
    app = TutorApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        assert "Please type a name." in screen_flat(app)
        await type_name(pilot, "../x")
        assert "A name cannot contain '.'" in screen_flat(app)
        assert isinstance(app.screen, LearnerScreen)
        assert not (served / "learners").exists()
        app.shutdown()


async def test_korean_name_and_korean_messages(served, monkeypatch):
    monkeypatch.setenv("TUTOR_LANG", "ko")
    app = TutorApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "누가 학습하나요?" in screen_flat(app)
        await type_name(pilot, "a b")
        assert "이름에는 ' '을(를) 쓸 수 없습니다." in screen_flat(app)
        app.screen.query_one("#learner-name").value = "김민지"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LessonListScreen)
        assert (served / "learners" / "김민지").is_dir()
        app.shutdown()


async def test_without_serve_the_list_comes_first(isolated_env, monkeypatch):
    monkeypatch.delenv("TUTOR_SERVED", raising=False)
    app = TutorApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LessonListScreen)
        app.shutdown()
