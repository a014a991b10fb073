"""Shared fixtures: every test runs offline, in its own TUTOR_HOME and TUTOR_DATA_DIR."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LESSONS = REPO / "lessons"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Nothing from the developer's machine leaks in, and nothing touches the network."""
    home = tmp_path_factory.mktemp("home")
    data = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("TUTOR_HOME", str(home))
    monkeypatch.setenv("TUTOR_DATA_DIR", str(data))
    monkeypatch.setenv("TUTOR_OFFLINE", "1")
    monkeypatch.setenv("TUTOR_LANG", "en")
    monkeypatch.delenv("TUTOR_DEVICE", raising=False)
    yield {"home": home, "data": data}
