"""Finding lessons: the bundled ones, ``TUTOR_HOME/lessons`` and folders given on the command line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tutor.config import tutor_home
from tutor.course.lesson import LessonFile, read_lesson
from tutor.course.yamlsafe import Problem


def bundled_lessons_dir() -> Path:
    """The lessons shipped with tutor.

    A wheel installs them inside the package (``tutor/_lessons``); an editable install
    or a source checkout reads the repository's ``lessons/`` folder.
    """
    package = Path(__file__).resolve().parent.parent
    installed = package / "_lessons"
    return installed if installed.is_dir() else package.parent / "lessons"


@dataclass
class LessonEntry:
    """One lesson in the list: where it came from and what is known about it."""

    file: LessonFile
    origin: str
    """``bundled``, ``user`` (TUTOR_HOME/lessons) or ``extra`` (--lessons DIR)."""

    @property
    def id(self) -> str:
        return self.file.id


def lesson_dirs(extra: Iterable[Path | str] = ()) -> list[tuple[Path, str]]:
    """Folders to search, in order: bundled, the user's, then extra folders."""
    dirs = [(bundled_lessons_dir(), "bundled"), (tutor_home() / "lessons", "user")]
    dirs += [(Path(d).expanduser(), "extra") for d in extra]
    return dirs


def discover(extra: Iterable[Path | str] = ()) -> list[LessonEntry]:
    """Read (schema only, no torch) every ``*.yaml`` lesson in the lesson folders.

    Broken lessons are included with their problems. A lesson id used twice is a
    problem on the later file; the first one found wins.
    """
    entries: list[LessonEntry] = []
    seen: dict[str, Path] = {}
    for folder, origin in lesson_dirs(extra):
        if not folder.is_dir():
            continue
        files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
        for path in files:
            lesson_file = read_lesson(path)
            if lesson_file.lesson is not None and lesson_file.id in seen:
                lesson_file.problems.append(
                    Problem(
                        str(path),
                        1,
                        1,
                        f"lesson id '{lesson_file.id}' is already used by {seen[lesson_file.id]}",
                    )
                )
            seen.setdefault(lesson_file.id, path)
            entries.append(LessonEntry(lesson_file, origin))
    return entries


def find_lesson(name: str, extra: Iterable[Path | str] = ()) -> Path | None:
    """A lesson file by path or by id (``04-fashion-mlp``)."""
    candidate = Path(name).expanduser()
    if candidate.suffix in (".yaml", ".yml") and candidate.is_file():
        return candidate
    for entry in discover(extra):
        if entry.id == name or entry.file.path.stem == name:
            return entry.file.path
    return None
