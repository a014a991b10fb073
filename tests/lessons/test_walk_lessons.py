"""Every bundled lesson, walked from the first step to the last with real key presses.

English at 120×40 and Korean at 120×40 (training steps are run with `s`), Korean at
60×20. Each step must show its view without an error, with the step counter in the
header; in Korean, no English interface text may show (footer, header, notices, chart
legends, status lines: ``english_leftovers``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.helpers import english_leftovers, screen_flat, settle
from tutor.course.lesson import load_lesson
from tutor.course.schema import localize
from tutor.course.steps import step_code
from tutor.ui.app import TutorApp

LESSONS = sorted((Path(__file__).resolve().parents[2] / "lessons").glob("*.yaml"))
WAYS = [
    pytest.param((120, 40), "en", True, id="120x40-en"),
    pytest.param((120, 40), "ko", True, id="120x40-ko"),
    pytest.param((60, 20), "ko", False, id="60x20-ko"),
]


@pytest.mark.parametrize(("size", "lang", "train"), WAYS)
@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
async def test_walk_lesson(path: Path, size: tuple[int, int], lang: str, train: bool):
    lesson_file = load_lesson(path)
    lesson = lesson_file.lesson
    assert lesson is not None
    app = TutorApp(lesson=lesson.id)
    app.language = lang
    counter = "step {i}/{n}" if lang == "en" else "단계 {i}/{n}"
    n = len(lesson.steps)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for i, step in enumerate(lesson.steps):
            view = app.screen.view
            assert view is not None and view.index == i
            if train and step.kind == "train":
                await pilot.press("s")
                await settle(pilot)
                assert view.state in ("finished", "diverged"), f"{lesson.id} step {i + 1}"
            assert view.error_message is None, (
                f"{lesson.id} step {i + 1} ({step.kind}): {view.error_message}"
            )
            text = screen_flat(app)
            assert counter.format(i=i + 1, n=n) in text
            if lang == "ko":
                own = [localize(lesson.title, "ko")]
                own += [localize(text, "ko") for _, text in step.texts()]
                # A code listing is PyTorch, comments included, in either language.
                own.append(step_code(lesson_file, i) or "")
                leftovers = english_leftovers(app, allowed=" ".join(own))
                assert not leftovers, f"{lesson.id} step {i + 1} ({step.kind}): {leftovers}"
            if size[0] >= 100:
                title = localize(step.title, lang) if step.title else None
                if title and "{{" not in title:
                    assert title[:20] in text
            await pilot.press("n")
            await settle(pilot)
        assert app.screen.index == n - 1
    record = app.context.progress.get(lesson.id)
    assert record.furthest == n - 1
