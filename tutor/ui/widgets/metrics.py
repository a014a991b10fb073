"""Scores after training: accuracy, per-class precision/recall/F1, the confusion matrix."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text


def metrics_renderable(metrics: Any, tr: Any) -> Any:
    """Accuracy, macro scores, the per-class table and the confusion matrix."""
    parts: list[Any] = [Text(tr("train.metrics"), style="bold")]
    if metrics.task != "classification":
        parts.append(Text(tr("train.mse", mse=metrics.mse or 0.0)))
        return Group(*parts)
    parts.append(Text(tr("train.accuracy", acc=metrics.accuracy or 0.0), style="bold green"))
    parts.append(
        Text(
            tr(
                "train.macro",
                p=metrics.macro_precision or 0.0,
                r=metrics.macro_recall or 0.0,
                f=metrics.macro_f1 or 0.0,
            )
        )
    )
    per_class = Table(box=None, padding=(0, 1), header_style="bold")
    for name in ("class", "precision", "recall", "F1", "n"):
        per_class.add_column(name, justify="left" if name == "class" else "right")
    for k, name in enumerate(metrics.classes):
        per_class.add_row(
            f"{k} {name}",
            f"{metrics.precision[k]:.3f}",
            f"{metrics.recall[k]:.3f}",
            f"{metrics.f1[k]:.3f}",
            str(metrics.support[k]),
        )
    parts.append(per_class)
    parts.append(Text(tr("train.confusion"), style="bold"))
    confusion = Table(box=None, padding=(0, 1), show_header=True, header_style="dim")
    confusion.add_column("")
    k = len(metrics.confusion)
    for j in range(k):
        confusion.add_column(str(j), justify="right")
    biggest = max((max(row) for row in metrics.confusion if row), default=1) or 1
    for i, row in enumerate(metrics.confusion):
        cells = []
        for j, count in enumerate(row):
            level = count / biggest
            style = ("bold green" if i == j else "red") if count else "dim"
            if i != j and level < 0.05 and count:
                style = "yellow"
            cells.append(Text(str(count), style=style))
        confusion.add_row(f"{i}", *cells)
    parts.append(confusion)
    return Group(*parts)
