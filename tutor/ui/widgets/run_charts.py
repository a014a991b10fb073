"""A training run's history as charts: loss and accuracy per epoch, earlier runs beside.

The train view records every run of its step (:class:`RunRecord`); the charts show the
current run's training and validation curves and the validation curves of the runs
before it, each labelled with its settings, so "what changed when I raised the
learning rate" is on screen instead of remembered. A vertical line marks the epoch with
the lowest validation loss: where early stopping would keep the weights.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tutor.engine.events import EpochFinished, StepFinished, best_epoch, early_stop_epoch
from tutor.ui.widgets.chart import Chart, Series

#: Earlier runs of a step kept on its charts.
KEEP_RUNS = 3
#: Points of the within-epoch training loss drawn (evenly thinned): redraws stay cheap.
PLOT_POINTS = 120


def thin(
    xs: list[float], ys: list[float], points: int = PLOT_POINTS
) -> tuple[list[float], list[float]]:
    """Keep at most ``points`` points (evenly spaced) so redrawing stays cheap."""
    if len(xs) <= points:
        return xs, ys
    stride = len(xs) / points
    keep = [int(i * stride) for i in range(points)] + [len(xs) - 1]
    return [xs[i] for i in keep], [ys[i] for i in keep]


@dataclass
class RunRecord:
    """What one run of a train step showed, epoch by epoch."""

    label: str
    """Its settings, for the legend: ``lr 0.1 · batch 64``."""
    step_x: list[float] = field(default_factory=list)
    step_y: list[float] = field(default_factory=list)
    epochs: list[EpochFinished] = field(default_factory=list)

    def add(self, event: object) -> None:
        if isinstance(event, StepFinished):
            self.step_x.append(event.epoch - 1 + event.epoch_progress)
            self.step_y.append(event.loss)
        elif isinstance(event, EpochFinished):
            self.epochs.append(event)

    def series(self, attribute: str) -> tuple[list[float], list[float]]:
        """(epochs, values) of one per-epoch number, where it is known."""
        pairs = [(float(e.epoch), getattr(e, attribute)) for e in self.epochs]
        known = [(x, y) for x, y in pairs if y is not None]
        return [x for x, _ in known], [y for _, y in known]

    @property
    def classifies(self) -> bool:
        return any(e.val_accuracy is not None or e.train_accuracy is not None for e in self.epochs)

    @property
    def best_epoch(self) -> int | None:
        return best_epoch(self.epochs)

    @property
    def early_stop_epoch(self) -> int | None:
        return early_stop_epoch(self.epochs)


def loss_chart(current: RunRecord, earlier: list[RunRecord], tr: Callable[..., str]) -> Chart:
    """Training loss (within epochs) and validation loss of this run; earlier runs'
    validation loss, labelled with their settings."""
    xs, ys = thin(current.step_x, current.step_y)
    series = [
        Series(tr("train.curve.train"), xs, ys),
        Series(tr("train.curve.val"), *current.series("val_loss")),
    ]
    for run in earlier[-KEEP_RUNS:]:
        series.append(Series(tr("train.curve.val_of", run=run.label), *run.series("val_loss")))
    best = current.best_epoch
    return Chart(series, xlabel=tr("train.epoch"), vlines=(float(best),) if best else ())


def accuracy_chart(
    current: RunRecord, earlier: list[RunRecord], tr: Callable[..., str]
) -> Chart | None:
    """Training and validation accuracy per epoch (None for regression): the gap
    between them is overfitting, seen."""
    if not current.classifies:
        return None
    series = [
        Series(tr("train.curve.train_acc"), *current.series("train_accuracy")),
        Series(tr("train.curve.val_acc"), *current.series("val_accuracy")),
    ]
    for run in earlier[-KEEP_RUNS:]:
        series.append(
            Series(tr("train.curve.val_acc_of", run=run.label), *run.series("val_accuracy"))
        )
    best = current.best_epoch
    return Chart(
        series, xlabel=tr("train.epoch"), vlines=(float(best),) if best else (), ylim=(0.0, 1.0)
    )
