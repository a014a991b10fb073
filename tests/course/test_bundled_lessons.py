"""Every bundled lesson validates with both languages required, and installs with the package."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tutor.cli import main
from tutor.course.catalog import bundled_lessons_dir, discover, find_lesson
from tutor.course.lesson import load_lesson
from tutor.course.steps import STEP_KINDS

LESSONS = sorted((Path(__file__).resolve().parents[2] / "lessons").glob("*.yaml"))


def test_validate_exits_0_with_both_languages(capsys):
    assert LESSONS
    assert main(["validate", "--both-languages", *map(str, LESSONS)]) == 0
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_loads_and_requires_both_languages(path: Path):
    lesson_file = load_lesson(path, require_languages=True)
    assert lesson_file.ok, lesson_file.problems
    assert set(lesson_file.lesson.languages) == {"en", "ko"}
    assert lesson_file.id == path.stem


def test_bundled_lessons_use_every_step_kind():
    kinds = {step.kind for path in LESSONS for step in load_lesson(path).lesson.steps}
    assert kinds == set(STEP_KINDS)


def test_discovery_finds_bundled_user_and_extra_lessons(tmp_path: Path, isolated_env):
    user = isolated_env["home"] / "lessons"
    user.mkdir()
    (user / "mine.yaml").write_text("id: mine\ntitle: Mine\nsteps: [{kind: text, body: hi}]\n")
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "dup.yaml").write_text("id: mine\ntitle: Dup\nsteps: [{kind: text, body: hi}]\n")
    (extra / "broken.yaml").write_text("id: broken\nsteps: [{kind: nope}]\n")
    entries = {(e.origin, e.file.path.name): e for e in discover([extra])}
    assert ("bundled", LESSONS[0].name) in entries
    assert entries[("user", "mine.yaml")].file.ok
    assert "already used by" in entries[("extra", "dup.yaml")].file.problems[0].message
    assert not entries[("extra", "broken.yaml")].file.ok
    assert find_lesson("mine") == user / "mine.yaml"
    assert find_lesson(LESSONS[0].stem) == LESSONS[0]
    assert find_lesson("no-such-lesson") is None


def test_wheel_ships_the_lessons(tmp_path: Path):
    repo = Path(__file__).resolve().parents[2]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(repo),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("tutor-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for lesson in LESSONS:
        assert f"tutor/_lessons/{lesson.name}" in names
    # The offline digits travel inside the package, at their full size.
    digits = "tutor/engine/datasets/mnist5k.idx.xz"
    assert digits in names
    shipped = repo / digits
    assert zipfile.ZipFile(wheel).read(digits) == shipped.read_bytes()
    assert bundled_lessons_dir() == repo / "lessons"  # a checkout reads the repository folder
