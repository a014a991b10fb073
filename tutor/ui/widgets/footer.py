"""The footer, in the learner's language.

Bindings are declared with catalog keys as their descriptions
(``Binding("n", "next", "key.next")``); this footer shows each in the current language.
The language key's description names the language it switches to.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from tutor.locales import t
from tutor.ui.context import tutor_context


def key_label(description: str, lang: str) -> str:
    """A binding's description in ``lang``: a catalog key is translated, anything else
    (a description that is not a key) is shown as it is."""
    return t(description, lang) if description.startswith("key.") else description


class TutorFooter(Footer):
    """Textual's footer with every key's description translated."""

    def compose(self) -> ComposeResult:
        lang = tutor_context(self).language
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.description = key_label(widget.description, lang)
                if widget.tooltip:
                    widget.tooltip = key_label(str(widget.tooltip), lang)
            yield widget
