"""The lesson catalog: the bundled lessons, ``TUTOR_HOME/lessons`` and folders given on
the command line, in list order, each read once and checked once."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tutor.config import tutor_home
from tutor.course.lesson import LessonFile
from tutor.course.reading import read_lesson
from tutor.course.yamlsafe import Problem
from tutor.fsutil import resolved


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


def _list_order(entry: LessonEntry) -> tuple[bool, int, str]:
    """Bundled lessons first, then by each lesson's ``order``, then by file name."""
    lesson = entry.file.lesson
    order = lesson.order if lesson is not None and lesson.order is not None else 999
    return (entry.origin != "bundled", order, entry.file.path.name)


class LessonCatalog:
    """Every lesson the learner can open, read (schema only) and later checked.

    Safe to use from worker threads: discovery and checking may run in one while the
    UI reads :attr:`entries` in another.
    """

    def __init__(self, extra_dirs: Iterable[Path | str] = ()) -> None:
        self.extra_dirs = [Path(d) for d in extra_dirs]
        self._lock = threading.RLock()
        self._entries: list[LessonEntry] = []
        self._by_path: dict[Path, LessonFile] = {}

    @property
    def entries(self) -> list[LessonEntry]:
        """The lessons in list order (empty until :meth:`discover` has run)."""
        with self._lock:
            return list(self._entries)

    def discover(self) -> list[LessonEntry]:
        """Read every lesson file (no torch), in list order."""
        entries = sorted(discover(self.extra_dirs), key=_list_order)
        with self._lock:
            self._entries = entries
            self._by_path = {resolved(e.file.path): e.file for e in entries}
        return list(entries)

    def check_all(self) -> None:
        """Check every readable lesson through the engine (loads torch)."""
        from tutor.course.checking import check_lesson

        for entry in self.entries:
            # One check at a time, under the lock: a lesson opened meanwhile must not
            # see a half-checked file (its models not all dry-run yet).
            with self._lock:
                if entry.file.lesson is not None and not entry.file.checked:
                    check_lesson(entry.file)

    def load(self, path: Path) -> LessonFile:
        """The lesson at ``path``, read and checked (the catalog's copy when it has one)."""
        from tutor.course.checking import check_lesson

        with self._lock:
            known = self._by_path.get(resolved(path))
            lesson_file = known if known is not None else read_lesson(path)
            if lesson_file.lesson is not None and not lesson_file.checked:
                check_lesson(lesson_file)
        return lesson_file

    def openable(self) -> list[LessonFile]:
        """The lessons that can be opened, in list order."""
        return [e.file for e in self.entries if e.file.ok and e.file.lesson is not None]

    def find(self, name: str) -> Path | None:
        """A lesson file by path or by id (``04-fashion-mlp``)."""
        return find_lesson(name, self.extra_dirs)
