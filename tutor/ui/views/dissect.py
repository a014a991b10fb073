"""Dissect: a model's layer table, and the selected layer's weights and arithmetic.

``b``/``B`` double or halve the batch: every activation shape follows, no weight shape
does. ``+``/``−`` change the selected Linear or Conv layer's width (the "try it"
steps); the next layer's input size follows and the parameter counts are recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.console import Group
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from tutor.course.schema import DissectStep
from tutor.ui.pixels import Lines, heatmap_lines, tile
from tutor.ui.views.base import StepView

MAX_BATCH = 4096


def shape_text(shape: Any, batch: str | None = None) -> str:
    """``(32, 784)``; with ``batch="N"`` the first entry is written ``N``: ``(N, 784)``.

    One-element shapes keep Python's comma, ``(100,)``, as PyTorch prints them.
    """
    if isinstance(shape, list):
        return " ".join(shape_text(s, batch) for s in shape)
    if not shape:
        return "—"
    items = [str(v) for v in shape]
    if batch is not None:
        items[0] = batch
    return f"({items[0]},)" if len(items) == 1 else "(" + ", ".join(items) + ")"


@dataclass
class LayerRow:
    path: str
    type: str
    depth: int
    input_shape: Any
    output_shape: Any
    param_shapes: dict[str, tuple[int, ...]]
    num_params: int
    mult_adds: int
    formula: str | None
    arithmetic: str | None
    layout: str | None
    maps: list[Any] = field(default_factory=list)
    width_index: int | None = None
    """Index of the spec layer this row can resize, if any."""


@dataclass
class DissectResult:
    spec: Any
    batch: int
    rows: list[LayerRow]
    total_params: int
    total_mult_adds: int
    device: str
    message: str | None = None


class DissectView(StepView):
    """The layer table of DESIGN's dissection, live, for a lesson's model."""

    BINDINGS = [
        Binding("b", "batch(2)", "Batch ×2"),
        Binding("B", "batch(0.5)", "Batch ÷2"),
        Binding("plus,equals_sign", "width(1)", "Wider"),
        Binding("minus,underscore", "width(-1)", "Narrower"),
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
        from tutor.engine.dissect import dissect
        from tutor.engine.edit import EditError, resize_layer
        from tutor.engine.images import weight_maps

        step = self.step
        assert isinstance(step, DissectStep)
        message = None
        spec = self.spec
        if self.pending is not None:
            index, width = self.pending
            self.pending = None
            try:
                spec = resize_layer(spec, index, width)
                message = self.tr("dissect.resized", layer=spec.layer_label(index), width=width)
            except EditError as error:
                message = "⚠ " + error.message
        session = self.session()
        if spec == self.lesson_file.specs[step.model]:
            model = self.model_state(step.model).model
        else:
            model = session.fresh_model(spec)
        result = dissect(
            model, spec.input, batch_size=self.batch, device=session.device, model_name=spec.name
        )
        names = spec.child_names()
        rows = []
        for record, notes in zip(result.layers, result.notes, strict=True):
            maps = weight_maps(record.module)
            width_index = names.index(record.path) if record.path in names else None
            if width_index is not None and spec.layers[width_index].type not in (
                "Linear",
                "Conv1d",
                "Conv2d",
            ):
                width_index = None
            rows.append(
                LayerRow(
                    path=record.path,
                    type=record.type,
                    depth=record.depth,
                    input_shape=record.input_shape,
                    output_shape=record.output_shape,
                    param_shapes=record.param_shapes,
                    num_params=record.num_params,
                    mult_adds=record.mult_adds,
                    formula=notes.formula,
                    arithmetic=notes.arithmetic,
                    layout=notes.layout,
                    maps=maps,
                    width_index=width_index,
                )
            )
        return DissectResult(
            spec,
            result.batch_size,
            rows,
            result.trace.total_params,
            result.trace.total_mult_adds,
            result.device,
            message,
        )

    # ----------------------------------------------------------------- display

    def show(self, result: DissectResult) -> None:
        self.result = result
        self.spec = result.spec
        if result.message:
            self.notify(
                result.message,
                severity="warning" if result.message.startswith("⚠") else "information",
            )
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
                shape_text(row.input_shape),
                shape_text(row.output_shape),
                shape_text(row.param_shapes.get("weight", ())),
                shape_text(row.param_shapes.get("bias", ())),
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
            ("params", row.formula),
            ("size", row.arithmetic),
            ("layout", row.layout),
        ):
            if note:
                text.append(f"{label}: ", style="dim")
                text.append(note + "\n")
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
            if len(row.maps) == 1:
                parts.append(Lines(heatmap_lines(row.maps[0])))
                if row.maps[0].source_shape != (row.maps[0].height, row.maps[0].width):
                    parts.append(
                        Text(
                            f"(averaged down from {shape_text(weight)} to "
                            f"{row.maps[0].height}×{row.maps[0].width})",
                            style="dim",
                        )
                    )
            else:
                cells = [(heatmap_lines(m), [str(k)]) for k, m in enumerate(row.maps)]
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
        from tutor.engine.edit import width as layer_width  # light: torch is loaded by now

        if self.result is None:
            return
        row = self.result.rows[self.cursor]
        if row.width_index is None:
            self.notify(
                self.tr("dissect.no_weights")
                if not row.num_params
                else f"{row.path} ({row.type}) has no width to change",
                severity="warning",
            )
            return
        current = layer_width(self.spec, row.width_index) or 1
        step = 1 if current < 10 else 5 if current < 50 else 10 if current < 200 else 50
        self.pending = (row.width_index, max(1, current + direction * step))
        self.recompute()
