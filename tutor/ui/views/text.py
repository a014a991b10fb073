"""Text steps: Markdown with computed facts filled in."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Markdown

from tutor.course.steps import text as kind
from tutor.ui.views.base import StepView


class TextView(StepView):
    """The step's body (or an included Markdown file), facts such as
    ``{{ model.mlp.layer.fc1.params }}`` replaced by their computed values."""

    BINDINGS = []

    def compose(self) -> ComposeResult:
        yield Markdown(id="text-body")

    def compute(self) -> str:
        return kind.body(self.work_context())

    def show(self, result: str) -> None:
        self.query_one("#text-body", Markdown).update(result)


VIEW = TextView
