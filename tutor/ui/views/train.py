"""Train: live training with curves, speed and device; then metrics and the trained model.

The run (``tutor.engine.run.TrainingRun``) trains in a thread worker and reports through
``post_message`` (at most ten progress events a second; a newer progress message
replaces an older one still queued). While it runs, torch leaves one core to the UI.

Two charts show the run per epoch: training and validation loss, and training and
validation accuracy, with the step's earlier runs beside them (labelled with their
settings) and a line where the validation loss was lowest (early stopping). After a run,
what the lesson says the run shows (``outcome:``) is checked and said.
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
from tutor.engine.config import EARLY_STOP_PATIENCE
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
from tutor.engine.outcome import judge
from tutor.ui import messages
from tutor.ui.messages import TrainerEvent
from tutor.ui.views.base import StepView
from tutor.ui.views.train_text import activity_text, status_lines
from tutor.ui.widgets.chart import ChartView, chart_lines
from tutor.ui.widgets.metrics import metrics_renderable
from tutor.ui.widgets.run_charts import RunRecord, accuracy_chart, loss_chart
from tutor.ui.widgets.strips import StripView
from tutor.ui.widgets.verdicts import verdict_text

STATUS_INTERVAL = 0.2
"""Seconds between two redraws of the status line and progress bar during an epoch."""
PLOT_HEIGHT = 12
PLOT_INTERVAL = 0.5
"""Seconds between two rebuilds of the charts while training (their build is the
expensive part of a frame; the status line still updates more often)."""
SWITCH_NAMES = {"dropout": "train.toggle.dropout", "weight_decay": "train.toggle.weight_decay"}
SWITCH_KEYS = {"dropout": "train.keys.dropout", "weight_decay": "train.keys.weight_decay"}
ON_OFF = {True: "train.on", False: "train.off"}
FINAL = (TrainingDiverged, TrainingStopped, TrainingPaused, TrainingResumed, TrainingFinished)
"""Events that end or pause a run: drawn at once, not at the next interval."""


class TrainView(StepView):
    """Start, pause and stop training; change the learning rate and batch size; flip
    the step's switches (dropout, weight decay)."""

    BINDINGS = [
        Binding("s", "start", "key.start"),
        Binding("space", "pause", "key.pause"),
        Binding("x", "stop", "key.stop"),
        Binding("l", "lr(1)", "key.lr_up"),
        Binding("L", "lr(-1)", "key.lr_down"),
        Binding("b", "batch(1)", "key.batch_up"),
        Binding("B", "batch(-1)", "key.batch_down"),
        Binding("d", "toggle('dropout')", "key.dropout"),
        Binding("w", "toggle('weight_decay')", "key.weight_decay"),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        step = self.step
        assert isinstance(step, TrainStep)
        self.lr = step.lr
        self.batch_size = step.batch_size
        self.epochs = step.epochs
        self.switches = {name: True for name in step.toggles}
        """The step's switches, on as the lesson wrote them until the learner flips one."""
        self.trainer: Any = None
        self.state = "idle"
        self.record: RunRecord | None = None
        self.last_epoch: EpochFinished | None = None
        self.last_step: Any = None
        self.result: Any = None
        self.diverged: TrainingDiverged | None = None
        self._last_plot = 0.0
        self._last_status = 0.0
        self.device_label = ""
        self.image_data = False
        """True when the run's samples are images (the trained model is then shown on one)."""

    @property
    def earlier(self) -> list[RunRecord]:
        """The step's finished runs before this one (kept while the app runs)."""
        return self.ctx.runs.setdefault((self.lesson_id, self.index), [])

    def compose(self) -> ComposeResult:
        yield Static(id="train-settings")
        yield StripView(id="train-status")
        yield ChartView(id="train-plot")
        yield ChartView(id="train-accuracy")
        yield Static(id="train-notes")
        yield Static(id="train-result")

    def on_mount(self) -> None:
        super().on_mount()
        self.draw_settings()
        self.draw_status()
        if self.earlier:  # back on the step: its earlier runs are still there
            self.draw_plot(force=True)

    def compute(self) -> Any:
        return None  # nothing to precompute: training starts on a key press

    def on_unmount(self) -> None:
        # Leaving the step ends its run: nothing would show it any more. The trainer
        # stops within one step; what it learned so far is kept for the next steps.
        if self.trainer is not None:
            self.trainer.stop()

    def width_changed(self) -> None:
        if self.is_attached:
            self.draw_status()  # laid out for the width: redo them when it changes
            self.draw_plot(force=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The switch keys exist only on steps that offer them."""
        if action == "toggle":
            return bool(parameters) and parameters[0] in self.switches
        return True

    # ----------------------------------------------------------------- training

    def action_start(self) -> None:
        if self.state in ("running", "paused"):
            return
        if self.record is not None and self.record.epochs:
            self.earlier.append(self.record)
        self.state = "running"
        label = self.tr("train.run_label", lr=self.lr, batch=self.batch_size)
        for name, on in self.switches.items():
            label += " · " + self.tr(
                f"train.toggle.{name}", state=self.tr(f"train.{'on' if on else 'off'}")
            )
        self.record = RunRecord(label)
        self.result = self.diverged = self.last_epoch = self.last_step = None
        for widget in ("#train-result", "#train-notes"):
            self.query_one(widget, Static).update("")
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
            switches=dict(self.switches),
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
        if self.record is not None:
            self.record.add(event)
        if isinstance(event, EpochFinished):
            self.last_epoch = event
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
        elif isinstance(event, StepFinished):
            self.last_step = event
        # Small datasets finish an epoch many times a second: only the events that end
        # or pause a run redraw at once; the others wait for the next interval.
        final = isinstance(event, FINAL)
        now = time.monotonic()
        if final or now - self._last_status >= STATUS_INTERVAL:
            self._last_status = now
            self.draw_status()
            self.draw_notes()
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
        name = event.worker.name
        if event.state == WorkerState.SUCCESS and name == "train":
            self.finished(event.worker.result)
            return
        if event.state == WorkerState.SUCCESS and name in ("plot", "accuracy"):
            target = "#train-plot" if name == "plot" else "#train-accuracy"
            if self.has_parts(target):
                self.query_one(target, ChartView).set_lines(event.worker.result)
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
        self.draw_notes()
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
        if not self.has_parts("#train-result") or self.diverged is None:
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

    def action_toggle(self, name: str) -> None:
        """Flip a switch for the next run (a running one keeps its settings)."""
        if name in self.switches:
            self.switches[name] = not self.switches[name]
            self.draw_settings()

    # ----------------------------------------------------------------- display

    @property
    def changed(self) -> bool:
        """True when the learner changed the lesson's settings for this run."""
        step = self.step
        assert isinstance(step, TrainStep)
        own = (step.lr, step.batch_size, step.epochs)
        return (self.lr, self.batch_size, self.epochs) != own or not all(self.switches.values())

    def switch_text(self) -> str:
        """`` · dropout on · weight decay off``: the switches as they are now."""
        return "".join(
            " · " + self.tr(SWITCH_NAMES[name], state=self.tr(ON_OFF[on]))
            for name, on in self.switches.items()
        )

    def draw_settings(self) -> None:
        if not self.has_parts("#train-settings"):
            return
        step = self.step
        assert isinstance(step, TrainStep)
        text = Text()
        optimizer = step.optimizer.upper() + (
            f" (momentum {step.momentum:g})" if step.momentum else ""
        )
        text.append(
            self.tr(
                "train.settings",
                optimizer=optimizer,
                lr=self.lr,
                batch=self.batch_size,
                epochs=self.epochs,
                loss=step.loss,
            ),
            style="bold",
        )
        text.append(self.switch_text(), style="bold")
        if self.trainer is not None and (
            self.lr != self.trainer.lr or self.batch_size != self.trainer.batch_size
        ):
            text.append("  " + self.tr("train.pending"), style="yellow")
        keys = self.tr("train.keys") + "".join(self.tr(SWITCH_KEYS[n]) for n in self.switches)
        text.append("\n" + keys, style="dim")
        self.query_one("#train-settings", Static).update(text)

    def draw_status(self) -> None:
        if not self.has_parts("#train-status"):
            return
        # Fixed height: status changes repaint these lines without a layout pass.
        lines = status_lines(self, max(self.size.width, 20))
        self.query_one("#train-status", StripView).set_lines(lines)

    def draw_notes(self) -> None:
        """The accuracy gap, where early stopping would stop, the activations, and (after
        a run) whether the run showed what the lesson says."""
        if not self.has_parts("#train-notes") or self.record is None:
            return
        step = self.step
        assert isinstance(step, TrainStep)
        tr = self.tr
        text = Text()
        last = self.last_epoch
        if last is not None and last.train_accuracy is not None and last.val_accuracy is not None:
            gap = last.train_accuracy - last.val_accuracy
            text.append(
                tr(
                    "train.gap",
                    train=f"{last.train_accuracy:.1%}",
                    val=f"{last.val_accuracy:.1%}",
                    gap=f"{gap * 100:+.1f} pt",
                )
                + "\n"
            )
        best, stop = self.record.best_epoch, self.record.early_stop_epoch
        if best is not None and len(self.record.epochs) > 1:
            key = "train.early_stop" if stop is not None else "train.best_only"
            text.append(
                tr(key, best=best, stop=stop, patience=EARLY_STOP_PATIENCE) + "\n", style="dim"
            )
        if last is not None and last.activity:
            text.append_text(activity_text(last, tr))
        if self.result is not None and step.outcome:
            verdicts = judge(step.outcome, self.result)
            text.append_text(verdict_text(verdicts, tr, self.lang, self.changed))
        self.query_one("#train-notes", Static).update(text)

    def draw_plot(self, force: bool = False) -> None:
        """Rebuild the charts in workers (at most every PLOT_INTERVAL while running)."""
        if not self.has_parts("#train-plot", "#train-accuracy"):
            return
        now = time.monotonic()
        if not force and now - self._last_plot < PLOT_INTERVAL:
            return
        self._last_plot = now
        current = self.record or (self.earlier[-1] if self.earlier else None)
        if current is None:
            return
        earlier = [run for run in self.earlier if run is not current]
        size = self.query_one("#train-plot", ChartView).chart_size(PLOT_HEIGHT)
        loss = loss_chart(current, earlier, self.tr)
        self.in_thread(lambda: chart_lines(loss, *size), "plot")
        accuracy = accuracy_chart(current, earlier, self.tr)
        self.query_one("#train-accuracy").display = accuracy is not None
        if accuracy is not None:
            self.in_thread(lambda: chart_lines(accuracy, *size), "accuracy")

    def language_changed(self) -> None:
        self.draw_settings()
        self.draw_status()
        self.draw_notes()
        self.draw_plot(force=True)


VIEW = TrainView
