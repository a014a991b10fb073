"""Served mode's first screen: the learner types their name (``tutor serve``).

Each browser tab is its own app process. Once a valid name is entered, this process
becomes that learner's (:func:`tutor.learners.enter_learner` points ``TUTOR_HOME`` at
``learners/NAME/``), the app's settings and progress store move there, and the lesson
list replaces this screen.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Static

from tutor.learners import NAME_MAX, LearnerNameError, check_learner_name, enter_learner
from tutor.locales import t
from tutor.text import literal
from tutor.ui.context import TutorContext, tutor_context
from tutor.ui.messages import HomeChanged


class LearnerScreen(Screen[None]):
    """Asks the learner's name; Enter checks it and opens the lesson list."""

    DEFAULT_CSS = """
    LearnerScreen { align: center middle; }
    #learner-box { width: 72; max-width: 100%; height: auto; padding: 1 2;
                   border: round $primary; }
    #learner-title { text-style: bold; }
    #learner-prompt, #learner-rules { margin: 1 0 0 0; }
    #learner-rules { color: $text-muted; }
    #learner-name { margin: 1 0 0 0; }
    #learner-error { color: $error; height: auto; }
    """

    @property
    def ctx(self) -> TutorContext:
        return tutor_context(self)

    def compose(self) -> ComposeResult:
        with Vertical(id="learner-box"):
            yield Static(id="learner-title")
            yield Static(id="learner-prompt")
            yield Static(id="learner-rules")
            yield Input(id="learner-name")
            yield Static(id="learner-error")

    def on_mount(self) -> None:
        self.language_changed()
        self.query_one("#learner-name", Input).focus()

    def language_changed(self) -> None:
        """Redraw every text in the app's language (ctrl+l works here too)."""
        lang = self.ctx.language
        self.query_one("#learner-title", Static).update(
            Text.assemble(("tutor", "bold"), "  ·  ", t("learner.title", lang))
        )
        self.query_one("#learner-prompt", Static).update(t("learner.prompt", lang))
        self.query_one("#learner-rules", Static).update(t("learner.rules", lang, limit=NAME_MAX))
        self.query_one("#learner-name", Input).placeholder = t("learner.placeholder", lang)
        self.query_one("#learner-error", Static).update("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        lang = self.ctx.language
        error = self.query_one("#learner-error", Static)
        try:
            name = check_learner_name(event.value)
            folder = enter_learner(name)
        except LearnerNameError as problem:
            error.update(literal(problem.localized(lang)))
            return
        except OSError as problem:
            error.update(
                literal(
                    t(
                        "learner.cannot_create",
                        lang,
                        folder=problem.filename or "learners/",
                        reason=problem.strerror or problem,
                    )
                )
            )
            return
        self._become(name, folder)

    def _become(self, name: str, home: Path) -> None:
        """Move the app's settings and progress to the learner's folder, then list lessons."""
        from tutor.course.progress import ProgressStore
        from tutor.ui.screens.lessons import LessonListScreen

        ctx = self.ctx
        ctx.settings = dataclasses.replace(ctx.settings, home=home)
        ctx.progress = ProgressStore(home / "progress.json")
        self.post_message(HomeChanged(home))  # the app applies their theme and language
        self.app.switch_screen(LessonListScreen())
        self.notify(t("learner.welcome", ctx.language, name=name, folder=home), timeout=6)
        if ctx.progress.warning:
            self.notify(ctx.progress.warning, severity="warning", timeout=15)
