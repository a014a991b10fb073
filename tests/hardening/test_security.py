"""Lesson files cannot import or run anything; checkpoints cannot either."""

from __future__ import annotations

import io
import resource
from pathlib import Path

import pytest
import torch

from tutor.cli import main
from tutor.course.lesson import load_lesson
from tutor.engine.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from tutor.engine.spec import parse_spec


def _lesson(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "evil.yaml"
    path.write_text(body)
    return path


@pytest.mark.parametrize(
    "payload",
    [
        "!!python/object/apply:os.system ['touch {marker}']",
        "!!python/object/apply:subprocess.check_call [['touch', '{marker}']]",
        "!!python/object/new:subprocess.Popen [['touch', '{marker}']]",
        "!!python/name:os.system",
        "!!python/module:os",
        "!!python/object:builtins.object {{}}",
    ],
)
def test_python_tags_never_run(tmp_path: Path, payload: str, capsys):
    marker = tmp_path / "pwned"
    path = _lesson(
        tmp_path,
        f"id: x\ntitle: x\nsteps:\n  - kind: text\n    body: {payload.format(marker=marker)}\n",
    )
    assert main(["validate", str(path)]) == 1
    assert "lesson files may only hold plain data" in capsys.readouterr().out
    assert not marker.exists()
    # The app's reader says the same and never constructs the object either.
    problems = load_lesson(path).problems
    assert problems
    assert "Python object" in problems[0].message or "not allowed" in problems[0].message
    assert not marker.exists()


def test_placeholders_are_not_a_template_language(tmp_path: Path):
    marker = tmp_path / "pwned"
    path = _lesson(
        tmp_path,
        "id: x\ntitle: x\nsteps:\n  - kind: text\n    body: "
        f"\"{{{{ __import__('os').system('touch {marker}') }}}} "
        '{{ model.m.__class__.__init__.__globals__ }}"\n',
    )
    problems = load_lesson(path).problems
    assert len(problems) == 2 and all("placeholder" in p.message for p in problems)
    assert not marker.exists()


def test_only_allow_listed_layers_can_be_built():
    for name in (
        "Module",
        "Sequential",
        "ModuleList",
        "LSTM",
        "Embedding",
        "Transformer",
        "__class__",
        "os",
        "eval",
    ):
        with pytest.raises(Exception, match="unknown layer type"):
            parse_spec({"input": [4], "layers": [name]})


def test_asset_paths_stay_in_the_lesson_folder(tmp_path: Path):
    outside = tmp_path / "secret.md"
    outside.write_text("secret")
    folder = tmp_path / "lesson"
    folder.mkdir()
    (folder / "link.md").symlink_to(outside)
    for target in ("../secret.md", str(outside), "link.md"):
        path = folder / "l.yaml"
        path.write_text(f"id: x\ntitle: x\nsteps:\n  - kind: text\n    include: {target}\n")
        problems = load_lesson(path).problems
        assert problems and "leaves the lesson's folder" in problems[0].message, target


def test_absurd_sizes_are_refused_before_allocation(tmp_path: Path, capsys):
    path = _lesson(
        tmp_path,
        "id: x\ntitle: x\nmodels:\n  big:\n    input: [3, 100000, 100000]\n"
        "    layers:\n      - Conv2d: {in_channels: 3, out_channels: 512, "
        "kernel_size: 3}\nsteps: [{kind: dissect, model: big}]\n",
    )
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert main(["validate", str(path)]) == 1
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert "too large to compute here" in capsys.readouterr().out
    assert after - before < 200_000  # KiB


class _Evil:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        import os

        return (os.system, (f"touch {self.marker}",))


def test_checkpoints_load_with_weights_only(tmp_path: Path):
    marker = tmp_path / "pwned"
    path = tmp_path / "epoch-1.pt"
    buffer = io.BytesIO()
    torch.save({"model": {"w": torch.zeros(1)}, "evil": _Evil(marker)}, buffer)
    path.write_bytes(buffer.getvalue())
    with pytest.raises(CheckpointError):
        load_checkpoint(path)
    assert not marker.exists()


def test_a_real_checkpoint_round_trips(tmp_path: Path):
    model = torch.nn.Linear(3, 2)
    path = save_checkpoint(tmp_path / "epoch-1.pt", model, None, 1)
    other = torch.nn.Linear(3, 2)
    load_checkpoint(path, other)
    assert torch.equal(other.weight, model.weight)
