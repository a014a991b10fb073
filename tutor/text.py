"""Words and shapes for learners: the one home of "did you mean", shape notation, and
the one escaping path for text that comes from files or models.

No torch and no Textual: validation, the engine, the command line and the app all use
these, so a shape is written the same way everywhere, and a lesson title, a model name
or a file name reaches the terminal the same safe way from every command and screen.

Text from outside (lessons, model specs, the learner's modules, file names, error
messages that quote them) can hold two kinds of trouble:

* control characters: ESC starts terminal sequences that clear the screen, retitle the
  window or move the cursor; :func:`clean` removes every control character except
  newline and tab;
* markup: ``[/]``, ``[i]`` or ``[bold red]`` mean something to Rich and Textual.
  :func:`literal` makes a Rich ``Text`` that is never parsed as markup; Rich and
  Textual accept it wherever they accept a string. (Escaping inside markup is not
  used: Rich and Textual honour a backslash only before what looks like a tag, Textual
  refuses some bracketed text outright and Rich reads ``:b:`` as an emoji, so no
  escaped string reads back as the text itself in both.)
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.text import Text

# Every C0 and C1 control character and DEL, except tab (\t) and newline (\n).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: object) -> str:
    """``text`` as a string without control characters other than newline and tab.

    ESC, BEL, NUL, carriage return, backspace, DEL and the C1 controls are removed, so
    nothing read from a file can clear the screen, move the cursor or retitle the
    terminal. Printable text, Hangul and other scripts are kept as they are.
    """
    value = text if isinstance(text, str) else str(text)
    return _CONTROL.sub("", value) if _CONTROL.search(value) else value


def literal(text: object, style: str = "") -> Text:
    """Outside text as a Rich ``Text``: cleaned, and never read as markup.

    Pass this, not a string, to anything that would parse markup (``Static``,
    ``OptionList`` options, ``DataTable`` cells, the command palette's hits, a Rich
    table's title).
    """
    from rich.text import Text

    return Text(clean(text), style=style, end="")


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
