"""What a lesson says a training run will show, checked on the run that happened.

A train step may state its run's outcome (``outcome: {val_loss_ends_above_train: true}``);
after every run the app says whether the statement held on the data in use, and the
lesson tests run each such step and require it to hold. So a sentence about a run's
result in a lesson is a checked claim, like a number is. No torch here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tutor.engine.events import TrainResult
from tutor.locales import t


@dataclass(frozen=True)
class Claim:
    """One kind of statement: what it needs (a flag or a number) and how it is checked."""

    kind: type
    """``bool`` for yes/no statements, ``float`` for thresholds."""
    check: Callable[[TrainResult, Any], bool | None]
    """True when the run shows it, False when it does not, None when the run cannot say
    (no validation split, stopped before an epoch)."""


def _last(result: TrainResult) -> Any:
    return result.history[-1] if result.history else None


def _diverges(result: TrainResult, expected: bool) -> bool:
    return (result.state == "diverged") == expected


def _val_above_train(result: TrainResult, expected: bool) -> bool | None:
    last = _last(result)
    if last is None or last.val_loss is None:
        return None
    return (last.val_loss > last.train_loss) == expected


def _val_minimum_before_end(result: TrainResult, expected: bool) -> bool | None:
    best = result.best_epoch
    if best is None:
        return None
    return (best < result.epochs_done) == expected


def _loss_falls(result: TrainResult, expected: bool) -> bool | None:
    if len(result.history) < 1:
        return None
    first, last = result.history[0], result.history[-1]
    # The first epoch's mean is already after some learning: compare with its own start
    # only when there are several epochs; with one, the finished run must have a loss.
    falls = last.train_loss < first.train_loss if len(result.history) > 1 else True
    return (falls and math.isfinite(last.train_loss)) == expected


def _final_accuracy(result: TrainResult) -> float | None:
    metrics = result.final_metrics
    return metrics.accuracy if metrics is not None else None


def _accuracy_at_least(result: TrainResult, value: float) -> bool | None:
    accuracy = _final_accuracy(result)
    return None if accuracy is None else accuracy >= value


def _accuracy_below(result: TrainResult, value: float) -> bool | None:
    accuracy = _final_accuracy(result)
    return None if accuracy is None else accuracy < value


def _gap_at_least(result: TrainResult, value: float) -> bool | None:
    last = _last(result)
    if last is None or last.train_accuracy is None or last.val_accuracy is None:
        return None
    return last.train_accuracy - last.val_accuracy >= value


CLAIMS: dict[str, Claim] = {
    "diverges": Claim(bool, _diverges),
    "loss_falls": Claim(bool, _loss_falls),
    "val_loss_ends_above_train": Claim(bool, _val_above_train),
    "val_loss_minimum_before_end": Claim(bool, _val_minimum_before_end),
    "accuracy_at_least": Claim(float, _accuracy_at_least),
    "accuracy_below": Claim(float, _accuracy_below),
    "train_val_gap_at_least": Claim(float, _gap_at_least),
}
"""Every statement a lesson can make about a run (``outcome:`` on a train step)."""


@dataclass(frozen=True)
class Verdict:
    """One claim, checked: ``held`` is True, False, or None when the run cannot say."""

    claim: str
    expected: Any
    held: bool | None

    def describe(self, lang: str) -> str:
        """``the validation loss ends above the training loss`` (as the lesson says)."""
        return t(f"outcome.{self.claim}", lang, value=self.expected)


def judge(outcome: Mapping[str, Any], result: TrainResult) -> list[Verdict]:
    """Check every claim of ``outcome`` on ``result``."""
    return [
        Verdict(name, expected, CLAIMS[name].check(result, expected))
        for name, expected in outcome.items()
    ]


def check_outcome(value: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """Validate an ``outcome:`` mapping (for the lesson schema); ValueError says what is wrong."""
    from tutor.text import suggest

    for name, expected in (value or {}).items():
        claim = CLAIMS.get(str(name))
        if claim is None:
            raise ValueError(
                f"unknown outcome '{name}'{suggest(str(name), list(CLAIMS))}; "
                f"outcomes: {', '.join(CLAIMS)}"
            )
        if claim.kind is bool and not isinstance(expected, bool):
            raise ValueError(f"outcome '{name}' is true or false, not {expected!r}")
        if claim.kind is float and (
            isinstance(expected, bool)
            or not isinstance(expected, int | float)
            or not 0 <= expected <= 1
        ):
            raise ValueError(f"outcome '{name}' is a share from 0 to 1, not {expected!r}")
    return value


COMPARISONS = ("lowest_train_loss", "lowest_val_loss", "not_lowest_val_loss")
"""Statements about several fits of one plot step: which fit (by position) has the
lowest training or validation loss, or which one does not have the lowest."""


def compare_fits(
    comparisons: Mapping[str, int], train_losses: list[float], val_losses: list[float | None]
) -> list[Verdict]:
    """Check ``{lowest_train_loss: 2, not_lowest_val_loss: 2}`` on the fits' final losses."""
    verdicts = []
    for name, index in comparisons.items():
        values = train_losses if name == "lowest_train_loss" else val_losses
        known = [v for v in values if v is not None and math.isfinite(v)]
        if len(known) != len(values) or not known:
            verdicts.append(Verdict(name, index + 1, None))
            continue
        lowest = min(range(len(known)), key=lambda i: known[i])
        held = lowest != index if name == "not_lowest_val_loss" else lowest == index
        verdicts.append(Verdict(name, index + 1, held))
    return verdicts
