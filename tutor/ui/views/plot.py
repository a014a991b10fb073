"""Plot: activation functions, sums of units, and models fitted to a regression dataset."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from tutor.course.steps import plot as kind
from tutor.course.steps.plot import PlotResult
from tutor.ui.views.base import StepView
from tutor.ui.widgets.chart import Chart, ChartView, Series, chart_lines
from tutor.ui.widgets.verdicts import verdict_text

PLOT_HEIGHT = 18


class PlotView(StepView):
    """Curves drawn with plotext; fits are trained by the engine first (in the worker)."""

    BINDINGS = []

    def compose(self) -> ComposeResult:
        yield Static(self.tr("player.working"), id="plot-status", classes="view-status")
        yield ChartView(id="plot")
        yield Static(id="plot-notes")

    def compute(self) -> tuple[PlotResult, list[Any]]:
        result = kind.compute(self.work_context())
        return result, self._chart(result)

    def _chart(self, result: PlotResult) -> list[Any]:
        """The chart's lines for the view's width (built in a worker: it is slow)."""
        parts = [Series(s.label, s.xs, s.ys) for s in result.series]
        if result.points is not None:
            label = self.tr("plot.data.train" if result.fits else "plot.data")
            parts.append(Series(label, *result.points, scatter=True))
        if result.val_points is not None:
            parts.append(Series(self.tr("plot.data.val"), *result.val_points, scatter=True))
        parts += [Series(f.label, f.xs, f.ys) for f in result.fits]
        width, height = self.query_one("#plot", ChartView).chart_size(PLOT_HEIGHT)
        return chart_lines(Chart(parts), width, height)

    def width_changed(self) -> None:
        """The chart is built for a width: rebuild it (not the fits) when that changes."""
        result = getattr(self, "result", None)
        if result is not None:
            self.in_thread(lambda: self._chart(result), "chart")

    def on_worker_state_changed(self, event: Any) -> None:
        from textual.worker import WorkerState

        if event.worker.name == "chart" and event.state == WorkerState.SUCCESS:
            if self.has_parts("#plot"):
                self.query_one("#plot", ChartView).set_lines(event.worker.result)
            return
        super().on_worker_state_changed(event)

    def show(self, done: tuple[PlotResult, list[Any]]) -> None:
        result, lines = done
        self.result = result
        self.query_one("#plot-status", Static).display = False
        self.query_one("#plot", ChartView).set_lines(lines)
        notes = Text()
        for fit in result.fits:
            if fit.val_loss is None:
                line = self.tr("plot.fit", label=fit.label, loss=fit.loss)
            else:
                line = self.tr("plot.fit.losses", label=fit.label, loss=fit.loss, val=fit.val_loss)
            notes.append(line + "\n", style="bold")
            notes.append_text(verdict_text(fit.verdicts, self.tr, self.lang))
            for name, values in fit.params.items():
                shown = ", ".join(f"{v:.4g}" for v in values[:6]) + (
                    " …" if len(values) > 6 else ""
                )
                notes.append(f"  {name} ({len(values)}): {shown}\n", style="dim")
        notes.append_text(verdict_text(result.comparisons, self.tr, self.lang))
        self.query_one("#plot-notes", Static).update(notes)


VIEW = PlotView
