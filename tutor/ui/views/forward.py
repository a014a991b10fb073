"""Forward: one sample through the model, every layer's output down to the logits."""

from __future__ import annotations

import math
from typing import Any

from rich.cells import cell_len
from rich.segment import Segment
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from tutor.course.steps import forward as kind
from tutor.course.steps.forward import MAX_SHIFT, ForwardResult
from tutor.text import shape_text
from tutor.ui.views.base import StepView
from tutor.ui.widgets.numbers import cells, largest
from tutor.ui.widgets.pixels import (
    Line,
    background_rgb,
    heatmap_lines,
    picture_lines,
    render_lines,
    strip_line,
    text_line,
    tile,
)
from tutor.ui.widgets.strips import StripView

BAR = 24
OUTPUT_HEADINGS = {
    "logits": "forward.logits",
    "log_probs": "forward.log_probs",
    "probs": "forward.probs",
}
"""What the model's output per class is, said above its table (no double softmax)."""


def bar(value: float, biggest: float, width: int = BAR) -> Text:
    """A signed horizontal bar: red to the right for positive, blue for negative."""
    biggest = biggest if biggest and math.isfinite(biggest) else 1.0
    n = cells(abs(value) / biggest, width)
    style = "red" if value >= 0 else "blue"
    return Text("█" * n, style=style)


def stats_text(stats: Any, tr: Any) -> Text:
    return Text(
        tr(
            "stats",
            min=stats.min,
            max=stats.max,
            mean=stats.mean,
            std=stats.std,
            zeros=stats.zero_fraction,
        ),
        style="dim",
    )


def logits_table(
    logits: list[float],
    probs: list[float] | None,
    classes: tuple[str, ...],
    label: int | None,
    predicted: int | None,
) -> Text:
    """Each class's logit and probability, with bars; the true class and prediction marked."""
    text = Text()
    biggest = largest(logits)  # NaN- and infinity-safe
    # Cells, not characters: a Hangul class name is two cells per character.
    name_w = max((cell_len(c) for c in classes), default=1)
    for k, z in enumerate(logits):
        name = classes[k] if k < len(classes) else str(k)
        mark = "✔" if k == label else " "
        style = "bold" if k == predicted else ""
        text.append(f"{mark}{k:>2} {name}{' ' * (name_w - cell_len(name))} ", style=style)
        text.append(f"{z:+8.3f} ", style=style)
        z_bar = bar(z, biggest, 12)
        z_bar.pad_right(13 - z_bar.cell_len)
        text.append_text(z_bar)
        if probs is not None:
            text.append(f"{probs[k]:6.1%} ", style=style)
            text.append("█" * cells(probs[k], 20), style="green" if k == label else "yellow")
        text.append("\n")
    return text


