"""The code behind the backward, step and modes steps (``c``, ``tutor code``) runs as it
is in a fresh Python, on small MNIST files in torchvision's own layout under ./data."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.engine.test_data import write_mnist_like
from tutor.course.lesson import load_lesson
from tutor.course.steps import step_code

LESSON = Path(__file__).resolve().parents[1] / "fixtures" / "lessons" / "backward.yaml"

# One fresh interpreter runs every script in turn (importing torch once), each in its
# own namespace, as `python step_N.py` would, and reports what each printed.
DRIVER = """
import contextlib, io, json, runpy, sys
out = {}
for name in sys.argv[1:]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        runpy.run_path(name, run_name="__main__")
    out[name] = buffer.getvalue()
print(json.dumps(out))
"""


@pytest.mark.slow
def test_exported_code_runs(tmp_path: Path):
    lesson_file = load_lesson(LESSON)
    assert lesson_file.ok, lesson_file.problems
    steps = lesson_file.lesson.steps
    assert {s.kind for s in steps} == {"backward", "step", "modes"}
    write_mnist_like(tmp_path / "data", "MNIST", n_train=64, n_test=8)
    names = []
    for i in range(len(steps)):
        code = step_code(lesson_file, i)
        assert code is not None
        names.append(f"step_{i}.py")
        (tmp_path / names[-1]).write_text(code, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, *names],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    printed = json.loads(done.stdout.strip().splitlines()[-1])
    for i, s in enumerate(steps):
        out = printed[f"step_{i}.py"]
        if s.kind == "backward":
            # each gradient printed beside its parameter, with the same shape
            assert re.search(r"\.weight (\([\d, ]+\)) \1 norm", out), out
            assert out.rstrip().endswith("True")  # summed == g1 + g2: .grad adds up
        elif s.kind == "step":
            assert "SGD:" in out and "Adam:" in out and "momentum_buffer" in out
        else:
            assert "None" in out and "True" in out  # grad_fn without and with a graph
