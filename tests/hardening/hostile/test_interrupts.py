"""Interrupted runs and output (issue 13, items 7, 8 and 9): a stopped run keeps what it
learned, the palette survives keys faster than it draws, and an output that cannot be
written ends with a message, never a traceback."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from textual import events

from tests.ui.helpers import settle
from tutor.engine.checkpoint import load_checkpoint
from tutor.ui.app import TutorApp
from tutor.ui.screens.player import LessonScreen

SPEC = "name: dots\ninput: [2]\nlayers: [{Linear: [2, 8]}, ReLU, {Linear: [8, 2]}]\n"


def _train_until_epoch(tmp_path: Path, epoch: int, *flags: str) -> tuple[int, list[Path]]:
    """``tutor train`` in its own process, Ctrl+C once ``epoch`` epochs are done."""
    spec = tmp_path / "dots.yaml"
    spec.write_text(SPEC)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tutor",
            "train",
            str(spec),
            "--dataset",
            "circle",
            "--epochs",
            "100",
            "--batch-size",
            "1",
            "--json",
            *flags,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if f'"epoch": {epoch},' in line:
            process.send_signal(signal.SIGINT)
            break
    try:
        code = process.wait(timeout=120)
    finally:
        process.kill()
    return code, sorted((Path(tmp_path.parent) / "x").glob("*"))


@pytest.mark.parametrize("flags", [(), ("--checkpoint-every", "10")], ids=["default", "every-10"])
def test_ctrl_c_after_nine_epochs_leaves_a_checkpoint(isolated_env: dict, tmp_path: Path, flags):
    code, _ = _train_until_epoch(tmp_path, 9, *flags)
    assert code == 130
    folder = isolated_env["home"] / "checkpoints" / "dots"
    saved = sorted(folder.glob("*.pt"))
    assert saved, "no checkpoint after 9 finished epochs and a stop"
    newest = max(saved, key=lambda p: p.stat().st_mtime)
    checkpoint = load_checkpoint(
        newest, torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    )
    assert checkpoint.epoch >= 9
    if flags:  # nothing saved before epoch 10: the stop itself saved
        assert newest.name.startswith(("epoch-9", "epoch-1"))


def test_a_stop_in_the_middle_of_an_epoch_saves_those_steps(tmp_path: Path):
    from tutor.engine.config import TrainConfig
    from tutor.engine.events import StepFinished
    from tutor.engine.tensordata import TensorData, TensorSplit
    from tutor.engine.train import Trainer

    x, y = torch.randn(640, 4), torch.randint(0, 2, (640,))
    data = TensorData(TensorSplit(x, y), TensorSplit(x[:8], y[:8]), classes=("a", "b"))
    holder: list[Trainer] = []

    def stop_in_epoch_3(event: object) -> None:
        if isinstance(event, StepFinished) and event.epoch == 3 and event.step >= 5:
            holder[0].stop()

    trainer = Trainer(
        torch.nn.Linear(4, 2),
        data,
        TrainConfig(epochs=100, batch_size=16),
        checkpoint_dir=tmp_path,
        checkpoint_every=10,
        on_event=stop_in_epoch_3,
    )
    trainer.progress_interval = 0
    holder.append(trainer)
    result = trainer.run()
    assert result.state == "stopped" and result.epochs_done == 2
    assert result.checkpoint == tmp_path / "epoch-3-stopped-at-step-5.pt"
    assert [p.name for p in tmp_path.iterdir()] == ["epoch-3-stopped-at-step-5.pt"]
    saved = load_checkpoint(result.checkpoint, torch.nn.Linear(4, 2))
    assert saved.epoch == 2 and torch.equal(
        saved.model_state["weight"], trainer.model.state_dict()["weight"].cpu()
    )


async def test_enter_then_ctrl_p_before_the_lesson_opens_leaves_one_palette():
    app = TutorApp()
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        # As a terminal sends them, faster than the app handles the first: the lesson
        # arrives while the palette is open (it was pushed over the palette before,
        # and the next ctrl+p raised DuplicateIds: '--command-palette').
        for key in ("enter", "ctrl+p"):
            app._driver.send_message(events.Key(key, None))
        await settle(pilot)
        assert [type(s).__name__ for s in app.screen_stack][1:] == [
            "LessonListScreen",
            "LessonScreen",
        ]
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert [s.id for s in app.screen_stack].count("--command-palette") == 1
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LessonScreen)


def _dissect_resnet(stdout: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tutor", "dissect", "torchvision:resnet18"],
        stdout=stdout,  # type: ignore[arg-type]
        stderr=subprocess.PIPE,
        text=True,
        timeout=300,
        check=False,
    )


def test_output_to_a_full_disk_is_an_error_message():
    with open("/dev/full", "w") as full:
        result = _dissect_resnet(full)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "tutor: error: cannot write the output: No space left on device"
    )


def test_a_closed_pipe_ends_quietly():
    process = subprocess.Popen(
        [sys.executable, "-m", "tutor", "dissect", "torchvision:resnet18"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()  # as `| head -1` does
    code = process.wait(timeout=300)
    errors = process.stderr.read()
    assert "Traceback" not in errors and "Exception ignored" not in errors, errors
    assert code == 0
