"""The decision-boundary map of a 2-input classifier, and what each unit sees.

:func:`boundary_map` samples the plane on a grid of pixels (the view draws two pixels
per terminal cell with half blocks), runs the model once on every grid point, the data
points and a smaller grid for the per-unit maps together, and returns plain data:

- per pixel, the predicted class and its confidence (the softmax probability of that
  class) quantised to :data:`CONFIDENCE_LEVELS` levels, packed into one int so the view
  maps pixels to colours by table lookup, as for :class:`~tutor.engine.images.Picture`;
- the data points as pixel positions with their class, split and whether the model
  gets them right, and the accuracy per split;
- Playground's small maps: one :class:`~tutor.engine.images.Heatmap` per input feature
  (x1, x2, x1², ... over the plane) and one per hidden unit (its output over the plane).

Reading a model that is training in another thread: the map runs its own forward pass
under ``torch.inference_mode`` and neither registers hooks (they belong to the module
and would fire in the trainer's forward too) nor switches train/eval mode (also shared
with the trainer). It walks the ``nn.Sequential``'s layers itself. An optimizer step
may update the weights while the map reads them, so one map can mix the weights of two
consecutive steps, which differ by one small step: the picture is still a faithful
snapshot at the rate it is redrawn, and nothing can crash (updates are in place, no
tensor is reallocated). A model whose layers behave differently in training (dropout,
batch norm) is copied and put in eval mode first, so the map never disturbs it.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import torch
import torch.nn as nn

from tutor.engine.datasets.plane_info import PLANE_EXTENT
from tutor.engine.device import single_thread
from tutor.engine.images import HEAT_LEVELS, Heatmap
from tutor.engine.plane import DEFAULT_FEATURES, PlaneFeatures, feature_label
from tutor.errors import TutorError

CONFIDENCE_LEVELS = HEAT_LEVELS
"""Confidence levels 0..16: 0 is a coin toss (1/classes), 16 is certain."""


class PlanePoint(NamedTuple):
    """One data point on the map (a named tuple: hundreds are made per map, cheaply)."""

    col: int
    """Pixel column, 0 at the left edge (x1 = −extent)."""
    row: int
    """Pixel row, 0 at the top edge (x2 = +extent)."""
    label: int
    split: str
    """``train``, ``val`` or ``test``."""
    correct: bool
    """Whether the model's predicted class is the label."""


@dataclass(frozen=True)
class UnitMap:
    """What one input feature or hidden unit computes over the plane."""

    layer: int
    """0 for the input features, 1 for the first hidden layer, ..."""
    unit: int
    """0-based, within the layer."""
    name: str
    """The feature's label (``x1²``) or the hidden layer's module name (``fc1``)."""
    heatmap: Heatmap
    """Signed levels −16..16 where ±16 is ±``heatmap.scale``; row 0 is the top."""


