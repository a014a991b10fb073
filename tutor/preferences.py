"""The learner's preferences, remembered between sessions: ``TUTOR_HOME/settings.json``.

No torch and no Textual here. Two settings for now, both checked on reading and on
writing: ``theme`` (a Textual theme name: lower-case letters, digits, ``-`` and ``_``;
the app decides whether it knows it) and ``language`` (one of :data:`tutor.locales.LANGUAGES`). Keys
this version does not know are kept as they were, so a newer tutor's settings survive
an older one. Writes are atomic; a file that cannot be read is moved aside with a
warning, like the progress file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tutor.config import tutor_home
from tutor.fsutil import FileRefused, atomic_write_text, move_aside, read_text
from tutor.locales import LANGUAGES
from tutor.text import clean

SETTINGS_FILE = "settings.json"
#: A settings file is a few lines; anything near this is not one.
MAX_SETTINGS_BYTES = 1_000_000
_THEME_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


@dataclass
class Preferences:
    """What the learner chose; None means "not chosen" (the default applies)."""

    theme: str | None = None
    language: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    """Keys from the file this version does not use, written back unchanged."""


def settings_path(home: Path | None = None) -> Path:
    """``TUTOR_HOME/settings.json``."""
    return (home if home is not None else tutor_home()) / SETTINGS_FILE


def _theme(value: Any) -> str | None:
    return value if isinstance(value, str) and _THEME_NAME.fullmatch(value) else None


def _language(value: Any) -> str | None:
    return value if isinstance(value, str) and value in LANGUAGES else None


def load_preferences(
    path: Path | None = None, *, move_corrupt: bool = True
) -> tuple[Preferences, str | None]:
    """The preferences in ``path`` (default: this home's), and a warning or None.

    A missing file gives the defaults; an unreadable one is moved aside (unless
    ``move_corrupt`` is False: a quick look that leaves it for the app to report) and
    the warning says where. A value that is not valid (an unknown language) is dropped
    quietly: the default applies and the next save writes a clean file.
    """
    path = path or settings_path()
    try:
        data = json.loads(read_text(path, MAX_SETTINGS_BYTES))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except FileRefused as refused:
        if refused.kind == "missing":
            return Preferences(), None
        error: object = refused.reason
    except RecursionError:
        error = "nested too deeply"
    except Exception as other:  # any parse failure: the defaults apply, the file is kept
        error = other
    else:
        extra = {k: v for k, v in data.items() if k not in ("theme", "language")}
        return Preferences(_theme(data.get("theme")), _language(data.get("language")), extra), None
    why = clean(str(error)[:200])
    if not move_corrupt:
        return Preferences(), clean(f"Your settings file {path} could not be read ({why}).")
    try:
        where = f"it was moved to {move_aside(path)}"
    except OSError as move_error:
        where = f"and could not be moved aside ({move_error.strerror})"
    return Preferences(), clean(
        f"Your settings file {path} could not be read ({why}); {where}. Using the default settings."
    )


def save_preferences(preferences: Preferences, path: Path | None = None) -> None:
    """Write the preferences atomically. Raises ValueError for an invalid value and
    OSError when the file cannot be written."""
    if preferences.theme is not None and _theme(preferences.theme) is None:
        raise ValueError(f"not a theme name: {preferences.theme!r}")
    if preferences.language is not None and _language(preferences.language) is None:
        raise ValueError(f"unknown language {preferences.language!r}: one of {LANGUAGES}")
    data: dict[str, Any] = dict(preferences.extra)
    for key in ("theme", "language"):
        value = getattr(preferences, key)
        if value is not None:
            data[key] = value
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
    atomic_write_text(path or settings_path(), text + "\n")


def remember(path: Path | None = None, **changes: str | None) -> Preferences:
    """Load, change ``theme`` and/or ``language``, save: what the app calls on a switch."""
    preferences, _ = load_preferences(path)
    for key, value in changes.items():
        if key not in ("theme", "language"):
            raise TypeError(f"no preference named {key!r}")
        setattr(preferences, key, value)
    save_preferences(preferences, path)
    return preferences
