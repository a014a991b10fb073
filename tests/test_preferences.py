"""The settings file: theme and language remembered under TUTOR_HOME."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tutor import config
from tutor.preferences import (
    Preferences,
    load_preferences,
    remember,
    save_preferences,
    settings_path,
)


def test_round_trip(tmp_path: Path):
    path = tmp_path / "settings.json"
    save_preferences(Preferences(theme="textual-light", language="ko"), path)
    loaded, warning = load_preferences(path)
    assert warning is None
    assert (loaded.theme, loaded.language) == ("textual-light", "ko")
    assert json.loads(path.read_text()) == {"language": "ko", "theme": "textual-light"}


def test_default_path_is_under_tutor_home(isolated_env):
    assert settings_path() == isolated_env["home"] / "settings.json"
    remember(theme="nord")
    assert load_preferences()[0].theme == "nord"
    remember(language="ko")  # one change keeps the other
    assert load_preferences()[0] == Preferences(theme="nord", language="ko")


def test_missing_file_gives_defaults(tmp_path: Path):
    assert load_preferences(tmp_path / "settings.json") == (Preferences(), None)


def test_unknown_keys_are_kept_and_bad_values_dropped(tmp_path: Path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"language": "fr", "theme": "../../x", "font": 14}))
    loaded, warning = load_preferences(path)
    assert warning is None
    assert (loaded.language, loaded.theme, loaded.extra) == (None, None, {"font": 14})
    remember(path, theme="dracula")
    assert json.loads(path.read_text()) == {"font": 14, "theme": "dracula"}


@pytest.mark.parametrize("value", [{"language": "fr"}, {"theme": "Bad Theme"}])
def test_invalid_values_are_not_written(tmp_path: Path, value: dict):
    with pytest.raises(ValueError):
        save_preferences(Preferences(**value), tmp_path / "settings.json")
    assert not (tmp_path / "settings.json").exists()


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b"\xff\xfe"])
def test_corrupt_file_is_moved_aside_with_a_warning(tmp_path: Path, content: bytes):
    path = tmp_path / "settings.json"
    path.write_bytes(content)
    loaded, warning = load_preferences(path)
    assert loaded == Preferences()
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("settings.json.corrupt-")]
    assert len(aside) == 1 and aside[0].read_bytes() == content
    assert warning is not None and str(aside[0]) in warning
    remember(path, language="ko")
    assert load_preferences(path)[0].language == "ko"


def test_language_env_wins_over_the_file_which_wins_over_the_default(isolated_env, monkeypatch):
    monkeypatch.delenv("TUTOR_LANG")
    assert config.language() == "en"
    remember(language="ko")
    assert config.language() == "ko"
    monkeypatch.setenv("TUTOR_LANG", "en")
    assert config.language() == "en"


def test_reading_the_language_leaves_a_corrupt_file_for_the_app_to_report(
    isolated_env, monkeypatch
):
    monkeypatch.delenv("TUTOR_LANG")
    settings_path().write_text("{oops")
    assert config.language() == "en"
    assert settings_path().read_text() == "{oops"
