"""What ``tutor train`` prints: JSON lines or a rich progress display, and downloads."""

from __future__ import annotations

import json
import math
import sys
from typing import Any

from rich.text import Text

from tutor.engine.events import (
    CheckpointFailed,
    EpochFinished,
    StepFinished,
    TrainingDiverged,
    TrainingFinished,
    TrainingStopped,
)
from tutor.text import clean, literal


def _json_number(value: Any) -> Any:
    """JSON has no NaN or infinity: write those as strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def _dump(obj: dict[str, Any]) -> None:
    print(json.dumps({k: _json_number(v) for k, v in obj.items()}), flush=True)


class DownloadBar:
    """A download progress bar on stderr, shown only if a download actually happens."""

    def __init__(self) -> None:
        self._progress: Any = None
        self._task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self._progress is None:
            from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

            from tutor.commands.output import console as make_console

            self._progress = Progress(
                *Progress.get_default_columns(),
                DownloadColumn(),
                TransferSpeedColumn(),
                console=make_console(stderr=True),
            )
            self._progress.start()
            self._task = self._progress.add_task("downloading", total=total or None)
        self._progress.update(self._task, completed=done, total=total or None)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


class JsonView:
    """One JSON object per epoch on stdout, then the final metrics."""

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass

    def show(self, event: object) -> None:
        if isinstance(event, EpochFinished):
            _dump(
                {
                    "epoch": event.epoch,
                    "epochs": event.epochs,
                    "train_loss": event.train_loss,
                    "train_accuracy": event.train_accuracy,
                    "val_loss": event.val_loss,
                    "val_accuracy": event.val_accuracy,
                    "samples_per_s": event.samples_per_s,
                    "device": event.device,
                    "lr": event.lr,
                    "batch_size": event.batch_size,
                    "elapsed_s": event.elapsed_s,
                }
            )
        elif isinstance(event, TrainingFinished):
            _dump(_final_record(event.result))
            if event.result.checkpoint:
                print(clean(f"checkpoint: {event.result.checkpoint}"), file=sys.stderr)
        elif isinstance(event, TrainingDiverged):
            _dump(
                {
                    "final": True,
                    "state": "diverged",
                    "epoch": event.epoch,
                    "step": event.step,
                    "loss": event.loss,
                    "explanation": event.explanation,
                }
            )
        elif isinstance(event, TrainingStopped):
            _dump({"final": True, "state": "stopped", "epoch": event.epoch, "step": event.step})
        elif isinstance(event, CheckpointFailed):
            print(clean(f"tutor: warning: {event.message}"), file=sys.stderr)


def _final_record(result: Any) -> dict[str, Any]:
    metrics = result.final_metrics
    record: dict[str, Any] = {
        "final": True,
        "state": result.state,
        "split": "test" if result.test_metrics is not None else "val",
        "epochs_done": result.epochs_done,
        "best_epoch": result.best_epoch,
        "device": result.history[-1].device if result.history else None,
        "checkpoint": str(result.checkpoint) if result.checkpoint else None,
    }
    if metrics is not None:
        record["loss"] = metrics.loss
        record["n"] = metrics.n
        if metrics.task == "classification":
            record.update(
                accuracy=metrics.accuracy,
                macro_precision=metrics.macro_precision,
                macro_recall=metrics.macro_recall,
                macro_f1=metrics.macro_f1,
            )
        else:
            record.update(mse=metrics.mse, mae=metrics.mae)
    return record


class RichView:
    """A rich progress bar (epochs and steps) with a line per epoch and a final table."""

    def __init__(self, config: Any, data: Any, device_label: str, model_name: str) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        from tutor.commands.output import console as make_console

        self.console = make_console()
        self.config = config
        self.classes = tuple(getattr(data, "classes", ()) or ())
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[info]}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
        )
        n = int(data.train.x.shape[0])
        if config.train_subset is not None:
            n = min(n, config.train_subset)
        bs = n if config.full_batch else min(config.batch_size, n)
        self.epochs = self.progress.add_task("epochs", total=config.epochs, info="")
        self.steps = self.progress.add_task("steps ", total=math.ceil(n / bs), info="")
        # Thousands of tiny epochs (thermometer): print about 20 epoch lines, not 5000.
        self.every = max(1, config.epochs // 20)
        # The model's name is the spec author's text: never read as markup.
        heading = Text("training ")
        heading.append_text(literal(model_name, style="bold"))
        heading.append(
            f" on {getattr(data, 'name', '?')} ({n:,} samples) on {device_label}: "
            f"{config.optimizer} lr {config.lr:g}, batch {bs}, {config.epochs} epochs, "
            f"loss {config.loss}"
        )
        self.console.print(heading, highlight=False)

    def start(self) -> None:
        self.progress.start()

    def close(self) -> None:
        self.progress.stop()

    def show(self, event: object) -> None:
        p = self.progress
        if isinstance(event, StepFinished):
            total = p.tasks[self.steps].total or 1
            p.update(
                self.steps,
                completed=round(event.epoch_progress * total),
                info=f"loss {event.loss:.4g}",
            )
            p.update(self.epochs, completed=event.epoch - 1 + event.epoch_progress)
        elif isinstance(event, EpochFinished):
            p.update(
                self.epochs, completed=event.epoch, info=f"{event.samples_per_s:,.0f} samples/s"
            )
            p.update(self.steps, total=event.steps, completed=event.steps)
            if event.epoch % self.every == 0 or event.epoch == event.epochs:
                # Short enough for an 80-column terminal.
                parts = [f"epoch {event.epoch}/{event.epochs}", f"loss {event.train_loss:.4f}"]
                if event.train_accuracy is not None:
                    parts.append(f"acc {event.train_accuracy:.1%}")
                if event.val_loss is not None:
                    parts.append(f"val loss {event.val_loss:.4f}")
                if event.val_accuracy is not None:
                    parts.append(f"val acc {event.val_accuracy:.1%}")
                parts.append(f"{event.samples_per_s:,.0f}/s")
                p.console.print("  ".join(parts), highlight=False)
        elif isinstance(event, TrainingFinished):
            p.stop()
            self._final(event.result)
        elif isinstance(event, TrainingStopped):
            p.stop()
            self.console.print(f"stopped during epoch {event.epoch} after step {event.step}")
        elif isinstance(event, TrainingDiverged):
            p.stop()
        elif isinstance(event, CheckpointFailed):
            p.console.print(
                Text("warning: ", style="yellow") + literal(event.message), highlight=False
            )

    def _final(self, result: Any) -> None:
        from rich.table import Table

        metrics = result.final_metrics
        if metrics is not None:
            split = "test" if result.test_metrics is not None else "validation"
            if metrics.task == "classification":
                self.console.print(
                    f"{split}: accuracy {metrics.accuracy:.1%}  macro precision "
                    f"{metrics.macro_precision:.3f}  recall {metrics.macro_recall:.3f}  "
                    f"F1 {metrics.macro_f1:.3f}  loss {metrics.loss:.4f}  ({metrics.n:,} samples)",
                    highlight=False,
                )
                table = Table(
                    "class", "precision", "recall", "F1", "support", title=f"per class ({split})"
                )
                for i, name in enumerate(metrics.classes):
                    table.add_row(
                        name,
                        f"{metrics.precision[i]:.3f}",
                        f"{metrics.recall[i]:.3f}",
                        f"{metrics.f1[i]:.3f}",
                        str(metrics.support[i]),
                    )
                self.console.print(table)
            else:
                self.console.print(
                    f"{split}: MSE {metrics.mse:.4f}  MAE {metrics.mae:.4f}  ({metrics.n} samples)",
                    highlight=False,
                )
        if result.checkpoint:
            self.console.print(literal(f"checkpoint: {result.checkpoint}"), highlight=False)
