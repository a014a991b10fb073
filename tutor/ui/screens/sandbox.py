"""The model sandbox from the command palette: the sandbox step's view, on its own.

It plays a one-step lesson made in memory (:func:`tutor.course.steps.sandbox.free_lesson`)
with the same :class:`~tutor.ui.views.sandbox.SandboxView` a lesson's sandbox step uses.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Markdown, Static

from tutor.course.schema import localize
from tutor.course.steps.sandbox import free_lesson
from tutor.locales import t
from tutor.ui.context import tutor_context
from tutor.ui.views.sandbox import SandboxView
from tutor.ui.widgets.footer import TutorFooter


class SandboxScreen(Screen[None]):
    """Write a model spec and watch its layer table. Escape goes back."""

    BINDINGS = [
        Binding("escape", "close", "key.close"),
        Binding("ctrl+l", "app.toggle_language", "key.language", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.lesson_file = free_lesson()
        self.view = SandboxView(self.lesson_file, 0)

    def compose(self) -> ComposeResult:
        yield Static(id="lesson-header")
        with VerticalScroll(id="step-body"):
            yield Markdown(id="step-text")
        yield TutorFooter()

    def on_mount(self) -> None:
        self.query_one("#step-body", VerticalScroll).mount(self.view)
        self.language_changed()
        self.view.focus()

    def language_changed(self) -> None:
        """Header and text in the new language; the view redraws itself."""
        lang = tutor_context(self).language
        step = self.view.step
        header = Text(localize(step.title, lang), style="bold")
        header.append("  ·  " + t("player.device", lang, name=tutor_context(self).device_label))
        self.query_one("#lesson-header", Static).update(header)
        self.query_one("#step-text", Markdown).update(localize(step.text, lang))
        if self.view.is_attached:
            self.view.language_changed()

    def device_changed(self) -> None:
        self.language_changed()

    def action_close(self) -> None:
        self.dismiss(None)
