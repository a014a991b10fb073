"""The progress store: atomic writes, corrupt files moved aside, nothing lost."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tutor.course.progress import ProgressStore


def test_round_trip(tmp_path: Path):
    store = ProgressStore(tmp_path / "progress.json")
    store.visit("01-neuron", 3)
    store.visit("01-neuron", 1)
    store.complete("01-neuron", "idea")
    store.answer("01-neuron", "quiz-params", 3, True)
    again = ProgressStore(tmp_path / "progress.json")
    record = again.get("01-neuron")
    assert (record.current, record.furthest) == (1, 3)
    assert record.completed == ["idea", "quiz-params"]
    assert record.quiz["quiz-params"].answer == 3 and record.quiz["quiz-params"].correct


def test_interrupted_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "progress.json"
    store = ProgressStore(path)
    store.visit("a", 2)
    before = path.read_bytes()

    def crash(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", crash)
    assert store.save() is False
    store.visit("a", 5)  # also fails, and says so
    assert "No space left on device" in (store.save_error or "")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["progress.json"]  # no temp files left
    monkeypatch.undo()
    assert ProgressStore(path).get("a").furthest == 2


@pytest.mark.parametrize("content", [b"{not json", b'{"version": 99}', b"\xff\xfe", b"[]"])
def test_corrupt_file_is_moved_aside_with_a_warning(tmp_path: Path, content: bytes):
    path = tmp_path / "progress.json"
    path.write_bytes(content)
    store = ProgressStore(path)
    assert store.lessons == {}
    assert store.warning is not None and "could not be read" in store.warning
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("progress.json.corrupt-")]
    assert len(aside) == 1 and aside[0].read_bytes() == content
    assert str(aside[0]) in store.warning
    store.visit("b", 1)
    assert json.loads(path.read_text())["lessons"]["b"]["furthest"] == 1
