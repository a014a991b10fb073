"""The playground's budgets (DESIGN.md), measured the way the app will run it.

(a) A 2-8-8-2 network (tanh and ReLU) on ``circle`` and ``xor`` at noise 0 (Playground's
    default) and 0.1, with Playground's settings (SGD, lr 0.03, batch 10): seconds until
    the test accuracy first reaches 0.95. Budget: ≤ 5 s on a 2-core CPU.
(b) ``spiral``: test accuracy ≥ 0.9 with the networks ``lessons/15-playground.yaml``
    proposes (its ``spiral-features`` and ``spiral-depth`` steps, with their batch size,
    lr and optimizer); seconds until it first gets there (budget: the same 5 s, as a
    yardstick).
(c) ``boundary_map`` at the sizes of a 120×40 terminal (a 40×40-pixel main map, 12×12
    per unit map, every unit of the network): p50/p95 milliseconds, idle and beside a
    training thread, and how many maps a second the main thread gets while training.
    Budgets: well under 20 ms a map; at least 5 redraws a second while training.
(d) What a key press costs the engine: a config edit, a rebuilt network and data, and
    its first map (budget: well inside the 50 ms a key may take on screen).
(e) The Trainer's own cost on these tiny sets (an epoch is 50 steps of 10 points):
    milliseconds per epoch against a hand-written loop over the same tensors, with and
    without validation after every epoch.

Training runs as in the app: a ``Trainer`` with ``reserve_core=True`` in a worker thread,
while the main thread draws a map every 0.15 s (the view's rate, about 7 Hz). The test
accuracy is checked after every epoch, inside the timed run (an honest upper bound).

    .venv/bin/python bench/playground.py [--seeds 3] [--limit 10]

The machine load average is printed: on a shared machine, rerun when it is quiet.
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time

import torch

from tutor.engine import playground as pg
from tutor.engine.boundary import boundary_map
from tutor.engine.events import EpochFinished
from tutor.engine.metrics import evaluate
from tutor.engine.playground import PlaygroundConfig, build_playground

MAP_PERIOD_S = 0.15
ALL_FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")


def time_to_accuracy(
    config: PlaygroundConfig, target: float, limit_s: float
) -> tuple[float | None, float, int, int]:
    """(seconds to reach ``target`` test accuracy or None, last accuracy, epochs, maps)."""
    setup = build_playground(config.replace(epochs=100_000))
    started = time.perf_counter()
    reached: list[float] = []
    last = [0.0]
    epochs = [0]

    def on_event(event: object) -> None:
        if not isinstance(event, EpochFinished):
            return
        elapsed = time.perf_counter() - started
        epochs[0] = event.epoch
        accuracy = evaluate(setup.model, setup.data.test, "classification").accuracy or 0.0
        last[0] = accuracy
        if accuracy >= target and not reached:
            reached.append(elapsed)
        if reached or elapsed > limit_s:
            trainer.stop()

    trainer = setup.trainer(on_event, reserve_core=True)
    worker = threading.Thread(target=trainer.run)
    worker.start()
    maps = 0
    while worker.is_alive():  # the view's map worker, at its own pace
        boundary_map(setup.model, setup.data, size=(40, 40), unit_size=(12, 12))
        maps += 1
        worker.join(MAP_PERIOD_S)
    return (reached[0] if reached else None), last[0], epochs[0], maps


def verdict(ok: bool) -> str:
    return "ok" if ok else "OVER BUDGET"


def bench_accuracy(seeds: int, limit: float) -> None:
    print("(a) 2-8-8-2, SGD lr 0.03, batch 10: seconds to test accuracy ≥ 0.95 (budget 5 s)")
    worst = 0.0
    for dataset in ("circle", "xor"):
        for noise in (0.0, 0.1):
            for activation in ("tanh", "relu"):
                times, accs = [], []
                for seed in range(seeds):
                    config = PlaygroundConfig(
                        dataset=dataset,
                        noise=noise,
                        hidden=(8, 8),
                        activation=activation,
                        seed=seed,
                    )
                    t, acc, _, _ = time_to_accuracy(config, 0.95, limit)
                    times.append(t if t is not None else float("inf"))
                    accs.append(acc)
                worst = max(worst, max(times))
                shown = "  ".join(f"{t:5.2f}" for t in times)
                print(
                    f"    {dataset:6} noise {noise:.1f} {activation:4}: {shown} s  "
                    f"(max {max(times):.2f} s, accuracy {min(accs):.3f}..{max(accs):.3f})  "
                    f"{verdict(max(times) <= 5)}"
                )
    print(f"    worst {worst:.2f} s against 5 s: {verdict(worst <= 5)}")


def bench_spiral(seeds: int, limit: float) -> None:
    print("(b) spiral: seconds to test accuracy ≥ 0.9")
    networks = {
        "x1 x2 sin x1 sin x2, 8-8 tanh (features)": lesson_config("spiral-features"),
        "x1 x2, 8-8-8-8 relu, Adam (depth)": lesson_config("spiral-depth"),
    }
    for name, config in networks.items():
        for noise in (0.0, 0.1):
            times, accs = [], []
            for seed in range(seeds):
                t, acc, _, _ = time_to_accuracy(config.replace(noise=noise, seed=seed), 0.9, limit)
                times.append(t if t is not None else float("inf"))
                accs.append(acc)
            shown = "  ".join(f"{t:5.2f}" for t in times)
            print(
                f"    {name}, noise {noise:.1f}: {shown} s  (max {max(times):.2f} s)  "
                f"{verdict(max(times) <= 5)}"
            )


def lesson_config(step_id: str) -> PlaygroundConfig:
    """The network and settings (batch, lr, optimizer) of a step of lesson 15."""
    from pathlib import Path

    from tutor.course.lesson import load_lesson
    from tutor.course.steps.boundary import playground_config

    path = Path(__file__).resolve().parents[1] / "lessons" / "15-playground.yaml"
    lesson_file = load_lesson(path)
    step = next(s for s in lesson_file.lesson.steps if s.id == step_id)
    return playground_config(step, lesson_file)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def bench_map() -> None:
    print("(c) boundary_map at 120×40 sizes: 40×40 px main map, 12×12 px per unit map")
    for hidden in ((8, 8), (8, 8, 8, 8)):
        config = PlaygroundConfig(features=ALL_FEATURES, hidden=hidden, epochs=100_000)
        setup = build_playground(config)
        maps = len(config.features) + sum(hidden)

        def draw(setup: pg.Playground = setup) -> None:
            boundary_map(setup.model, setup.data, size=(40, 40), unit_size=(12, 12))

        for _ in range(10):
            draw()
        idle = []
        for _ in range(200):
            t = time.perf_counter()
            draw()
            idle.append((time.perf_counter() - t) * 1000)
        trainer = setup.trainer(reserve_core=True)
        worker = threading.Thread(target=trainer.run)
        worker.start()
        busy: list[float] = []
        began = time.perf_counter()
        while time.perf_counter() - began < 3.0:  # back to back: the most a view could get
            t = time.perf_counter()
            draw()
            busy.append((time.perf_counter() - t) * 1000)
        rate = len(busy) / (time.perf_counter() - began)
        trainer.stop()
        worker.join()
        sizes = "-".join(str(n) for n in config.layer_sizes)
        p50, p95 = percentiles(idle)
        b50, b95 = percentiles(busy)
        print(
            f"    {sizes} ({maps} unit maps): idle p50 {p50:.2f} ms, p95 {p95:.2f} ms; "
            f"while training p50 {b50:.2f} ms, p95 {b95:.2f} ms (budget 20 ms: "
            f"{verdict(b95 < 20)}); {rate:.0f} maps/s while training (budget ≥ 5: "
            f"{verdict(rate >= 5)})"
        )


def bench_keys() -> None:
    print("(d) a key press in the engine: edit + rebuilt network and data + first map")
    config = PlaygroundConfig(hidden=(8, 8))
    edits = [
        pg.add_layer,
        pg.remove_layer,
        lambda c: pg.toggle_feature(c, "sin(x1)"),
        lambda c: pg.toggle_feature(c, "sin(x1)"),
        pg.next_activation,
        lambda c: pg.step_noise(c, 1),
        lambda c: pg.step_noise(c, -1),
        lambda c: pg.change_width(c, 0, -1),
        lambda c: pg.change_width(c, 0, 1),
    ]
    samples = []
    for _ in range(8):
        for edit in edits:
            t = time.perf_counter()
            config = edit(config)
            setup = build_playground(config)
            boundary_map(setup.model, setup.data, size=(40, 40), unit_size=(12, 12))
            samples.append((time.perf_counter() - t) * 1000)
    p50, p95 = percentiles(samples[len(edits) :])  # the first round warms up
    print(f"    p50 {p50:.1f} ms, p95 {p95:.1f} ms (budget 50 ms on screen: {verdict(p95 < 50)})")


def bench_trainer_overhead(repeats: int = 5, epochs: int = 20) -> None:
    print("(e) ms per epoch, 2-8-8-2 on circle, SGD batch 10 (one thread, as in the app)")
    import torch.nn.functional as F

    from tutor.engine.device import single_thread

    config = PlaygroundConfig(hidden=(8, 8), epochs=epochs)
    results: dict[str, list[float]] = {"hand loop": [], "Trainer": [], "Trainer, no val": []}
    with single_thread():
        for _ in range(repeats):
            setup = build_playground(config)
            x, y = setup.data.train.x, setup.data.train.y
            model, optimizer = setup.model, torch.optim.SGD(setup.model.parameters(), lr=0.03)
            gen = torch.Generator().manual_seed(0)
            t = time.perf_counter()
            for _ in range(epochs):
                order = torch.randperm(len(x), generator=gen)
                for i in range(0, len(x), 10):
                    idx = order[i : i + 10]
                    loss = F.cross_entropy(model(x[idx]), y[idx])
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    optimizer.step()
            results["hand loop"].append((time.perf_counter() - t) / epochs * 1000)
            for name, validate in (("Trainer", True), ("Trainer, no val", False)):
                setup = build_playground(config)
                trainer = setup.trainer()
                trainer.validate = validate
                t = time.perf_counter()
                trainer.run()
                results[name].append((time.perf_counter() - t) / epochs * 1000)
    hand = statistics.median(results["hand loop"])
    for name, values in results.items():
        ms = statistics.median(values)
        print(f"    {name:16} {ms:6.2f} ms/epoch  ({hand / ms:.2f}× the hand loop's speed)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="runs per network (seeds 0..N-1)")
    parser.add_argument("--limit", type=float, default=10.0, help="give up after this many s")
    args = parser.parse_args()
    print(
        f"cores {os.cpu_count()}, torch threads {torch.get_num_threads()}, "
        f"load {os.getloadavg()[0]:.2f}, torch {torch.__version__}"
    )
    bench_map()
    bench_keys()
    bench_accuracy(args.seeds, args.limit)
    bench_spiral(args.seeds, args.limit)
    bench_trainer_overhead()
    print(f"load at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
