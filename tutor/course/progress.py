"""The progress store: where each learner is in each lesson, kept in ``TUTOR_HOME``.

One JSON file, written atomically (temporary file, fsync, rename), so an interrupted
write leaves the previous file intact. A file that cannot be read is moved aside (never
deleted) and the learner starts fresh with a warning that says where the old file went.

Several sessions may share one file (two terminals of one user, two browser tabs of one
served learner), so a save never simply overwrites it. Saving re-reads the file and
merges per lesson, holding a lock so two saves cannot interleave:

- a lesson this session did not change since its last save is taken from the file as it
  is now (another session's progress, or its reset, is kept);
- a lesson this session changed is merged with the file's record of it: the completed
  steps are the union (this session's order first), ``furthest`` is the larger one,
  ``current`` and quiz answers given in both come from the record changed last
  (``updated``, seconds since the epoch), and a quiz answered in only one is kept;
- a lesson this session reset is dropped, unless the file's record changed after the
  reset.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tutor.config import tutor_home
from tutor.fsutil import FileRefused, atomic_write_text, move_aside, read_text
from tutor.text import clean

VERSION = 1
#: A progress file is a few kilobytes; anything near this is not one.
MAX_PROGRESS_BYTES = 16_000_000


@dataclass
class QuizAnswer:
    """What the learner answered, and whether it was right."""

    answer: Any
    correct: bool


@dataclass
class LessonProgress:
    """Progress in one lesson. Steps are keyed by their id, or their position."""

    current: int = 0
    """The step the learner was on when they left."""
    furthest: int = 0
    completed: list[str] = field(default_factory=list)
    quiz: dict[str, QuizAnswer] = field(default_factory=dict)
    updated: float = 0.0
    """When this record last changed (seconds since the epoch; 0 in older files)."""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["quiz"] = {k: asdict(v) for k, v in self.quiz.items()}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LessonProgress:
        quiz = {
            str(k): QuizAnswer(v.get("answer"), bool(v.get("correct")))
            for k, v in dict(data.get("quiz", {})).items()
        }
        return cls(
            current=_step_index(data.get("current", 0)),
            furthest=_step_index(data.get("furthest", 0)),
            completed=[str(s) for s in data.get("completed", [])],
            quiz=quiz,
            updated=_timestamp(data.get("updated", 0.0)),
        )

    def merge_from(self, other: LessonProgress) -> None:
        """Fold another session's record of the same lesson into this one (see the module)."""
        newer, older = (other, self) if other.updated > self.updated else (self, other)
        self.current = newer.current
        self.furthest = max(self.furthest, other.furthest)
        self.completed = list(dict.fromkeys([*self.completed, *other.completed]))
        self.quiz = {**older.quiz, **newer.quiz}
        self.updated = newer.updated


