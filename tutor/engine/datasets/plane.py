"""The 2-D sets of TensorFlow Playground, generated here: circle, xor, gauss, spiral.

Each set is 1,000 points ``(x1, x2)`` in Playground's plane (about −6..6 on both axes,
so that ``sin x1`` turns over a few times across it), 500 per class, made from a fixed
seed: the same points on every run and machine. They are split 50/25/25 within each
class into 500 training, 250 validation and 250 test points (Playground's default is
half for training, half for testing; tutor also needs a validation split).

Noise runs from 0 to 0.5 as on Playground's slider and means what it means there:

- ``circle``, ``xor``: every point moves by up to ``5 × noise`` along each axis (uniform),
  so near the boundary the classes overlap;
- ``gauss``: the two blobs spread out, their variance growing from 0.5 to 4;
- ``spiral``: every point moves by up to ``1 × noise`` along each axis.

The random draws do not depend on the noise, so the same seed at another noise level
gives the same points, moved: turning the noise up shows the same data getting messier.
Coordinates are not normalized: the model sees the plane as it is drawn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import torch

from tutor.engine.datasets.plane_info import (
    DEFAULT_NOISE,
    MAX_NOISE,
    PLANE_EXTENT,
    PLANE_SEED,
    PLANE_SETS,
    PLANE_SIZE,
    SPLIT_FRACTIONS,
    check_noise,
)
from tutor.engine.datasets.registry import DataError

__all__ = [
    "DEFAULT_NOISE",
    "MAX_NOISE",
    "PLANE_EXTENT",
    "PLANE_SEED",
    "PLANE_SETS",
    "PLANE_SIZE",
    "PlaneSplits",
    "check_noise",
    "make_plane_data",
    "plane_dataset",
    "plane_splits",
]

_RADIUS = 5.0  # circle: the outer ring's radius; xor: half the side of the square


@dataclass(frozen=True)
class PlaneSplits:
    """A generated set, split: points, labels and each point's position in the set."""

    x: dict[str, torch.Tensor]
    """Split name -> (n, 2) float32 points."""
    y: dict[str, torch.Tensor]
    """Split name -> (n,) int64 labels."""
    index: dict[str, torch.Tensor]
    """Split name -> (n,) int64 positions in the generated set."""


def _uniform(n: int, low: float, high: float, g: torch.Generator) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, generator=g)  # (n,)


def _polar(r: torch.Tensor, angle: torch.Tensor) -> torch.Tensor:
    return torch.stack([r * torch.cos(angle), r * torch.sin(angle)], dim=1)  # (n, 2)


