"""The progress store: where each learner is in each lesson, kept in ``TUTOR_HOME``.

One JSON file, written atomically (temporary file, fsync, rename), so an interrupted
write leaves the previous file intact. A file that cannot be read is moved aside (never
deleted) and the learner starts fresh with a warning that says where the old file went.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tutor.config import tutor_home
from tutor.fsutil import atomic_write_text, move_aside

VERSION = 1


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
            current=max(0, int(data.get("current", 0))),
            furthest=max(0, int(data.get("furthest", 0))),
            completed=[str(s) for s in data.get("completed", [])],
            quiz=quiz,
        )


class ProgressStore:
    """Reads and writes ``progress.json``; every change is saved at once."""

    def __init__(self, path: Path | None = None):
        self.path = path or tutor_home() / "progress.json"
        self.lessons: dict[str, LessonProgress] = {}
        self.warning: str | None = None
        """Set when the file was corrupt and moved aside, for the app to show."""
        self.save_error: str | None = None
        """Set when the last save failed (disk full, read-only folder)."""
        self._load()

    def _load(self) -> None:
        if not self.path.exists():
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("version") != VERSION:
                raise ValueError("not a tutor progress file of this version")
            self.lessons = {
                str(k): LessonProgress.from_dict(v) for k, v in dict(data["lessons"]).items()
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            self.lessons = {}
            try:
                moved = move_aside(self.path)
                where = f"it was moved to {moved}"
            except OSError as move_error:
                where = f"and could not be moved aside ({move_error.strerror})"
            self.warning = (
                f"Your progress file {self.path} could not be read ({error}); {where}. "
                "Starting with fresh progress."
            )

    def get(self, lesson_id: str) -> LessonProgress:
        """Progress for a lesson (a fresh record when there is none)."""
        return self.lessons.setdefault(lesson_id, LessonProgress())

    def visit(self, lesson_id: str, index: int) -> None:
        """The learner is on step ``index``."""
        record = self.get(lesson_id)
        record.current = index
        record.furthest = max(record.furthest, index)
        self.save()

    def complete(self, lesson_id: str, step_key: str) -> None:
        record = self.get(lesson_id)
        if step_key not in record.completed:
            record.completed.append(step_key)
            self.save()

    def answer(self, lesson_id: str, step_key: str, answer: Any, correct: bool) -> None:
        record = self.get(lesson_id)
        record.quiz[step_key] = QuizAnswer(answer, correct)
        if correct and step_key not in record.completed:
            record.completed.append(step_key)
        self.save()

    def reset(self, lesson_id: str) -> None:
        self.lessons.pop(lesson_id, None)
        self.save()

    def save(self) -> bool:
        """Write the file atomically. On failure keep going and remember why."""
        payload = {
            "version": VERSION,
            "lessons": {k: v.as_dict() for k, v in sorted(self.lessons.items())},
        }
        try:
            atomic_write_text(self.path, json.dumps(payload, ensure_ascii=False, indent=1))
        except OSError as error:
            self.save_error = f"could not save progress to {self.path}: {error.strerror or error}"
            return False
        self.save_error = None
        return True
