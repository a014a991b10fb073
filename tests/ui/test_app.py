"""The lesson list, navigation, help, the command palette, languages and quitting."""

from __future__ import annotations

import threading
from pathlib import Path

from tests.ui.conftest import FIXTURE_LESSONS
from tests.ui.helpers import busy_workers, screen_flat, settle
from tutor.course.schema import localize
from tutor.ui.app import TutorApp
from tutor.ui.screens.lessons import LessonListScreen
from tutor.ui.screens.player import LessonScreen

BROKEN = "id: broken-one\ntitle: Broken one\nsteps:\n  - kind: txt\n    body: hi\n"


def lessons_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "broken.yaml").write_text(BROKEN)
    (folder / "all-kinds.yaml").write_text((FIXTURE_LESSONS / "all-kinds.yaml").read_text())
    return folder


async def test_list_shows_lessons_and_broken_ones_with_located_errors(tmp_path: Path):
    app = TutorApp(lesson_dirs=[lessons_dir(tmp_path)])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LessonListScreen)
        text = screen_flat(app)
        assert "The artificial neuron" in text
        assert "Every step kind (extra)" in text
        assert "Broken one ⚠ has errors" in text
        screen = app.screen
        row = next(i for i, e in enumerate(screen.entries) if e.id == "broken-one")
        for _ in range(row):
            await pilot.press("down")
        text = screen_flat(app)
        assert "broken.yaml:4:11: error: unknown step kind 'txt' (did you mean 'text'?)" in text
        await pilot.press("enter")  # a broken lesson does not open
        assert isinstance(app.screen, LessonListScreen)


async def test_enter_opens_where_the_learner_left_and_escape_returns():
    app = TutorApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first = app.screen.entries[0]
        app.context.progress.visit(first.id, 2)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LessonScreen)
        steps = len(first.file.lesson.steps)
        assert f"step 3/{steps}" in screen_flat(app)
        await pilot.press("right")
        await settle(pilot)
        assert f"step 4/{steps}" in screen_flat(app)
        await pilot.press("home")
        await settle(pilot)
        assert f"step 1/{steps}" in screen_flat(app)
        await pilot.press("end")
        await settle(pilot)
        assert f"step {steps}/{steps}" in screen_flat(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LessonListScreen)
        assert f"/{steps} done · {steps}" in screen_flat(app)


async def test_help_lists_every_key_of_the_step():
    app = TutorApp(lesson=str(FIXTURE_LESSONS / "all-kinds.yaml"))
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        for _ in range(2):
            await pilot.press("n")
            await settle(pilot)
        await pilot.press("question_mark")
        text = screen_flat(app)
        for words in (
            "Everywhere",
            "In a lesson",
            "In this step",
            "Batch ×2",
            "Wider",
            "Quit",
            "Lessons",
            "Code",
        ):
            assert words in text
        await pilot.press("escape")
        assert "In this step" not in screen_flat(app)


async def test_command_palette_jumps_to_a_step_and_switches_language():
    app = TutorApp(lesson=str(FIXTURE_LESSONS / "all-kinds.yaml"))
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"Go to step 5")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert "step 5/11" in screen_flat(app)
        await pilot.press("ctrl+p")
        await pilot.press(*"한국어")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert app.language == "ko"
        assert "단계 5/11" in screen_flat(app)


async def test_language_key_switches_the_list_to_korean():
    app = TutorApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        english = localize(app.screen.entries[0].file.lesson.title, "en")
        assert english in screen_flat(app)
        await pilot.press("ctrl+l")
        await pilot.pause()
        korean = localize(app.screen.entries[0].file.lesson.title, "ko")
        assert korean in screen_flat(app) and english not in screen_flat(app)


async def test_quit_during_training_asks_then_stops_the_worker():
    app = TutorApp(lesson=str(FIXTURE_LESSONS / "all-kinds.yaml"))
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        for _ in range(5):
            await pilot.press("n")
            await settle(pilot)
        view = app.screen.view
        view.batch_size = 1  # slow enough to quit in the middle of an epoch
        await pilot.press("s")
        for _ in range(400):  # the worker thread creates it (a failure shows as an error)
            if view.trainer is not None or view.error_message:
                break
            await pilot.pause(0.05)
        assert view.error_message is None and view.trainer is not None
        trainer = view.trainer
        assert trainer.state in ("idle", "running")
        await app.run_action("quit_app")
        await pilot.pause(0.05)
        assert "Training is running. Stop it and quit?" in screen_flat(app)
        await app.run_action("screen.answer(False)")  # no: training goes on
        await pilot.pause(0.05)
        assert trainer.state in ("running", "paused")
        await app.run_action("quit_app")
        await pilot.pause(0.05)
        await app.run_action("screen.answer(True)")
        await pilot.pause(0.05)
    assert trainer.state == "stopped"
    assert not busy_workers(app)
    assert not [t for t in threading.enumerate() if "train" in t.name.lower()]


async def test_tiny_terminal_works(tmp_path: Path):
    app = TutorApp(lesson_dirs=[lessons_dir(tmp_path)])
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        assert "tutor" in screen_flat(app)
        await pilot.resize_terminal(40, 12)  # smaller than supported: still no exception
        await pilot.pause()
        await pilot.resize_terminal(60, 20)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LessonScreen)
