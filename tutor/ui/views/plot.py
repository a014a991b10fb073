"""Plot: activation functions, sums of units, and models fitted to a regression dataset."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from tutor.course.schema import PlotStep, localize
from tutor.ui.plot import Chart, ChartView, Series, chart_lines
from tutor.ui.views.base import StepView


@dataclass(frozen=True)
class FitLine:
    label: str
    xs: list[float]
    ys: list[float]
    loss: float
    params: dict[str, list[float]]


@dataclass(frozen=True)
class PlotResult:
    series: list[Any] = field(default_factory=list)
    points: tuple[list[float], list[float]] | None = None
    fits: list[FitLine] = field(default_factory=list)
    lines: list[Any] = field(default_factory=list)
    """The chart, already built for the view's width (in the worker)."""


PLOT_HEIGHT = 18


class PlotView(StepView):
    """Curves drawn with plotext; fits are trained by the engine first (in the worker)."""

    BINDINGS = []

    def compose(self) -> ComposeResult:
        yield Static(self.tr("player.working"), id="plot-status", classes="view-status")
        yield ChartView(id="plot")
        yield Static(id="plot-notes")

    def compute(self) -> PlotResult:
        from tutor.engine.functions import activation_series, curve_series

        step = self.step
        assert isinstance(step, PlotStep)
        low, high = step.x
        series = activation_series(step.functions, low, high)
        labels = [
            localize(c.label, self.lang) if c.label else f"curve {i + 1}"
            for i, c in enumerate(step.curves)
        ]
        series += curve_series(step.curves, low, high, labels)
        result = self._fits(step, series) if step.fits else PlotResult(series=series)
        return PlotResult(result.series, result.points, result.fits, self._chart(result))

    def _chart(self, result: PlotResult) -> list[Any]:
        """The chart's lines, built here in the worker thread."""
        parts = [Series(s.label, s.xs, s.ys) for s in result.series]
        if result.points is not None:
            parts.append(Series(self.tr("plot.data"), *result.points, scatter=True))
        parts += [Series(f.label, f.xs, f.ys) for f in result.fits]
        width, height = self.query_one("#plot", ChartView).chart_size(PLOT_HEIGHT)
        return chart_lines(Chart(parts), width, height)

    def _fits(self, step: PlotStep, series: list[Any]) -> PlotResult:
        from tutor.engine.fits import fit_regression, points

        session = self.session()
        data = self.load_dataset(step.dataset)
        everything = data.split("all") if data.all is not None else data.train
        fits = []
        for fit in step.fits:
            spec = self.lesson_file.specs[fit.model]
            model = session.fresh_model(spec, seed=fit.seed)
            done = fit_regression(
                model, everything.x, everything.y, fit.config(), device=session.device.torch_device
            )
            label = localize(fit.label, self.lang) if fit.label else fit.model
            fits.append(FitLine(label, done.xs, done.ys, done.loss, done.parameters))
            session.set_trained((self.lesson_id, fit.model), spec, model, done.result)
        return PlotResult(series=series, points=points(everything.x, everything.y), fits=fits)

    def on_resize(self) -> None:
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

    def show(self, result: PlotResult) -> None:
        self.result = result
        self.query_one("#plot-status", Static).display = False
        self.query_one("#plot", ChartView).set_lines(result.lines)
        notes = Text()
        for fit in result.fits:
            notes.append(self.tr("plot.fit", label=fit.label, loss=fit.loss) + "\n", style="bold")
            for name, values in fit.params.items():
                shown = ", ".join(f"{v:.4g}" for v in values[:6]) + (
                    " …" if len(values) > 6 else ""
                )
                notes.append(f"  {name} ({len(values)}): {shown}\n", style="dim")
        self.query_one("#plot-notes", Static).update(notes)
