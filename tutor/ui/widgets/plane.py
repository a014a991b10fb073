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
    halfblock_lines,
    text_line,
    tile,
    width_of,
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


@lru_cache(maxsize=8)
def _map_table(palette: PlanePalette, classes: int) -> tuple[RGB, ...]:
    """Packed pixel value (class × 17 + confidence) -> colour."""
    low, high = MAP_SHADE
    return tuple(
        mix(
            palette.background,
            palette.classes[k % 2],
            low + (high - low) * level / CONFIDENCE_LEVELS,
        )
        for k in range(classes)
        for level in range(CONFIDENCE_LEVELS + 1)
    )


@lru_cache(maxsize=8)
def _heat_table(palette: PlanePalette) -> tuple[RGB, ...]:
    """Unit level −16..16 (offset by 16) -> colour: orange below 0, blue above."""
    negative, positive = palette.classes
    return tuple(
        mix(palette.background, negative if v < 0 else positive, 0.9 * abs(v) / HEAT_LEVELS)
        for v in range(-HEAT_LEVELS, HEAT_LEVELS + 1)
    )


def map_lines(bmap: Any, palette: PlanePalette) -> list[Line]:
    """The main map: predicted class and confidence per pixel, the data points on top
    (two pixels per cell, the top row of the plane first)."""
    table = _map_table(palette, max(bmap.classes, 2))
    colours = [[table[v] for v in row] for row in bmap.rows]
    points = {
        (label, split): palette.point(label, split)
        for label in range(2)
        for split in ("train", "val", "test")
    }
    for p in bmap.points:  # training points first, so validation points land on top
        colours[p.row][p.col] = points[(p.label % 2, p.split)]
    return halfblock_lines(colours)


def unit_lines(heatmap: Any, palette: PlanePalette) -> list[Line]:
    """One unit's (or input feature's) map over the plane."""
    heat, offset = _heat_table(palette), HEAT_LEVELS
    return halfblock_lines([[heat[v + offset] for v in row] for row in heatmap.rows])


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
    """The unit maps to the right of the main map (else below it)."""
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
    panel = width - map_px - 3
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
    """Lines under the main map."""
    more: str
    """Shown after a row that has more maps than fit: ``+{n}``."""


def plane_lines(
    bmap: Any, palette: PlanePalette, layout: PlaneLayout, words: PanelText
) -> list[Line]:
    """The main map with its legend, and the unit maps beside or below it."""
    left = map_lines(bmap, palette)
    left += [text_line(line, layout.map_px) for line in words.legend]
    panel = _panel(bmap, palette, layout, words)
    if not layout.side_by_side:
        return [*left, [], *panel]
    out: list[Line] = []
    for i in range(max(len(left), len(panel))):
        line = list(left[i]) if i < len(left) else []
        pad = layout.map_px - width_of(line) + 3
        line.append(Segment(" " * pad))
        if i < len(panel):
            line.extend(panel[i])
        out.append(line)
    return out


def _panel(bmap: Any, palette: PlanePalette, layout: PlaneLayout, words: PanelText) -> list[Line]:
    """A titled row of maps per layer: the input features (named), then each hidden
    layer's units."""
    rows = [(words.inputs, bmap.inputs, True)]
    rows += [
        (words.layers[i] if i < len(words.layers) else "", maps, False)
        for i, maps in enumerate(bmap.hidden)
    ]
    width = layout.panel_width
    dim = Style(dim=True)
    out: list[Line] = []
    for title, maps, named in rows:
        out.append(text_line(Text(title, style="bold"), width))
        room = layout.per_row
        if len(maps) > room:
            room = max(1, room - 1)  # leave room for "+N" on the row
        shown = maps[:room]
        cells = [(unit_lines(m.heatmap, palette), [m.name] if named else []) for m in shown]
        lines = tile(cells, width, gap=UNIT_GAP)
        hidden = len(maps) - len(shown)
        if hidden and lines:
            lines[0] = [*lines[0], Segment(" " + words.more.format(n=hidden), dim)]
        out.extend(lines)
    return out
