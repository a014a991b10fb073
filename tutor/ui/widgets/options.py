"""An OptionList safe under keys sent before it has laid out its lines."""

from __future__ import annotations

import contextlib

from textual.widgets import OptionList


class SafeOptionList(OptionList):
    """Textual 8.2's OptionList raises ``KeyError`` on page up/down before its lines are
    laid out (a quiz's choices, pressed into as the step appears; found by the monkey
    test, issue 13). Nothing to move through yet, so the key does nothing."""

    def _move_page(self, direction: int) -> None:  # type: ignore[override]
        with contextlib.suppress(KeyError):
            super()._move_page(direction)  # type: ignore[arg-type]
