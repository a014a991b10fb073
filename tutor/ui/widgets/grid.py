"""Aligned columns of text as lines of segments: a table without Rich's ``Table``.

A Rich ``Table`` measures every cell twice and wraps each one; for the backward and
step views, which redraw a few tables after every key, that was most of a 50 ms frame.
Here each column is as wide as its widest cell (in terminal cells, so Hangul counts
double) and each row is one line, cut at the width.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from tutor.ui.widgets.pixels import Line, text_line

Cell = str | Text


def grid(
    rows: Sequence[Sequence[Cell]],
    width: int,
    right: Sequence[bool] = (),
    header: bool = True,
    indent: int = 1,
) -> list[Line]:
    """``rows`` as aligned lines: column ``k`` right-aligned when ``right[k]``; the first
    row bold when ``header``. A row with one cell is a label spanning the columns."""
    cells = [[c if isinstance(c, Text) else Text(c) for c in row] for row in rows]
    count = max((len(row) for row in cells if len(row) > 1), default=1)
    widths = [0] * count
    for row in cells:
        if len(row) > 1:
            for k, cell in enumerate(row):
                widths[k] = max(widths[k], cell.cell_len)
    lines = []
    for i, row in enumerate(cells):
        line = Text(" " * indent)
        for k, cell in enumerate(row):
            if k:
                line.append(" ")
            pad = " " * (widths[k] - cell.cell_len) if len(row) > 1 else ""
            if k < len(right) and right[k]:
                line.append(pad)
                line.append_text(cell)
            else:
                line.append_text(cell)
                line.append(pad)
        if header and i == 0:
            line.stylize("bold")
        lines.append(text_line(line, width))
    return lines
