"""Dissect: a model's layer table, and the selected layer's weights and arithmetic.

``b``/``B`` double or halve the batch: every activation shape follows, no weight shape
does. ``+``/``−`` change the selected Linear or Conv layer's width (the "try it"
steps); the next layer's input size follows and the parameter counts are recomputed.
The table itself is the shared :class:`~tutor.ui.widgets.layers.LayerTable`.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding

from tutor.course.steps import dissect as kind
from tutor.course.steps.dissect import DissectResult, DissectStep
from tutor.errors import TutorError
from tutor.ui.views.base import StepView
from tutor.ui.widgets.layers import LayerTable

MAX_BATCH = 4096


class DissectView(StepView):
    """The layer table of DESIGN's dissection, live, for a lesson's model."""

    BINDINGS = [
        Binding("b", "batch(2)", "key.batch_up"),
        Binding("B", "batch(0.5)", "key.batch_down"),
        Binding("plus,equals_sign", "width(1)", "key.wider"),
        Binding("minus,underscore", "width(-1)", "key.narrower"),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        step = self.step
        assert isinstance(step, DissectStep)
        self.batch = step.batch
        self.spec = self.lesson_file.specs[step.model]
        self.pending: tuple[int, int] | None = None
        self.result: DissectResult | None = None
        self._initial_layer = step.layer

    def compose(self) -> ComposeResult:
        yield LayerTable()

    @property
    def cursor(self) -> int:
        """The selected row of the table."""
        return self.query_one(LayerTable).cursor

    def on_focus(self) -> None:
        tables = self.query(LayerTable)
        if tables:
            tables.first().focus_table()

    # ----------------------------------------------------------------- engine work

    def compute(self) -> DissectResult:
        resize, self.pending = self.pending, None
        return kind.compute(self.work_context(), self.spec, self.batch, resize)

    # ----------------------------------------------------------------- display

    def show(self, result: DissectResult) -> None:
        self.result = result
        self.spec = result.spec
        if result.error:
            self.notify("⚠ " + result.error, severity="warning")
        elif result.resized:
            layer, width = result.resized
            self.notify(self.tr("dissect.resized", layer=layer, width=width))
        select = str(self._initial_layer) if self._initial_layer is not None else None
        self._initial_layer = None
        self.query_one(LayerTable).show(result, select)

    # ----------------------------------------------------------------- keys

    def action_batch(self, factor: float) -> None:
        new = int(min(max(round(self.batch * factor), 1), MAX_BATCH))
        if new != self.batch:
            self.batch = new
            self.recompute()

    def action_width(self, direction: int) -> None:
        if self.result is None or not self.has_parts("LayerTable"):
            return
        row = self.result.rows[self.cursor]
        try:
            kind.check_resizable(row)
        except TutorError as error:
            self.notify(error.localized(self.lang), severity="warning")
            return
        assert row.width_index is not None
        self.pending = (row.width_index, kind.resized(self.spec, row.width_index, direction))
        self.recompute()


VIEW = DissectView
