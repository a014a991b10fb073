"""Code as the code screen and the code step show it: highlighted in the theme's light or
dark palette on the theme's own background, and copied with one key."""

from __future__ import annotations

from typing import Any

from rich.syntax import Syntax

from tutor.locales import t


def code_renderable(code: str, widget: Any) -> Syntax:
    """``code`` highlighted for ``widget``'s theme: a dark palette on dark themes, a light
    one on light themes, on the widget's own background (no dark box on a light theme)."""
    dark = getattr(widget.app.current_theme, "dark", True)
    try:
        background = widget.background_colors[1].hex
    except Exception:  # not mounted yet
        background = None
    return Syntax(
        code,
        "python",
        theme="monokai" if dark else "friendly",
        word_wrap=True,
        background_color=background,
    )


def copy_code(widget: Any, code: str | None, lang: str) -> None:
    """Put ``code`` on the clipboard (OSC 52, as Textual does) and say so."""
    if not code:
        widget.notify(t("code.nothing", lang), severity="warning")
        return
    widget.app.copy_to_clipboard(code)
    widget.notify(t("code.copied", lang, lines=len(code.splitlines())))
