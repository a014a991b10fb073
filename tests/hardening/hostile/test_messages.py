"""Misleading messages and the README's command (issue 13, items 10 and 11): each
message names what is really wrong."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import torch

from tests.hardening.hostile.lessons import run_tutor
from tutor.cli import main
from tutor.engine.checkpoint import FORMAT, CheckpointError, load_checkpoint, save_checkpoint
from tutor.engine.config import TrainConfig
from tutor.engine.tensordata import TensorData, TensorSplit
from tutor.engine.train import Trainer

SPEC = "name: dots\ninput: [2]\nlayers: [{Linear: [2, 2]}]\n"


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "dots.yaml"
    path.write_text(SPEC)
    return path


def test_a_huge_input_scale_is_named_not_the_learning_rate(spec: Path):
    result = run_tutor("train", str(spec), "--epochs", "1", "--input-scale", "1e308")
    assert result.returncode == 1
    assert "input_scale must be a non-zero number no larger than 1e+06" in result.stderr
    assert "learning rate" not in result.stderr


def test_a_loss_not_finite_before_any_update_is_not_blamed_on_the_learning_rate():
    x = torch.full((32, 2), 3e38)  # finite inputs whose products overflow float32
    data = TensorData(
        TensorSplit(x, torch.zeros(32, dtype=torch.long)),
        TensorSplit(x[:4], torch.zeros(4, dtype=torch.long)),
        classes=("a", "b"),
    )
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 2))
    with torch.no_grad():
        model[0].weight.fill_(10.0)
    result = Trainer(model, data, TrainConfig(epochs=1, batch_size=8, input_scale=10.0)).run()
    assert result.state == "diverged"
    text = result.diverged.explanation
    assert "before any weight was changed, so the learning rate is not the cause" in text
    assert "input scale (10)" in text


def test_a_folder_given_to_train_is_called_a_folder(tmp_path: Path):
    result = run_tutor("train", str(tmp_path))
    assert result.returncode == 1
    assert f"{tmp_path}: a folder, not a file" in result.stderr  # "no such file" before


def test_tutor_data_says_the_data_folder_is_a_file(tmp_path: Path):
    not_a_folder = tmp_path / "data"
    not_a_folder.write_text("x")
    result = run_tutor("data", TUTOR_DATA_DIR=str(not_a_folder))
    assert result.returncode == 1
    assert f"the data folder {not_a_folder} is a file, not a folder" in result.stderr


def test_model_is_refused_with_a_torchvision_model():
    result = run_tutor("dissect", "torchvision:resnet18", "--model", "fc")
    assert result.returncode == 2  # silently ignored before
    assert "torchvision:NAME already names the model" in result.stderr


def _raw_checkpoint(path: Path, **fields: Any) -> Path:
    buffer = io.BytesIO()
    torch.save({"format": FORMAT, "version": 1, "model_state": {}, **fields}, buffer)
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.parametrize(
    "fields",
    [{"version": "one"}, {"epoch": "three"}, {"config": [1, 2]}, {"model_state": {"w": 1}}],
    ids=["version", "epoch", "config", "weights"],
)
def test_checkpoint_fields_of_the_wrong_type_are_checkpoint_errors(tmp_path: Path, fields):
    path = _raw_checkpoint(tmp_path / "epoch-1.pt", **fields)
    with pytest.raises(CheckpointError, match=str(path)):  # a raw ValueError before
        load_checkpoint(path)


def test_a_checkpoint_that_is_a_fifo_is_refused(tmp_path: Path):
    import os

    os.mkfifo(tmp_path / "epoch-1.pt")
    with pytest.raises(CheckpointError, match="named pipe"):
        load_checkpoint(tmp_path / "epoch-1.pt")
    path = save_checkpoint(tmp_path / "epoch-2.pt", torch.nn.Linear(2, 2), None, 2)
    assert load_checkpoint(path).epoch == 2


@pytest.mark.parametrize(
    "argv",
    [["--lessons", "{dir}"], ["--lang", "ko", "--lessons", "{dir}"], ["--lessons", "{dir}", "x"]],
    ids=["lessons", "lang-then-lessons", "lessons-then-lesson"],
)
def test_the_readmes_tutor_lessons_dir_opens_the_app(tmp_path: Path, monkeypatch, argv):
    opened: dict[str, Any] = {}

    def run_app(lesson: str | None, lesson_dirs: list[str]) -> int:
        opened.update(lesson=lesson, dirs=lesson_dirs)
        return 0

    monkeypatch.setattr("tutor.ui.run.run_app", run_app)
    assert main([a.format(dir=tmp_path) for a in argv]) == 0  # "invalid choice" before
    assert opened["dirs"] == [str(tmp_path)]
    assert opened["lesson"] == ("x" if argv[-1] == "x" else None)
