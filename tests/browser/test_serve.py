"""``tutor serve`` in a real browser: two learners, keys without a click, progress that is
each learner's own and survives a reload. Screenshots of the dark and the light theme
go to ``$TUTOR_SCREENSHOTS`` (default ``tests/browser/screenshots/``, not committed).

Skipped, saying why, where Playwright or Chromium is missing; ``.ci/run`` installs the
distribution's Chromium first, so CI runs it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.browser.xterm import (
    background_at,
    launch,
    missing_browser,
    open_page,
    screen,
    serve,
    wait_for_light_background,
    wait_for_text,
)
from tutor.locales import t

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(missing_browser() is not None, reason=str(missing_browser())),
]

SCREENSHOTS = Path(
    os.environ.get("TUTOR_SCREENSHOTS") or Path(__file__).resolve().parent / "screenshots"
)


# A class lesson (tutor serve --lessons DIR) whose model only the engine's dry run finds
# wrong: its "has errors" mark appears when the list has checked every lesson (extra
# folders come last), which is when opening a lesson cannot race that check.
CLASS_LESSON = """\
id: class-check
title: Class lesson
models:
  lenet:
    input: [1, 32, 32]
    layers:
      - Conv2d: {in_channels: 1, out_channels: 6, kernel_size: 5}
      - Flatten
      - {name: fc1, Linear: {in_features: 256, out_features: 10}}
steps:
  - kind: dissect
    model: lenet
"""


def enter_name(page, name: str) -> None:
    wait_for_text(page, "Who is learning?")
    page.keyboard.type(name)  # no click anywhere: the page focused the terminal
    page.keyboard.press("Enter")
    wait_for_text(page, "Welcome,", "The artificial neuron")
    wait_for_text(page, "Class lesson", "has errors")


def blank_row(page) -> int:
    """The first terminal row with nothing written on it: plain theme background."""
    rows = screen(page).splitlines()
    return next(y for y, row in enumerate(rows) if y > 0 and not row.strip())


def lessons_on_disk(folder: Path) -> dict:
    return json.loads((folder / "progress.json").read_text(encoding="utf-8"))["lessons"]


def test_two_learners_in_two_tabs(isolated_env, tmp_path):
    from playwright.sync_api import sync_playwright

    home = tmp_path / "class"
    learners = home / "learners"
    extra = tmp_path / "class-lessons"
    extra.mkdir()
    (extra / "class-check.yaml").write_text(CLASS_LESSON)
    with (
        serve(home, isolated_env["data"], args=("--lessons", str(extra))) as served,
        sync_playwright() as playwright,
    ):
        assert f"open {served.url.rstrip('/')}" in served.output
        assert "capacity:" in served.output and "warning" not in served.output
        browser = launch(playwright)
        try:
            ana = open_page(browser, served.url)
            kim = open_page(browser, served.url)
            enter_name(ana, "Ana")
            enter_name(kim, "김민지")

            # Ana opens lesson 1 and moves to its step 2; 김민지 does so in lesson 2.
            ana.keyboard.press("Enter")
            wait_for_text(ana, "step 1/")
            ana.keyboard.press("n")  # next step (arrows may scroll the step's text)
            ana_screen = wait_for_text(ana, "step 2/", "The artificial neuron")
            kim.keyboard.press("ArrowDown")
            kim.keyboard.press("Enter")
            wait_for_text(kim, "step 1/", "thermometer")
            kim.keyboard.press("n")
            kim_screen = wait_for_text(kim, "step 2/")
            assert "thermometer" not in ana_screen and "artificial neuron" not in kim_screen

            # Each learner's progress is in their own folder, and only theirs.
            ana_lessons = lessons_on_disk(learners / "ana")
            kim_lessons = lessons_on_disk(learners / "김민지")
            assert set(ana_lessons) == {"01-neuron"} and ana_lessons["01-neuron"]["current"] == 1
            assert set(kim_lessons) == {"02-thermometer"}
            assert kim_lessons["02-thermometer"]["current"] == 1
            assert not (home / "progress.json").exists()

            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            wait_for_text(ana, "mult-adds")  # the step's table is drawn
            ana.screenshot(path=str(SCREENSHOTS / "serve-dark.png"))
            dark = background_at(ana, 1, blank_row(ana))
            assert dark is not None and sum(dark) < 3 * 100

            # A reload is a new app process: the same name (any case) resumes the lesson.
            ana.reload()
            wait_for_text(ana, "Who is learning?")
            ana.keyboard.type("ana")
            ana.keyboard.press("Enter")
            wait_for_text(ana, "1/", "done · 2", "has errors")
            ana.keyboard.press("Enter")
            wait_for_text(ana, "step 2/", "The artificial neuron")

            # The light theme, from the command palette, for the closing note.
            kim.keyboard.press("Escape")
            wait_for_text(kim, "Progress")
            kim.keyboard.press("Control+p")
            wait_for_text(kim, "Search for commands")
            kim.keyboard.type("theme")
            wait_for_text(kim, t("palette.theme.help", "en"))
            kim.keyboard.press("Enter")
            wait_for_text(kim, "Search for themes")
            kim.keyboard.type("textual-light")
            wait_for_text(kim, "textual-light")
            kim.keyboard.press("Enter")
            wait_for_light_background(kim, 1, blank_row(kim))
            kim.screenshot(path=str(SCREENSHOTS / "serve-light-list.png"))
            kim.keyboard.press("Enter")  # back into lesson 2, where 김민지 left it
            wait_for_text(kim, "step 2/", "thermometer", "mult-adds")  # the table is drawn
            kim.screenshot(path=str(SCREENSHOTS / "serve-light.png"))
        finally:
            browser.close()
    assert set(lessons_on_disk(learners / "ana")) == {"01-neuron"}
