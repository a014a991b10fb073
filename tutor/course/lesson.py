"""A lesson file and what is known about it; :func:`load_lesson` reads and checks one.

Two phases, so the app can list lessons before torch has loaded:

1. :func:`tutor.course.reading.read_lesson` parses the YAML safely and checks it
   against the schema (no torch): syntax, unknown fields with suggestions, wrong types,
   step kinds, duplicate step ids, missing translations.
2. :func:`tutor.course.checking.check_lesson` goes through the engine: every model is
   parsed and dry-run on the meta device, every step checks its models, datasets and
   placeholders, and every ``expect:`` is compared with the computed value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tutor.course.facts import FactContext
from tutor.course.schema import Lesson
from tutor.course.yamlsafe import Locator, Problem

if TYPE_CHECKING:
    from tutor.engine.spec import ModelSpec


@dataclass
class LessonFile:
    """A lesson file and everything known about it so far."""

    path: Path
    lesson: Lesson | None = None
    locator: Locator | None = None
    problems: list[Problem] = field(default_factory=list)
    specs: dict[str, ModelSpec] = field(default_factory=dict)
    checked: bool = False
    """True once :func:`check_lesson` has run (models dry-run, facts resolved)."""
    invalid_fields: set[str] = field(default_factory=set)
    """Lesson fields that failed the schema and were replaced by neutral values."""
    invalid_steps: set[int] = field(default_factory=set)
    """Steps that failed the schema; they hold a blank stand-in and are not checked further."""

    @property
    def ok(self) -> bool:
        """True when the lesson can be opened: it loaded and has no problems."""
        return self.lesson is not None and not self.problems

    @property
    def id(self) -> str:
        return self.lesson.id if self.lesson is not None else self.path.stem

    @property
    def folder(self) -> Path:
        return self.path.parent

    def facts(self, datasets: Mapping[str, Any] | None = None) -> FactContext:
        """A fact context over this lesson's models (and loaded datasets, if given)."""
        return FactContext(self.specs, dict(datasets or {}))


def load_lesson(path: Path | str, require_languages: bool = False) -> LessonFile:
    """Read, schema-check and engine-check a lesson file."""
    from tutor.course.checking import check_lesson
    from tutor.course.reading import read_lesson

    result = read_lesson(path, require_languages)
    if result.lesson is not None:
        check_lesson(result)
    result.problems.sort(key=lambda p: (p.line, p.column))
    return result
