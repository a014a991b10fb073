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


# ---------------------------------------------------------------------------------------
# Several sessions on one file: saving merges per lesson


def test_two_sessions_saving_alternately_keep_each_others_lessons(tmp_path: Path):
    path = tmp_path / "progress.json"
    a = ProgressStore(path)
    b = ProgressStore(path)  # both opened before either saved: b knows nothing of a
    a.visit("01-neuron", 2)
    b.visit("04-fashion-mlp", 5)
    a.complete("01-neuron", "idea")
    b.answer("04-fashion-mlp", "quiz-shape", "(32, 784)", True)
    on_disk = json.loads(path.read_text())["lessons"]
    assert set(on_disk) == {"01-neuron", "04-fashion-mlp"}
    assert on_disk["01-neuron"]["current"] == 2 and on_disk["01-neuron"]["completed"] == ["idea"]
    assert on_disk["04-fashion-mlp"]["completed"] == ["quiz-shape"]
    # Each session now also sees the other's lessons, and a fresh one sees both.
    assert a.lessons["04-fashion-mlp"].furthest == 5
    assert set(ProgressStore(path).lessons) == {"01-neuron", "04-fashion-mlp"}


def test_one_lesson_changed_in_both_sessions_is_merged(tmp_path: Path, monkeypatch):
    clock = iter(float(t) for t in range(100, 200))
    monkeypatch.setattr("tutor.course.progress.time.time", lambda: next(clock))
    path = tmp_path / "progress.json"
    a = ProgressStore(path)
    b = ProgressStore(path)
    a.visit("02", 4)  # a walks to step 4, completing "one"
    a.complete("02", "one")
    a.answer("02", "q1", 3, True)
    b.visit("02", 1)  # later, b is on step 1 and completes "two"
    b.complete("02", "two")
    b.answer("02", "q2", 7, False)
    record = ProgressStore(path).get("02")
    assert record.completed == ["one", "q1", "two"]  # b merged a's, then added its own
    assert record.current == 1  # b changed it last
    assert record.furthest == 4  # a got further
    assert set(record.quiz) == {"q1", "q2"} and record.quiz["q1"].correct
    # a changes the lesson again: now a's current is the latest.
    a.visit("02", 3)
    record = ProgressStore(path).get("02")
    assert (record.current, record.furthest) == (3, 4)
    assert set(record.completed) == {"one", "two", "q1"}


def test_a_reset_is_kept_unless_the_lesson_changed_after_it(tmp_path: Path, monkeypatch):
    clock = iter(float(t) for t in range(100, 200))
    monkeypatch.setattr("tutor.course.progress.time.time", lambda: next(clock))
    path = tmp_path / "progress.json"
    a = ProgressStore(path)
    a.visit("x", 3)
    a.visit("y", 2)
    b = ProgressStore(path)
    b.reset("x")
    a.visit("y", 4)  # a never touched x again: b's reset stands
    assert set(ProgressStore(path).lessons) == {"y"}
    a.visit("x", 1)  # but a visit after the reset starts the lesson again
    assert ProgressStore(path).get("x").current == 1


def test_corrupt_file_found_while_saving_is_moved_aside(tmp_path: Path):
    path = tmp_path / "progress.json"
    store = ProgressStore(path)
    store.visit("a", 1)
    path.write_bytes(b"{half a file")
    store.visit("b", 2)
    assert store.warning is not None and "could not be read" in store.warning
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("progress.json.corrupt-")]
    assert len(aside) == 1 and aside[0].read_bytes() == b"{half a file"
    assert set(json.loads(path.read_text())["lessons"]) == {"b"}


WRITER = """
import sys
from tutor.course.progress import ProgressStore
path, prefix = sys.argv[1], sys.argv[2]
store = ProgressStore(__import__("pathlib").Path(path))
for i in range(40):
    store.visit(f"{prefix}-{i}", i)
"""


def test_two_processes_saving_at_once_lose_nothing(tmp_path: Path):
    import subprocess
    import sys

    path = tmp_path / "progress.json"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), name]) for name in "ab"]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    lessons = json.loads(path.read_text())["lessons"]
    assert sorted(lessons) == sorted(f"{n}-{i}" for n in "ab" for i in range(40))
    assert all(lessons[f"a-{i}"]["current"] == i for i in range(40))
