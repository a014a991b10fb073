"""What a lesson says a view shows, checked on the numbers the view computed.

The ``backward`` and ``step`` kinds take ``outcome: {claim: value}``, like a train step
(``tutor.engine.outcome``): a sentence about a computed result ("the first layer gets
a gradient a hundred times smaller than the last") is stated as a claim, the view says
whether it held (✔ / ✘), and the lesson tests compute every such step and require it to
hold. Each kind keeps its own table of claims; this module reads and judges them. No
torch here: claims look at the plain results the engine handed out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tutor.locales import t


@dataclass(frozen=True)
class ViewClaim:
    """One kind of statement about a view's numbers."""

    value: str
    """What the lesson writes after it: ``bool``, ``share`` (0 to 1), ``positive`` (a
    number above 0) or ``names`` (a list of names such as ``fc1.weight``)."""
    check: Callable[[Any, Any], bool | None]
    """True when the result shows it, False when not, None when it cannot say."""
    key: str
    """The catalog key that words it (``{value}`` is the lesson's value)."""


@dataclass(frozen=True)
class ViewVerdict:
    """One claim, checked on one computed result."""

    claim: str
    expected: Any
    held: bool | None
    key: str

    def describe(self, lang: str) -> str:
        """The claim in words, as the lesson states it."""
        value = self.expected
        if isinstance(value, list):
            value = ", ".join(map(str, value))
        return t(self.key, lang, value=value)

    def line(self, lang: str) -> str:
        """``✔ As the lesson says: …`` (or ✘, or ? when the result cannot say)."""
        key = {True: "outcome.held", False: "outcome.failed", None: "outcome.unknown"}[self.held]
        return t(key, lang, claim=self.describe(lang))


def check_claims(value: Mapping[str, Any] | None, table: Mapping[str, ViewClaim]) -> None:
    """Refuse unknown claims and values of the wrong kind (a schema validator's check).

    Raises:
        ValueError: naming the claim, what it takes, and the claims there are.
    """
    from tutor.text import suggest

    for name, expected in (value or {}).items():
        claim = table.get(str(name))
        if claim is None:
            raise ValueError(
                f"unknown outcome '{name}'{suggest(str(name), list(table))}; "
                f"outcomes here: {', '.join(table)}"
            )
        number = isinstance(expected, int | float) and not isinstance(expected, bool)
        if claim.value == "bool" and not isinstance(expected, bool):
            raise ValueError(f"outcome '{name}' is true or false, not {expected!r}")
        if claim.value == "share" and not (number and 0 <= expected <= 1):
            raise ValueError(f"outcome '{name}' is a share from 0 to 1, not {expected!r}")
        if claim.value == "positive" and not (number and expected > 0):
            raise ValueError(f"outcome '{name}' is a number above 0, not {expected!r}")
        if claim.value == "names" and not (
            isinstance(expected, list) and expected and all(isinstance(v, str) for v in expected)
        ):
            raise ValueError(f"outcome '{name}' is a list of names, not {expected!r}")


def judge_claims(
    outcome: Mapping[str, Any] | None, table: Mapping[str, ViewClaim], result: Any
) -> tuple[ViewVerdict, ...]:
    """Check every claim of ``outcome`` on ``result``."""
    return tuple(
        ViewVerdict(name, expected, table[name].check(result, expected), table[name].key)
        for name, expected in (outcome or {}).items()
    )
