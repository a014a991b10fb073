"""Start the app from the command line."""

from __future__ import annotations

from collections.abc import Sequence


def run_app(lesson: str | None = None, lesson_dirs: Sequence[str] = ()) -> int:
    """Run the app until the learner quits; returns the exit status."""
    from tutor.ui.app import TutorApp

    app = TutorApp(lesson=lesson, lesson_dirs=lesson_dirs)
    app.run()
    return int(app.return_code or 0)
