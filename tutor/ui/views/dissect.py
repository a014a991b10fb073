"""Dissect: a model's layer table, and the selected layer's weights and arithmetic.

``b``/``B`` double or halve the batch: every activation shape follows, no weight shape
does. ``+``/``−`` change the selected Linear or Conv layer's width (the "try it"
steps); the next layer's input size follows and the parameter counts are recomputed.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from tutor.course.steps import dissect as kind
from tutor.course.steps.dissect import DissectResult, DissectStep
from tutor.errors import TutorError
from tutor.locales import localized
from tutor.text import shape_text
from tutor.ui.views.base import StepView
from tutor.ui.widgets.pixels import Lines, background_rgb, heatmap_lines, tile

MAX_BATCH = 4096


def _cell(shape: Any) -> str:
    """A shape for a table cell; ``—`` for none (a layer without a bias)."""
    return shape_text(shape) if shape else "—"


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
        self.cursor = 0
        self._initial_layer = step.layer

    def compose(self) -> ComposeResult:
        yield Static(id="dissect-summary")
        table: DataTable[Any] = DataTable(id="dissect-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static(id="dissect-detail")

    def on_focus(self) -> None:
        tables = self.query("#dissect-table")
        if tables:
            tables.first().focus()

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
        summary = Text()
        summary.append(self.tr("dissect.batch", n=result.batch), style="bold")
        summary.append(
            "  ·  "
            + self.tr(
                "dissect.total",
                params=f"{result.total_params:,}",
                madds=f"{result.total_mult_adds:,}",
            )
        )
        summary.append("\n" + self.tr("dissect.keys"), style="dim")
        self.query_one("#dissect-summary", Static).update(summary)

        table = self.query_one("#dissect-table", DataTable)
        table.clear(columns=True)
        for key in (
            "#",
            "dissect.col.layer",
            "dissect.col.in",
            "dissect.col.out",
            "dissect.col.weight",
            "dissect.col.bias",
            "dissect.col.params",
            "dissect.col.madds",
        ):
            table.add_column(key if key == "#" else self.tr(key), key=key)
        for i, row in enumerate(result.rows):
            name = Text(" " * max(row.depth - 1, 0) + row.path + " ", style="bold")
            name.append(row.type, style="cyan")
            table.add_row(
                str(i),
                name,
                _cell(row.input_shape),
                _cell(row.output_shape),
                _cell(row.param_shapes.get("weight", ())),
                _cell(row.param_shapes.get("bias", ())),
                f"{row.num_params:,}" if row.num_params else "—",
                f"{row.mult_adds:,}" if row.mult_adds else "—",
                key=str(i),
            )
        if self._initial_layer is not None:
            wanted = str(self._initial_layer)
            self._initial_layer = None
            for i, row in enumerate(result.rows):
                if row.path == wanted:
                    self.cursor = i
        self.cursor = min(self.cursor, len(result.rows) - 1)
        table.move_cursor(row=self.cursor)
        self.show_detail(self.cursor)

    @on(DataTable.RowHighlighted, "#dissect-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.cursor = event.cursor_row
        self.show_detail(event.cursor_row)

    def theme_changed(self) -> None:
        self.show_detail(self.cursor)

    def show_detail(self, index: int) -> None:
        if not self.has_parts("#dissect-detail"):
            return
        if self.result is None or not 0 <= index < len(self.result.rows):
            return
        row = self.result.rows[index]
        text = Text()
        text.append(f"{row.path} {row.type}", style="bold")
        text.append(f"   {shape_text(row.input_shape, 'N')} → {shape_text(row.output_shape, 'N')}")
        text.append(
            f"   N = {self.result.batch}: {shape_text(row.input_shape)} → "
            f"{shape_text(row.output_shape)}\n",
            style="dim",
        )
        for label, note in (
            ("dissect.note.params", row.formula),
            ("dissect.note.size", row.arithmetic),
            ("dissect.note.layout", row.layout),
        ):
            if note:
                text.append(self.tr(label) + ": ", style="dim")
                text.append(localized(note, self.lang) + "\n")
        parts: list[Any] = [text]
        if row.maps:
            weight = row.param_shapes.get("weight", ())
            caption = (
                self.tr("dissect.filters")
                if len(weight) == 4
                else self.tr("dissect.weight_map", shape=shape_text(weight))
            )
            parts.append(Text(caption, style="dim"))
            width = max(self.size.width, 20)
            zero = background_rgb(self)  # the weight maps fade into the theme's background
            if len(row.maps) == 1:
                parts.append(Lines(heatmap_lines(row.maps[0], zero)))
                if row.maps[0].source_shape != (row.maps[0].height, row.maps[0].width):
                    parts.append(
                        Text(
                            self.tr(
                                "dissect.averaged",
                                shape=shape_text(weight),
                                size=f"{row.maps[0].height}×{row.maps[0].width}",
                            ),
                            style="dim",
                        )
                    )
            else:
                cells = [(heatmap_lines(m, zero), [str(k)]) for k, m in enumerate(row.maps)]
                parts.append(Lines(tile(cells, width)))
        elif not row.num_params:
            parts.append(Text(self.tr("dissect.no_weights"), style="dim"))
        self.query_one("#dissect-detail", Static).update(Group(*parts))

    # ----------------------------------------------------------------- keys

    def action_batch(self, factor: float) -> None:
        new = int(min(max(round(self.batch * factor), 1), MAX_BATCH))
        if new != self.batch:
            self.batch = new
            self.recompute()

    def action_width(self, direction: int) -> None:
        if self.result is None:
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
