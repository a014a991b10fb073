"""The model sandbox: how long one edit takes from text to a drawable layer table.

DESIGN sets no budget for the sandbox; the reference here is the view's own debounce
(300 ms after the last key): the work for one edit of LeNet (safe YAML read, spec
checks, dry run, build, trace, weight maps) should take well under it, so a table is on
screen about as soon as the learner stops typing. Also timed: a text with a located
problem (no build, no trace), the common case while typing.

    .venv/bin/python bench/sandbox_edit.py [--edits 40] [--threads N]

On a shared machine, pass ``--threads 1``: two OpenMP threads on two busy cores spend
most of a small convolution waiting for each other (measured 31 ms against 1 ms for one
(8, 1, 28, 28) convolution at a load average of 9).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

LENET = """name: lenet
input: [1, 28, 28]
layers:
  - {name: c1, Conv2d: {in_channels: 1, out_channels: 6, kernel_size: 5, padding: 2}}
  - ReLU
  - MaxPool2d: 2
  - {name: c2, Conv2d: {in_channels: 6, out_channels: 16, kernel_size: 5}}
  - ReLU
  - MaxPool2d: 2
  - Flatten
  - {name: fc1, Linear: {in_features: 400, out_features: WIDTH}}
  - ReLU
  - {name: fc2, Linear: {in_features: WIDTH, out_features: 10}}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=40)
    parser.add_argument(
        "--threads", type=int, default=None, help="torch threads (default: torch's)"
    )
    args = parser.parse_args()
    os.environ.setdefault("TUTOR_OFFLINE", "1")

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)

    from tutor.course.steps.dissect import layer_table
    from tutor.course.steps.sandbox import MAX_PARAMS, read_spec
    from tutor.engine.build import build_model
    from tutor.engine.device import resolve_device
    from tutor.ui.views.sandbox import DEBOUNCE

    device = resolve_device("cpu")
    read_spec(LENET.replace("WIDTH", "120"))  # warm: imports and the shape probe

    built, broken = [], []
    for i in range(args.edits):
        text = LENET.replace("WIDTH", str(100 + i))  # every edit a new width, as typing does
        start = time.perf_counter()
        spec, _, problems = read_spec(text, batch=8)
        assert not problems, problems
        model = build_model(spec, device=device.torch_device, seed=0, max_params=MAX_PARAMS)
        layer_table(spec, model, 8, device)
        built.append(time.perf_counter() - start)

        wrong = text.replace("in_features: 400", f"in_features: {300 + i}")
        start = time.perf_counter()
        _, _, problems = read_spec(wrong, batch=8)
        assert problems
        broken.append(time.perf_counter() - start)

    budget = DEBOUNCE * 1000
    for name, values in (("edit that builds", built), ("edit with a problem", broken)):
        ms = sorted(v * 1000 for v in values)
        p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
        print(
            f"{name:>20}: median {statistics.median(ms):6.1f} ms, p95 {p95:6.1f} ms "
            f"= {p95 / budget:.2f}× the {budget:.0f} ms debounce "
            f"({torch.get_num_threads()} torch threads, {os.cpu_count()} cores)"
        )


if __name__ == "__main__":
    main()
