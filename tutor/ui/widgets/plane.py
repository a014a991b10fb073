"""The playground's pictures: the decision-boundary map with its data points, and the
small map of every input feature and hidden unit, as half-block lines.

They are built off the UI thread (the boundary view's map worker calls
:func:`plane_lines` with the engine's ``BoundaryMap`` and plain colours), so the UI
thread only hands the lines to a :class:`~tutor.ui.widgets.strips.StripView`.

Colours follow the theme: where the model is unsure, a pixel is the theme's background;
the surer it is, the more it takes its class's colour (Playground's orange for class 0
and blue for class 1, which read on dark and light themes alike). Data points are
pixels in the full class colour; validation points are mixed with the theme's text
colour, so the two splits are told apart. A unit's map is orange where its output is
negative and blue where it is positive, as on Playground.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.color import Color

from tutor.ui.widgets.pixels import (
    HEAT_LEVELS,
    RGB,
    Line,
    text_line,
)

CLASS_COLOURS: tuple[RGB, RGB] = ((245, 147, 34), (8, 119, 189))
"""Playground's orange (class 0) and blue (class 1)."""
CONFIDENCE_LEVELS = HEAT_LEVELS
"""Must match ``tutor.engine.boundary.CONFIDENCE_LEVELS`` (0: a coin toss, 16: sure)."""
MAP_SHADE = (0.06, 0.55)
"""How much of the class colour a pixel takes, from a coin toss to certainty: below the
points' full colour, so the points stay visible on the map."""
VALIDATION_MIX = 0.55
"""How far a validation point's colour moves towards the theme's text colour."""
UNIT_GAP = 1
"""Columns between two unit maps."""
MAP_GAP = 3
"""Columns between the main map and the unit maps beside it."""


def mix(a: RGB, b: RGB, t: float) -> RGB:
    """``a`` moved a share ``t`` (0..1) of the way to ``b``."""
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


@dataclass(frozen=True)
class PlanePalette:
    """The colours of the pictures: the theme's background and text colours, and the
    two classes'."""

    background: RGB
    foreground: RGB
    classes: tuple[RGB, RGB] = CLASS_COLOURS

    def point(self, label: int, split: str) -> RGB:
        """A data point's colour: full for training points, paler for the others."""
        colour = self.classes[label % 2]
        return colour if split == "train" else mix(colour, self.foreground, VALIDATION_MIX)


def theme_palette(app: Any) -> PlanePalette:
    """The palette of ``app``'s current theme (made once per theme)."""
    theme = app.current_theme
    palette = _THEMES.get(theme.name)
    if palette is None:
        variables = app.get_css_variables()
        colours = [_colour(variables.get(name)) for name in ("background", "foreground")]
        palette = _THEMES[theme.name] = palette_from(*colours, dark=theme.dark)
    return palette


_THEMES: dict[str, PlanePalette] = {}


def _colour(value: str | None) -> Color | None:
    """A theme variable as a colour, or None when it is not one (``ansi_default``)."""
    try:
        return Color.parse(value) if value else None
    except Exception:  # the theme leaves it to the terminal
        return None


def palette_from(background: Any, foreground: Any, dark: bool) -> PlanePalette:
    """A palette from the theme's ``background`` and ``foreground`` (anything with an
    ``rgb``, or None where the theme leaves them to the terminal): the terminal's own
    colours are unknown, so a plain dark or light pair stands in for them."""

    def rgb(colour: Any, fallback: RGB) -> RGB:
        if colour is None or getattr(colour, "ansi", None) is not None:
            return fallback
        return tuple(colour.rgb)  # type: ignore[return-value]

    dark_pair, light_pair = ((18, 18, 18), (224, 224, 224)), ((224, 224, 224), (31, 31, 31))
    back, fore = dark_pair if dark else light_pair
    return PlanePalette(rgb(background, back), rgb(foreground, fore))


