"""The boundary view's parts that are not keys and workers: its settings, keys, status,
the words around the maps, the loss chart and the lesson's claims.

Plain functions from values to Rich text, lines or a chart, in the learner's language
(``tr`` is the view's translator), so the view module keeps to keys and workers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.message import Message

from tutor.engine.events import StepFinished
from tutor.engine.features import feature_label
from tutor.ui.widgets.chart import Chart, Series
from tutor.ui.widgets.pixels import Line, text_line
from tutor.ui.widgets.plane import PanelText, PlanePalette, map_part, units_part

Translate = Callable[..., str]


class RunEvent(Message, bubble=False):
    """An event of the boundary view's run of one generation (the view drops those of
    older generations)."""

    def __init__(self, generation: int, event: object) -> None:
        super().__init__()
        self.generation = generation
        self.event = event

    def can_replace(self, message: Message) -> bool:
        # A newer step report replaces an older one still queued; epochs never.
        return (
            isinstance(message, RunEvent)
            and isinstance(self.event, StepFinished)
            and isinstance(message.event, StepFinished)
        )


# The keys line: one piece per control a step can offer, in the order of the keys.
_KEY_PIECES = (
    ("layers", "boundary.keys.layers"),
    ("width", "boundary.keys.width"),
    ("activation", "boundary.keys.activation"),
    ("features", "boundary.keys.features"),
    ("lr", "boundary.keys.lr"),
    ("regularization", "boundary.keys.regularization"),
    ("noise", "boundary.keys.noise"),
    ("dataset", "boundary.keys.dataset"),
)
_VERDICT = {
    True: ("outcome.held", "green"),
    False: ("outcome.failed", "red"),
    None: ("outcome.unknown", "yellow"),
}


def settings_text(config: Any, selected: int, allowed: Iterable[str], tr: Translate) -> Text:
    """Two lines: the data and training settings, then the network from its inputs to
    its two logits, the hidden layer that ``+``/``−`` change highlighted."""
    text = Text(
        tr(
            "boundary.settings",
            data=config.dataset,
            noise=f"{config.noise:.0%}",
            lr=f"{config.lr:g}",
            l2=f"{config.regularization:g}",
            batch=config.batch_size,
            seed=config.seed,
        ),
        style="bold",
    )
    if config.optimizer != "sgd":  # Playground's own is SGD: say so only when it differs
        text.append(" · " + tr("boundary.optimizer", name=config.optimizer), style="bold")
    text.append("\n" + tr("boundary.network") + " ")
    text.append(" ".join(feature_label(f) for f in config.features), style="bold")
    mark = "width" in set(allowed)
    for i, units in enumerate(config.hidden):
        text.append(" → ")
        text.append(
            f" {units} " if mark and i == selected else str(units),
            style="bold reverse" if mark and i == selected else "bold",
        )
    text.append(" → 2")
    if config.hidden:
        text.append("  ·  " + tr("boundary.activation", name=config.activation))
    else:
        text.append("  ·  " + tr("boundary.linear"), style="dim")
    return text


def keys_text(allowed: Iterable[str], tr: Translate) -> str:
    """The keys of the step's controls, in one line."""
    offered = set(allowed)
    pieces = [tr("boundary.keys.run")]
    pieces += [tr(key) for control, key in _KEY_PIECES if control in offered]
    return " · ".join(pieces)


@dataclass(frozen=True)
class Status:
    """What the status lines show, gathered by the view."""

    state: str
    epoch: int
    epochs: int | None
    """The step's epochs; None when it trains until stopped."""
    last: Any
    """The last ``EpochFinished``, or None."""
    accuracy: dict[str, float] | None
    """The shown map's accuracy per split: the model as drawn."""
    test: float | None
    """The test accuracy of a finished run."""


def _percent(value: float | None) -> str:
    return f"{value:.1%}" if value is not None else "—"


