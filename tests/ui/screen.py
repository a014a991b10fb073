"""Reading what the screen shows, as text, for assertions in Pilot tests."""

from __future__ import annotations

from textual.app import App


def screen_text(app: App) -> str:
    """Every cell of the current screen as plain text, one line per row."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)
