"""Classes 3 and 4: odd files. Progress files that cannot be parsed are moved aside;
FIFOs, devices, symlink loops and huge files are refused with their path, before any
read, by the one file-opening path (``tutor.fsutil``) (issue 13, items 3 and 4)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.hardening.hostile.lessons import write_lesson
from tests.ui.helpers import screen_flat, settle
from tutor.course.lesson import load_lesson
from tutor.course.progress import ProgressStore
from tutor.fsutil import FileRefused, read_bytes
from tutor.preferences import load_preferences
from tutor.ui.app import TutorApp
from tutor.ui.screens.lessons import LessonListScreen

CORRUPT_PROGRESS = {
    "huge-number": '{"version":1,"lessons":{"01-neuron":{"current":1e999}}}',
    "deep-nesting": "[" * 100_000 + "]" * 100_000,
    "wrong-types": '{"version":1,"lessons":{"01-neuron":{"current":"three","quiz":[1]}}}',
    "not-utf8": b"\xff\xfe\x00{".decode("latin-1"),
}


@pytest.mark.parametrize("name", list(CORRUPT_PROGRESS))
def test_any_unreadable_progress_file_is_moved_aside(isolated_env: dict, name: str):
    path = isolated_env["home"] / "progress.json"
    path.write_text(CORRUPT_PROGRESS[name], encoding="latin-1")
    store = ProgressStore(path)
    assert store.lessons == {}
    assert store.warning is not None and "moved to" in store.warning
    assert not path.exists() and list(path.parent.glob("progress.json.corrupt-*"))
    store.visit("01-neuron", 2)  # and the learner goes on with a fresh file
    assert json.loads(path.read_text())["lessons"]["01-neuron"]["current"] == 2


async def test_the_app_starts_with_a_progress_file_that_crashed_every_start(isolated_env: dict):
    (isolated_env["home"] / "progress.json").write_text(CORRUPT_PROGRESS["huge-number"])
    app = TutorApp()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LessonListScreen)
        assert any("could not be read" in str(n.message) for n in app._notifications)


def test_a_settings_file_nested_too_deeply_is_moved_aside(isolated_env: dict):
    path = isolated_env["home"] / "settings.json"
    path.write_text("[" * 100_000)
    preferences, warning = load_preferences(path)
    assert preferences.theme is None and warning and "moved to" in warning


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "x.yaml"
    os.mkfifo(path)
    return path


def test_a_fifo_is_refused_without_blocking(fifo: Path):
    start = time.monotonic()
    with pytest.raises(FileRefused, match="named pipe"):
        read_bytes(fifo)
    problems = load_lesson(fifo).problems
    assert "named pipe (FIFO)" in problems[0].message
    assert time.monotonic() - start < 2


async def test_a_fifo_in_the_lessons_folder_neither_hangs_the_list_nor_quitting(
    isolated_env: dict,
):
    folder = isolated_env["home"] / "lessons"
    folder.mkdir()
    os.mkfifo(folder / "x.yaml")
    app = TutorApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)  # "Reading lessons…" forever before
        assert "x.yaml ⚠" in screen_flat(app) or "x.yaml" in screen_flat(app)
        await pilot.press("q")
    assert app.return_code in (0, None)


def test_validate_refuses_a_fifo_at_once(fifo: Path):
    result = subprocess.run(
        [sys.executable, "-m", "tutor", "validate", str(fifo)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert f"{fifo}:1:1: error: a named pipe (FIFO), not a regular file" in result.stdout


def test_a_symlink_loop_in_a_lessons_folder_is_a_broken_lesson(tmp_path: Path):
    folder = tmp_path / "l"
    folder.mkdir()
    (folder / "a.yaml").symlink_to(folder / "b.yaml")
    (folder / "b.yaml").symlink_to(folder / "a.yaml")
    problems = load_lesson(folder / "a.yaml").problems
    assert problems[0].message == "a symbolic link loop (the link points back to itself)"


async def test_the_app_starts_with_a_symlink_loop_in_a_lessons_folder(tmp_path: Path):
    folder = tmp_path / "l"
    write_lesson(folder)
    (folder / "a.yaml").symlink_to(folder / "b.yaml")
    (folder / "b.yaml").symlink_to(folder / "a.yaml")
    app = TutorApp(lesson_dirs=[folder])  # RuntimeError: Symlink loop, before
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        text = screen_flat(app)
        assert "Hostile (extra)" in text and "a.yaml ⚠" in text


def test_dissect_refuses_a_device_at_once():
    result = subprocess.run(
        [sys.executable, "-m", "tutor", "dissect", "/dev/zero"],
        capture_output=True,
        text=True,
        timeout=120,  # it never returned before
        check=False,
    )
    assert result.returncode == 1
    assert "/dev/zero:1:1: error: a device, not a regular file" in result.stderr


def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path):
    path = tmp_path / "big.yaml"
    with open(path, "wb") as handle:  # 1.5 GB, sparse: nothing to read from the disk
        handle.truncate(1_500_000_000)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.monotonic()
    problems = load_lesson(path).problems
    assert time.monotonic() - start < 1
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # KiB
    assert "larger than 2,000,000 bytes" in problems[0].message


def test_an_include_of_a_fifo_says_what_it_is(tmp_path: Path):
    os.mkfifo(tmp_path / "notes.md")
    path = tmp_path / "l.yaml"
    path.write_text("id: x\ntitle: x\nsteps:\n  - kind: text\n    include: notes.md\n")
    problems = load_lesson(path).problems
    assert len(problems) == 1
    assert "cannot include 'notes.md': a named pipe (FIFO)" in problems[0].message