class _Colours:
    """A fixed list of colours and the half-block style of every (top, bottom) pair of
    them, made as it is first needed: pixels are drawn as indices into the list, so a
    map of thousands of pixels costs a list comprehension and a few dictionary lookups,
    not a colour object per pixel (a map is drawn about seven times a second)."""

    def __init__(self, colours: Sequence[RGB]) -> None:
        self.colours = list(colours)
        self.count = len(self.colours)
        self._styles: dict[int, Style] = {}

    def style(self, pair: int) -> Style:
        """The style of ``pair`` = top index × count + bottom index."""
        style = self._styles.get(pair)
        if style is None:
            top, bottom = divmod(pair, self.count)
            (r, g, b), (r2, g2, b2) = self.colours[top], self.colours[bottom]
            style = self._styles[pair] = Style.parse(f"rgb({r},{g},{b}) on rgb({r2},{g2},{b2})")
        return style

    def lines(self, rows: Sequence[Sequence[int]]) -> list[Line]:
        """Rows of colour indices -> half-block lines, two rows a line (an odd last row
        gets the first colour below it)."""
        count, style = self.count, self.style
        out: list[Line] = []
        for y in range(0, len(rows), 2):
            top = rows[y]
            bottom = rows[y + 1] if y + 1 < len(rows) else [0] * len(top)
            line: Line = []
            run, length = -1, 0
            for pair in [a * count + b for a, b in zip(top, bottom, strict=True)]:
                if pair == run:
                    length += 1
                    continue
                if length:
                    line.append(Segment("▀" * length, style(run)))
                run, length = pair, 1
            if length:
                line.append(Segment("▀" * length, style(run)))
            out.append(line)
        return out


_SPLITS = ("train", "val", "test")


@lru_cache(maxsize=8)
def _map_colours(palette: PlanePalette, classes: int) -> _Colours:
    """Index -> colour for the main map: first each packed pixel value (class × 17 +
    confidence), then the data points, (label, split) in :data:`_SPLITS` order."""
    low, high = MAP_SHADE
    shades = [
        mix(
            palette.background,
            palette.classes[k % 2],
            low + (high - low) * level / CONFIDENCE_LEVELS,
        )
        for k in range(classes)
        for level in range(CONFIDENCE_LEVELS + 1)
    ]
    points = [palette.point(label, split) for label in range(2) for split in _SPLITS]
    return _Colours(shades + points)


@lru_cache(maxsize=8)
def _heat_colours(palette: PlanePalette) -> _Colours:
    """Unit level −16..16 (offset by 16) -> colour: orange below 0, blue above."""
    negative, positive = palette.classes
    return _Colours(
        [
            mix(palette.background, negative if v < 0 else positive, 0.9 * abs(v) / HEAT_LEVELS)
            for v in range(-HEAT_LEVELS, HEAT_LEVELS + 1)
        ]
    )


def map_lines(bmap: Any, palette: PlanePalette) -> list[Line]:
    """The main map: predicted class and confidence per pixel, the data points on top
    (two pixels per cell, the top row of the plane first)."""
    classes = max(bmap.classes, 2)
    colours = _map_colours(palette, classes)
    first_point = classes * (CONFIDENCE_LEVELS + 1)
    split_index = {split: i for i, split in enumerate(_SPLITS)}
    rows = [list(row) for row in bmap.rows]
    for p in bmap.points:  # training points first, so validation points land on top
        rows[p.row][p.col] = first_point + (p.label % 2) * len(_SPLITS) + split_index[p.split]
    return colours.lines(rows)


def unit_lines(heatmap: Any, palette: PlanePalette) -> list[Line]:
    """One unit's (or input feature's) map over the plane."""
    offset = HEAT_LEVELS
    return _heat_colours(palette).lines([[v + offset for v in row] for row in heatmap.rows])


