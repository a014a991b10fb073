"""Start the app from the command line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tutor.course.lesson import LessonFile


def run_app(
    lesson: str | None = None,
    lesson_dirs: Sequence[str] = (),
    lesson_file: LessonFile | None = None,
) -> int:
    """Run the app until the learner quits; returns the exit status.

    Args:
        lesson_file: a lesson made in memory (``tutor explore``) to open first.
    """
    from tutor.ui.app import TutorApp

    app = TutorApp(lesson=lesson, lesson_dirs=lesson_dirs, lesson_file=lesson_file)
    app.run()
    return int(app.return_code or 0)
