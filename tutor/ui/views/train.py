"""Train: live training with curves, speed and device; then metrics and the trained model.

The trainer runs in a thread worker and reports through ``post_message`` (the trainer
itself sends at most ten progress events a second, and a newer progress message
replaces an older one still queued). While it runs, torch leaves one core to the UI.
"""

from __future__ import annotations

import time
from typing import Any

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from tutor.course.steps import train as kind
from tutor.course.steps.train import BATCH_LADDER, LR_LADDER, TrainStep, ladder_step
from tutor.engine.events import (
    CheckpointFailed,
    DeviceFellBack,
    EpochFinished,
    StepFinished,
    TrainingDiverged,
    TrainingFinished,
    TrainingPaused,
    TrainingResumed,
    TrainingStopped,
)
from tutor.ui import messages
from tutor.ui.messages import TrainerEvent
from tutor.ui.views.base import StepView
from tutor.ui.widgets.chart import Chart, ChartView, Series, chart_lines
from tutor.ui.widgets.metrics import metrics_renderable
from tutor.ui.widgets.numbers import cells
from tutor.ui.widgets.pixels import text_line
from tutor.ui.widgets.strips import StripView

STATUS_INTERVAL = 0.2
"""Seconds between two redraws of the status line and progress bar during an epoch."""
PLOT_POINTS = 120
PLOT_HEIGHT = 14
PLOT_INTERVAL = 0.5
"""Seconds between two redraws of the loss plot while training (its rebuild is the
expensive part of a frame; the status line still updates at every event)."""


def thin(
    xs: list[float], ys: list[float], points: int = PLOT_POINTS
) -> tuple[list[float], list[float]]:
    """Keep at most ``points`` points (evenly spaced) so redrawing stays cheap."""
    if len(xs) <= points:
        return xs, ys
    stride = len(xs) / points
    keep = [int(i * stride) for i in range(points)] + [len(xs) - 1]
    return [xs[i] for i in keep], [ys[i] for i in keep]


