"""Pictures and heatmaps drawn with coloured half blocks (two pixel rows per cell).

Each cell is ``▀`` with the upper pixel as foreground and the lower as background, so
a 28×28 image takes 28 columns and 14 rows. Styles are cached per colour pair; the
engine hands over plain floats, this module only maps them to colours.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

Line = list[Segment]
RGB = tuple[int, int, int]

# A diverging map that reads on dark and light themes: blue for negative, a dark
# neutral for zero, red for positive.
_NEG: RGB = (70, 130, 235)
_ZERO: RGB = (40, 40, 46)
_POS: RGB = (235, 90, 60)


def _q(v: float) -> int:
    """Quantise to 32 levels: fewer distinct colours, more cache hits."""
    return max(0, min(255, round(v * 31) * 255 // 31))


def gray(v: float) -> RGB:
    g = _q(v)
    return (g, g, g)


def rgb(v: tuple[float, float, float]) -> RGB:
    return (_q(v[0]), _q(v[1]), _q(v[2]))


def diverging(v: float) -> RGB:
    """−1 → blue, 0 → dark neutral, +1 → red."""
    v = max(-1.0, min(1.0, v))
    end = _POS if v >= 0 else _NEG
    a = round(abs(v) * 16) / 16
    return (
        int(_ZERO[0] + (end[0] - _ZERO[0]) * a),
        int(_ZERO[1] + (end[1] - _ZERO[1]) * a),
        int(_ZERO[2] + (end[2] - _ZERO[2]) * a),
    )


@lru_cache(maxsize=8192)
def _style(top: RGB, bottom: RGB | None) -> Style:
    return Style.parse(
        f"rgb({top[0]},{top[1]},{top[2]})"
        + (f" on rgb({bottom[0]},{bottom[1]},{bottom[2]})" if bottom else "")
    )


def halfblock_lines(colours: Sequence[Sequence[RGB]]) -> list[Line]:
    """Rows of colours -> lines of ``▀`` segments (two rows per line)."""
    lines: list[Line] = []
    for y in range(0, len(colours), 2):
        top = colours[y]
        bottom = colours[y + 1] if y + 1 < len(colours) else None
        line: Line = []
        for x, colour in enumerate(top):
            style = _style(colour, bottom[x] if bottom is not None else None)
            if line and line[-1].style is style:
                line[-1] = Segment(line[-1].text + "▀", style)
            else:
                line.append(Segment("▀", style))
        lines.append(line)
    return lines


def picture_lines(picture: Any) -> list[Line]:
    """An engine ``Picture`` (0..1 gray or RGB) as half-block lines."""
    if picture.channels >= 3:
        colours = [[rgb(p) for p in row] for row in picture.rows]
    else:
        colours = [[gray(v) for v in row] for row in picture.rows]
    return halfblock_lines(colours)


def heatmap_lines(heatmap: Any) -> list[Line]:
    """An engine ``Heatmap`` (−1..1) as half-block lines."""
    return halfblock_lines([[diverging(v) for v in row] for row in heatmap.rows])


def strip_line(values: Sequence[float], scale: float | None = None) -> Line:
    """One row of values as coloured cells (for long vectors such as 100 hidden units)."""
    biggest = scale or max((abs(v) for v in values), default=0.0) or 1.0
    return [Segment("█", _style(diverging(v / biggest), None)) for v in values]


def text_line(text: str | Text, width: int) -> Line:
    """A Text cut or padded to ``width`` cells, as segments."""
    t = text if isinstance(text, Text) else Text(text)
    t = t.copy()
    t.truncate(width, overflow="ellipsis", pad=True)
    return list(t.render(Console(width=max(width, 1), color_system="truecolor")))


def width_of(line: Line) -> int:
    return sum(seg.cell_length for seg in line)


def tile(
    cells: Sequence[tuple[list[Line], Sequence[str | Text]]],
    width: int,
    gap: int = 2,
) -> list[Line]:
    """Lay out (picture lines, captions) cells left to right, wrapping at ``width``."""
    if not cells:
        return []
    cell_w = max(max((width_of(line) for line in lines), default=0) for lines, _ in cells)
    cell_w = max(cell_w, 4)
    per_row = max(1, (width + gap) // (cell_w + gap))
    out: list[Line] = []
    for start in range(0, len(cells), per_row):
        row = cells[start : start + per_row]
        height = max(len(lines) for lines, _ in row)
        captions = max(len(c) for _, c in row)
        for y in range(height + captions):
            line: Line = []
            for i, (lines, caption) in enumerate(row):
                if i:
                    line.append(Segment(" " * gap))
                if y < height:
                    part = lines[y] if y < len(lines) else []
                    line.extend(part)
                    pad = cell_w - width_of(part)
                else:
                    k = y - height
                    part = text_line(caption[k], cell_w) if k < len(caption) else []
                    line.extend(part)
                    pad = cell_w - width_of(part)
                if pad > 0:
                    line.append(Segment(" " * pad))
            out.append(line)
        out.append([])
    return out[:-1]


class Lines:
    """A Rich renderable made of prepared lines of segments."""

    def __init__(self, lines: Iterable[Line]):
        self.lines = list(lines)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        newline = Segment.line()
        for line in self.lines:
            yield from line
            yield newline
