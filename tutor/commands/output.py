"""The terminal the headless commands print to: one Rich console for all of them.

Rich ends the process with ``SystemExit(1)`` when the reader of a pipe goes away
(``tutor dissect x | head -1``). Here a closed pipe is the reader's choice, not an
error: the console raises ``BrokenPipeError``, which ``tutor.cli.main`` answers by
ending quietly with status 0, the same as for a plain ``print``.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console


class _Console(Console):
    def on_broken_pipe(self) -> None:
        self.quiet = True  # nothing more is written; main() silences stdout for the exit
        raise BrokenPipeError


def console(**options: Any) -> Console:
    """A Rich console (``stderr=True`` for progress bars) for a command's output."""
    return _Console(**options)
