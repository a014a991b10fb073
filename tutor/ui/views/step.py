"""Step: ``optimizer.step()`` by hand and by ``torch.optim``, for SGD, momentum and Adam.

``s`` takes the next step with every optimizer (on the same batch), ``r`` goes back to
the model's own weights, ``l``/``L`` and ``a``/``A`` change the learning rates and
``[``/``]`` take another batch (both start again from step 0 with a fresh lab). The
step after the one shown is taken while the learner reads (``work_ahead``), so ``s``
finds it done; steps are deterministic, so it is the same step either way.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from tutor.course.steps import step as kind
from tutor.course.steps.step import OptimizerStepStep, StepResult
from tutor.course.steps.train import LR_LADDER, ladder_step
from tutor.ui.views.base import StepView
from tutor.ui.widgets.gradients import batch_heading, heading, num
from tutor.ui.widgets.grid import Cell, grid
from tutor.ui.widgets.pixels import Line, render_lines, text_line
from tutor.ui.widgets.strips import StripView

#: Steps whose losses the history line lists.
HISTORY = 8


class OptimizerStepView(StepView):
    """SGD, SGD with momentum and Adam, one step at a time, side by side."""

    BINDINGS = [
        Binding("s", "advance", "key.take_step"),
        Binding("r", "reset", "key.step_reset"),
        Binding("l", "lr(1)", "key.lr_up"),
        Binding("L", "lr(-1)", "key.lr_down"),
        Binding("a", "adam_lr(1)", "key.adam_lr_up", show=False),
        Binding("A", "adam_lr(-1)", "key.adam_lr_down", show=False),
        Binding("right_square_bracket", "batch(1)", "key.batch_next"),
        Binding("left_square_bracket", "batch(-1)", "key.batch_prev", show=False),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        step = self.step
        assert isinstance(step, OptimizerStepStep)
        self.batch = step.batch
        self.lr = step.lr
        self.adam_lr = step.adam_lr
        self.steps: int | None = None
        """Steps to take on a fresh lab (None: the step's own number)."""
        self.result: StepResult | None = None
        self.pending = True
        """A fresh lab is being made (new lr or batch): s and r wait for it, or they
        would step the old one and the change would be lost."""
        self._why: tuple[Any, list[Line]] | None = None

    def compose(self) -> ComposeResult:
        yield Static(self.tr("player.working"), id="step-status", classes="view-status")
        yield StripView(id="step-lines", grow_only=True)

    def recompute(self) -> None:
        self.pending = True
        super().recompute()

    def compute(self) -> StepResult:
        return kind.compute(self.work_context(), self.batch, self.lr, self.adam_lr, self.steps)

    def show(self, result: StepResult) -> None:
        self.pending = False
        self.result = result
        self.draw()
        # The next step while the learner reads this one: ``s`` then only looks it up.
        self.work_ahead(lambda: kind.ahead(result), "step.ahead")

    def width_changed(self) -> None:
        if self.is_attached:
            self.draw()

    # ----------------------------------------------------------------- drawing

    def names(self) -> dict[str, str]:
        return {
            "sgd": self.tr("step.name.sgd"),
            "momentum": self.tr("step.name.momentum"),
            "adam": self.tr("step.name.adam"),
        }

    def draw(self) -> None:
        if not self.has_parts("#step-lines", "#step-status") or self.result is None:
            return
        r, tr = self.result, self.tr
        width = max(self.size.width, 20)
        lines: list[Line] = []
        head = Text()
        t = r.latest.step if r.latest is not None else 0
        head.append(tr("step.head", t=t) if t else tr("step.head0"), style="bold")
        head.append("   ")
        head.append(batch_heading(r, tr))
        lines.append(text_line(head, width))
        settings = tr(
            "step.settings",
            lr=f"{r.lr:g}",
            mu=f"{r.momentum:g}",
            adam_lr=f"{r.adam_lr:g}",
            b1=f"{r.betas[0]:g}",
            b2=f"{r.betas[1]:g}",
            eps=f"{r.eps:g}",
        )
        if r.weight_decay:
            settings += "   " + tr("step.decay", wd=f"{r.weight_decay:g}")
        lines.append(text_line(Text(settings, style="dim"), width))
        lines.append(text_line(Text(tr("step.keys"), style="dim"), width))
        for verdict in r.verdicts:
            style = {True: "green", False: "red", None: "yellow"}[verdict.held]
            lines += render_lines(Text(verdict.line(self.lang), style=style), width)
        latest = r.latest
        if latest is None:
            lines.append([])
            lines += render_lines(Text(tr("step.none"), style="yellow"), width)
        else:
            lines += self.comparison_lines(latest, width)
            lines += self.history_lines(width)
        lines += self.why_lines(width)
        self.query_one("#step-status", Static).display = False
        self.query_one("#step-lines", StripView).set_lines(lines)

    def why_lines(self, width: int) -> list[Line]:
        """Why each optimizer moves as it does: wrapped once per width and language."""
        assert self.result is not None
        key = (width, self.lang, self.result.kinds)
        if self._why is None or self._why[0] != key:
            why = {
                "sgd": "step.why.sgd",
                "momentum": "step.why.momentum",
                "adam": "step.why.adam",
            }
            text = Text()
            for k in self.result.kinds:
                text.append(f"{self.names()[k]}: ", style="bold")
                text.append(self.tr(why[k]) + "\n")
            self._why = (key, heading(self.tr("step.why"), width) + render_lines(text, width))
        return self._why[1]

    def comparison_lines(self, latest: Any, width: int) -> list[Line]:
        """The loss before and after, and each chosen weight through the step."""
        tr, names = self.tr, self.names()
        results = list(latest.results)
        table: list[list[Cell]] = [[tr("step.col.quantity"), *(names[r.kind] for r in results)]]
        table.append(
            [
                Text(tr("step.loss_before", t=latest.step), style="bold"),
                *(f"{res.loss_before:.4f}" for res in results),
            ]
        )
        table.append(
            [
                Text(tr("step.loss_after"), style="bold"),
                *(
                    Text(
                        f"{res.loss_after:.4f}",
                        style="green" if res.loss_after < res.loss_before else "red",
                    )
                    for res in results
                ),
            ]
        )
        adam = next((res for res in results if res.kind == "adam"), None)
        rows: list[tuple[str, str]] = [
            ("w", "w"),
            ("grad", "grad"),
            ("lr × grad", "lr_grad"),
        ]
        if any(res.kind == "momentum" for res in results):
            rows.append((tr("step.velocity"), "velocity"))
        if adam is not None:
            rows += [("m", "m"), ("v", "v")]
            rows.append((f"m̂ = m / {adam.bias_correction1:.4g}", "m_hat"))
            rows.append((f"v̂ = v / {adam.bias_correction2:.4g}", "v_hat"))
        rows += [
            (tr("step.update"), "update"),
            (tr("step.new_w"), "new_w"),
            (tr("step.new_w_torch"), "new_w_torch"),
        ]
        for i, weight in enumerate(results[0].weights):
            index = ", ".join(map(str, weight.index))
            table.append([""])
            table.append([Text(f"{weight.name}[{index}]", style="bold cyan")])
            for label, field in rows:
                cells = [num(getattr(res.weights[i], field), 5) for res in results]
                table.append([label, *cells])
        table.append([""])
        table.append([tr("step.diff"), *(f"{res.max_abs_diff:.1e}" for res in results)])
        right = (False, *(True for _ in results))
        return heading(tr("step.table"), width) + grid(table, width, right=right)

    def history_lines(self, width: int) -> list[Line]:
        """Each optimizer's loss on the batch after every step so far."""
        assert self.result is not None
        history = self.result.history[-HISTORY:]
        if len(self.result.history) < 2:
            return []
        lines = heading(self.tr("step.history", n=len(history)), width)
        for k in self.result.kinds:
            losses = [c.of(k).loss_after for c in history]
            text = Text(f"  {self.names()[k]:<16}", style="bold")
            text.append("  ".join(f"{v:.4f}" for v in losses))
            lines.append(text_line(text, width))
        return lines

    # ----------------------------------------------------------------- keys

    def action_advance(self) -> None:
        result = self.result
        if result is None or self.pending:
            return
        self.in_thread(lambda: kind.advance(result), "view", "step.advance")

    def action_reset(self) -> None:
        result = self.result
        if result is None or self.pending:
            return
        self.workers.cancel_group(self, "view")  # a step still on its way must not land
        self.show(kind.reset(result))  # bookkeeping only: the lab keeps its steps

    def action_lr(self, direction: int) -> None:
        self.lr = ladder_step(LR_LADDER, self.lr, direction)
        self.steps = 1
        self.recompute()

    def action_adam_lr(self, direction: int) -> None:
        self.adam_lr = ladder_step(LR_LADDER, self.adam_lr, direction)
        self.steps = 1
        self.recompute()

    def action_batch(self, delta: int) -> None:
        count = self.result.batches if self.result else 1
        self.batch = (self.batch + delta) % max(count, 1)
        self.steps = 1
        self.recompute()


VIEW = OptimizerStepView
