"""What counting FLOPs costs ``tutor dissect``: the traced forward with and without
``torch.utils.flop_counter``, against a plain ``model(x)``.

DESIGN.md has no budget for ``dissect`` itself; the ones it touches are the forward view
(LeNet redrawn within 50 ms p95, which traces without counting FLOPs) and the one extra
forward the brief allows for big models. This prints, per model, the median of plain
forward / trace / trace + FLOPs and the ratios, so the cost of the counter is visible.

    .venv/bin/python bench/dissect_flops.py [--repeats 5] [--models lenet,resnet18,vit_b_16]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch

from tutor.engine.dissect import torchvision_model
from tutor.engine.trace import trace

ROOT = Path(__file__).resolve().parent.parent


def _model(name: str) -> tuple[torch.nn.Module, torch.Tensor]:
    if name == "lenet":
        from tutor.course.modelfile import load_model_file
        from tutor.engine.build import build_model

        spec = load_model_file(ROOT / "tests" / "fixtures" / "lenet.yaml")
        return build_model(spec).eval(), torch.randn(1, *spec.input)
    model, shape = torchvision_model(name)
    return model.eval(), torch.randn(1, *shape)


def _median(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm-up: first-call allocations and kernel selection
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--models", default="lenet,resnet18,vit_b_16")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU")
    print(
        f"{'model':<10} {'forward':>10} {'trace':>10} {'+ FLOPs':>10} {'trace/fwd':>10} {'FLOPs/trace':>12}"
    )
    for name in args.models.split(","):
        model, x = _model(name)

        def plain(model=model, x=x) -> object:
            with torch.no_grad():
                return model(x)

        forward = _median(plain, args.repeats)
        traced = _median(lambda model=model, x=x: trace(model, x), args.repeats)
        counted = _median(lambda model=model, x=x: trace(model, x, count_flops=True), args.repeats)
        print(
            f"{name:<10} {forward * 1e3:>8.1f}ms {traced * 1e3:>8.1f}ms {counted * 1e3:>8.1f}ms "
            f"{traced / forward:>9.2f}x {counted / traced:>11.2f}x"
        )


if __name__ == "__main__":
    main()