@dataclass(frozen=True)
class PlaneLayout:
    """How big the pictures are for a width of the view, and where they go."""

    width: int
    """Cells available."""
    map_px: int
    """The main map's side in pixels (cells across; half as many rows)."""
    unit_px: int
    """Each unit map's side in pixels."""
    side_by_side: bool
    """The unit maps to the right of the main map, :data:`MAP_GAP` cells on (else
    below it)."""
    panel_width: int
    """Cells for the unit maps."""

    @property
    def per_row(self) -> int:
        """Unit maps that fit in one row of the panel; a layer with more shows that many."""
        return max(1, (self.panel_width + UNIT_GAP) // (self.unit_px + UNIT_GAP))

    @property
    def size(self) -> tuple[int, int]:
        return self.map_px, self.map_px

    @property
    def unit_size(self) -> tuple[int, int]:
        return self.unit_px, self.unit_px


def plane_layout(width: int, widest: int) -> PlaneLayout:
    """The layout for ``width`` cells and a network whose widest layer (features
    included) has ``widest`` maps: a 40-pixel map at 120 columns, 24 at 60; unit maps
    of 4 to 10 pixels, as large as lets the widest layer fit in one row."""
    width = max(width, 20)
    map_px = 40 if width >= 110 else 32 if width >= 90 else 24 if width >= 56 else 16
    map_px = min(map_px, width - 2)
    panel = width - map_px - MAP_GAP
    side = panel >= 28
    if not side:
        panel = width
    unit = (panel + UNIT_GAP) // max(widest, 1) - UNIT_GAP
    unit = max(4, min(10, unit - unit % 2))  # even: whole cells of two pixel rows
    return PlaneLayout(width, map_px, unit, side, panel)


@dataclass(frozen=True)
class PanelText:
    """The words around the pictures, already in the learner's language."""

    inputs: str
    """Title of the input features' row."""
    layers: Sequence[str]
    """Title of each hidden layer's row (the selected one marked)."""
    legend: Sequence[Text]
    """Items under the main map, as many to a line as fit."""
    more: str
    """Shown after a row that has more maps than fit: ``+{n}``."""


def map_part(bmap: Any, palette: PlanePalette, layout: PlaneLayout, words: PanelText) -> list[Line]:
    """The main map and its legend, ``layout.map_px`` cells wide."""
    lines: list[Text] = []
    for item in words.legend:
        if lines and lines[-1].cell_len + 2 + item.cell_len <= layout.map_px:
            lines[-1] = Text.assemble(lines[-1], "  ", item)
        else:
            lines.append(item)
    return [*map_lines(bmap, palette), *(text_line(line, layout.map_px) for line in lines)]


def units_part(
    bmap: Any, palette: PlanePalette, layout: PlaneLayout, words: PanelText
) -> list[Line]:
    """The small maps: a titled row per layer, ``layout.panel_width`` cells wide."""
    return _panel(bmap, palette, layout, words)


def _panel(bmap: Any, palette: PlanePalette, layout: PlaneLayout, words: PanelText) -> list[Line]:
    """A titled row of maps per layer: the input features (named), then each hidden
    layer's units. Every unit map is ``unit_px`` cells wide, so rows are laid out by
    count, without measuring segments."""
    rows = [(words.inputs, bmap.inputs, True)]
    rows += [
        (words.layers[i] if i < len(words.layers) else "", maps, False)
        for i, maps in enumerate(bmap.hidden)
    ]
    width, unit = layout.panel_width, layout.unit_px
    gap, dim = Segment(" " * UNIT_GAP), Style(dim=True)
    out: list[Line] = []
    for title, maps, named in rows:
        out.append(text_line(Text(title, style="bold"), width))
        room = layout.per_row
        if len(maps) > room:
            room = max(1, room - 1)  # leave room for "+N" on the row
        shown = [unit_lines(m.heatmap, palette) for m in maps[:room]]
        for y in range(max((len(lines) for lines in shown), default=0)):
            line: Line = []
            for i, lines in enumerate(shown):
                line.extend([gap, *lines[y]] if i else lines[y])
            out.append(line)
        if named:
            captions: Line = []
            for i, m in enumerate(maps[:room]):
                captions.extend([gap, *text_line(m.name, unit)] if i else text_line(m.name, unit))
            out.append(captions)
        hidden = len(maps) - len(shown)
        if hidden and shown:
            first = len(out) - len(shown[0]) - (1 if named else 0)
            out[first] = [*out[first], Segment(" " + words.more.format(n=hidden), dim)]
    return out
