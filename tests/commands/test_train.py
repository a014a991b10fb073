"""`tutor train`: JSON lines, notices on stderr, checkpoints, divergence and Ctrl+C exits."""

from __future__ import annotations

import _thread
import json
from pathlib import Path

import pytest

from tutor.cli import main
from tutor.engine import train as train_module

pytest.importorskip("tutor.engine.data")

THERMOMETER = """\
name: thermometer
input: [1]
layers:
  - Linear: {in_features: 1, out_features: 1}
"""

MLP = """\
name: mlp
input: [1, 28, 28]
layers:
  - Flatten
  - {name: fc1, Linear: {in_features: 784, out_features: 200}}
  - ReLU
  - {name: fc2, Linear: {in_features: 200, out_features: 100}}
  - ReLU
  - {name: fc3, Linear: {in_features: 100, out_features: 10}}
"""

# DESIGN.md's contract for `tutor train --json` epoch objects.
EPOCH_FIELDS = {
    "epoch",
    "train_loss",
    "train_accuracy",
    "val_loss",
    "val_accuracy",
    "samples_per_s",
    "device",
}


def _spec(tmp_path: Path, text: str, name: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_json_lines_for_the_thermometer(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    spec = _spec(tmp_path, THERMOMETER, "thermo.yaml")
    assert main(["train", spec, "--epochs", "30", "--json", "--device", "cpu"]) == 0
    captured = capsys.readouterr()
    records = _lines(captured.out)  # every stdout line is JSON
    epochs, final = records[:-1], records[-1]
    assert [r["epoch"] for r in epochs] == list(range(1, 31))
    for record in epochs:
        assert record.keys() >= EPOCH_FIELDS
        assert record["device"] == "cpu" and record["val_accuracy"] is None
        assert record["train_accuracy"] is None  # regression: no classes
    # the book's settings: inputs × 0.1, plain SGD 0.01, full batch: the loss falls
    assert epochs[-1]["train_loss"] < epochs[0]["train_loss"]
    assert epochs[0]["lr"] == 0.01 and epochs[0]["batch_size"] == 9  # the 9 training points
    assert final["final"] is True and final["state"] == "finished"
    assert final["mse"] == pytest.approx(final["loss"])
    assert "Thermometer" in captured.err  # the notice names the data in use


def test_json_lines_for_an_mlp_on_mnist_5k(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], isolated_env: dict
):
    spec = _spec(tmp_path, MLP, "mlp.yaml")
    # No --dataset: a 1×28×28 model defaults to fashion-mnist, which offline is mnist-5k.
    # Plain SGD (the default) needs a few epochs; with momentum one is enough here.
    assert main(["train", spec, "--epochs", "1", "--momentum", "0.9", "--json"]) == 0
    captured = capsys.readouterr()
    epoch, final = _lines(captured.out)
    assert epoch.keys() >= EPOCH_FIELDS and epoch["epoch"] == 1
    assert epoch["val_accuracy"] > 0.7 and epoch["samples_per_s"] > 0
    assert 0.5 < epoch["train_accuracy"] <= 1
    for key in ("accuracy", "macro_precision", "macro_recall", "macro_f1", "loss"):
        assert 0 < final[key] < 5, key
    assert final["split"] == "test" and final["accuracy"] > 0.7
    assert "mnist-5k" in captured.err and "instead of FashionMNIST" in captured.err
    checkpoint = Path(final["checkpoint"])
    assert checkpoint == isolated_env["home"] / "checkpoints" / "mlp" / "epoch-1.pt"
    assert checkpoint.is_file() and f"checkpoint: {checkpoint}" in captured.err


def test_progress_bar_mode_prints_epochs_and_test_metrics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    spec = _spec(tmp_path, MLP, "mlp.yaml")
    assert (
        main(
            [
                "train",
                spec,
                "--dataset",
                "mnist-5k",
                "--epochs",
                "1",
                "--no-checkpoint",
                "--batch-size",
                "128",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "epoch 1/1" in out and "val acc" in out
    assert "test: accuracy" in out and "checkpoint:" not in out


def test_divergence_exits_1_with_the_explanation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    spec = _spec(tmp_path, THERMOMETER, "thermo.yaml")
    # Unscaled thermometer inputs at lr 0.01 blow up, as in the book.
    code = main(["train", spec, "--input-scale", "1", "--epochs", "500", "--json"])
    captured = capsys.readouterr()
    assert code == 1
    final = _lines(captured.out)[-1]
    assert final["state"] == "diverged" and "too large" in final["explanation"]
    assert "tutor: error: The loss" in captured.err and "Try lr = 0.001" in captured.err
    assert "Traceback" not in captured.err


def test_ctrl_c_stops_cleanly_with_exit_130(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    original = train_module.Trainer.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        emit = self._emit

        def emit_then_interrupt(event: object) -> None:
            emit(event)
            if isinstance(event, train_module.StepFinished) and event.epoch == 2:
                _thread.interrupt_main()  # what Ctrl+C does: SIGINT to the main thread

        self._emit = emit_then_interrupt

    monkeypatch.setattr(train_module.Trainer, "__init__", init)
    spec = _spec(tmp_path, THERMOMETER, "thermo.yaml")
    code = main(["train", spec, "--epochs", "100000", "--json", "--no-checkpoint"])
    out = _lines(capsys.readouterr().out)
    assert code == 130
    assert out[-1] == {"final": True, "state": "stopped", "epoch": 2, "step": 1}
    assert [r["epoch"] for r in out[:-1]] == [1, 2]


def test_usage_problems_exit_1_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    odd = _spec(
        tmp_path,
        "name: odd\ninput: [5]\nlayers:\n  - Linear: {in_features: 5, out_features: 2}\n",
        "odd.yaml",
    )
    assert main(["train", odd, "--json"]) == 1
    assert "choose one with --dataset" in capsys.readouterr().err
    assert main(["train", str(tmp_path / "missing.yaml")]) == 1
    assert "no such file" in capsys.readouterr().err
    mlp = _spec(tmp_path, MLP, "mlp.yaml")
    assert main(["train", mlp, "--dataset", "thermometer"]) == 1
    assert "takes one sample of shape [1, 28, 28]" in capsys.readouterr().err
    assert main(["train", mlp, "--dataset", "mnist-5k", "--lr", "-1"]) == 1
    assert "learning rate must be a positive" in capsys.readouterr().err


def test_lesson_train_settings_are_the_defaults(capsys: pytest.CaptureFixture[str]):
    lesson = Path(__file__).resolve().parents[2] / "lessons" / "05-fashion-mlp.yaml"
    code = main(
        ["train", str(lesson), "--model", "mlp", "--epochs", "1", "--json", "--no-checkpoint"]
    )
    assert code == 0
    epoch = json.loads(capsys.readouterr().out.splitlines()[0])
    # 05-fashion-mlp trains with SGD at lr 0.1, batch 64; --epochs still wins.
    assert (epoch["lr"], epoch["batch_size"], epoch["epochs"]) == (0.1, 64, 1)


def test_weight_decay_and_train_subset_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    seen: list[object] = []
    original = train_module.Trainer.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        seen.append(self)

    monkeypatch.setattr(train_module.Trainer, "__init__", init)
    spec = _spec(tmp_path, MLP, "mlp.yaml")
    argv = ["train", spec, "--dataset", "mnist-5k", "--epochs", "2", "--json", "--no-checkpoint"]
    code = main([*argv, "--weight-decay", "0.001", "--train-subset", "200", "--batch-size", "50"])
    assert code == 0
    trainer = seen[0]
    assert trainer.config.weight_decay == 0.001 and trainer.config.train_subset == 200
    assert trainer.optimizer.param_groups[0]["weight_decay"] == 0.001
    assert int(trainer._x.shape[0]) == 200
    records = _lines(capsys.readouterr().out)
    assert [r["epoch"] for r in records[:-1]] == [1, 2]
    # 200 samples in batches of 50: train_accuracy is a count out of 200
    for r in records[:-1]:
        assert (r["train_accuracy"] * 200) == pytest.approx(round(r["train_accuracy"] * 200))
    final = records[-1]
    losses = [r["val_loss"] for r in records[:-1]]
    assert final["best_epoch"] == 1 + losses.index(min(losses))
    assert main([*argv, "--train-subset", "100000"]) == 1
    assert "asks for 100,000 samples but mnist-5k has 4,000" in capsys.readouterr().err
    assert main([*argv, "--weight-decay", "-1"]) == 1
    assert "weight_decay must be 0" in capsys.readouterr().err