@dataclass(frozen=True)
class BoundaryMap:
    """The model's view of the plane, as plain data (no tensors)."""

    width: int
    height: int
    """Pixels (a terminal cell holds two, one above the other)."""
    extent: float
    """The map shows −extent..extent on both axes."""
    classes: int
    rows: list[list[int]]
    """``rows[y][x] = predicted_class × (CONFIDENCE_LEVELS + 1) + confidence_level``;
    row 0 is the top. :func:`unpack` splits one value."""
    points: list[PlanePoint]
    """The data points inside the map, in split order."""
    accuracy: dict[str, float]
    """Accuracy per split shown, on every point of the split (also those off the map)."""
    inputs: list[UnitMap]
    """The input features' maps, each with its own scale."""
    hidden: list[list[UnitMap]]
    """Per hidden layer, its units' maps; a layer's maps share one scale (the largest
    output in the layer), so a weak unit looks weak beside a strong one."""

    @property
    def predicted(self) -> list[list[int]]:
        """The predicted class per pixel."""
        return [[v // (CONFIDENCE_LEVELS + 1) for v in row] for row in self.rows]

    @property
    def confidence(self) -> list[list[int]]:
        """The confidence level 0..16 per pixel."""
        return [[v % (CONFIDENCE_LEVELS + 1) for v in row] for row in self.rows]


def unpack(value: int) -> tuple[int, int]:
    """(predicted class, confidence level) of one packed pixel of :attr:`BoundaryMap.rows`."""
    return divmod(value, CONFIDENCE_LEVELS + 1)


@lru_cache(maxsize=16)
def grid_points(width: int, height: int, extent: float = PLANE_EXTENT) -> torch.Tensor:
    """The centres of a ``width`` × ``height`` pixel grid over −extent..extent, as
    ``(height × width, 2)`` points (x1, x2), row by row from the top-left pixel.

    Cached (the view asks for the same sizes many times a second): do not modify it."""
    step_x, step_y = 2 * extent / width, 2 * extent / height
    x1 = -extent + (torch.arange(width, dtype=torch.float32) + 0.5) * step_x  # (W,)
    x2 = extent - (torch.arange(height, dtype=torch.float32) + 0.5) * step_y  # (H,) top first
    rows, cols = torch.meshgrid(x2, x1, indexing="ij")  # (H, W) each
    return torch.stack([cols.reshape(-1), rows.reshape(-1)], dim=1)  # (H·W, 2)


def _check_size(name: str, size: Sequence[int]) -> tuple[int, int]:
    items = tuple(size) if isinstance(size, Sequence) else ()
    if len(items) != 2 or not all(
        isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 1024 for v in items
    ):
        raise TutorError(
            f"the {name} must be two whole numbers (width, height) from 1 to 1024, got {size!r}"
        )
    return items[0], items[1]


def _for_reading(model: nn.Module) -> nn.Module:
    """``model`` itself, or an eval-mode copy when running it in training mode would
    change it or its answers (dropout, batch norm)."""
    moody = (nn.modules.dropout._DropoutNd, nn.modules.batchnorm._BatchNorm)
    if any(m.training and isinstance(m, moody) for m in model.modules()):
        return copy.deepcopy(model).eval()
    return model


def _layer_outputs(model: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, list[Any]]:
    """Run ``model`` on ``x``; for an ``nn.Sequential`` also return the input features
    and each hidden layer's output (the output of the last layer before each Linear).

    Returns (logits, [(features module or None, feature tensor), (linear name, hidden
    tensor), ...]): the first entry is what the first Linear reads, the others what the
    later Linears read.
    """
    if not isinstance(model, nn.Sequential):
        return model(x), []
    reads: list[Any] = []
    current, owner = x, None
    for name, layer in model.named_children():
        if isinstance(layer, nn.Linear):
            reads.append((owner, current))
            owner = name
        elif isinstance(layer, PlaneFeatures) and owner is None:
            owner = layer
        current = layer(current)  # (P, in) -> (P, out)
    return current, reads


def _quantise(values: torch.Tensor, scales: torch.Tensor) -> list[list[list[int]]]:
    """(U, h, w) values over (U,) scales -> levels −16..16, in one pass and one copy."""
    safe = torch.where(scales > 0, scales, torch.ones_like(scales))[:, None, None]  # (U, 1, 1)
    levels = (values / safe).clamp(-1, 1).mul(HEAT_LEVELS).round().to(torch.int64)  # (U, h, w)
    return levels.cpu().tolist()


def _maps(
    layer: int, names: list[str], values: torch.Tensor, scales: torch.Tensor
) -> list[UnitMap]:
    """Heatmaps of (U, h, w) unit values, unit u named ``names[u]``."""
    units, h, w = values.shape
    rows = _quantise(values, scales)
    scale_list = scales.cpu().tolist()
    return [
        UnitMap(layer, u, names[u], Heatmap(w, h, rows[u], float(scale_list[u]), (h, w)))
        for u in range(units)
    ]


def boundary_map(
    model: nn.Module,
    data: Any = None,
    *,
    size: Sequence[int] = (40, 40),
    unit_size: Sequence[int] = (12, 12),
    extent: float = PLANE_EXTENT,
    splits: Sequence[str] = ("train", "val"),
) -> BoundaryMap:
    """The decision boundary of ``model`` over the plane, its data points and unit maps.

    Safe to call from another thread while ``model`` trains: no hooks, no mode switch,
    one forward under ``torch.inference_mode`` (see the module text for why a map read
    during an optimizer step is still a faithful picture).

    Args:
        model: a classifier taking points ``(N, 2)`` and giving logits ``(N, classes)``;
            for an ``nn.Sequential`` (every playground model) the unit maps too.
        data: a dataset with ``train``/``val``/``test`` splits of points (optional).
        size: the main map in pixels (width, height): 40×40 is 40 columns by 20 rows of
            half-block cells, about right at 120×40; smaller terminals ask for less.
        unit_size: each unit map in pixels (12×12 is 12×6 cells).
        extent: the plane shown is −extent..extent on both axes.
        splits: which of ``data``'s splits to place on the map.

    Raises:
        TutorError: bad sizes, or a model that does not take two inputs.
    """
    w, h = _check_size("map size", size)
    uw, uh = _check_size("unit map size", unit_size)
    if isinstance(extent, bool) or not isinstance(extent, int | float) or not 0 < extent < 1e6:
        raise TutorError(f"the extent of the map must be a positive number, got {extent!r}")
    # One thread: on a busy 2-core machine a second one made the p95 twenty times the
    # median (150 ms against 7 ms); the trainer's thread keeps its own setting.
    with single_thread():
        return _draw(_for_reading(model), data, (w, h), (uw, uh), float(extent), splits)


def _draw(
    reader: nn.Module,
    data: Any,
    size: tuple[int, int],
    unit_size: tuple[int, int],
    extent: float,
    splits: Sequence[str],
) -> BoundaryMap:
    """:func:`boundary_map` once its arguments are checked."""
    (w, h), (uw, uh) = size, unit_size
    param = next(reader.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    dtype = param.dtype if param is not None else torch.float32
    main = grid_points(w, h, extent)  # (h·w, 2)
    small = grid_points(uw, uh, extent)  # (uh·uw, 2)
    parts = [main, small]
    shown: list[tuple[str, torch.Tensor, torch.Tensor]] = []
    for split in splits:
        part = getattr(data, split, None) if data is not None else None
        if part is not None and len(part.x):
            shown.append((split, part.x.detach().reshape(-1, 2), part.y.detach().reshape(-1)))
            parts.append(shown[-1][1].to(main.device, torch.float32))
    x = torch.cat(parts).to(device, dtype)  # (P, 2): main grid, unit grid, data points
    try:
        with torch.inference_mode():
            logits, reads = _layer_outputs(reader, x)  # (P, classes)
            probs = torch.softmax(logits.float(), dim=1)  # (P, classes)
    except RuntimeError as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise TutorError(
            f"the boundary map needs a model that takes points (N, 2); this one fails on them "
            f"({first})"
        ) from None
    if probs.dim() != 2:
        raise TutorError(
            f"the boundary map needs one logit per class, (N, classes); the model gives "
            f"{tuple(probs.shape)}"
        )
    k = int(probs.shape[1])
    confidence, predicted = probs.max(dim=1)  # (P,) each
    chance = 1.0 / k
    level = ((confidence - chance) / max(1 - chance, 1e-9)).clamp(0, 1)
    level = (level * CONFIDENCE_LEVELS).round().to(torch.int64)  # (P,) 0..16
    packed = predicted * (CONFIDENCE_LEVELS + 1) + level  # (P,)
    n_main, n_small = w * h, uw * uh
    rows = packed[:n_main].view(h, w).cpu().tolist()

    points: list[PlanePoint] = []
    accuracy: dict[str, float] = {}
    start = n_main + n_small
    for split, px, py in shown:
        guess = predicted[start : start + len(py)].cpu()  # (n,)
        start += len(py)
        labels = py.cpu()
        right = guess == labels  # (n,) bool
        accuracy[split] = int(right.sum()) / len(right)
        cols = ((px[:, 0].cpu() + extent) / (2 * extent) * w).floor().long()  # (n,)
        rws = ((extent - px[:, 1].cpu()) / (2 * extent) * h).floor().long()
        inside = (cols >= 0) & (cols < w) & (rws >= 0) & (rws < h)
        points += [
            PlanePoint(c, r, lab, split, ok)
            for c, r, lab, ok in zip(
                cols[inside].tolist(),
                rws[inside].tolist(),
                labels[inside].tolist(),
                right[inside].tolist(),
                strict=True,
            )
        ]

    inputs: list[UnitMap] = []
    hidden: list[list[UnitMap]] = []
    for i, (owner, values) in enumerate(reads):
        grid = values[n_main : n_main + n_small].float().T.reshape(-1, uh, uw)  # (U, uh, uw)
        if i == 0:
            features = owner.features if isinstance(owner, PlaneFeatures) else DEFAULT_FEATURES
            names = [feature_label(f) for f in features][: grid.shape[0]]
            names += [f"x{j + 1}" for j in range(len(names), grid.shape[0])]
            scales = grid.abs().amax(dim=(1, 2))  # (F,) each feature on its own scale
            inputs = _maps(0, names, grid, scales)
        else:
            scale = grid.abs().max()  # one scale for the whole layer
            hidden.append(_maps(i, [str(owner)] * grid.shape[0], grid, scale.expand(len(grid))))
    return BoundaryMap(
        width=w,
        height=h,
        extent=extent,
        classes=k,
        rows=rows,
        points=points,
        accuracy=accuracy,
        inputs=inputs,
        hidden=hidden,
    )
