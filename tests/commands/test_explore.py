"""`tutor explore FILE.py:NAME` on the command line: the learner's errors before any app.

The app itself is walked in ``tests/ui/test_explore.py``; here the process must end on
its own (no terminal is taken over) with the learner's file and line, exit status 1.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BROKEN_INIT = """\
import torch
from torch import nn


class Net(nn.Module):
    input_shape = (1, 28, 28)

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 100)
        self.fc2 = nn.Linear(100, 10, bias=maybe)

    def forward(self, x):
        return self.fc2(self.fc1(x.flatten(1)))
"""

BROKEN_FORWARD = """\
import torch
from torch import nn


class Net(nn.Module):
    input_shape = (1, 28, 28)

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 100)
        self.fc2 = nn.Linear(256, 10)

    def forward(self, x):
        x = self.fc1(x.flatten(1))
        return self.fc2(x)
"""

SYNTAX = """\
import torch
from torch import nn

class Net(nn.Module)
    pass
"""


def _explore(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # A timeout, so an app that started by mistake fails the test instead of hanging it.
    return subprocess.run(
        [sys.executable, "-m", "tutor", "explore", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        (BROKEN_INIT, "net.py:11: in __init__: NameError: name 'maybe' is not defined", "maybe"),
        (
            BROKEN_FORWARD,
            "net.py:15: in forward: RuntimeError: mat1 and mat2 shapes cannot be multiplied",
            "return self.fc2(x)",
        ),
        (SYNTAX, "net.py:4:21: SyntaxError: expected ':'", "class Net(nn.Module)"),
    ],
    ids=["init", "forward", "syntax"],
)
def test_an_error_in_the_learners_file_is_theirs_and_no_app_starts(
    tmp_path: Path, text: str, where: str, what: str
):
    (tmp_path / "net.py").write_text(text, encoding="utf-8")
    done = _explore("net.py:Net", cwd=tmp_path)
    assert done.returncode == 1
    assert where in done.stderr
    assert what in done.stderr
    assert "Traceback" not in done.stderr
    assert "\x1b[" not in done.stdout  # no app drew anything


def test_unknown_dataset_and_missing_input_are_explained(tmp_path: Path):
    (tmp_path / "net.py").write_text(BROKEN_FORWARD.replace("256", "100"), encoding="utf-8")
    done = _explore("net.py:Net", "--dataset", "fashion_mnst", cwd=tmp_path)
    assert done.returncode == 1
    assert "fashion-mnist" in done.stderr  # did you mean
    bare = BROKEN_FORWARD.replace("    input_shape = (1, 28, 28)\n", "")
    (tmp_path / "bare.py").write_text(bare, encoding="utf-8")
    done = _explore("bare.py:Net", cwd=tmp_path)
    assert done.returncode == 1
    assert "--input 1,28,28" in done.stderr


def test_explore_wants_a_python_file_and_says_it_runs_it(tmp_path: Path):
    done = _explore("lessons/05-fashion-mlp.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert "FILE.py:NAME" in done.stderr
    helped = _explore("--help", cwd=tmp_path)
    assert helped.returncode == 0
    assert "runs your Python file" in " ".join(helped.stdout.split())
