"""The layer table: a model's layers with shapes, weights and counts, and the selected
layer's arithmetic and weight pictures. The dissect step and the model sandbox draw it.

It draws a :class:`~tutor.course.steps.dissect.DissectResult` computed elsewhere (in a
view's worker); it does no tensor math.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from tutor.locales import localized, t
from tutor.text import shape_text
from tutor.ui.context import tutor_context
from tutor.ui.widgets.pixels import Lines, heatmap_lines, tile

if TYPE_CHECKING:
    from tutor.course.steps.dissect import DissectResult

#: The table's columns: ``#`` and catalog keys.
COLUMNS = (
    "#",
    "dissect.col.layer",
    "dissect.col.in",
    "dissect.col.out",
    "dissect.col.weight",
    "dissect.col.bias",
    "dissect.col.params",
    "dissect.col.madds",
)


def _cell(shape: Any) -> str:
    """A shape for a table cell; ``—`` for none (a layer without a bias)."""
    return shape_text(shape) if shape else "—"


class LayerTable(Vertical):
    """Summary line, one row per traced layer, and the selected layer's details.

    Args:
        keys: the catalog key of the key hint under the summary (None: no hint).
    """

    DEFAULT_CSS = """
    LayerTable { height: auto; }
    """

    def __init__(self, keys: str | None = "dissect.keys", id: str | None = None) -> None:
        super().__init__(id=id, classes="layer-table")
        self.keys = keys
        self.result: DissectResult | None = None
        self.cursor = 0
        """The selected row."""

    def compose(self) -> ComposeResult:
        yield Static(id="dissect-summary")
        table: DataTable[Any] = DataTable(id="dissect-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static(id="dissect-detail")

    @property
    def lang(self) -> str:
        return tutor_context(self).language

    def tr(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)

    def focus_table(self) -> None:
        """Give the keyboard to the table (↑/↓ choose a layer)."""
        tables = self.query("#dissect-table")
        if tables:
            tables.first().focus()

    # ----------------------------------------------------------------- drawing

    def show(self, result: DissectResult, select: str | None = None) -> None:
        """Draw ``result``; ``select`` names a layer to select (by its path)."""
        if not self.is_attached or not self.query("#dissect-table"):
            return  # a late result for a view that is being removed
        self.result = result
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
        if self.keys is not None:
            summary.append("\n" + self.tr(self.keys), style="dim")
        self.query_one("#dissect-summary", Static).update(summary)

        table = self.query_one("#dissect-table", DataTable)
        table.clear(columns=True)
        for key in COLUMNS:
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
        if select is not None:
            for i, row in enumerate(result.rows):
                if row.path == select:
                    self.cursor = i
        self.cursor = max(min(self.cursor, len(result.rows) - 1), 0)
        table.move_cursor(row=self.cursor)
        self.show_detail(self.cursor)

    @on(DataTable.RowHighlighted, "#dissect-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.cursor = event.cursor_row
        self.show_detail(event.cursor_row)

    def show_detail(self, index: int) -> None:
        """The selected layer: its shapes with N, formulas, layout and weight pictures."""
        if not self.is_attached or not self.query("#dissect-detail"):
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
            if len(row.maps) == 1:
                parts.append(Lines(heatmap_lines(row.maps[0])))
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
                cells = [(heatmap_lines(m), [str(k)]) for k, m in enumerate(row.maps)]
                parts.append(Lines(tile(cells, width)))
        elif not row.num_params:
            parts.append(Text(self.tr("dissect.no_weights"), style="dim"))
        self.query_one("#dissect-detail", Static).update(Group(*parts))
