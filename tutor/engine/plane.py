"""Playground's input features, computed from a point (x1, x2) of the plane.

TensorFlow Playground lets a learner feed a network not only x1 and x2 but also x1²,
x2², x1·x2, sin x1 and sin x2. Here the features are the first layer of the model,
:class:`PlaneFeatures`, so the model still takes the two coordinates: data, training,
dissect, code export and the boundary map all see an ordinary 2-input model, and the
exported code computes the features in plain PyTorch a learner can read.

Feature ids are written as in the code (``x1^2``, ``x1*x2``, ``sin(x1)``); the display
names (``x1²``, ``x1·x2``, ``sin x1``) and a few other spellings are accepted too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
import torch.nn as nn

from tutor.errors import TutorError


class FeatureError(TutorError, ValueError):
    """An unknown, repeated or missing input feature."""


@dataclass(frozen=True)
class Feature:
    """One input feature: its id, how it is shown, and its PyTorch expression."""

    id: str
    """Stable id, as written in a spec and in the exported code: ``x1^2``."""
    label: str
    """How the screen shows it: ``x1²``."""
    code: str
    """The expression in the exported code, over the columns ``x1`` and ``x2``."""
    compute: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    """The same expression, as the engine computes it (the same operations, so the
    exported code gives bit-for-bit the same numbers)."""


FEATURES: tuple[Feature, ...] = (
    Feature("x1", "x1", "x1", lambda x1, x2: x1),
    Feature("x2", "x2", "x2", lambda x1, x2: x2),
    Feature("x1^2", "x1²", "x1 ** 2", lambda x1, x2: x1**2),
    Feature("x2^2", "x2²", "x2 ** 2", lambda x1, x2: x2**2),
    Feature("x1*x2", "x1·x2", "x1 * x2", lambda x1, x2: x1 * x2),
    Feature("sin(x1)", "sin x1", "torch.sin(x1)", lambda x1, x2: torch.sin(x1)),
    Feature("sin(x2)", "sin x2", "torch.sin(x2)", lambda x1, x2: torch.sin(x2)),
)
"""Playground's seven features, in its order."""
FEATURE_IDS: tuple[str, ...] = tuple(f.id for f in FEATURES)
DEFAULT_FEATURES: tuple[str, ...] = ("x1", "x2")
_BY_ID = {f.id: f for f in FEATURES}


def _key(name: str) -> str:
    """Spelling-insensitive key: ``sin x1``, ``sin(x1)`` and ``SIN(X1)`` are one feature."""
    key = name.strip().lower().replace("**", "^").replace("²", "^2")
    for sign in ("·", "×", "*"):
        key = key.replace(sign, "*")
    return "".join(c for c in key if c not in " ()_")


_ALIASES = {_key(spelling): f.id for f in FEATURES for spelling in (f.id, f.label, f.code)}
_ALIASES[_key("x2*x1")] = "x1*x2"


def feature_id(name: str) -> str:
    """The id of the feature called ``name`` in any accepted spelling.

    Raises:
        FeatureError: for an unknown name, with the closest id and the list.
    """
    if not isinstance(name, str):
        raise FeatureError(f"a feature is a name such as x1 or sin(x1), not {name!r}")
    found = _ALIASES.get(_key(name))
    if found is None:
        from tutor.engine.spec import suggest

        raise FeatureError(
            f"unknown input feature {name!r}{suggest(name, FEATURE_IDS)}; "
            f"the features are {', '.join(FEATURE_IDS)}"
        )
    return found


def feature_ids(names: Sequence[str] | str) -> tuple[str, ...]:
    """Ids of ``names`` in the order given (one name alone is one feature).

    Raises:
        FeatureError: unknown, repeated, or no features at all.
    """
    if isinstance(names, str):
        items = [names]
    elif isinstance(names, list | tuple):
        items = list(names)
    else:
        raise FeatureError(
            f"the features must be a list of names such as [x1, x2, sin(x1)], not {names!r}"
        )
    ids = tuple(feature_id(n) for n in items)
    if not ids:
        raise FeatureError(f"choose at least one input feature: {', '.join(FEATURE_IDS)}")
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise FeatureError(f"the feature {repeated[0]} is listed twice")
    return ids


def feature_label(feature: str) -> str:
    """How the screen shows a feature: ``x1²`` for ``x1^2``."""
    return _BY_ID[feature_id(feature)].label


def plane_features(points: torch.Tensor, features: Sequence[str]) -> torch.Tensor:
    """Points ``(N, 2)`` -> features ``(N, F)``, one column per feature, in order."""
    if points.dim() != 2 or points.shape[1] != 2:
        shape = ", ".join(["N", *(str(s) for s in points.shape[1:])])
        raise FeatureError(f"the input features need points (x1, x2) as (N, 2), got ({shape})")
    x1, x2 = points[:, 0], points[:, 1]  # (N,) each
    columns = [_BY_ID[f].compute(x1, x2) for f in features]  # F tensors of (N,)
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
