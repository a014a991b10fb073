"""Samples: dataset images with labels and class names; each is an (image, label) pair."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.widgets import Static

from tutor.course.schema import SamplesStep
from tutor.ui.pixels import Lines, picture_lines, tile
from tutor.ui.views.base import StepView

GAP = 2


@dataclass(frozen=True)
class SampleCard:
    index: int
    label: int
    name: str
    thumb: Any
    full: Any
    shape: tuple[int, ...]


@dataclass(frozen=True)
class SamplesResult:
    cards: list[SampleCard]
    data_name: str
    notice: str
    mean: tuple[float, ...]
    std: tuple[float, ...]
    split: str


class SamplesView(StepView):
    """A grid of thumbnails; the chosen one is drawn large with its tensor shape and label."""

    BINDINGS = [
        Binding("up", "move(-1, 0)", "Up", show=False),
        Binding("down", "move(1, 0)", "Down", show=False),
        Binding("left", "move(0, -1)", "Previous sample"),
        Binding("right", "move(0, 1)", "Next sample"),
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
        from tutor.engine.images import picture

        step = self.step
        assert isinstance(step, SamplesStep)
        data = self.load_dataset(step.dataset)
        split = data.split(step.split)
        count = max(0, min(step.count, len(split) - step.start))
        cards = []
        for i in range(step.start, step.start + count):
            image = data.image(i, step.split)  # (C, H, W), 0..1
            _, label, name = data.sample(i, step.split)
            cards.append(
                SampleCard(
                    index=i,
                    label=int(label),
                    name=name,
                    thumb=picture(image, max_h=14, max_w=16),
                    full=picture(image),
                    shape=tuple(image.shape),
                )
            )
        return SamplesResult(
            cards, data.name, data.notice, tuple(data.mean), tuple(data.std), step.split
        )

    def show(self, result: SamplesResult) -> None:
        self.result = result
        self.query_one("#samples-status", Static).update(Text(result.notice, style="dim"))
        self.draw()

    def on_resize(self) -> None:
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
        shape = "(" + ", ".join(map(str, card.shape)) + ")"
        text.append(self.tr("samples.pair", i=i) + " → ", style="bold")
        text.append(self.tr("samples.shape", shape=shape) + "\n")
        text.append(
            self.tr("samples.label", i=i, label=card.label, name=card.name) + "\n", style="bold"
        )
        mean = ", ".join(f"{m:.4f}" for m in self.result.mean)
        std = ", ".join(f"{s:.4f}" for s in self.result.std)
        text.append(self.tr("samples.norm", mean=mean, std=std) + "\n", style="dim")
        detail = Lines([*picture_lines(card.full), []])
        from rich.console import Group

        self.query_one("#samples-detail", Static).update(Group(text, detail))

    def action_move(self, rows: int, cols: int) -> None:
        if self.result is None or not self.result.cards:
            return
        n = len(self.result.cards)
        self.selected = min(max(self.selected + rows * self.per_row + cols, 0), n - 1)
