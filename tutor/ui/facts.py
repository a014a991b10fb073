"""Filling computed facts into lesson text from the UI's workers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tutor.course.facts import FactContext, datasets_for_sizes

if TYPE_CHECKING:
    from tutor.course.lesson import LessonFile
    from tutor.ui.app import TutorApp


def facts_for(app: TutorApp, lesson_file: LessonFile, *texts: str) -> FactContext:
    """A fact context for ``texts``; datasets whose sizes they mention are loaded first.

    Call from a worker thread: loading a dataset can take a moment.
    """
    session = app.wait_session()
    for name in datasets_for_sizes(*texts):
        session.dataset(name)
    return lesson_file.facts(session.loaded_datasets())
