"""`tutor dissect` errors: located, learner-facing, exit 1, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tutor.cli import main

MISMATCH = """\
name: lenet
input: [1, 32, 32]
layers:
  - Conv2d: {in_channels: 1, out_channels: 6, kernel_size: 5}
  - ReLU
  - MaxPool2d: [2]
  - Conv2d: {in_channels: 6, out_channels: 16, kernel_size: 5}
  - ReLU
  - MaxPool2d: 2
  - Flatten
  - {name: fc1, Linear: {in_features: 256, out_features: 120}}
"""


def _write(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_shape_mismatch_exits_1_with_layer_sizes_and_line(tmp_path: Path):
    path = _write(tmp_path, MISMATCH)
    result = subprocess.run(
        [sys.executable, "-m", "tutor", "dissect", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"{path}:11:5: error: fc1 (Linear) expects 256 input features but (N, 16, 5, 5) "
        "flattens to 400; set in_features: 400"
    )
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("  - Conv3x3: {in_channels: 1}", ":4:5: error: unknown layer type 'Conv3x3'"),
        (
            "  - Linear: {in_features: 4, out_feature: 2}",
            ":4:30: error: Linear has no argument 'out_feature' (did you mean 'out_features'?)",
        ),
        (
            "  - Linear: {in_features: 4, out_features: -2}",
            ":4:44: error: Linear argument 'out_features' must be at least 1, got -2",
        ),
        (
            "  - ReLU: {inplace: maybe}",
            ":4:21: error: ReLU argument 'inplace' must be true or false",
        ),
    ],
)
def test_spec_errors_are_located(tmp_path: Path, capsys, line: str, expected: str):
    path = _write(tmp_path, f"name: m\ninput: [4]\nlayers:\n{line}\n")
    assert main(["dissect", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}{expected}" in err
    assert "Traceback" not in err


def test_lesson_file_with_model_option(tmp_path: Path, capsys):
    lesson = _write(
        tmp_path,
        "id: x\nmodels:\n  a: {input: [4], layers: [{Linear: [4, 2]}]}\n"
        "  b: {input: [2], layers: [ReLU]}\n",
        "lesson.yaml",
    )
    assert main(["dissect", str(lesson)]) == 1
    assert (
        "this lesson has 2 models (a, b); choose one with --model NAME" in capsys.readouterr().err
    )
    assert main(["dissect", str(lesson), "--model", "c"]) == 1
    assert "has no model 'c'" in capsys.readouterr().err
    assert main(["dissect", str(lesson), "--model", "a", "--json"]) == 0
    assert '"output_shape": [1, 2]' in capsys.readouterr().out


def test_table_shows_formulas_arithmetic_and_layout(capsys):
    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "lenet.yaml"
    assert main(["dissect", str(fixture), "--batch", "32"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "6 × 1 × 5 × 5 + 6 = 156" in out
    assert "400 × 120 + 120 = 48,120" in out
    assert "H: (28 + 2×2 − 5) / 1 + 1 = 28" in out
    assert "H: (28 + 2×0 − 2) / 2 + 1 = 14" in out  # pooling
    assert "PyTorch weight (120, 400) = (out, in)" in out
    assert "(B, 400) @ (400, 120) → (B, 120)" in out
    assert "Keras kernel is (400, 120) = (in, out)" in out
    assert "total params 61,706" in out


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["dissect"])
    assert caught.value.code == 2
    assert main(["dissect", "torchvision:resnet18", "--batch", "0"]) == 1
    assert main(["dissect", "torchvision:resnet18", "--input", "3,x"]) == 1
    assert "--input must be whole numbers" in capsys.readouterr().err
