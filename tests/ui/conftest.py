"""Pilot test helpers: warm dataset caches, and waiting for the app's workers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURE_LESSONS = Path(__file__).resolve().parent.parent / "fixtures" / "lessons"


@pytest.fixture(scope="session")
def prebuilt_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The offline datasets' tensor caches, built once per test session."""
    from tutor.engine.data import build_cache

    root = tmp_path_factory.mktemp("prebuilt-data")
    for name in ("mnist-5k", "shapes-2"):
        build_cache(name, root)
    return root / "tutor-cache"


@pytest.fixture(autouse=True)
def warm_data(isolated_env: dict, prebuilt_cache: Path) -> None:
    """Copy the caches into this test's TUTOR_DATA_DIR, so views load data at once."""
    shutil.copytree(prebuilt_cache, isolated_env["data"] / "tutor-cache", dirs_exist_ok=True)


@pytest.fixture
def fixture_lessons(monkeypatch: pytest.MonkeyPatch) -> Path:
    return FIXTURE_LESSONS