def status_lines(status: Status, width: int, tr: Translate) -> list[Line]:
    """Three lines of fixed height (a status change repaints without a layout pass):
    the state and epoch, the losses of the last epoch, and the accuracy of the model
    drawn on the map (with the test accuracy once a run has finished)."""
    styles = {"running": "bold green", "paused": "bold yellow", "diverged": "bold red"}
    first = Text(tr(f"train.{status.state}"), style=styles.get(status.state, "bold"))
    if status.state != "idle" and status.epoch:
        epochs = f"{status.epoch}/{status.epochs}" if status.epochs else str(status.epoch)
        first.append("  ·  " + tr("boundary.epoch", epochs=epochs))
    last = status.last
    loss = Text(
        tr(
            "boundary.loss",
            train=f"{last.train_loss:.4f}" if last else "—",
            val=f"{last.val_loss:.4f}" if last and last.val_loss is not None else "—",
        )
    )
    accuracy = status.accuracy or {}
    shown = Text(
        tr(
            "boundary.accuracy",
            train=_percent(accuracy.get("train")),
            val=_percent(accuracy.get("val")),
        )
    )
    if status.test is not None:
        shown.append("  ·  " + tr("boundary.test", acc=_percent(status.test)), style="bold")
    return [text_line(line, width) for line in (first, loss, shown)]


def verdict_text(verdicts: Sequence[Any], tr: Translate, lang: str) -> Text:
    """Each claim of the lesson about the run, and whether this run showed it."""
    text = Text()
    for i, verdict in enumerate(verdicts):
        key, style = _VERDICT[verdict.held]
        text.append(("\n" if i else "") + tr(key, claim=verdict.describe(lang)), style=style)
    return text


def _rgb(colour: tuple[int, int, int]) -> str:
    return f"rgb({colour[0]},{colour[1]},{colour[2]})"


def panel_words(
    config: Any, selected: int | None, palette: PlanePalette, tr: Translate
) -> PanelText:
    """The words around the maps: each row's title (the ``selected`` hidden layer
    marked) and the legend under the main map, in the palette's colours."""
    layers = [
        ("▶ " if i == selected else "")
        + tr("boundary.layer", k=i + 1, units=units, activation=config.activation)
        for i, units in enumerate(config.hidden)
    ]
    swatches = [(palette.classes[k], "■", tr("boundary.class", k=k)) for k in (0, 1)]
    swatches += [
        (palette.point(0, "train"), "▀", tr("boundary.train")),
        (palette.point(0, "val"), "▀", tr("boundary.val")),
    ]
    legend = [Text.assemble((glyph, _rgb(colour)), " " + word) for colour, glyph, word in swatches]
    return PanelText(tr("boundary.inputs"), layers, legend, tr("boundary.more"))


def loss_chart(history: Sequence[Any], tr: Translate, points: int) -> Chart:
    """The losses and the validation accuracy per epoch (at most ``points`` each)."""
    from tutor.ui.widgets.run_charts import thin

    epochs = [float(e.epoch) for e in history]
    curves = (
        ("boundary.curve.train_loss", [e.train_loss for e in history]),
        ("boundary.curve.val_loss", [e.val_loss or 0.0 for e in history]),
        ("boundary.curve.val_accuracy", [e.val_accuracy or 0.0 for e in history]),
    )
    series = [Series(tr(key), *thin(epochs, values, points)) for key, values in curves]
    return Chart(series, xlabel=tr("train.epoch"))


def draw_map(model: Any, data: Any, job: dict[str, Any]) -> tuple[Any, list[Line], Any, bool]:
    """In a worker thread: the engine's boundary map of ``model``, the main map's lines,
    (when ``job["units"]``) the unit maps' lines, else None, and whether they go side by
    side, as the view's ``job`` (layout, palette, words) says."""
    from tutor.course.steps.boundary import boundary

    layout, palette, words = job["layout"], job["palette"], job["words"]
    bmap = boundary(model, data, layout.size, layout.unit_size)
    time.sleep(0)  # let the UI and training threads take the GIL between the two halves
    units = units_part(bmap, palette, layout, words) if job["units"] else None
    return bmap, map_part(bmap, palette, layout, words), units, layout.side_by_side
