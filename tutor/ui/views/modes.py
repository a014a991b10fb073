"""Modes: ``model.train()`` against ``model.eval()``, and what ``no_grad()`` changes.

``r`` runs the batch again with new dropout masks; ``[``/``]`` take another batch.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from tutor.course.steps import modes as kind
from tutor.course.steps.modes import ModesResult, ModesStep
from tutor.ui.views.base import StepView
from tutor.ui.widgets.gradients import batch_heading, heading, num
from tutor.ui.widgets.pixels import Line, render_lines, text_line
from tutor.ui.widgets.strips import StripView


def _values(values: Any, count: int = 6) -> str:
    return " ".join(f"{num(v, 3):>7}" for v in list(values)[:count])


class ModesView(StepView):
    """The same batch twice in each mode, BatchNorm's running statistics, no_grad."""

    BINDINGS = [
        Binding("r", "again", "key.new_masks"),
        Binding("right_square_bracket", "batch(1)", "key.batch_next"),
        Binding("left_square_bracket", "batch(-1)", "key.batch_prev", show=False),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        step = self.step
        assert isinstance(step, ModesStep)
        self.batch = step.batch
        self.seed = step.seed
        self.result: ModesResult | None = None

    def compose(self) -> ComposeResult:
        yield Static(self.tr("player.working"), id="modes-status", classes="view-status")
        yield StripView(id="modes-lines")

    def compute(self) -> ModesResult:
        return kind.compute(self.work_context(), self.batch, self.seed)

    def show(self, result: ModesResult) -> None:
        self.result = result
        self.draw()

    def width_changed(self) -> None:
        if self.is_attached:
            self.draw()

    def draw(self) -> None:
        if not self.has_parts("#modes-lines", "#modes-status") or self.result is None:
            return
        r, tr = self.result, self.tr
        width = max(self.size.width, 20)
        head = batch_heading(r, tr)
        lines: list[Line] = [
            text_line(Text(head, style="bold"), width),
            text_line(Text(tr("modes.keys", seed=r.seed), style="dim"), width),
        ]
        lines += self.dropout_lines(width)
        lines += self.batchnorm_lines(width)
        lines += self.no_grad_lines(width)
        self.query_one("#modes-status", Static).display = False
        self.query_one("#modes-lines", StripView).set_lines(lines)

    def dropout_lines(self, width: int) -> list[Line]:
        assert self.result is not None
        d, tr = self.result.demo.dropout, self.tr
        lines = heading(tr("modes.dropout"), width)
        names = ", ".join(d.layers)
        note = tr("modes.dropout.layers", layers=names) if d.layers else tr("modes.dropout.none")
        lines.append(text_line(Text(note, style="dim"), width))
        table = Table(box=None, padding=(0, 1), header_style="bold", expand=False)
        table.add_column("")
        table.add_column(tr("modes.output"))
        table.add_column(tr("modes.max_diff"), justify="right")
        table.add_row("model.train()  1", _values(d.train_first), "")
        table.add_row("model.train()  2", _values(d.train_second), f"{d.train_diff:.4g}")
        table.add_row("model.eval()   1", _values(d.eval_first), "")
        table.add_row("model.eval()   2", _values(d.eval_second), f"{d.eval_diff:.4g}")
        lines += render_lines(table, width)
        key = "modes.dropout.differ" if d.train_diff > 0 else "modes.dropout.same"
        lines += render_lines(Text(tr(key), style="yellow"), width)
        return lines

    def batchnorm_lines(self, width: int) -> list[Line]:
        assert self.result is not None
        b, tr = self.result.demo.batchnorm, self.tr
        lines = heading(tr("modes.batchnorm"), width)
        if b is None:
            lines.append(text_line(Text(tr("modes.bn.none"), style="dim"), width))
            return lines
        lines.append(
            text_line(Text(tr("modes.bn.layer", layer=b.layer, n=b.channels), style="dim"), width)
        )
        table = Table(box=None, padding=(0, 1), header_style="bold", expand=False)
        table.add_column("")
        table.add_column("running_mean")
        table.add_column("running_var")
        table.add_column("num_batches_tracked", justify="right")
        rows = (
            (tr("modes.bn.before"), b.mean_before, b.var_before, b.batches_tracked[0]),
            (tr("modes.bn.train"), b.mean_after_train, b.var_after_train, b.batches_tracked[1]),
            (tr("modes.bn.eval"), b.mean_after_eval, b.var_after_eval, b.batches_tracked[2]),
        )
        for label, mean, var, tracked in rows:
            table.add_row(label, _values(mean, 4), _values(var, 4), str(tracked))
        lines += render_lines(table, width)
        moved = tr("modes.bn.moved", train=f"{b.train_moved:.4g}", eval=f"{b.eval_moved:.4g}")
        lines += render_lines(Text(moved, style="yellow"), width)
        return lines

    def no_grad_lines(self, width: int) -> list[Line]:
        assert self.result is not None
        n, tr = self.result.demo.no_grad, self.tr
        lines = heading(tr("modes.no_grad"), width)
        table = Table(box=None, padding=(0, 1), header_style="bold", expand=False)
        table.add_column("")
        table.add_column("requires_grad")
        table.add_column("grad_fn")
        table.add_row("out = model(x)", str(n.requires_grad), str(n.grad_fn))
        table.add_row(
            tr("modes.inside_no_grad"), str(n.no_grad_requires_grad), str(n.no_grad_grad_fn)
        )
        lines += render_lines(table, width)
        same = tr("modes.same_values" if n.same_values else "modes.other_values")
        lines += render_lines(Text(same, style="yellow"), width)
        return lines

    def action_again(self) -> None:
        self.seed += 1
        self.recompute()

    def action_batch(self, delta: int) -> None:
        count = self.result.batches if self.result else 1
        self.batch = (self.batch + delta) % max(count, 1)
        self.recompute()


VIEW = ModesView
