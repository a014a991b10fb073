"""Text steps: Markdown with computed facts filled in by the engine."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.widgets import Markdown

from tutor.course.schema import TextStep, localize
from tutor.ui.views.base import StepView


class TextView(StepView):
    """The step's body (or an included Markdown file), facts such as
    ``{{ model.mlp.layer.fc1.params }}`` replaced by their computed values."""

    BINDINGS = []

    def compose(self) -> ComposeResult:
        yield Markdown(id="text-body")

    def compute(self) -> str:
        step = self.step
        assert isinstance(step, TextStep)
        if step.include:
            text = self._read_include(step.include)
        else:
            text = localize(step.body, self.lang) if step.body else ""
        from tutor.ui.facts import facts_for

        return facts_for(self.tutor, self.lesson_file, text).fill(text)

    def _read_include(self, name: str) -> str:
        # Validation already refused paths that leave the lesson's folder; check again,
        # since the file may have changed since.
        folder = self.lesson_file.folder.resolve()
        base = (folder / name).resolve()
        localized = base.with_suffix(f".{self.lang}{base.suffix}")
        for candidate in (localized, base):
            if candidate.is_relative_to(folder) and candidate.is_file():
                return Path(candidate).read_text(encoding="utf-8")
        return f"*(missing file: {name})*"

    def show(self, result: str) -> None:
        self.query_one("#text-body", Markdown).update(result)
