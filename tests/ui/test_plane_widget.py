"""The playground's pictures: sizes for the terminal's width, colours from the theme,
points drawn over the map, and no cell beyond the width given."""

from __future__ import annotations

from types import SimpleNamespace

from rich.text import Text
from textual.app import App
from textual.color import Color

from tutor.ui.widgets.plane import (
    CLASS_COLOURS,
    CONFIDENCE_LEVELS,
    PanelText,
    map_part,
    palette_from,
    plane_layout,
    theme_palette,
    units_part,
)


def test_layout_fits_the_width():
    wide = plane_layout(116, 8)
    assert (wide.map_px, wide.side_by_side) == (40, True)
    assert wide.per_row >= 6 and wide.map_px + 3 + wide.panel_width == 116
    narrow = plane_layout(57, 8)
    assert narrow.map_px == 24 and narrow.side_by_side
    assert narrow.unit_px == 4 and narrow.per_row == 6  # fewer, smaller unit maps
    tiny = plane_layout(30, 2)
    assert not tiny.side_by_side and tiny.map_px <= 28


def test_palette_follows_the_theme():
    app = App()
    app.theme = "textual-dark"
    dark = theme_palette(app)
    app.theme = "textual-light"
    light = theme_palette(app)
    assert dark.background == Color.parse("#121212").rgb
    assert light.background == Color.parse("#E0E0E0").rgb
    assert dark.classes == light.classes == CLASS_COLOURS
    # A theme that leaves the colours to the terminal: a plain pair stands in.
    ansi = palette_from(Color.parse("ansi_default"), None, dark=True)
    assert ansi.background == (18, 18, 18)
    assert dark.point(0, "train") == CLASS_COLOURS[0] != dark.point(0, "val")


def _bmap(rows, points=(), hidden=()) -> SimpleNamespace:
    unit = SimpleNamespace(name="x1", heatmap=SimpleNamespace(rows=[[-16, 16], [0, 8]]))
    return SimpleNamespace(classes=2, rows=rows, points=list(points), inputs=[unit], hidden=hidden)


def test_map_colours_by_class_and_confidence_with_points_on_top():
    palette = palette_from(None, None, dark=True)
    sure0, unsure, sure1 = CONFIDENCE_LEVELS, 0, (CONFIDENCE_LEVELS + 1) + CONFIDENCE_LEVELS
    point = SimpleNamespace(col=3, row=1, label=1, split="val", correct=True)
    layout = plane_layout(116, 2)
    words = PanelText("inputs", [], [Text("legend")], "+{n}")
    lines = map_part(_bmap([[sure0, unsure, sure1, sure1]] * 2, [point]), palette, layout, words)
    cells = [seg for seg in lines[0] for _ in seg.text]
    assert len(cells) == 4 and all(seg.text[0] == "▀" for seg in cells)
    top = [seg.style.color.triplet for seg in cells]
    bottom = [seg.style.bgcolor.triplet for seg in cells]
    assert top[0] != top[2]  # orange against blue

    def distance(a, b) -> int:
        return sum(abs(x - y) for x, y in zip(a, b, strict=True))

    # A coin toss fades into the theme's background; a sure pixel takes its class colour.
    assert distance(top[1], palette.background) < 30 < distance(top[0], palette.background)
    assert bottom[3] == palette.point(1, "val") != top[3]  # the point, in the second row
    assert lines[1][0].text.startswith("legend")


def test_a_row_with_more_maps_than_fit_says_how_many_are_left_out():
    palette = palette_from(None, None, dark=True)
    unit = SimpleNamespace(name="fc1", heatmap=SimpleNamespace(rows=[[0] * 4] * 4))
    layout = plane_layout(57, 8)
    bmap = _bmap([[0]], hidden=[[unit] * 8])
    words = PanelText("inputs", ["hidden layer 1"], [], "+{n}")
    lines = units_part(bmap, palette, layout, words)
    text = ["".join(seg.text for seg in line) for line in lines]
    assert text[0].startswith("inputs") and "hidden layer 1" in text[3]
    assert text[4].endswith("+3")  # 5 of 8 shown, room kept for the count
    assert all(sum(seg.cell_length for seg in line) <= layout.panel_width for line in lines)
