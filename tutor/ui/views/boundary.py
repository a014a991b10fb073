"""Boundary: TensorFlow Playground in the terminal, driven by keys.

Thread workers, all handled in :meth:`StepView.on_worker_state_changed`: ``view``
builds the settings' network (fresh weights) and its data and draws its first map, so
a key shows the new network at once; ``train`` is the run (``engine.run.TrainingRun``,
reporting with ``post_message``); ``map`` draws the live model's boundary, about seven
times a second while training (one at a time: a slow map is skipped, never queued),
and the final one as soon as the run ends; ``plot`` builds the chart.

Every change of the network, the data or the L2 rate is a new *generation*: the old
run is stopped and what it still reports is dropped. A new learning rate goes to the
running run (from its next epoch).
"""

from __future__ import annotations

import time
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.worker import Worker, WorkerState

from tutor.course.steps import boundary as kind
from tutor.engine import events as ev
from tutor.errors import TutorError
from tutor.ui.views.base import StepView
from tutor.ui.views.boundary_keys import NETWORK_BINDINGS, PlaygroundKeys
from tutor.ui.views.boundary_parts import (
    RunEvent,
    Status,
    draw_map,
    keys_text,
    loss_chart,
    panel_words,
    settings_text,
    status_lines,
    verdict_text,
)
from tutor.ui.widgets.chart import ChartView, chart_lines
from tutor.ui.widgets.pixels import render_lines
from tutor.ui.widgets.plane import plane_layout, theme_palette
from tutor.ui.widgets.strips import StripView

MAP_INTERVAL = 0.15  # seconds between two boundary maps while training (about 7 a second)
UNITS_EVERY = 3  # while training, the small maps are redrawn with every third map
STATUS_INTERVAL = 0.2
PLOT_INTERVAL = 0.5
PLOT_HEIGHT = 9  # chart lines from 44 terminal rows; 6 below (at 40 the maps take 22)
PLOT_POINTS = 120


