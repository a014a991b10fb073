"""``?``: every key, for the whole app, the lesson player and the current step."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tutor.locales import t
from tutor.ui.context import tutor_context
from tutor.ui.widgets.footer import key_label

GLOBAL_KEYS = [
    ("q / ctrl+q", "key.quit"),
    ("? / F1", "key.help"),
    ("ctrl+p", "key.commands"),
    ("ctrl+l", "key.language"),
]
PLAYER_KEYS = [
    ("→ / n", "key.next"),
    ("← / p", "key.prev"),
    ("home", "key.first"),
    ("end", "key.last"),
    ("escape", "key.back"),
    ("c", "key.code"),
]


class HelpScreen(ModalScreen[None]):
    """A table of keys. Escape, q or ? closes it."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "key.close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(self._table(), id="help-table")

    def _table(self) -> Table:
        lang = tutor_context(self).language
        table = Table(title=t("help.title", lang), show_header=False, expand=True, box=None)
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        table.add_row(f"[b]{t('help.global', lang)}[/b]", "")
        for key, desc in GLOBAL_KEYS:
            table.add_row(key, t(desc, lang))
        # The screen under this one (compose runs once this screen is on the stack).
        stack = [s for s in self.app.screen_stack if s is not self]
        below = stack[-1] if stack else None
        view_keys = getattr(below, "view_bindings", None)
        if view_keys is not None:
            table.add_row("", "")
            table.add_row(f"[b]{t('help.player', lang)}[/b]", "")
            for key, desc in PLAYER_KEYS:
                table.add_row(key, t(desc, lang))
            keys = view_keys()
            if keys:
                table.add_row("", "")
                table.add_row(f"[b]{t('help.view', lang)}[/b]", "")
                for key, desc in keys:
                    table.add_row(key, key_label(desc, lang))
        return table

    def action_close(self) -> None:
        self.dismiss(None)
