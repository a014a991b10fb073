"""Playground's input features computed from points (x1, x2): the function and the layer.

TensorFlow Playground lets a learner feed a network not only x1 and x2 but also x1²,
x2², x1·x2, sin x1 and sin x2. Here the features are the first layer of the model,
:class:`PlaneFeatures`, so the model still takes the two coordinates: data, training,
dissect, code export and the boundary map all see an ordinary 2-input model, and the
exported code computes the features in plain PyTorch a learner can read. The names and
formulas live in :mod:`tutor.engine.features` (no torch).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn as nn

from tutor.engine.features import (
    DEFAULT_FEATURES,
    FEATURE_IDS,
    FEATURES,
    FeatureError,
    feature,
    feature_id,
    feature_ids,
    feature_label,
)

__all__ = [
    "DEFAULT_FEATURES",
    "FEATURES",
    "FEATURE_IDS",
    "FeatureError",
    "PlaneFeatures",
    "feature_id",
    "feature_ids",
    "feature_label",
    "plane_features",
]


def plane_features(points: torch.Tensor, features: Sequence[str]) -> torch.Tensor:
    """Points ``(N, 2)`` -> features ``(N, F)``, one column per feature, in order."""
    if points.dim() != 2 or points.shape[1] != 2:
        shape = ", ".join(["N", *(str(s) for s in points.shape[1:])])
        raise FeatureError(f"the input features need points (x1, x2) as (N, 2), got ({shape})")
    x1, x2 = points[:, 0], points[:, 1]  # (N,) each
    columns = [feature(f).compute(x1, x2) for f in features]  # F tensors of (N,)
    return torch.stack(columns, dim=1)  # (N, F)


class PlaneFeatures(nn.Module):
    """The first layer of a playground model: points (N, 2) -> features (N, F).

    It has no parameters; it only computes the chosen features (``x1``, ``x2``,
    ``x1^2``, ``x2^2``, ``x1*x2``, ``sin(x1)``, ``sin(x2)``) from each point.
    """

    def __init__(self, features: Sequence[str] = DEFAULT_FEATURES) -> None:
        super().__init__()
        self.features = feature_ids(features)

    @property
    def out_features(self) -> int:
        return len(self.features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return plane_features(x, self.features)  # (N, 2) -> (N, F)

    def extra_repr(self) -> str:
        return f"features={list(self.features)}"

    @staticmethod
    def export_call(features: Sequence[str] = DEFAULT_FEATURES) -> str:
        """How exported code builds this layer: ``PlaneFeatures(["x1", "sin(x1)"])``."""
        names = ", ".join(f'"{f}"' for f in feature_ids(features))
        return f"PlaneFeatures([{names}])"

    @staticmethod
    def export_code() -> str:
        """The class as plain PyTorch for exported code (``nn.Module`` with the same
        name, argument and numbers), computing every feature and keeping the chosen ones."""
        columns = "\n".join(f'            "{f.id}": {f.code},' for f in FEATURES)
        return (
            "class PlaneFeatures(nn.Module):\n"
            '    """Input features computed from each point (x1, x2), as on TensorFlow '
            'Playground."""\n'
            "\n"
            "    def __init__(self, features):\n"
            "        super().__init__()\n"
            "        self.features = list(features)\n"
            "\n"
            "    def forward(self, x):  # (N, 2) -> (N, number of features)\n"
            "        x1, x2 = x[:, 0], x[:, 1]  # (N,) each\n"
            "        columns = {\n"
            f"{columns}\n"
            "        }\n"
            "        return torch.stack([columns[f] for f in self.features], dim=1)\n"
        )