def _step_index(value: Any) -> int:
    """A step position from the file: a whole number (negative ones read as 0)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"a step position must be a number, not {value!r}")
    if not math.isfinite(value) or abs(value) > 10**9:
        raise ValueError(f"{value!r} is not a step position")
    return max(0, int(value))


def _timestamp(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"'updated' must be a number, not {value!r}")
    stamp = float(value)
    if not math.isfinite(stamp):
        raise ValueError(f"'updated' is {value!r}")
    return stamp


class ProgressStore:
    """Reads and writes ``progress.json``; every change is saved at once."""

    def __init__(self, path: Path | None = None):
        self.path = path or tutor_home() / "progress.json"
        self.warning: str | None = None
        """Set when the file was corrupt and moved aside, for the app to show."""
        self.save_error: str | None = None
        """Set when the last save failed (disk full, read-only folder)."""
        self._changed: set[str] = set()
        """Lessons changed by this session since its last successful save."""
        self._reset_at: dict[str, float] = {}
        """Lessons this session reset, and when, until the next successful save."""
        self.lessons: dict[str, LessonProgress] = self._read()

    def _read(self) -> dict[str, LessonProgress]:
        """The lessons in the file now; a file that cannot be read is moved aside with a
        warning, whatever is wrong with it (not JSON, a number too large for a step,
        nesting deeper than Python's parser goes, a FIFO in its place, the wrong types)."""
        if not os.path.lexists(self.path):
            return {}
        try:
            data = json.loads(read_text(self.path, MAX_PROGRESS_BYTES))
            if not isinstance(data, dict) or data.get("version") != VERSION:
                raise ValueError("not a tutor progress file of this version")
            return {str(k): LessonProgress.from_dict(v) for k, v in dict(data["lessons"]).items()}
        except FileRefused as refused:
            if refused.kind == "missing":
                return {}  # another session moved it aside a moment ago
            error: object = refused.reason
        except RecursionError:
            error = "nested too deeply"
        except Exception as other:  # any other parse failure: the file is not ours to trust
            error = f"{type(other).__name__}: {other}" if not str(other) else other
        try:
            moved = move_aside(self.path)
            where = f"it was moved to {moved}"
        except OSError as move_error:
            where = f"and could not be moved aside ({move_error.strerror})"
        self.warning = clean(
            f"Your progress file {self.path} could not be read ({str(error)[:200]}); {where}. "
            "Starting with fresh progress."
        )
        return {}

    def get(self, lesson_id: str) -> LessonProgress:
        """Progress for a lesson (a fresh record when there is none)."""
        return self.lessons.setdefault(lesson_id, LessonProgress())

    def _touch(self, lesson_id: str) -> LessonProgress:
        record = self.get(lesson_id)
        record.updated = time.time()
        self._changed.add(lesson_id)
        return record

    def visit(self, lesson_id: str, index: int) -> None:
        """The learner is on step ``index``."""
        record = self._touch(lesson_id)
        record.current = index
        record.furthest = max(record.furthest, index)
        self.save()

    def complete(self, lesson_id: str, step_key: str) -> None:
        """Mark a step done (saved only when it was not done already)."""
        if step_key not in self.get(lesson_id).completed:
            self._touch(lesson_id).completed.append(step_key)
            self.save()

    def answer(self, lesson_id: str, step_key: str, answer: Any, correct: bool) -> None:
        """Remember a quiz answer; a correct one also completes the step."""
        record = self._touch(lesson_id)
        record.quiz[step_key] = QuizAnswer(answer, correct)
        if correct and step_key not in record.completed:
            record.completed.append(step_key)
        self.save()

    def reset(self, lesson_id: str) -> None:
        """Forget a lesson's progress (in every session that saves after this)."""
        self.lessons.pop(lesson_id, None)
        self._changed.discard(lesson_id)
        self._reset_at[lesson_id] = time.time()
        self.save()

    def _merged(self, on_disk: dict[str, LessonProgress]) -> dict[str, LessonProgress]:
        merged = dict(on_disk)
        for lesson_id, reset_time in self._reset_at.items():
            if lesson_id in merged and merged[lesson_id].updated <= reset_time:
                del merged[lesson_id]
        for lesson_id in self._changed:
            mine = self.lessons.get(lesson_id)
            if mine is None:
                continue
            theirs = on_disk.get(lesson_id)
            if theirs is not None:
                mine.merge_from(theirs)  # in place: screens may hold this record
            merged[lesson_id] = mine
        return merged

    def save(self) -> bool:
        """Re-read the file, merge, write atomically. On failure keep going and remember why."""
        try:
            with self._locked():
                merged = self._merged(self._read())
                payload = {
                    "version": VERSION,
                    "lessons": {k: v.as_dict() for k, v in sorted(merged.items())},
                }
                atomic_write_text(self.path, json.dumps(payload, ensure_ascii=False, indent=1))
        except OSError as error:
            self.save_error = f"could not save progress to {self.path}: {error.strerror or error}"
            return False
        self.lessons = merged
        self._changed.clear()
        self._reset_at.clear()
        self.save_error = None
        return True

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold a lock on the file's folder so no other session reads or writes in between.

        An advisory ``flock`` on the folder itself (no lock file is left behind) where the
        platform has one; elsewhere the merge still runs, only without protection from a
        save at the very same moment.
        """
        try:
            import fcntl
        except ImportError:  # Windows
            yield
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock
