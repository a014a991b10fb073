"""Samples: dataset images with labels and class names; each is an (image, label) pair."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.widgets import Static

from tutor.course.steps import samples as kind
from tutor.course.steps.samples import SamplesResult
from tutor.text import shape_text
from tutor.ui.views.base import StepView
from tutor.ui.widgets.pixels import Lines, picture_lines, tile

GAP = 2


class SamplesView(StepView):
    """A grid of thumbnails; the chosen one is drawn large with its tensor shape and label."""

    BINDINGS = [
        Binding("up", "move(-1, 0)", "key.up", show=False),
        Binding("down", "move(1, 0)", "key.down", show=False),
        Binding("left", "move(0, -1)", "key.sample_prev"),
        Binding("right", "move(0, 1)", "key.sample_next"),
    ]

    selected: reactive[int] = reactive(0, init=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.result: SamplesResult | None = None
        self.per_row = 1

    def compose(self) -> ComposeResult:
        yield Static(self.tr("player.working"), classes="view-status", id="samples-status")
        yield Static(id="samples-grid")
        yield Static(id="samples-detail")

    def compute(self) -> SamplesResult:
        return kind.compute(self.work_context())

    def show(self, result: SamplesResult) -> None:
        self.result = result
        notice = result.data.notice_in(self.lang)
        self.query_one("#samples-status", Static).update(Text(notice, style="dim"))
        self.draw()

    def width_changed(self) -> None:
        if not self.is_attached:
            return
        self.draw()

    def watch_selected(self) -> None:
        self.draw()

    def draw(self) -> None:
        if not self.has_parts("#samples-grid", "#samples-detail"):
            return
        if self.result is None or not self.result.cards:
            return
        width = max(self.size.width, 20)
        cells = []
        for n, card in enumerate(self.result.cards):
            caption = Text(
                f"{card.label} {card.name}", style="reverse bold" if n == self.selected else ""
            )
            cells.append((picture_lines(card.thumb), [caption]))
        cell_w = max(len(c.thumb.rows[0]) for c in self.result.cards)
        self.per_row = max(1, (width + GAP) // (cell_w + GAP))
        self.query_one("#samples-grid", Static).update(Lines(tile(cells, width, GAP)))

        card = self.result.cards[self.selected]
        text = Text()
        i = card.index
        shape = shape_text(card.shape)
        text.append(self.tr("samples.pair", i=i) + " → ", style="bold")
        text.append(self.tr("samples.shape", shape=shape) + "\n")
        text.append(
            self.tr("samples.label", i=i, label=card.label, name=card.name) + "\n", style="bold"
        )
        mean = ", ".join(f"{m:.4f}" for m in self.result.mean)
        std = ", ".join(f"{s:.4f}" for s in self.result.std)
        text.append(self.tr("samples.norm", mean=mean, std=std) + "\n", style="dim")
        text.append(self.tr("samples.keys") + "\n", style="dim")
        detail = Lines([*picture_lines(card.full), []])
        from rich.console import Group

        self.query_one("#samples-detail", Static).update(Group(text, detail))

    def action_move(self, rows: int, cols: int) -> None:
        if self.result is None or not self.result.cards:
            return
        n = len(self.result.cards)
        self.selected = min(max(self.selected + rows * self.per_row + cols, 0), n - 1)


VIEW = SamplesView
