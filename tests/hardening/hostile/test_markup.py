"""Class 1: Rich/Textual markup in lesson and model text is shown as written, never
interpreted (issue 13, item 1)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.hardening.hostile.lessons import run_tutor, write_lesson
from tests.ui.helpers import screen_flat, settle
from tutor.course.lesson import load_lesson
from tutor.ui.app import TutorApp


async def until(pilot, condition, rounds: int = 400) -> None:  # type: ignore[no-untyped-def]
    """Let the app run until ``condition()`` holds (a worker that never ends, such as a
    long training run, rules out ``settle``)."""
    for _ in range(rounds):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("the app never got there")


async def test_quiz_choices_with_brackets_are_shown_as_written(tmp_path: Path):
    path = write_lesson(
        tmp_path / "l", choices='["[/]a", "train_data[i][0]", "[bold red]RED", "[i]x"]'
    )
    assert load_lesson(path).ok  # plain text: validation has nothing against it
    app = TutorApp(lesson=str(path))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        for _ in range(2):  # text, train, quiz
            await pilot.press("n")
            await settle(pilot)
        await pilot.press("down", "down", "up")  # keys on the options (MarkupError before)
        text = screen_flat(app)
        assert "A. [/]a" in text
        assert "B. train_data[i][0]" in text  # was shown as train_data[0]
        assert "C. [bold red]RED" in text
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.view.error_message is None


async def test_palette_lists_bracketed_titles_while_a_model_trains(tmp_path: Path):
    folder = tmp_path / "l"
    path = write_lesson(folder, title="[/] Brackets [i]", step_title="[/]", epochs=1000)
    app = TutorApp(lesson=str(path), lesson_dirs=[folder])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        view = app.screen.view
        await pilot.press("s")
        await until(pilot, lambda: view.state == "running")
        await pilot.press("ctrl+p")  # the palette lists the lesson's steps and lessons
        await until(pilot, lambda: "Go to step 1: [/]" in screen_flat(app))
        await pilot.press(*"brack")  # search hits are highlighted, not parsed
        await until(pilot, lambda: "Open lesson: [/] Brackets [i]" in screen_flat(app))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is view.screen)
        assert view.state == "running"  # the run was not lost
        await pilot.press("x")
        await settle(pilot)
        assert view.state == "stopped"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    """In colour, 120 columns wide: markup that got through would show as styles."""
    return run_tutor(*args, FORCE_COLOR="1", COLUMNS="120")


def _spec(tmp_path: Path, name: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(f'name: "{name}"\ninput: [2]\nlayers: [{{Linear: [2, 2]}}]\n')
    return path


def test_a_model_name_that_closes_a_tag_is_printed_by_dissect_and_train(tmp_path: Path):
    spec = _spec(tmp_path, "[/bar]")
    dissect = _run("dissect", str(spec))
    assert dissect.returncode == 0, dissect.stderr
    assert "[/bar] on " in dissect.stdout and "Traceback" not in dissect.stderr
    train = _run("train", str(spec), "--epochs", "1")
    assert train.returncode == 0, train.stderr
    assert "[/bar]" in train.stdout and "Traceback" not in train.stderr


def test_a_model_name_with_a_style_tag_is_not_styled(tmp_path: Path):
    result = _run("dissect", str(_spec(tmp_path, "[bold red]RED")))
    assert result.returncode == 0, result.stderr
    title = next(line for line in result.stdout.splitlines() if "RED on " in line)
    assert "[bold red]RED on " in title
    assert "\x1b[1;31m" not in title and "\x1b[31m" not in title and ";31m" not in title
