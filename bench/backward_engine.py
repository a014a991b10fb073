"""The engine side of the backward and optimizer-step views: how long one key costs.

DESIGN.md's budget: the backward and optimizer-step views redraw within 50 ms p95 after
a key. The views do not exist yet; this measures what the engine does for a key, so the
drawing gets what is left:

* ``BackwardPass(model, x, y).view()``: a new batch (forward, backward, the chain rule,
  heatmaps and the three passes of the zero_grad demonstration);
* ``BackwardPass.chain(...)`` + ``.maps(...)``: another unit or layer of the same batch;
* ``OptimizerLab.step()``: one step of SGD, SGD with momentum and Adam, by hand and by
  ``torch.optim``, with the loss after each.

For the course MLP (784-100-10) and LeNet (the ``tests/fixtures/lenet.yaml`` network),
batch 64, on the CPU, 50 timed runs after 5 warm-up runs; p50 and p95 are printed
against the 50 ms budget.

    .venv/bin/python bench/backward_engine.py [--runs 50] [--batch 64] [--threads N]

Torch uses one thread fewer than the machine has cores, as the app's worker does. The
load average is printed: on a shared machine, rerun when it is quiet.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import torch
import torch.nn as nn

from tutor.engine.backward import BackwardPass
from tutor.engine.optim_step import OptimizerLab

BUDGET_MS = 50.0


def course_mlp() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Flatten(),  # (B, 1, 28, 28) -> (B, 784)
        nn.Linear(784, 100),  # (B, 784) @ (784, 100) -> (B, 100)
        nn.ReLU(),
        nn.Linear(100, 10),  # (B, 100) @ (100, 10) -> (B, 10) logits
    )


def lenet() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2),  # (B, 1, 28, 28) -> (B, 6, 28, 28)
        nn.ReLU(),
        nn.MaxPool2d(2),  # -> (B, 6, 14, 14)
        nn.Conv2d(6, 16, 5),  # -> (B, 16, 10, 10)
        nn.ReLU(),
        nn.MaxPool2d(2),  # -> (B, 16, 5, 5)
        nn.Flatten(),  # -> (B, 400)
        nn.Linear(400, 120),
        nn.ReLU(),
        nn.Linear(120, 84),
        nn.ReLU(),
        nn.Linear(84, 10),
    )


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """(p50, p95) in milliseconds over ``runs`` calls, after 5 warm-up calls."""
    for _ in range(5):
        fn()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, round(0.95 * len(times)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads or max(1, (os.cpu_count() or 2) - 1))
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {args.batch}, "
        f"{args.runs} runs, load average {os.getloadavg()[0]:.2f}"
    )
    g = torch.Generator().manual_seed(1)
    x = torch.rand(args.batch, 1, 28, 28, generator=g)
    y = torch.randint(0, 10, (args.batch,), generator=g)
    rows = []
    for name, build in (("course MLP", course_mlp), ("LeNet", lenet)):
        model = build()
        kept = BackwardPass(model, x, y)
        units = iter(range(10**9))
        lab = OptimizerLab(model, x, y)
        rows += [
            (
                name,
                "new batch: BackwardPass(...).view()",
                timed(lambda m=model: BackwardPass(m, x, y).view(), args.runs),
            ),
            (
                name,
                "another unit: chain() + maps()",
                timed(lambda k=kept, u=units: (k.chain(unit=next(u) % 10), k.maps()), args.runs),
            ),
            (name, "OptimizerLab.step() (3 optimizers)", timed(lab.step, args.runs)),
        ]
    width = max(len(r[1]) for r in rows)
    for name, what, (p50, p95) in rows:
        verdict = "within" if p95 <= BUDGET_MS else "OVER"
        print(
            f"{name:>10}  {what:<{width}}  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
            f"= {p95 / BUDGET_MS:.2f}× the 50 ms budget ({verdict})"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
