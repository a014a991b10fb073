"""Charts drawn with plotext, built off the UI thread and shown as prepared lines.

A plotext chart as a Textual widget costs about 40 ms per change on the UI thread
(building the chart, parsing its ANSI text, laying out the styled text). Here the whole
build happens in a worker thread: the worker gets plain lists of numbers, returns
lines of segments, and the UI thread only slices them (see ``tutor.ui.widgets.strips``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.text import Text

from tutor.ui.widgets.pixels import Line, render_lines
from tutor.ui.widgets.strips import StripView

#: plotext's colours, cycled for the series; they read on dark and light themes.
COLOURS = ("cyan", "orange", "green", "magenta", "blue", "red", "yellow", "gray")
#: The same colours as Rich names them, for the legend drawn under the chart.
RICH_COLOURS = {"orange": "orange1", "gray": "grey50"}


@dataclass(frozen=True)
class Series:
    """One line or scatter of a chart: plain numbers, safe to hand to another thread."""

    label: str
    xs: Sequence[float]
    ys: Sequence[float]
    scatter: bool = False


@dataclass(frozen=True)
class Chart:
    """What to draw; :func:`chart_lines` turns it into lines."""

    series: Sequence[Series] = field(default_factory=tuple)
    xlabel: str = ""
    ylabel: str = ""
    vlines: Sequence[float] = field(default_factory=tuple)
    """x positions marked with a vertical line (where early stopping would stop)."""
    ylim: tuple[float, float] | None = None
    """Fixed y range (accuracy: 0 to 1), else plotext's own."""


def chart_lines(chart: Chart, width: int, height: int) -> list[Line]:
    """Build ``chart`` with plotext and return its lines (call from a worker thread)."""
    from plotext._figure import _figure_class

    width, height = max(width, 20), max(height, 6)
    figure = _figure_class()  # a private figure per build: no shared plotext state
    figure.plotsize(width, height)
    figure.theme("clear")  # terminal colours: follows the app's light or dark theme
    legend = Text()
    for n, s in enumerate(chart.series):
        if not s.xs:
            continue
        colour = COLOURS[n % len(COLOURS)]
        # No plotext legend: it measures labels in characters, and a Hangul label (two
        # cells a character) would push the chart's right border out of its frame.
        if s.scatter:
            figure.scatter(list(s.xs), list(s.ys), marker="dot", color=colour)
        else:
            figure.plot(list(s.xs), list(s.ys), marker="braille", color=colour)
        if legend:
            legend.append("   ")
        legend.append("•" if s.scatter else "━━", style=RICH_COLOURS.get(colour, colour))
        legend.append(f" {s.label}")
    for x in chart.vlines:
        figure.vertical_line(x, color="gray")
    if chart.ylim is not None:
        figure.ylim(*chart.ylim)
    if chart.xlabel:
        figure.xlabel(chart.xlabel)
    if chart.ylabel:
        figure.ylabel(chart.ylabel)
    lines = render_lines(Text.from_ansi(figure.build()), width)
    if legend:
        lines += render_lines(legend, width)
    return lines


class ChartView(StripView):
    """Shows chart lines; its size tells the worker how big to build the next chart."""

    DEFAULT_CSS = """
    ChartView { height: auto; width: 1fr; }
    """

    def chart_size(self, height: int) -> tuple[int, int]:
        """Width to build for: this widget's, or (before layout) the screen's minus margins
        and a scrollbar."""
        return max(self.size.width or self.app.size.width - 6, 20), height
