"""Activation functions and sums of units, evaluated for plotting."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

#: The activation functions lessons can plot, by the names lessons use.
ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "tanh": torch.tanh,
    "hardtanh": F.hardtanh,
    "sigmoid": torch.sigmoid,
    "relu": F.relu,
    "leaky_relu": lambda x: F.leaky_relu(x, negative_slope=0.1),
    "identity": lambda x: x,
    # The perceptron's threshold: 1 when the input reaches 0.
    "step": lambda x: (x >= 0).to(x.dtype),
    # Softmax needs a vector: the two-class case softmax([x, 0])[0] (it equals the sigmoid).
    "softmax": lambda x: torch.softmax(torch.stack([x, torch.zeros_like(x)]), dim=0)[0],
}

LABELS = {
    "leaky_relu": "leaky_relu (slope 0.1)",
    "softmax": "softmax([x, 0])₀ = sigmoid(x)",
}


@dataclass(frozen=True)
class Series:
    """One curve: a label and its points."""

    label: str
    xs: list[float]
    ys: list[float]


def grid(low: float, high: float, points: int = 201) -> torch.Tensor:
    return torch.linspace(low, high, points, dtype=torch.float64)


def activation_series(
    names: Sequence[str], low: float, high: float, points: int = 201
) -> list[Series]:
    """Each named activation over ``[low, high]``."""
    x = grid(low, high, points)
    return [Series(LABELS.get(n, n), x.tolist(), ACTIVATIONS[n](x).tolist()) for n in names]


def curve_series(
    curves: Sequence[Any], low: float, high: float, labels: Sequence[str], points: int = 201
) -> list[Series]:
    """Sums of units ``c + Σ a · fn(w · x + b)``: a one-hidden-layer network by hand.

    ``curves`` are objects with ``terms`` (each with ``fn``, ``w``, ``b``, ``a``) and ``c``.
    """
    x = grid(low, high, points)
    out = []
    for curve, label in zip(curves, labels, strict=True):
        y = torch.full_like(x, float(curve.c))
        for term in curve.terms:
            y = y + term.a * ACTIVATIONS[term.fn](term.w * x + term.b)
        out.append(Series(label, x.tolist(), y.tolist()))
    return out
