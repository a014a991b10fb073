"""Tensors -> small grids of plain floats, for pictures and heatmaps in the terminal."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

#: Levels per colour channel of a picture (0 .. GRAY_LEVELS) and per sign of a heatmap
#: (−HEAT_LEVELS .. HEAT_LEVELS). Terminals show 256 levels, eyes in a 28×28 thumbnail far
#: fewer; quantising here lets the UI map levels to colours by table lookup.
GRAY_LEVELS = 31
HEAT_LEVELS = 16


@dataclass(frozen=True)
class Picture:
    """An image as quantised levels: ``rows[y][x]`` is 0..31 for gray, or for colour the
    three 5-bit levels packed as ``r << 10 | g << 5 | b``."""

    width: int
    height: int
    channels: int
    rows: list[list[int]]


@dataclass(frozen=True)
class Heatmap:
    """Signed values as levels −16..16, where ±16 stands for ±``scale``."""

    width: int
    height: int
    rows: list[list[int]]
    scale: float
    """The value that maps to ±1; 0 when the tensor is all zeros."""
    source_shape: tuple[int, ...]
    """Shape before any downsampling, to label it truthfully."""


def _shrink(t: torch.Tensor, max_h: int, max_w: int, keep_aspect: bool = True) -> torch.Tensor:
    """Average-pool a (C, H, W) tensor down so that it fits ``max_h`` × ``max_w``.

    Pictures keep their aspect ratio; weight matrices (``keep_aspect=False``) shrink each
    axis on its own, so a (10, 784) weight stays 10 rows tall.
    """
    _, h, w = t.shape
    if h <= max_h and w <= max_w:
        return t
    if keep_aspect:
        ratio = max(h / max_h, w / max_w)
        size = (max(1, int(h / ratio)), max(1, int(w / ratio)))
    else:
        size = (min(h, max_h), min(w, max_w))
    return F.adaptive_avg_pool2d(t.unsqueeze(0), size).squeeze(0)


def picture(image: torch.Tensor, max_h: int = 64, max_w: int = 64) -> Picture:
    """A (C, H, W) or (H, W) image with values in 0..1 as a :class:`Picture`."""
    t = image.detach().float().cpu()
    if t.dim() == 2:
        t = t.unsqueeze(0)
    if t.dim() != 3:
        raise ValueError(f"a picture needs (C, H, W) or (H, W) values, not {tuple(t.shape)}")
    # NaN would round to an arbitrary integer level: draw it black, infinities clamped.
    t = _shrink(torch.nan_to_num(t, nan=0.0).clamp(0, 1), max_h, max_w)  # (C, h, w)
    c, h, w = t.shape
    levels = (t * GRAY_LEVELS).round().to(torch.int64)  # (C, h, w) in 0..31
    if c >= 3:
        packed = (levels[0] << 10) | (levels[1] << 5) | levels[2]  # (h, w)
        return Picture(w, h, 3, packed.tolist())
    return Picture(w, h, 1, levels[0].tolist())


def heatmap(
    values: torch.Tensor, max_h: int = 32, max_w: int = 64, scale: float | None = None
) -> Heatmap:
    """A 2-D tensor (or 1-D, as one row) as a signed :class:`Heatmap`."""
    t = values.detach().float().cpu()
    source = tuple(t.shape)
    if t.dim() == 1:
        t = t.unsqueeze(0)
    t = _shrink(t.unsqueeze(0), max_h, max_w, keep_aspect=False).squeeze(0)  # (h, w)
    biggest = finite_magnitude(t)
    s = scale if scale is not None and math.isfinite(scale) and scale > 0 else biggest
    # Infinities take the ends of the scale; NaN is drawn as zero (the neutral colour).
    scaled = torch.nan_to_num((t / s).clamp(-1, 1), nan=0.0) if s > 0 else torch.zeros_like(t)
    levels = (scaled * HEAT_LEVELS).round().to(torch.int64)  # (h, w) in −16..16
    return Heatmap(t.shape[1], t.shape[0], levels.tolist(), s, source)


def finite_magnitude(t: torch.Tensor) -> float:
    """The largest finite ``|value|`` of ``t`` (0.0 when there is none): a scale that a
    stray infinity or NaN cannot spoil."""
    finite = t[torch.isfinite(t)]
    return float(finite.abs().max()) if finite.numel() else 0.0


def normalized_picture(x: torch.Tensor) -> Picture:
    """A picture of a normalized tensor, stretched to 0..1 by its own finite min and max
    (infinities drawn at the ends, NaN black)."""
    t = x.detach().float().cpu()
    finite = t[torch.isfinite(t)]
    if not finite.numel():
        return picture(torch.zeros_like(t))
    low, high = float(finite.min()), float(finite.max())
    return picture((t - low) / (high - low) if high > low else torch.zeros_like(t))


def weight_maps(module: torch.nn.Module, filters: int = 8) -> list[Heatmap]:
    """A layer's weight as heatmaps: one for a Linear (out, in) matrix, one per filter
    (channels averaged) for the first ``filters`` of a convolution; none otherwise."""
    weight = getattr(module, "weight", None)
    if not isinstance(weight, torch.Tensor):
        return []
    return tensor_maps(weight, filters)


def tensor_maps(values: torch.Tensor, filters: int = 8) -> list[Heatmap]:
    """A Linear-shaped (out, in) or conv-shaped (FN, C, FH, FW) tensor as heatmaps, drawn
    as :func:`weight_maps` draws weights (a layer's gradient has the same shape)."""
    w = values.detach()
    if w.dim() == 2:  # (out, in)
        return [heatmap(w, max_h=24, max_w=56)]
    if w.dim() == 4:  # (FN, C, FH, FW) -> (FN, FH, FW)
        maps = w[:filters].mean(dim=1)
        scale = float(maps.abs().max()) or 1.0
        return [heatmap(m, scale=scale) for m in maps]
    return []
