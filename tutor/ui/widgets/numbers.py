"""Turning computed numbers into cells and colour levels, whatever the numbers are.

A model with huge weights, a diverged run or a lesson's extreme layer gives the views
NaN and infinite values. Python's ``round`` raises on both, so every bar length and
colour level in the views is taken from here: NaN draws nothing (and is named in the
text beside it), an infinity fills the bar or takes the end of the colour scale.
This is plain arithmetic on floats the engine already computed, not tensor math.
"""

from __future__ import annotations

import math
from collections.abc import Iterable


def cells(fraction: float, width: int) -> int:
    """How many of ``width`` cells a bar showing ``fraction`` (0 to 1) fills.

    Negative and NaN fractions fill none; fractions above 1 (infinity included) fill all.
    """
    if not fraction > 0:  # also NaN
        return 0
    if fraction >= 1:
        return max(width, 0)
    return max(0, min(width, round(fraction * width)))


def level(value: float, levels: int) -> int:
    """``value`` (−1 to 1) as a colour level from ``-levels`` to ``levels``; NaN is 0."""
    if math.isnan(value):
        return 0
    if value >= 1:
        return levels
    if value <= -1:
        return -levels
    return max(-levels, min(levels, round(value * levels)))


def largest(values: Iterable[float], default: float = 1.0) -> float:
    """The largest finite magnitude among ``values`` (a bar's full length), or ``default``
    when there is none; infinities and NaNs do not set the scale."""
    finite = [abs(v) for v in values if math.isfinite(v)]
    return max(finite, default=0.0) or default