class ForwardView(StepView):
    """Input picture, each layer's output (maps, values, statistics), logits, units."""

    BINDINGS = [
        Binding("right_square_bracket", "sample(1)", "key.sample_next"),
        Binding("left_square_bracket", "sample(-1)", "key.sample_prev"),
        Binding("full_stop,greater_than_sign", "shift(1)", "key.shift_right", show=False),
        Binding("comma,less_than_sign", "shift(-1)", "key.shift_left", show=False),
    ]

    def __init__(self, *args: Any, model: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        step = self.step
        self.model_name = model or step.model  # type: ignore[attr-defined]
        self.sample_index = getattr(step, "sample", 0)
        self.shift = getattr(step, "shift", 0)
        self.result: ForwardResult | None = None

    def compose(self) -> ComposeResult:
        yield Static(self.tr("player.working"), id="forward-status", classes="view-status")
        yield StripView(id="forward-lines")

    def compute(self) -> ForwardResult:
        return kind.compute(self.work_context(), self.model_name, self.sample_index, self.shift)

    def show(self, result: ForwardResult) -> None:
        self.result = result
        self.draw()

    def width_changed(self) -> None:
        if not self.is_attached:
            return
        self.draw()

    def theme_changed(self) -> None:
        self.draw()

    def draw(self) -> None:
        """Lay out every part as lines of segments once; the StripView only slices them."""
        if not self.has_parts("#forward-lines"):
            return
        if self.result is None:
            return
        view = self.result.view
        width = max(self.size.width, 20)
        tr = self.tr
        zero = background_rgb(self)  # heatmaps fade into the theme's background

        info = Text()
        info.append(
            tr("forward.sample", i=self.result.index, split=self.result.split) + "\n", style="bold"
        )
        if view.label is not None and view.classes:
            info.append(tr("forward.label", label=view.label, name=view.classes[view.label]) + "\n")
        if view.predicted is not None and view.probs is not None:
            ok = view.predicted == view.label
            info.append(
                tr(
                    "forward.predicted",
                    k=view.predicted,
                    name=view.classes[view.predicted],
                    p=view.probs[view.predicted],
                )
                + ("  ✔" if ok else "  ✘")
                + "\n",
                style="green" if ok else "red",
            )
        if self.result.shift:
            info.append(tr("forward.shifted", n=self.result.shift) + "\n", style="yellow")
        info.append(
            self.tr("forward.input", shape=shape_text((1, *view.input_shape))) + "\n", style="dim"
        )
        if view.image is None:
            values = ", ".join(f"{v:.4g}" for v in view.input_values[:8])
            info.append(f"x = [{values}]\n")
        info.append(tr("forward.keys"), style="dim")
        image = picture_lines(view.image) if view.image is not None else []
        image_w = len(view.image.rows[0]) if view.image is not None else 0
        info_lines = [text_line(line, max(width - image_w - 4, 10)) for line in info.split("\n")]
        lines: list[Line] = []
        for y in range(max(len(image), len(info_lines))):
            left = image[y] if y < len(image) else []
            pad = image_w - sum(s.cell_length for s in left)
            right = info_lines[y] if y < len(info_lines) else []
            lines.append([*left, Segment(" " * (pad + 2)), *right])
        lines.append([])

        for layer in view.layers:
            head = Text()
            head.append(f"{layer.path} {layer.type}", style="bold cyan")
            head.append(f" → {shape_text(layer.shape)}  ")
            head.append_text(stats_text(layer.stats, tr))
            lines.append(text_line(head, width))
            is_logits = bool(view.logits) and layer is view.layers[-1]
            if layer.maps:
                cells = [
                    (heatmap_lines(m, zero), [tr("forward.channel", k=k)])
                    for k, m in enumerate(layer.maps)
                ]
                lines += tile(cells, width)
            elif layer.values and len(layer.values) <= 16 and not is_logits:
                biggest = max(abs(v) for v in layer.values) or 1.0
                text = Text()
                for k, v in enumerate(layer.values):
                    text.append(f"{k:>3} {v:+8.3f} ")
                    text.append_text(bar(v, biggest, 16))
                    text.append("\n")
                lines += render_lines(text, width)
            elif layer.values and not is_logits:
                strip = strip_line(layer.values, zero=zero)
                lines += [strip[i : i + width] for i in range(0, len(strip), width)]
        if view.logits is not None:
            heading = OUTPUT_HEADINGS.get(view.output_kind or "logits", "forward.logits")
            lines += render_lines(Text(tr(heading), style="bold"), width)
            table = logits_table(view.logits, view.probs, view.classes, view.label, view.predicted)
            lines += render_lines(table, width)
        if view.output_picture is not None:
            lines += render_lines(Text(tr("forward.output"), style="bold"), width)
            lines += picture_lines(view.output_picture)
        if view.units:
            title = Text(tr("forward.units", layer=view.units_layer), style="bold")
            lines += render_lines(title, width)
            cells = [
                (heatmap_lines(u, zero), [tr("forward.unit", k=k)])
                for k, u in enumerate(view.units)
            ]
            lines += tile(cells, width)
        self.query_one("#forward-status", Static).display = False
        self.query_one("#forward-lines", StripView).set_lines(lines)

    def action_sample(self, delta: int) -> None:
        count = self.result.count if self.result else 1
        self.sample_index = (self.sample_index + delta) % max(count, 1)
        self.recompute()

    def action_shift(self, delta: int) -> None:
        self.shift = max(-MAX_SHIFT, min(MAX_SHIFT, self.shift + delta))
        self.recompute()


VIEW = ForwardView
