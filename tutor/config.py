"""Where tutor keeps things, and the environment variables that move them.

No torch and no Textual here: both the command line and the app read this first.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_cache_dir, user_data_dir

from tutor.locales import normalize_language

APP_NAME = "tutor"
DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def tutor_home() -> Path:
    """Progress, checkpoints and user lessons: ``TUTOR_HOME`` or the platform's user data dir."""
    return Path(_env("TUTOR_HOME") or user_data_dir(APP_NAME, appauthor=False)).expanduser()


def data_dir() -> Path:
    """Datasets: ``TUTOR_DATA_DIR`` or the platform's user cache dir."""
    return Path(_env("TUTOR_DATA_DIR") or user_cache_dir(APP_NAME, appauthor=False)).expanduser()


def offline() -> bool:
    """``TUTOR_OFFLINE=1`` means never touch the network."""
    return (_env("TUTOR_OFFLINE") or "0").lower() in ("1", "true", "yes", "on")


def language() -> str:
    """The interface and lesson language: ``TUTOR_LANG``, else the one remembered in
    ``TUTOR_HOME/settings.json``, else English."""
    from tutor.preferences import load_preferences  # it imports this module

    # Accept locale-style values such as ko_KR.UTF-8.
    chosen = _env("TUTOR_LANG") or load_preferences(move_corrupt=False)[0].language
    return normalize_language(chosen)


def device_request() -> str:
    """The device asked for through ``TUTOR_DEVICE`` (``auto`` when unset)."""
    return (_env("TUTOR_DEVICE") or "auto").lower()


@dataclass(frozen=True)
class Settings:
    """A snapshot of the environment, so a run sees one consistent configuration."""

    home: Path
    data_dir: Path
    language: str
    device: str
    offline: bool

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            home=tutor_home(),
            data_dir=data_dir(),
            language=language(),
            device=device_request(),
            offline=offline(),
        )
