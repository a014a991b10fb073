"""A widget that shows prepared lines of segments: the fast path for pictures.

A ``Static`` holding thousands of coloured cells makes Textual measure and render the
whole Rich renderable again on every update. Views that redraw often (the forward view
on every sample, the samples grid) prepare their lines once and hand them here; each
frame only slices them into ``Strip``s.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from tutor.ui.widgets.pixels import Line


class StripView(Widget):
    """Shows ``lines`` as they are, one terminal row each; as tall as there are lines."""

    DEFAULT_CSS = """
    StripView { height: auto; width: 1fr; }
    """

    def __init__(
        self, *, id: str | None = None, classes: str | None = None, grow_only: bool = False
    ) -> None:
        """Args:
        grow_only: never get shorter (blank rows below what is shown): a view whose
            parts come and go with its keys keeps its place on the screen, and a key
            that shows less costs a repaint instead of a layout of the whole screen.
        """
        super().__init__(id=id, classes=classes)
        self._strips: list[Strip] = []
        self._width = 0
        self._grow_only = grow_only
        self._floor_width = 0

    def set_lines(self, lines: list[Line]) -> None:
        """Show ``lines``. Only a change in height or width costs a layout pass: a status
        line that changes ten times a second repaints itself and nothing else."""
        old_height, old_width = len(self._strips), self._width
        # The floor holds for one width: wrapped for another, the parts are another height.
        floor = self._grow_only and self.size.width == self._floor_width
        if floor and len(lines) < old_height:
            lines = [*lines, *([[]] * (old_height - len(lines)))]
        self._floor_width = self.size.width
        self._strips = [Strip(line) for line in lines]
        self._width = max((strip.cell_length for strip in self._strips), default=0)
        if floor:
            self._width = max(self._width, old_width)
        self.refresh(layout=(len(self._strips), self._width) != (old_height, old_width))

    @property
    def text(self) -> str:
        """The plain text of every line (for tests and screen readers)."""
        return "\n".join(strip.text for strip in self._strips)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._strips)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self._width

    def render_line(self, y: int) -> Strip:
        # Textual's cached style of this widget (``rich_style`` would walk the ancestors
        # for every line of every frame).
        style = self.visual_style.rich_style
        if 0 <= y < len(self._strips):
            # Cells without colours of their own (text, padding) take the widget's, as
            # the theme sets them; unstyled, a terminal would show its own background.
            # ``apply_style`` is cached per strip and style: a repaint costs a crop.
            return self._strips[y].apply_style(style).crop(0, self.size.width)
        return Strip([Segment(" " * self.size.width, style)])