class BoundaryView(PlaygroundKeys, StepView):
    """A playground network on a 2-D set: its boundary, unit maps, loss and accuracy."""

    DEFAULT_CSS = """
    BoundaryView #boundary-maps { height: auto; layout: horizontal; }
    BoundaryView #boundary-maps.-stacked { layout: vertical; }
    BoundaryView #boundary-map { width: auto; margin: 0 3 0 0; }
    """

    BINDINGS = [
        Binding("s", "start", "key.start"),
        Binding("space", "pause", "key.pause"),
        Binding("x", "stop", "key.stop", show=False),
        Binding("r", "restart", "key.restart"),
        *NETWORK_BINDINGS,
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        step = self.step
        assert isinstance(step, kind.BoundaryStep)
        self.config = kind.playground_config(step, self.lesson_file)
        """The network and settings now, with the learner's changes."""
        self.initial = self.config
        self.allowed = set(kind.CONTROLS if step.controls is None else step.controls)
        self.selected = 0
        """The hidden layer that ``+``/``−`` widen or narrow."""
        self.generation = 0
        self.playground: Any = None
        """The engine's ``Playground`` of the current generation (fresh weights)."""
        self._runs: dict[int, Any] = {}
        """Runs by generation, until they end (old ones are being stopped)."""
        self.trained: Any = None
        """The model of this generation's last finished run (what the map shows then)."""
        self.state = "idle"
        self.history: list[ev.EpochFinished] = []
        self.last_step: ev.StepFinished | None = None
        self.result: Any = None
        self.map: Any = None
        """The last boundary map drawn (the engine's ``BoundaryMap``)."""
        self.maps_drawn = 0
        self.notice = ""
        self.lr_changed = False
        """The learning rate changed during the current run (its claims then don't apply)."""
        self.run_config: Any = None
        self._start_when_ready = False
        self._map_busy = False
        self._map_dirty = False
        self._last_status = self._last_plot = 0.0
        self._ticks = 0
        self._data: tuple[str, float] | None = None

    def compose(self) -> ComposeResult:
        # Prepared lines, not Statics: a key that changes a setting repaints its lines
        # without a layout pass of the screen (which cost tens of milliseconds a key).
        yield StripView(id="boundary-settings")
        yield StripView(id="boundary-status")
        yield StripView(id="boundary-verdict")  # beside the accuracy it is about
        with Horizontal(id="boundary-maps"):
            yield StripView(id="boundary-map")
            yield StripView(id="boundary-units")
        yield ChartView(id="boundary-plot", grow_only=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.draw_settings()
        self.draw_status()
        self.set_interval(MAP_INTERVAL, self._tick)

    def on_unmount(self) -> None:
        # Leaving the step ends its run: nothing would show it any more.
        for run in list(self._runs.values()):
            run.stop()

    @property
    def run(self) -> Any:
        """The run of the current generation, while it lasts (None otherwise)."""
        return self._runs.get(self.generation)

    def width_changed(self) -> None:
        if self.is_attached:
            self._map_dirty = True
            self.draw_settings()
            self.draw_status()
            self.draw_plot(force=True)

    theme_changed = width_changed  # the maps' colours and the chart's come from the theme

    def recompute(self) -> None:
        """Build the current generation's network and data, and draw its first map."""
        generation, config, job = self.generation, self.config, self._map_job()
        self.in_thread(lambda: self._prepare(generation, config, job), "view", name="prepare")

    def _prepare(self, generation: int, config: Any, job: dict[str, Any]) -> Any:
        """In a thread: the fresh network, its data and its map; the header names the
        data when it is other than the last named (else it would relayout per key)."""
        data, self._data = self._data, (config.dataset, config.noise)
        playground = kind.prepare(self.work_context(), config, announce=data != self._data)
        drawn = draw_map(playground.model, playground.data, job)
        return generation, playground, drawn

    def show(self, result: Any) -> None:
        generation, playground, drawn = result
        if generation != self.generation:
            return  # the learner changed the network again meanwhile
        self.playground = playground
        self.show_map(drawn)
        if self._start_when_ready:  # after the new map's frame (a run starting held it)
            self._start_when_ready = False
            self.call_after_refresh(self._start_run, generation)

    def change(self, edit: Any, control: str, restart: bool = True) -> None:
        """Apply ``edit`` (a config -> config function of the engine) for a key.

        A refused change (past a limit) is explained in place. A new network, data or
        L2 rate is a new generation: the run stops, and starts again on the new one if
        it was running.
        """
        if control not in self.allowed:
            return
        try:
            config = edit(self.config)
        except TutorError as error:
            self.notice = error.localized(self.lang)
            self.draw_settings()
            return
        self.notice = ""
        self.config = config
        self.selected = min(self.selected, max(len(config.hidden) - 1, 0))
        if restart:
            self.new_generation(keep_running=self.state == "running")
        self.draw_settings()

    def new_generation(self, keep_running: bool) -> None:
        """Drop the current network and its run; build the current config's."""
        self.generation += 1
        for run in list(self._runs.values()):
            run.stop()
        self.playground = self.result = self.trained = None
        self.state = "idle"
        self.history, self.last_step = [], None
        self._start_when_ready = keep_running
        self.query_one("#boundary-verdict", StripView).set_lines([])
        self.recompute()
        self.draw_status()
        self.draw_plot(force=True)

    # ----------------------------------------------------------------- training

    def action_start(self) -> None:
        if self.state in ("running", "paused"):
            return
        if self.playground is None:
            self._start_when_ready = True  # the network is still being built
            return
        self._start_run()

    def _start_run(self, generation: int | None = None) -> None:
        if generation is not None and (generation, self.state) != (self.generation, "idle"):
            return  # for a network since replaced, or a run already going
        self.state = "running"
        self.history, self.last_step, self.result, self.trained = [], None, None, None
        self.lr_changed = False
        self.run_config = self.config
        self.query_one("#boundary-verdict", StripView).set_lines([])
        generation, playground = self.generation, self.playground
        self.draw_status()
        self.in_thread(lambda: self._train(generation, playground), "train", name="train")

    def _train(self, generation: int, playground: Any) -> Any:
        """The run, in a thread; its events come back with post_message."""
        work = self.work_context()
        run = kind.start(
            work, playground, lambda event: self.post_message(RunEvent(generation, event))
        )
        self._runs[generation] = run
        if generation != self.generation:
            run.stop()  # the network changed while this run was being set up
        work.session.register(run)
        try:
            result = run.run()
        finally:
            work.session.unregister(run)
        return generation, run, result

    def on_run_event(self, message: RunEvent) -> None:
        if message.generation != self.generation:
            return
        event = message.event
        if isinstance(event, ev.StepFinished):
            self.last_step = event
        elif isinstance(event, ev.EpochFinished):
            self.history.append(event)
        elif isinstance(event, ev.TrainingPaused):
            self.state = "paused"
        elif isinstance(event, ev.TrainingResumed):
            self.state = "running"
        elif isinstance(event, ev.TrainingDiverged):
            self.state = "diverged"
        elif isinstance(event, ev.TrainingStopped):
            self.state = "stopped"
        elif isinstance(event, ev.DeviceFellBack):
            self.notify(self.tr("train.oom", message=event.reason, device=event.device))
        final = isinstance(
            event, ev.TrainingPaused | ev.TrainingResumed | ev.TrainingDiverged | ev.TrainingStopped
        )
        now = time.monotonic()
        if final or now - self._last_status >= STATUS_INTERVAL:
            self._last_status = now
            self.draw_status()
        if isinstance(event, ev.EpochFinished | ev.TrainingFinished):
            self.draw_plot(force=final)

    def finished(self, generation: int, run: Any, result: Any) -> None:
        """The run ended (all epochs, stopped or diverged): the last map, the claims."""
        if self._runs.get(generation) is run:
            del self._runs[generation]
        if generation != self.generation or not self.has_parts("#boundary-verdict"):
            return
        self.trained = run.model
        self.result = result
        self.state = result.state
        self._map_dirty = True
        self._tick()  # the final weights' map, now rather than at the next tick
        self.draw_status()
        self.draw_plot(force=True)
        self.show_verdicts()

    def show_verdicts(self) -> None:
        """The lesson's claims about the run, when the run was the step as written."""
        step, result = self.step, self.result
        assert isinstance(step, kind.BoundaryStep)
        as_written = self.run_config == self.initial and not self.lr_changed
        if step.outcome and as_written and result.state in ("finished", "diverged"):
            text = verdict_text(kind.verdicts(step, result), self.tr, self.lang)
            width = max(self.size.width, 20)
            self.query_one("#boundary-verdict", StripView).set_lines(render_lines(text, width))

    def action_pause(self) -> None:
        if self.run is None:
            return
        if self.state == "paused":
            self.run.resume()
        elif self.state == "running":
            self.run.pause()

    def action_stop(self) -> None:
        if self.run is not None:
            self.run.stop()

    def action_restart(self) -> None:
        """Fresh weights (the next seed) and a new run at once, as Playground's button."""
        self.config = self.config.replace(seed=self.config.seed + 1)
        self.notice = ""
        self.new_generation(keep_running=True)
        self.draw_settings()

    def lr_changed_live(self) -> None:
        """A new learning rate: the running run takes it from its next epoch."""
        run = self.run
        if run is not None and self.state in ("running", "paused"):
            run.set_lr(self.config.lr)
            self.lr_changed = self.lr_changed or self.config.lr != self.run_config.lr

    def code_state(self) -> Any:
        """The network on screen now, and the epochs it trained (or the step's)."""
        step = self.step
        assert isinstance(step, kind.BoundaryStep)
        epochs = self.history[-1].epoch if self.history else step.epochs or kind.CODE_EPOCHS
        return kind.LiveNetwork(self.config, epochs)

    # ----------------------------------------------------------------- the map

    def _tick(self) -> None:
        """About seven times a second: a new map while training (or after a change)."""
        if self._map_busy or self.playground is None or not self.has_parts("#boundary-map"):
            return
        if self.state in ("running", "paused") or self._map_dirty:
            self._map_dirty = False
            run = self.run
            model = run.model if run is not None else self.trained
            model = model if model is not None else self.playground.model
            # The small maps at a third of the rate while training (about 2 a second,
            # as charts): repainting them is most of a frame's cost.
            self._ticks += 1
            units = self.state not in ("running", "paused") or self._ticks % UNITS_EVERY == 0
            generation, data = self.generation, self.playground.data
            job = self._map_job(units)
            self._map_busy = True
            self.in_thread(lambda: (generation, draw_map(model, data, job)), "map", name="map")

    def _map_job(self, units: bool = True) -> dict[str, Any]:
        """What drawing a map needs from the UI thread: sizes, colours and words."""
        config = self.config
        width = max(self.size.width or self.app.size.width - 6, 20)
        layout = plane_layout(width, max(len(config.features), *config.hidden, 1))
        palette = theme_palette(self.app)
        selected = self.selected if "width" in self.allowed else None
        words = panel_words(config, selected, palette, self.tr)
        return {"layout": layout, "palette": palette, "words": words, "units": units}

    def show_map(self, drawn: tuple[Any, list[Any], Any, bool]) -> None:
        if not self.has_parts("#boundary-map", "#boundary-units"):
            return
        self.map, lines, units, side_by_side = drawn
        self.maps_drawn += 1
        self.query_one("#boundary-map", StripView).set_lines(lines)
        if units is not None:
            self.query_one("#boundary-units", StripView).set_lines(units)
        self.query_one("#boundary-maps").set_class(not side_by_side, "-stacked")
        now = time.monotonic()
        if self.state not in ("running", "paused") or now - self._last_status >= STATUS_INTERVAL:
            self._last_status = now
            self.draw_status()  # the accuracy shown is the map's

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        name = event.worker.name
        if name == "map" and event.state not in (WorkerState.PENDING, WorkerState.RUNNING):
            self._map_busy = False
        if event.state == WorkerState.SUCCESS and name == "map":
            generation, drawn = event.worker.result
            if generation == self.generation:
                self.show_map(drawn)
            if self._map_dirty and self.state not in ("running", "paused"):
                self._tick()  # a change came while this map was drawn: its map at once
            return
        if event.state == WorkerState.SUCCESS and name == "train":
            self.finished(*event.worker.result)
            return
        if name == "train" and event.state == WorkerState.CANCELLED:
            self._runs = {g: r for g, r in self._runs.items() if g == self.generation}
        if event.state == WorkerState.SUCCESS and name == "plot":
            if self.has_parts("#boundary-plot"):
                self.query_one("#boundary-plot", ChartView).set_lines(event.worker.result)
            return
        super().on_worker_state_changed(event)

    def worker_failed(self, worker: Worker[Any]) -> None:
        if worker.name == "train":
            self._runs.pop(self.generation, None)
            self.state = "idle"
            self.draw_status()

    # ----------------------------------------------------------------- text

    def draw_settings(self) -> None:
        if not self.has_parts("#boundary-settings"):
            return
        text = settings_text(self.config, self.selected, self.allowed, self.tr)
        if self.notice:
            text.append("\n⚠ " + self.notice, style="yellow")
        keys = keys_text(self.allowed, self.tr)
        text.append("\n" + keys, style="dim")
        width = max(self.size.width, 20)
        self.query_one("#boundary-settings", StripView).set_lines(render_lines(text, width))

    def draw_status(self) -> None:
        if not self.has_parts("#boundary-status"):
            return
        test = self.result.test_metrics if self.result is not None else None
        status = Status(
            self.state,
            self.last_step.epoch if self.last_step is not None else 0,
            getattr(self.step, "epochs", None),
            self.history[-1] if self.history else None,
            self.map.accuracy if self.map is not None else None,
            test.accuracy if test is not None else None,
        )
        lines = status_lines(status, max(self.size.width, 20), self.tr)
        self.query_one("#boundary-status", StripView).set_lines(lines)

    def draw_plot(self, force: bool = False) -> None:
        """The loss and accuracy per epoch, built in a worker (at most twice a second)."""
        if not self.has_parts("#boundary-plot"):
            return
        now = time.monotonic()
        if not force and now - self._last_plot < PLOT_INTERVAL:
            return
        self._last_plot = now
        plot = self.query_one("#boundary-plot", ChartView)
        if not self.history:  # blank at its height: a chart coming and going moved the
            plot.set_lines([])  # scrollbar, and the new width asked for every part again
            return
        chart = loss_chart(self.history, self.tr, PLOT_POINTS)
        size = plot.chart_size(PLOT_HEIGHT if self.app.size.height >= 44 else 6)
        self.in_thread(lambda: chart_lines(chart, *size), "plot", name="plot")

    def language_changed(self) -> None:
        self.draw_settings()
        self.draw_status()
        self.draw_plot(force=True)
        self._map_dirty = True
        if self.result is not None:
            self.show_verdicts()


VIEW = BoundaryView
