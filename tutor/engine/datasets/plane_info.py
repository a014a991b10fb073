"""The 2-D sets' names and settings, without torch (the app's controls need them before
PyTorch has loaded). The points themselves are made in :mod:`tutor.engine.datasets.plane`."""

from __future__ import annotations

import math

from tutor.engine.datasets.registry import DataError

PLANE_SETS = ("circle", "xor", "gauss", "spiral")
"""Registry names of the 2-D sets."""
PLANE_SEED = 15
"""Seed of the points and their split."""
PLANE_SIZE = 1000
"""Points per set, half of each class."""
PLANE_EXTENT = 6.0
"""The plane shown and sampled: −6..6 on both axes, as on Playground."""
MAX_NOISE = 0.5
DEFAULT_NOISE = 0.0
"""Playground's default."""
SPLIT_FRACTIONS = (0.5, 0.25, 0.25)
"""Train, validation and test, within each class."""


def check_noise(noise: object) -> float:
    """``noise`` as a float in 0..0.5, or :class:`DataError` saying what is wrong."""
    if (
        isinstance(noise, bool)
        or not isinstance(noise, int | float)
        or not math.isfinite(noise)
        or not 0 <= noise <= MAX_NOISE
    ):
        raise DataError(
            f"noise must be a number from 0 to {MAX_NOISE} (as on Playground's slider), "
            f"got {noise!r}"
        )
    return float(noise)
