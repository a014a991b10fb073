"""The train view's text parts: the status lines, the activations, the lesson's claims."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text

from tutor.engine.events import EpochFinished
from tutor.ui.widgets.pixels import Line, text_line

STATE_STYLES = {
    "running": "bold green",
    "paused": "bold yellow",
    "diverged": "bold red",
    "stopped": "bold yellow",
}


def status_lines(view: Any, width: int) -> list[Line]:
    """State, epoch, loss, speed and device; validation; a progress bar. Three lines
    always, so a redraw needs no layout pass."""
    tr = view.tr
    text = Text()
    record, last = view.record, view.last_epoch
    if view.state == "idle":
        text.append(tr("train.idle"), style="bold")
    else:
        loss = record.step_y[-1] if record is not None and record.step_y else None
        speed = last.samples_per_s if last is not None else None
        text.append(
            tr(
                "train.status",
                state=tr(f"train.{view.state}"),
                epoch=max(last.epoch if last else 1, getattr(view.last_step, "epoch", 1)),
                epochs=view.epochs,
                loss=f"{loss:.4f}" if loss is not None else "—",
                speed=f"{speed:,.0f}" if speed else "—",
                device=view.device_label or view.ctx.device_label,
            ),
            style=STATE_STYLES.get(view.state, "bold"),
        )
        if last is not None and last.val_loss is not None:
            acc = last.val_accuracy
            text.append(
                "\n"
                + tr(
                    "train.val",
                    loss=f"{last.val_loss:.4f}",
                    acc=f"{acc:.1%}" if acc is not None else "—",
                )
            )
    progress = 0.0
    if view.last_step is not None:
        progress = (view.last_step.epoch - 1 + view.last_step.epoch_progress) / view.epochs
    if last is not None:
        progress = max(progress, last.epoch / view.epochs)
    if view.state == "finished":
        progress = 1.0
    bar_width = max(min(width - 8, 60), 10)
    done = round(progress * bar_width)
    bar = Text("━" * done, style="green" if view.state != "diverged" else "red")
    bar.append("━" * (bar_width - done), style="dim")
    bar.append(f" {progress:4.0%}")
    lines = [text_line(line, width) for line in text.split("\n")]
    while len(lines) < 2:
        lines.append(text_line("", width))
    lines.append(text_line(bar, width))
    return lines


def activity_text(epoch: EpochFinished, tr: Callable[..., str]) -> Text:
    """Each activation layer after the epoch: zeros and dead units, or saturation."""
    text = Text(tr("train.activity", epoch=epoch.epoch) + "\n", style="bold")
    for layer in epoch.activity or ():
        if layer.zero_fraction is not None:
            line = tr(
                "train.activity.zero",
                layer=layer.path,
                type=layer.type,
                share=f"{layer.zero_fraction:.0%}",
                dead=f"{layer.dead_fraction or 0:.0%}",
            )
        elif layer.saturated_fraction is not None:
            line = tr(
                "train.activity.saturated",
                layer=layer.path,
                type=layer.type,
                share=f"{layer.saturated_fraction:.0%}",
            )
        else:
            line = tr(
                "train.activity.other",
                layer=layer.path,
                type=layer.type,
                mean=layer.mean,
                std=layer.std,
            )
        text.append("  " + line + "\n")
    return text