def _circle(m: int, noise: float, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Class 1 a disc of radius 2.5, class 0 a ring from 3.5 to 5 around it."""
    inside = _polar(_uniform(m, 0, 0.5 * _RADIUS, g), _uniform(m, 0, 2 * math.pi, g))
    outside = _polar(_uniform(m, 0.7 * _RADIUS, _RADIUS, g), _uniform(m, 0, 2 * math.pi, g))
    jitter = _uniform(4 * m, -_RADIUS, _RADIUS, g).view(2 * m, 2) * noise  # (2m, 2)
    return torch.cat([outside, inside]) + jitter, _labels(m)


def _xor(m: int, noise: float, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Class 1 where x1 and x2 have the same sign, class 0 where they differ; every point
    at least 0.3 from the axes, so that without noise the quadrants do not touch."""
    size = _uniform(4 * m, 0.3, _RADIUS + 0.3, g).view(2 * m, 2)  # (2m, 2) distances to the axes
    # Signs: class 1 in quadrants I and III, class 0 in II and IV.
    first = torch.where(torch.rand(2 * m, generator=g) < 0.5, -1.0, 1.0)  # (2m,)
    same = torch.cat([-torch.ones(m), torch.ones(m)])  # class 0: opposite, class 1: same
    signs = torch.stack([first, first * same], dim=1)  # (2m, 2)
    jitter = _uniform(4 * m, -_RADIUS, _RADIUS, g).view(2 * m, 2) * noise
    return size * signs + jitter, _labels(m)


def _gauss(m: int, noise: float, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Two round blobs centred on (−2, −2) (class 0) and (2, 2) (class 1)."""
    spread = math.sqrt(0.5 + 7 * noise)  # variance 0.5 without noise, 4 at noise 0.5
    centres = torch.cat([torch.full((m, 2), -2.0), torch.full((m, 2), 2.0)])  # (2m, 2)
    return centres + spread * torch.randn(2 * m, 2, generator=g), _labels(m)


def _spiral(m: int, noise: float, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Two arms winding 1.75 turns out to radius 5, the second turned by half a turn."""
    along = torch.arange(m, dtype=torch.float32) / m  # (m,) 0 .. 1 along an arm
    r = _RADIUS * along
    angle = 1.75 * 2 * math.pi * along
    arms = torch.cat([_polar(r, angle), _polar(r, angle + math.pi)])  # (2m, 2)
    jitter = _uniform(4 * m, -1, 1, g).view(2 * m, 2) * noise
    return arms + jitter, _labels(m)


def _labels(m: int) -> torch.Tensor:
    return torch.cat([torch.zeros(m), torch.ones(m)]).to(torch.int64)  # (2m,) m of each


_GENERATORS = {"circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral}


def make_plane_data(
    kind: str, n: int = PLANE_SIZE, noise: float = DEFAULT_NOISE, seed: int = PLANE_SEED
) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` points of one of Playground's sets: ((n, 2) float32, (n,) int64 labels).

    Half of the points are class 0, half class 1, in a seeded random order. The same
    ``seed`` gives the same points at every ``noise``, moved by it (see the module text).

    Raises:
        DataError: an unknown ``kind``, a noise outside 0..0.5, an odd or tiny ``n``.
    """
    if kind not in _GENERATORS:
        from tutor.text import suggest

        raise DataError(
            f"unknown 2-D set {kind!r}{suggest(kind, PLANE_SETS)}; choose {', '.join(PLANE_SETS)}"
        )
    level = check_noise(noise)
    if isinstance(n, bool) or not isinstance(n, int) or n < 2 or n % 2:
        raise DataError(f"the number of points must be an even whole number ≥ 2, got {n!r}")
    x, y = _generated(kind, n, level, int(seed))
    return x.clone(), y.clone()


@lru_cache(maxsize=32)
def _generated(kind: str, n: int, noise: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The points themselves, kept: a restart or a network change reuses them, and only
    a new noise level or seed draws again (callers get copies)."""
    from tutor.engine.device import single_thread

    with single_thread():  # 1,000 points: a second thread only costs time on 2 cores
        g = torch.Generator().manual_seed(seed)
        x, y = _GENERATORS[kind](n // 2, noise, g)
        order = torch.randperm(n, generator=g)
        return x[order].to(torch.float32).contiguous(), y[order]


def plane_splits(
    kind: str, noise: float = DEFAULT_NOISE, seed: int = PLANE_SEED, n: int = PLANE_SIZE
) -> PlaneSplits:
    """:func:`make_plane_data`, split 50/25/25 within each class (so every split is
    balanced), each split in a seeded random order. Callers get their own tensors."""
    make_plane_data(kind, n, noise, seed)  # checks the arguments (the points are kept)
    kept = _splits(kind, check_noise(noise), int(seed), n)
    return PlaneSplits(
        x={k: v.clone() for k, v in kept.x.items()},
        y={k: v.clone() for k, v in kept.y.items()},
        index={k: v.clone() for k, v in kept.index.items()},
    )


@lru_cache(maxsize=32)
def _splits(kind: str, noise: float, seed: int, n: int) -> PlaneSplits:
    """The splits themselves, kept like the points (a network change reuses them)."""
    x, y = _generated(kind, n, noise, seed)
    g = torch.Generator().manual_seed(seed + 1)
    parts: list[list[torch.Tensor]] = [[], [], []]
    for label in (0, 1):
        members = (y == label).nonzero().flatten()  # (n/2,) positions of this class
        members = members[torch.randperm(len(members), generator=g)]
        n_train = round(SPLIT_FRACTIONS[0] * len(members))
        n_val = round(SPLIT_FRACTIONS[1] * len(members))
        parts[0].append(members[:n_train])
        parts[1].append(members[n_train : n_train + n_val])
        parts[2].append(members[n_train + n_val :])
    index: dict[str, torch.Tensor] = {}
    for name, part in zip(("train", "val", "test"), parts, strict=True):
        idx = torch.cat(part)
        index[name] = idx[torch.randperm(len(idx), generator=g)]
    return PlaneSplits(
        x={k: x[v] for k, v in index.items()},
        y={k: y[v] for k, v in index.items()},
        index=index,
    )


def plane_dataset(
    name: str,
    noise: float | None = None,
    device: torch.device | str = "cpu",
    seed: int = PLANE_SEED,
) -> Any:
    """A 2-D set as a ``tutor.engine.data.Dataset`` on ``device`` (what
    ``load_dataset(name, noise=...)`` returns for these sets).

    ``noise`` None is the registry's default. Samples are ``(2,)`` float32 points, not
    normalized: ``mean`` is ``(0.0, 0.0)`` and ``std`` ``(1.0, 1.0)``, as for the
    thermometer. The title names the noise, so the data notice says which was used.
    """
    from tutor.engine.datasets.dataset import Dataset, Split, torch_device
    from tutor.engine.datasets.registry import dataset_info

    info = dataset_info(name)
    if info.name not in PLANE_SETS:
        raise DataError(f"{info.name} is not one of the 2-D sets ({', '.join(PLANE_SETS)})")
    level = check_noise(info.noise if noise is None else noise)
    target = torch_device(device)
    parts = plane_splits(info.name, level, seed)

    def split(part: str) -> Split:
        return Split(
            x=parts.x[part].to(target), y=parts.y[part].to(target), index=parts.index[part]
        )

    return Dataset(
        name=info.name,
        requested=info.name,
        title=f"{info.title}, noise {level:g}",
        task=info.task,
        classes=info.classes,
        sample_shape=info.sample_shape,
        train=split("train"),
        val=split("val"),
        test=split("test"),
        mean=(0.0, 0.0),
        std=(1.0, 1.0),
        device=target,
        fallback_reason=None,
        how_to_get=None,
    )