class TrainView(StepView):
    """Start, pause and stop training; change the learning rate and batch size."""

    BINDINGS = [
        Binding("s", "start", "key.start"),
        Binding("space", "pause", "key.pause"),
        Binding("x", "stop", "key.stop"),
        Binding("l", "lr(1)", "key.lr_up"),
        Binding("L", "lr(-1)", "key.lr_down"),
        Binding("b", "batch(1)", "key.batch_up"),
        Binding("B", "batch(-1)", "key.batch_down"),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        step = self.step
        assert isinstance(step, TrainStep)
        self.lr = step.lr
        self.batch_size = step.batch_size
        self.epochs = step.epochs
        self.trainer: Any = None
        self.state = "idle"
        self.epoch = 0
        self.loss_x: list[float] = []
        self.loss_y: list[float] = []
        self.val_x: list[float] = []
        self.val_y: list[float] = []
        self.last_epoch: Any = None
        self.last_step: Any = None
        self.result: Any = None
        self.diverged: Any = None
        self._last_plot = 0.0
        self._last_status = 0.0
        self.device_label = ""
        self.image_data = False
        """True when the run's samples are images (the trained model is then shown on one)."""

    def compose(self) -> ComposeResult:
        yield Static(id="train-settings")
        yield StripView(id="train-status")
        yield ChartView(id="train-plot")
        yield Static(id="train-result")

    def on_mount(self) -> None:
        super().on_mount()
        self.draw_settings()
        self.draw_status()

    def compute(self) -> Any:
        # Nothing to precompute: training starts on a key press.
        return None

    def on_unmount(self) -> None:
        # Leaving the step ends its run: nothing would show it any more. The trainer
        # stops within one step; what it learned so far is kept for the next steps.
        if self.trainer is not None:
            self.trainer.stop()

    def on_resize(self) -> None:
        if not self.is_attached:
            return
        # Status lines and chart are laid out for the width: redo them when it changes.
        self.draw_status()
        if self.loss_x:
            self.draw_plot(force=True)

    # ----------------------------------------------------------------- training

    def action_start(self) -> None:
        if self.state in ("running", "paused"):
            return
        self.state = "running"
        self.epoch = 0
        self.loss_x, self.loss_y, self.val_x, self.val_y = [], [], [], []
        self.result = self.diverged = self.last_epoch = self.last_step = None
        self.query_one("#train-result", Static).update("")
        self.query_one("#train-plot").display = True
        for old in self.query(".trained-forward"):
            old.remove()
        self.draw_status()
        self.in_thread(self._train, "train")

    def _train(self) -> Any:
        """The training run, in a thread; its events come back with post_message."""
        work = self.work_context()
        run = kind.start(
            work,
            lambda event: self.post_message(TrainerEvent(event)),
            lr=self.lr,
            batch_size=self.batch_size,
            epochs=self.epochs,
        )
        self.device_label = work.session.device.label
        self.trainer = run
        work.session.register(run)
        try:
            result = run.run()
        finally:
            work.session.unregister(run)
        kind.keep(work, run, result)
        self.image_data = kind.has_images(run)
        return result

    def on_trainer_event(self, message: TrainerEvent) -> None:
        event = message.event
        if isinstance(event, StepFinished):
            self.last_step = event
            self.epoch = event.epoch
            self.loss_x.append(event.epoch - 1 + event.epoch_progress)
            self.loss_y.append(event.loss)
        elif isinstance(event, EpochFinished):
            self.last_epoch = event
            self.epoch = event.epoch
            if event.val_loss is not None:
                self.val_x.append(float(event.epoch))
                self.val_y.append(event.val_loss)
        elif isinstance(event, TrainingPaused):
            self.state = "paused"
        elif isinstance(event, TrainingResumed):
            self.state = "running"
        elif isinstance(event, TrainingDiverged):
            self.state = "diverged"
            self.diverged = event
        elif isinstance(event, TrainingStopped):
            self.state = "stopped"
        elif isinstance(event, CheckpointFailed):
            self.notify(event.message, severity="warning", timeout=15)
        elif isinstance(event, DeviceFellBack):
            self.fell_back(event)
        # Small datasets finish an epoch many times a second: only the events that end
        # or pause a run redraw at once; the others wait for the next interval.
        final = isinstance(
            event,
            TrainingDiverged
            | TrainingStopped
            | TrainingPaused
            | TrainingResumed
            | TrainingFinished,
        )
        now = time.monotonic()
        if final or now - self._last_status >= STATUS_INTERVAL:
            self._last_status = now
            self.draw_status()
        self.draw_plot(force=final)
        if isinstance(event, TrainingDiverged):
            self.show_divergence()

    def fell_back(self, event: DeviceFellBack) -> None:
        """The GPU ran out of memory: the run goes on on the CPU, and so does the session."""
        self.device_label = event.device
        notice = self.tr("train.oom", message=event.reason, device=event.device)
        self.post_message(messages.DeviceFellBack(event.device, notice))
        session = self.ctx.engine.session
        if session is not None:
            self.in_thread(lambda: session.set_device("cpu"), "device", name="fall-back")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.SUCCESS and event.worker.name == "train":
            self.finished(event.worker.result)
            return
        if event.state == WorkerState.SUCCESS and event.worker.name == "plot":
            if self.has_parts("#train-plot"):
                self.query_one("#train-plot", ChartView).set_lines(event.worker.result)
            return
        super().on_worker_state_changed(event)

    def worker_failed(self, worker: Worker[Any]) -> None:
        if worker.name == "train":
            self.state = "idle"
            self.draw_status()

    def finished(self, result: Any) -> None:
        if not self.has_parts("#train-result"):
            return
        self.result = result
        self.trainer = None
        self.state = result.state
        self.draw_status()
        self.draw_plot(force=True)
        if result.state == "diverged":
            self.diverged = result.diverged
            self.show_divergence()
            return
        parts: list[Any] = []
        metrics = result.final_metrics
        if metrics is not None:
            parts.append(metrics_renderable(metrics, self.tr))
        if result.checkpoint is not None:
            parts.append(Text(self.tr("train.checkpoint", path=result.checkpoint), style="dim"))
        self.query_one("#train-result", Static).update(Group(*parts))
        step = self.step
        assert isinstance(step, TrainStep)
        if result.epochs_done > 0 and step.target == "labels" and self.image_data:
            from tutor.ui.views.forward import ForwardView

            self.mount(
                Static(Text(self.tr("train.after"), style="bold"), classes="trained-forward")
            )
            self.mount(
                ForwardView(
                    self.lesson_file, self.index, model=step.model, classes="trained-forward"
                )
            )

    def show_divergence(self) -> None:
        if not self.has_parts("#train-result"):
            return
        if self.diverged is None:
            return
        text = Text()
        text.append("⚠ " + self.tr("train.diverged") + "\n", style="bold red")
        text.append(self.diverged.explain(self.lang) + " ", style="red")
        text.append(self.tr("train.diverged.keys"), style="red")
        self.query_one("#train-result", Static).update(text)

    # ----------------------------------------------------------------- keys

    def action_pause(self) -> None:
        if self.trainer is None:
            return
        if self.state == "paused":
            self.trainer.resume()
        elif self.state == "running":
            self.trainer.pause()

    def action_stop(self) -> None:
        if self.trainer is not None:
            self.trainer.stop()

    def action_lr(self, direction: int) -> None:
        self.lr = ladder_step(LR_LADDER, self.lr, direction)
        if self.trainer is not None:
            self.trainer.set_lr(self.lr)
        self.draw_settings()

    def action_batch(self, direction: int) -> None:
        self.batch_size = int(ladder_step(BATCH_LADDER, self.batch_size, direction))
        if self.trainer is not None:
            self.trainer.set_batch_size(self.batch_size)
        self.draw_settings()

    # ----------------------------------------------------------------- display

    def draw_settings(self) -> None:
        if not self.has_parts("#train-settings"):
            return
        step = self.step
        assert isinstance(step, TrainStep)
        text = Text()
        text.append(
            self.tr(
                "train.settings",
                optimizer=step.optimizer.upper()
                + (f" (momentum {step.momentum:g})" if step.momentum else ""),
                lr=self.lr,
                batch=self.batch_size,
                epochs=self.epochs,
                loss=step.loss,
            ),
            style="bold",
        )
        if self.trainer is not None and (
            self.lr != self.trainer.lr or self.batch_size != self.trainer.batch_size
        ):
            text.append("  " + self.tr("train.pending"), style="yellow")
        text.append("\n" + self.tr("train.keys"), style="dim")
        self.query_one("#train-settings", Static).update(text)

    def draw_status(self) -> None:
        if not self.has_parts("#train-status"):
            return
        step = self.step
        assert isinstance(step, TrainStep)
        text = Text()
        if self.state == "idle":
            text.append(self.tr("train.idle"), style="bold")
        else:
            loss = self.loss_y[-1] if self.loss_y else None
            speed = self.last_epoch.samples_per_s if self.last_epoch else None
            state_style = {
                "running": "bold green",
                "paused": "bold yellow",
                "diverged": "bold red",
                "stopped": "bold yellow",
            }.get(self.state, "bold")
            text.append(
                self.tr(
                    "train.status",
                    state=self.tr(f"train.{self.state}"),
                    epoch=max(self.epoch, 1),
                    epochs=self.epochs,
                    loss=f"{loss:.4f}" if loss is not None else "—",
                    speed=f"{speed:,.0f}" if speed else "—",
                    device=self.device_label or self.ctx.device_label,
                ),
                style=state_style,
            )
            if self.last_epoch is not None and self.last_epoch.val_loss is not None:
                acc = self.last_epoch.val_accuracy
                text.append(
                    "\n"
                    + self.tr(
                        "train.val",
                        loss=f"{self.last_epoch.val_loss:.4f}",
                        acc=f"{acc:.1%}" if acc is not None else "—",
                    )
                )
        progress = 0.0
        if self.last_step is not None:
            progress = (self.last_step.epoch - 1 + self.last_step.epoch_progress) / self.epochs
        if self.last_epoch is not None:
            progress = max(progress, self.last_epoch.epoch / self.epochs)
        if self.state == "finished":
            progress = 1.0
        width = max(self.size.width, 20)
        bar_width = max(min(width - 8, 60), 10)
        done = cells(progress, bar_width)
        bar = Text("━" * done, style="green" if self.state != "diverged" else "red")
        bar.append("━" * (bar_width - done), style="dim")
        bar.append(f" {progress:4.0%}")
        lines = [text_line(line, width) for line in text.split("\n")]
        # Fixed height: status changes repaint these lines without a layout pass.
        while len(lines) < 2:
            lines.append(text_line("", width))
        lines.append(text_line(bar, width))
        self.query_one("#train-status", StripView).set_lines(lines)

    def draw_plot(self, force: bool = False) -> None:
        """Rebuild the loss chart in a worker (at most every PLOT_INTERVAL while running)."""
        if not self.has_parts("#train-plot"):
            return
        now = time.monotonic()
        if not force and now - self._last_plot < PLOT_INTERVAL:
            return
        self._last_plot = now
        xs, ys = thin(self.loss_x, self.loss_y)
        chart = Chart(
            [
                Series(self.tr("train.curve.train"), xs, ys),
                Series(self.tr("train.curve.val"), list(self.val_x), list(self.val_y)),
            ],
            xlabel=self.tr("train.epoch"),
        )
        size = self.query_one("#train-plot", ChartView).chart_size(PLOT_HEIGHT)
        self.in_thread(lambda: chart_lines(chart, *size), "plot")

    def language_changed(self) -> None:
        self.draw_settings()
        self.draw_status()
        self.draw_plot(force=True)


VIEW = TrainView
