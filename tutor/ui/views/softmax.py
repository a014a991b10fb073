"""Softmax: logits → exp → sum → probabilities → argmax → loss, and the loss three ways."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from tutor.course.steps import softmax as kind
from tutor.course.steps.softmax import SoftmaxResult, SoftmaxStep
from tutor.ui.views.base import StepView
from tutor.ui.widgets.numbers import cells


class SoftmaxView(StepView):
    """Every number of softmax by hand; ``+``/``−`` change the selected logit."""

    BINDINGS = [
        Binding("up", "select(-1)", "key.logit_prev", show=False),
        Binding("down", "select(1)", "key.logit_next", show=False),
        Binding("plus,equals_sign", "nudge(0.5)", "key.logit_up"),
        Binding("minus,underscore", "nudge(-0.5)", "key.logit_down"),
        Binding("right_square_bracket", "sample(1)", "key.sample_next"),
        Binding("left_square_bracket", "sample(-1)", "key.sample_prev"),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        step = self.step
        assert isinstance(step, SoftmaxStep)
        self.logits: list[float] | None = list(step.logits) if step.logits else None
        self.sample_index = step.sample
        self.step_model = step.model
        self.selected = 0
        self.result: SoftmaxResult | None = None

    def compose(self) -> ComposeResult:
        yield Static(self.tr("player.working"), id="softmax-body")

    def compute(self) -> SoftmaxResult:
        return kind.compute(self.work_context(), self.logits, self.sample_index)

    def show(self, result: SoftmaxResult) -> None:
        self.result = result
        if self.step_model is not None:
            # The model's logits for this sample; +/− change them from here.
            self.logits = list(result.logits)
        self.draw()

    def draw(self) -> None:
        if not self.has_parts("#softmax-body"):
            return
        if self.result is None:
            return
        b = self.result.breakdown
        names = self.result.classes
        tr = self.tr
        table = Table(expand=False, box=None, padding=(0, 1), header_style="bold")
        table.add_column("k", justify="right")
        table.add_column(tr("softmax.col.class"))
        table.add_column(tr("softmax.col.logit"), justify="right")
        table.add_column(tr("softmax.col.exp"), justify="right")
        table.add_column(tr("softmax.col.prob"), justify="right")
        table.add_column("")
        for k, z in enumerate(b.logits):
            style = "reverse" if k == self.selected else ""
            mark = "✔ " if k == b.label else ("→ " if k == b.argmax else "  ")
            name = names[k] if k < len(names) else str(k)
            table.add_row(
                str(k),
                Text(mark + name, style="bold" if k == b.argmax else ""),
                Text(f"{z:+.3f}", style=style),
                f"{b.exps[k]:.4g}",
                f"{b.probs[k]:.4f}",
                Text("█" * cells(b.probs[k], 30), style="green" if k == b.label else "yellow"),
            )
        lines = Text()
        if b.shift:
            lines.append(tr("softmax.shifted", shift=b.shift) + "\n", style="dim")
        lines.append(tr("softmax.sum", total=f"{b.total:.6g}") + "   ")
        lines.append(tr("softmax.probsum", total=sum(b.probs)) + "\n")
        lines.append(
            tr(
                "softmax.argmax",
                k=b.argmax,
                name=names[b.argmax] if b.argmax < len(names) else b.argmax,
            )
            + "\n",
            style="bold",
        )
        if b.label is not None and b.loss is not None:
            name = names[b.label] if b.label < len(names) else str(b.label)
            lines.append(
                tr("softmax.loss", k=b.label, name=name, p=b.probs[b.label], loss=b.loss) + "\n"
            )
            lines.append(tr("softmax.same", nll=b.nll, ce=b.cross_entropy) + "\n")
        if self.result.sample is not None:
            lines.append(self.tr("softmax.sample", i=self.result.sample) + "\n", style="dim")
        lines.append(tr("softmax.keys"), style="dim")
        self.query_one("#softmax-body", Static).update(Group(table, lines))

    def action_select(self, delta: int) -> None:
        if self.result is None:
            return
        self.selected = (self.selected + delta) % len(self.result.breakdown.logits)
        self.draw()

    def action_nudge(self, delta: float) -> None:
        if self.logits is None:
            return
        self.logits = list(self.logits)
        self.logits[self.selected] += delta
        self.recompute()

    def action_sample(self, delta: int) -> None:
        step = self.step
        assert isinstance(step, SoftmaxStep)
        if step.model is None:
            return
        count = self.result.count if self.result else 1
        self.sample_index = (self.sample_index + delta) % max(count, 1)
        self.logits = None  # the new sample's own logits
        self.recompute()


VIEW = SoftmaxView
