"""Words and shapes for learners: the one home of "did you mean" and shape notation.

No torch and no Textual: validation, the engine, the command line and the app all use
these, so a shape is written the same way everywhere.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any


def close_matches(word: str, choices: Sequence[str], n: int = 1) -> list[str]:
    """Up to ``n`` of ``choices`` that ``word`` was probably meant to be.

    Case is ignored first, and a dotted name is tried by its last part, since learners
    often write ``nn.Linear`` or ``torch.nn.Linear`` for ``Linear``.
    """
    word = str(word)
    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered:
        return [lowered[word.lower()]]
    tail = word.rsplit(".", 1)[-1]
    if tail in choices:
        return [tail]
    return difflib.get_close_matches(word, list(choices), n=n, cutoff=0.6)


def suggest(word: str, choices: Sequence[str]) -> str:
    """`` (did you mean 'X'?)`` when a close match exists, else an empty string."""
    close = close_matches(word, choices)
    return f" (did you mean '{close[0]}'?)" if close else ""


def shape_text(shape: Any, batch: str | None = None, compact: bool = False) -> str:
    """A shape as Python writes a tuple: ``(32, 784)``, ``(100,)``.

    Args:
        shape: a tuple or list of sizes, or a list of such shapes (a layer that returns
            several tensors), written one after the other.
        batch: write the first size as this (``"N"``): ``(N, 784)``.
        compact: no spaces after the commas, for narrow tables: ``(N,16,5,5)``.
    """
    if isinstance(shape, list) and shape and isinstance(shape[0], tuple | list):
        return " ".join(shape_text(s, batch, compact) for s in shape)
    items = [str(v) for v in shape]
    if not items:
        return "()"
    if batch is not None:
        items[0] = batch
    if len(items) == 1:
        return f"({items[0]},)"
    return "(" + ("," if compact else ", ").join(items) + ")"
