"""Every bundled lesson's code, as `tutor code LESSON` prints it, runs as a script.

A learner copies this code into a notebook: it must run as it is. Each lesson's script
runs in a fresh Python process, in a folder with small raw files in torchvision's
layout under ./data (the script asks for them with download=True, as notebooks do),
and must exit 0; the parameter counts and parameter shapes it prints must equal the
ones the app shows (the engine's dry run of the lesson's models).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.rawfiles import write_cifar10, write_mnist_like
from tutor.course.lesson import load_lesson
from tutor.course.steps import lesson_code, step_script
from tutor.engine.build import build_model

LESSONS = sorted((Path(__file__).resolve().parents[2] / "lessons").glob("*.yaml"))

# Fake batches cannot match CIFAR-10's MD5 sums: the child process drops the check.
SITECUSTOMIZE = """
import torchvision.datasets as tvd
tvd.CIFAR10.train_list = [[n, None] for n, _ in tvd.CIFAR10.train_list]
tvd.CIFAR10.test_list = [[n, None] for n, _ in tvd.CIFAR10.test_list]
tvd.CIFAR10.meta = {**tvd.CIFAR10.meta, "md5": None}
"""


@pytest.fixture(scope="module")
def notebook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder like a learner's notebook folder, with ./data holding the raw files."""
    root = tmp_path_factory.mktemp("notebook")
    data = root / "data"
    write_mnist_like(data, "FashionMNIST", n_train=80, n_test=20)
    write_mnist_like(data, "MNIST", n_train=80, n_test=20, seed=3)
    write_cifar10(data, per_batch=20, n_test=20)
    site = root / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    return root


def _expected_lines(lesson_file) -> set[str]:
    """What the models print: their parameter counts and each parameter's shape."""
    lines = set()
    for index, _ in enumerate(lesson_file.lesson.steps):
        script = step_script(lesson_file, index)
        if script is None:
            continue
        text = script.text()
        for spec in lesson_file.specs.values():
            model = build_model(spec)
            count = sum(p.numel() for p in model.parameters())
            if f"# {count:,} parameters" in text:
                lines.add(str(count))
                lines.update(f"{n} {tuple(p.shape)}" for n, p in model.named_parameters())
    return lines


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_code_runs_and_prints_the_apps_numbers(path: Path, notebook: Path):
    lesson_file = load_lesson(path)
    assert lesson_file.ok, lesson_file.problems
    code = lesson_code(lesson_file)
    assert code is not None
    script = notebook / f"{lesson_file.id}.py"
    script.write_text(code, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(notebook / "site")}
    env.pop("TUTOR_OFFLINE", None)
    # One thread, as the app trains: beside the other test worker on 2 cores, torch's
    # default thread pool spins on these tiny networks (a backward pass of a 2-2 Linear
    # took ~50 ms; lesson 15's script ran 225 s instead of 35 s under load).
    env["OMP_NUM_THREADS"] = "1"
    run = subprocess.run(
        [sys.executable, script.name],
        cwd=notebook,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, f"{path.name}:\n{run.stderr[-3000:]}"
    printed = {line.strip() for line in run.stdout.splitlines()}
    expected = _expected_lines(lesson_file)
    assert expected, f"{path.name}: its code prints no model"
    assert expected <= printed, sorted(expected - printed)
