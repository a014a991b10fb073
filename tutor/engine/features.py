"""Playground's input features: their ids, display names, spellings and formulas.

No torch here: the app's controls use it before PyTorch has loaded. The layer that
computes the features is :class:`tutor.engine.plane.PlaneFeatures`.

Feature ids are written as in the code (``x1^2``, ``x1*x2``, ``sin(x1)``); the display
names (``x1²``, ``x1·x2``, ``sin x1``) and a few other spellings are accepted too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

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
    compute: Callable[[Any, Any], Any]
    """The same expression on the tensors ``x1`` and ``x2``, as the engine computes it
    (the same operations, so the exported code gives bit-for-bit the same numbers;
    ``x.sin()`` is ``torch.sin(x)``)."""


FEATURES: tuple[Feature, ...] = (
    Feature("x1", "x1", "x1", lambda x1, x2: x1),
    Feature("x2", "x2", "x2", lambda x1, x2: x2),
    Feature("x1^2", "x1²", "x1 ** 2", lambda x1, x2: x1**2),
    Feature("x2^2", "x2²", "x2 ** 2", lambda x1, x2: x2**2),
    Feature("x1*x2", "x1·x2", "x1 * x2", lambda x1, x2: x1 * x2),
    Feature("sin(x1)", "sin x1", "torch.sin(x1)", lambda x1, x2: x1.sin()),
    Feature("sin(x2)", "sin x2", "torch.sin(x2)", lambda x1, x2: x2.sin()),
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
        from tutor.text import suggest

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


def feature(name: str) -> Feature:
    """The :class:`Feature` called ``name`` (any accepted spelling)."""
    return _BY_ID.get(name) or _BY_ID[feature_id(name)]


def feature_label(name: str) -> str:
    """How the screen shows a feature: ``x1²`` for ``x1^2``."""
    return feature(name).label
