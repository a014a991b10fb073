"""Pictures and heatmaps drawn with coloured half blocks (two pixel rows per cell).

Each cell is ``▀`` with the upper pixel as foreground and the lower as background, so
a 28×28 image takes 28 columns and 14 rows. Styles are cached per colour pair; the
engine hands over plain floats, this module only maps them to colours.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from tutor.ui.widgets.numbers import largest, level

Line = list[Segment]
RGB = tuple[int, int, int]

GRAY_LEVELS = 31
HEAT_LEVELS = 16
"""Must match ``tutor.engine.images`` (kept here so the UI does not import the engine)."""

# A diverging map that reads on dark and light themes: blue for negative, the theme's
# background for zero (so a heatmap fades into the screen, not into a dark box on a
# light theme), red for positive. The dark neutral is used when no theme is given.
_NEG: RGB = (70, 130, 235)
_ZERO: RGB = (40, 40, 46)
_POS: RGB = (235, 90, 60)


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (
        int(a[0] + (b[0] - a[0]) * t),
        int(a[1] + (b[1] - a[1]) * t),
        int(a[2] + (b[2] - a[2]) * t),
    )


_GRAY = [(v * 255 // GRAY_LEVELS,) * 3 for v in range(GRAY_LEVELS + 1)]


@lru_cache(maxsize=16)
def _heat(zero: RGB = _ZERO) -> list[RGB]:
    """The diverging palette, levels −16..16, around ``zero``."""
    return [
        _mix(zero, _NEG if k < 0 else _POS, abs(k) / HEAT_LEVELS)
        for k in range(-HEAT_LEVELS, HEAT_LEVELS + 1)
    ]


@lru_cache(maxsize=32768)
def _packed_rgb(packed: int) -> RGB:
    scale = 255 / GRAY_LEVELS
    return (
        int((packed >> 10 & 31) * scale),
        int((packed >> 5 & 31) * scale),
        int((packed & 31) * scale),
    )


def diverging(v: float, zero: RGB = _ZERO) -> RGB:
    """−1 → blue, 0 → ``zero`` (the theme's background), +1 → red (NaN neutral,
    infinities the ends)."""
    return _heat(zero)[level(v, HEAT_LEVELS) + HEAT_LEVELS]


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
    """An engine ``Picture`` (quantised gray or packed RGB levels) as half-block lines."""
    if picture.channels >= 3:
        colours = [[_packed_rgb(p) for p in row] for row in picture.rows]
    else:
        gray = _GRAY
        colours = [[gray[v] for v in row] for row in picture.rows]
    return halfblock_lines(colours)


def heatmap_lines(heatmap: Any, zero: RGB = _ZERO) -> list[Line]:
    """An engine ``Heatmap`` (levels −16..16) as half-block lines; 0 is drawn ``zero``."""
    heat, offset = _heat(zero), HEAT_LEVELS
    return halfblock_lines([[heat[v + offset] for v in row] for row in heatmap.rows])


def strip_line(values: Sequence[float], scale: float | None = None, zero: RGB = _ZERO) -> Line:
    """One row of values as coloured cells (for long vectors such as 100 hidden units)."""
    biggest = scale if scale and math.isfinite(scale) else largest(values)
    return [Segment("█", _style(diverging(v / biggest, zero), None)) for v in values]


def background_rgb(widget: Any) -> RGB:
    """The background ``widget`` is drawn on, from the current theme (the neutral of the
    heatmaps); the dark neutral before the widget is styled."""
    try:
        colour = widget.background_colors[1]
    except Exception:  # not mounted yet
        return _ZERO
    r, g, b = colour.rgb
    return (int(r), int(g), int(b))


def text_line(text: str | Text, width: int) -> Line:
    """A Text cut or padded to ``width`` cells, as segments."""
    t = text if isinstance(text, Text) else Text(text)
    t = t.copy()
    t.truncate(width, overflow="ellipsis", pad=True)
    return [seg for seg in t.render(_console(width)) if seg.text != "\n"]


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
    cell_w = max(max((width_of(line) for line in lines[:1]), default=0) for lines, _ in cells)
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


_CONSOLES: dict[int, Console] = {}


def _console(width: int) -> Console:
    """A Console per width, made once: creating one costs about a millisecond."""
    width = max(width, 1)
    console = _CONSOLES.get(width)
    if console is None:
        console = _CONSOLES[width] = Console(
            width=width, color_system="truecolor", legacy_windows=False, force_terminal=True
        )
    return console


def render_lines(renderable: Any, width: int) -> list[Line]:
    """Any Rich renderable (Text, Table, Syntax) as lines of segments ``width`` cells wide."""
    console = _console(width)
    return console.render_lines(renderable, console.options.update(width=max(width, 1)), pad=False)
