"""``c``: the plain PyTorch code of the current step, as a learner would write it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from tutor.locales import t
from tutor.text import literal
from tutor.ui.context import tutor_context
from tutor.ui.views.base import describe_error
from tutor.ui.widgets.code import code_renderable, copy_code

if TYPE_CHECKING:
    from tutor.course.lesson import LessonFile


class CodeScreen(ModalScreen[None]):
    """Shows the code the engine generates for a step. Escape or c closes it."""

    BINDINGS = [
        Binding("escape,c,q", "close", "key.close"),
        Binding("y", "copy", "key.copy"),
    ]

    def __init__(self, lesson_file: LessonFile, index: int, state: Any = None) -> None:
        super().__init__()
        self.lesson_file = lesson_file
        self.index = index
        self.code: str | None = None
        """The code shown, once generated (what ``y`` copies)."""
        self.state = state
        """The step view's live state (``StepView.code_state``): the code shows it."""

    def compose(self) -> ComposeResult:
        lang = tutor_context(self).language
        with VerticalScroll(id="code-box"):
            yield Static(t("code.title", lang), id="code-title")
            yield Static(id="code-body")

    def on_mount(self) -> None:
        self.generate()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.draw())

    @work(thread=True, exit_on_error=False, name="code")
    def generate(self) -> str | None:
        from tutor.course.steps import step_code

        return step_code(self.lesson_file, self.index, self.state)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        body = self.query_one("#code-body", Static)
        if event.state == WorkerState.SUCCESS:
            self.code = event.worker.result
            self.draw()
        elif event.state == WorkerState.ERROR:
            message = describe_error(event.worker.error, tutor_context(self).language)
            body.update(literal("⚠ " + message))

    def draw(self) -> None:
        if not self.is_attached or not self.query("#code-body"):
            return
        lang = tutor_context(self).language
        body = self.query_one("#code-body", Static)
        body.update(code_renderable(self.code, body) if self.code else t("code.none", lang))

    def action_copy(self) -> None:
        copy_code(self, self.code, tutor_context(self).language)

    def action_close(self) -> None:
        self.dismiss(None)
