"""Faults: each gives a clear message, loses nothing, and leaves the app usable."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
import torch

from tests.ui.conftest import FIXTURE_LESSONS
from tests.ui.helpers import screen_flat, settle
from tutor.engine.config import OutOfMemory, TrainConfig
from tutor.engine.device import DeviceInfo
from tutor.engine.train import Trainer
from tutor.ui.app import TutorApp

LESSON = str(FIXTURE_LESSONS / "all-kinds.yaml")
STEPS = ["intro", "samples", "dissect", "forward", "softmax", "train"]


async def goto(pilot, step: str) -> None:
    await settle(pilot)
    for _ in range(STEPS.index(step)):
        await pilot.press("n")
        await settle(pilot)


def _disk_full(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


async def test_unreadable_data_folder_is_explained_and_the_app_goes_on(tmp_path: Path, monkeypatch):
    not_a_folder = tmp_path / "data-file"
    not_a_folder.write_text("oops")
    monkeypatch.setenv("TUTOR_DATA_DIR", str(not_a_folder))
    app = TutorApp(lesson=LESSON)
    async with app.run_test(size=(100, 30)) as pilot:
        await goto(pilot, "samples")
        view = app.screen.view
        assert "is a file, not a folder" in view.error_message
        assert "set TUTOR_DATA_DIR to a folder" in screen_flat(app)
        await pilot.press("n")  # the app still works
        await settle(pilot)
        assert "step 3/11" in screen_flat(app)


async def test_disk_full_while_saving_progress_keeps_the_old_file(monkeypatch, isolated_env):
    progress = isolated_env["home"] / "progress.json"
    app = TutorApp(lesson=LESSON)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        before = progress.read_bytes()
        monkeypatch.setattr("tutor.fsutil.os.fsync", _disk_full)
        await pilot.press("n")
        await settle(pilot)
        assert "step 3/11" in screen_flat(app)
        messages = [str(n.message) for n in app._notifications]
        assert any("could not save progress" in m and "No space left" in m for m in messages)
        assert progress.read_bytes() == before
        assert [p.name for p in progress.parent.iterdir() if p.name.startswith(".progress")] == []


def test_disk_full_while_saving_a_checkpoint_does_not_stop_training(tmp_path: Path, monkeypatch):
    monkeypatch.setattr("tutor.engine.checkpoint.atomic_write_bytes", _disk_full)
    x, y = torch.randn(64, 4), torch.randint(0, 2, (64,))
    from tutor.engine.tensordata import TensorData, TensorSplit

    data = TensorData(TensorSplit(x, y), TensorSplit(x[:8], y[:8]), classes=("a", "b"))
    events: list[object] = []
    trainer = Trainer(
        torch.nn.Linear(4, 2),
        data,
        TrainConfig(epochs=2, batch_size=16),
        checkpoint_dir=tmp_path / "ckpt",
        on_event=events.append,
    )
    result = trainer.run()
    assert result.state == "finished" and result.epochs_done == 2
    assert result.checkpoint is None
    assert "No space left on device" in result.checkpoint_error
    assert [type(e).__name__ for e in events].count("CheckpointFailed") == 2
    assert not list((tmp_path / "ckpt").glob("*.pt"))


class _FakeGpu(DeviceInfo):
    """Says it is a GPU; computes on the CPU (there is none here)."""

    @property
    def torch_device(self) -> torch.device:
        return torch.device("cpu")


async def test_cuda_out_of_memory_falls_back_to_cpu_with_a_notice(monkeypatch):
    original = Trainer.run
    calls = {"n": 0}

    def run_once_out_of_memory(self):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise OutOfMemory(
                "cuda:0 ran out of memory at batch size 64: try a smaller "
                "batch size such as 16 (CUDA out of memory)"
            )
        return original(self)

    monkeypatch.setattr(Trainer, "run", run_once_out_of_memory)
    app = TutorApp(lesson=LESSON)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        app.context.engine.session.device = _FakeGpu("cuda", 0, "Fake GPU", "auto")
        await goto(pilot, "train")
        await pilot.press("s")
        await settle(pilot)
        view = app.screen.view
        assert view.state == "finished" and calls["n"] == 2
        assert app.context.engine.session.device.type == "cpu"
        messages = [str(n.message) for n in app._notifications]
        assert any("ran out of memory" in m and "Training again on cpu" in m for m in messages)
        assert "device: cpu" in screen_flat(app)


async def test_terminal_resized_during_training():
    app = TutorApp(lesson=LESSON)
    async with app.run_test(size=(120, 40)) as pilot:
        await goto(pilot, "train")
        view = app.screen.view
        view.batch_size = 2  # long enough to resize while it runs
        await pilot.press("s")
        while view.trainer is None:  # the worker thread creates it
            await pilot.pause(0.05)
        assert view.trainer.state in ("idle", "running")
        for size in ((60, 20), (200, 60), (45, 15), (120, 40)):
            await pilot.resize_terminal(*size)
            await pilot.pause(0.05)
        await settle(pilot)
        assert view.state == "finished"
        assert "finished · epoch 2/2" in screen_flat(app)


async def test_corrupt_progress_file_is_moved_aside_with_a_warning(isolated_env):
    progress = isolated_env["home"] / "progress.json"
    progress.write_text("{ not json")
    app = TutorApp()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        messages = [str(n.message) for n in app._notifications]
        assert any("could not be read" in m and "moved to" in m for m in messages)
    aside = list(progress.parent.glob("progress.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_text() == "{ not json"


@pytest.mark.parametrize("device", ["cuda", "mps"])
async def test_missing_device_falls_back_with_a_notice(monkeypatch, device: str):
    monkeypatch.setenv("TUTOR_DEVICE", device)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    app = TutorApp()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        messages = [str(n.message) for n in app._notifications]
        assert any(f"'{device}' was requested" in m and "Using cpu" in m for m in messages)
        assert app.device_label.startswith("cpu")
