"""Backward: one minibatch's loss and every gradient, the chain rule, and zero_grad().

``[``/``]`` take another minibatch and ``t`` switches ``model.train()``/``model.eval()``:
a new forward and backward pass, in a worker. ``↑``/``↓`` (layer), ``+``/``−`` (unit)
and ``,``/``.`` (sample of the batch) only index into the pass the engine kept, in a
worker too, and the view draws what is there.

While the learner reads, the passes those keys would ask for (the next and the previous
batch, the other mode) are computed ahead, one at a time (``work_ahead``): a pass is the
same whenever it is computed (fixed seed), and ``]`` then only draws.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from tutor.course.steps import backward as kind
from tutor.course.steps.backward import BackwardResult, BackwardStep
from tutor.ui.views.base import StepView
from tutor.ui.widgets.gradients import (
    activity_lines,
    batch_heading,
    chain_lines,
    gradient_maps,
    heading,
    norm_bars,
    param_table,
    symmetry_lines,
    zero_grad_lines,
)
from tutor.ui.widgets.pixels import Line, render_lines, text_line
from tutor.ui.widgets.strips import StripView


class BackwardView(StepView):
    """The loss, each ``.grad`` beside its weight, norms, heatmaps, the chain rule."""

    BINDINGS = [
        Binding("right_square_bracket", "batch(1)", "key.batch_next"),
        Binding("left_square_bracket", "batch(-1)", "key.batch_prev"),
        Binding("up", "layer(-1)", "key.layer_prev", show=False),
        Binding("down", "layer(1)", "key.layer_next", show=False),
        Binding("plus,equals_sign", "unit(1)", "key.unit_next"),
        Binding("minus,underscore", "unit(-1)", "key.unit_prev"),
        Binding("full_stop,greater_than_sign", "sample(1)", "key.sample_in_batch_next"),
        Binding("comma,less_than_sign", "sample(-1)", "key.sample_in_batch_prev", show=False),
        Binding("t", "mode", "key.train_eval"),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        step = self.step
        assert isinstance(step, BackwardStep)
        self.batch = step.batch
        self.train_mode = step.train_mode
        self.layer_name: str | None = step.layer
        self.unit = step.unit
        self.sample = step.sample
        self.result: BackwardResult | None = None
        self.pending = True
        """A new pass is being computed: indexing keys wait for it."""
        self._parts: dict[str, tuple[Any, tuple[Any, ...], list[Line]]] = {}
        self._ahead: dict[tuple[int, bool], BackwardResult] = {}
        """Passes by (batch, train mode): the one shown and its neighbours."""
        self._fetching: tuple[int, bool] | None = None
        """The pass being computed ahead, if any (one at a time)."""
        self._awaited: tuple[int, bool] | None = None
        """The pass a key asked for while it was being computed ahead: shown when done."""

    def compose(self) -> ComposeResult:
        yield Static(self.tr("player.working"), id="backward-status", classes="view-status")
        yield StripView(id="backward-lines", grow_only=True)

    # ----------------------------------------------------------------- work

    def recompute(self) -> None:
        self.pending = True
        super().recompute()

    def compute(self) -> BackwardResult:
        return kind.compute(
            self.work_context(),
            self.batch,
            self.train_mode,
            self.layer_name,
            self.unit,
            self.sample,
        )

    def look(self) -> None:
        """Another layer, unit or sample of the kept pass (indexing only)."""
        result = self.result
        if result is None or self.pending:
            return
        layer, unit, sample = self.layer_name, self.unit, self.sample
        self.in_thread(lambda: kind.look(result, layer, unit, sample), "view", "backward.look")

    def show(self, result: BackwardResult) -> None:
        self.pending = False
        self.result = result
        self.batch, self.layer_name = result.batch, result.layer
        self.unit, self.sample = result.unit, result.sample
        self.draw()
        self._ahead[(result.batch, result.train_mode)] = result
        self.fetch_ahead()

    def neighbours(self) -> list[tuple[int, bool]]:
        """The passes the batch and mode keys would ask for next, likeliest first."""
        r = self.result
        if r is None:
            return []
        count = max(r.batches, 1)
        wanted = [
            ((r.batch + 1) % count, r.train_mode),
            ((r.batch - 1) % count, r.train_mode),
            (r.batch, not r.train_mode),
        ]
        here = (r.batch, r.train_mode)
        return [key for i, key in enumerate(wanted) if key != here and key not in wanted[:i]]

    def fetch_ahead(self) -> None:
        """Compute the next missing neighbour pass, if none is being computed."""
        wanted = self.neighbours()
        if self.result is not None:
            keep = {*wanted, (self.result.batch, self.result.train_mode)}
            self._ahead = {k: v for k, v in self._ahead.items() if k in keep}
        missing = [key for key in wanted if key not in self._ahead]
        if self._fetching is not None or not missing:
            return
        key = self._fetching = missing[0]
        layer, unit, sample = self.layer_name, self.unit, self.sample

        def work() -> tuple[tuple[int, bool], BackwardResult]:
            return key, kind.compute(self.work_context(), key[0], key[1], layer, unit, sample)

        self.work_ahead(work, "backward.ahead")

    def ahead_done(self, result: tuple[tuple[int, bool], BackwardResult] | None) -> None:
        self._fetching = None
        if result is not None:
            key, computed = result
            self._ahead[key] = computed
        if self._awaited is not None:
            self._awaited = None
            self.take_pass()  # found now, or (the work failed) computed on demand
            return
        self.fetch_ahead()

    def width_changed(self) -> None:
        if self.is_attached:
            self.draw()

    # ----------------------------------------------------------------- drawing

    def part(
        self, name: str, sources: tuple[Any, ...], make: Callable[[], list[Line]]
    ) -> list[Line]:
        """The lines of one part, made again only when its numbers, the width or the
        language changed: another unit redraws the chain rule, not the tables."""
        key = (tuple(map(id, sources)), max(self.size.width, 20), self.lang)
        cached = self._parts.get(name)
        # The cache holds the sources themselves, so their ids cannot be reused meanwhile.
        if cached is None or cached[0] != key:
            cached = (key, sources, make())
            self._parts[name] = cached
        return cached[2]

    def draw(self) -> None:
        if not self.has_parts("#backward-lines", "#backward-status") or self.result is None:
            return
        r = self.result
        tr = self.tr
        width = max(self.size.width, 20)
        head = Text()
        head.append(
            batch_heading(r, tr) + "   ",
            style="bold",
        )
        head.append("model.train()" if r.train_mode else "model.eval()", style="yellow")
        if r.init != "default":
            init = {"zeros": "backward.init.zeros", "large": "backward.init.large"}[r.init]
            head.append("   " + tr(init), style="yellow")
        lines: list[Line] = [text_line(head, width)]
        loss = Text(tr("backward.loss", loss=f"{r.summary.loss:.4f}"), style="bold")
        lines.append(text_line(loss, width))
        lines.append(text_line(Text(tr("backward.keys"), style="dim"), width))
        for verdict in r.verdicts:
            style = {True: "green", False: "red", None: "yellow"}[verdict.held]
            lines += render_lines(Text(verdict.line(self.lang), style=style), width)
        lines += heading(tr("backward.params"), width)
        lines += self.part("params", (r.summary,), lambda: param_table(r.summary, tr, width))
        lines += heading(tr("backward.norms"), width)
        lines += norm_bars(r.summary, r.layer, width)
        if r.maps is not None:
            lines += heading(tr("backward.maps", layer=r.layer, unit=r.unit), width)
            lines += self.part(
                "maps",
                (r.maps, r.unit),
                lambda: gradient_maps(r.maps, r.maps_first, r.unit, tr, width),
            )
        if r.chain is not None:
            lines += heading(tr("backward.chain"), width)
            lines += chain_lines(r.chain, tr, width)
        elif r.chain_error is not None:
            lines += heading(tr("backward.chain"), width)
            message = Text(r.chain_error.localized(self.lang), style="yellow")
            lines += render_lines(message, width)
        if r.zero_grad is not None:
            lines += heading(tr("backward.zero"), width)
            lines += self.part(
                "zero", (r.zero_grad,), lambda: zero_grad_lines(r.zero_grad, tr, width)
            )
        if r.activity:
            lines += heading(tr("backward.activity"), width)
            lines += self.part(
                "activity", (r.activity,), lambda: activity_lines(r.activity, tr, width)
            )
        if r.symmetry is not None:
            lines += heading(tr("backward.symmetry"), width)
            lines += symmetry_lines(r.symmetry, tr, width)
        self.query_one("#backward-status", Static).display = False
        self.query_one("#backward-lines", StripView).set_lines(lines)

    # ----------------------------------------------------------------- keys

    def action_batch(self, delta: int) -> None:
        count = self.result.batches if self.result else 1
        self.batch = (self.batch + delta) % max(count, 1)
        self.take_pass()

    def action_mode(self) -> None:
        self.train_mode = not self.train_mode
        self.take_pass()

    def take_pass(self) -> None:
        """Show the pass of ``batch`` and ``train_mode``: computed ahead if it was (then
        only indexed for the layer, unit and sample chosen since), else now."""
        key = (self.batch, self.train_mode)
        kept = self._ahead.get(key)
        self._awaited = None
        if kept is None and key == self._fetching:
            # Being computed ahead already: computing it twice at once would only make
            # both slower on a small CPU.
            self.workers.cancel_group(self, "view")
            self.pending, self._awaited = True, key
            return
        if kept is None:
            self.recompute()
            return
        layer, unit, sample = self.layer_name, self.unit, self.sample
        if (kept.layer, kept.unit, kept.sample) == (layer, unit, sample):
            self.workers.cancel_group(self, "view")  # an older key's pass must not land
            self.show(kept)
            return
        self.pending = True
        self.in_thread(lambda: kind.look(kept, layer, unit, sample), "view", "backward.look")

    def action_layer(self, delta: int) -> None:
        if self.result is None or not self.result.layers:
            return
        layers = self.result.layers
        here = layers.index(self.layer_name) if self.layer_name in layers else 0
        self.layer_name = layers[(here + delta) % len(layers)]
        self.unit = 0
        self.look()

    def action_unit(self, delta: int) -> None:
        if self.result is None:
            return
        self.unit = (self.unit + delta) % max(self.result.units, 1)
        self.look()

    def action_sample(self, delta: int) -> None:
        if self.result is None:
            return
        self.sample = (self.sample + delta) % max(self.result.batch_size, 1)
        self.look()


VIEW = BackwardView
