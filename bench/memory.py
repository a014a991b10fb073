"""Memory budget of DESIGN.md: the app training on a 60,000-image set stays under
1.5 GiB resident.

FashionMNIST cannot be downloaded here, so a FashionMNIST-sized set is written in the
real raw format (60,000 + 10,000 28×28 images, IDX files under ``FashionMNIST/raw``,
built by tiling the mnist-5k digits) into a temporary TUTOR_DATA_DIR; the app loads it
through torchvision's own class, exactly as it would load the real files. The app then
trains the 784-200-100-10 MLP on it (headless, in its worker), while the learner
navigates, and the peak resident memory (VmHWM) is read from /proc.

    .venv/bin/python bench/memory.py [--epochs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def status(field: str) -> int:
    """A /proc/self/status field in bytes (VmRSS now, VmHWM the peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def write_sixty_thousand(root: Path) -> None:
    import torch
    from train_throughput import _write_idx, to_uint8_images

    from tutor.engine.data import load_dataset

    small = load_dataset("mnist-5k")
    images = to_uint8_images(small.train.x, small.mean, small.std)  # (4000, 28, 28)
    labels = small.train.y.to(torch.uint8)
    reps = 60_000 // len(images) + 1
    train_x, train_y = images.repeat(reps, 1, 1)[:60_000], labels.repeat(reps)[:60_000]
    raw = root / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    _write_idx(raw / "train-images-idx3-ubyte", train_x)
    _write_idx(raw / "train-labels-idx1-ubyte", train_y)
    _write_idx(raw / "t10k-images-idx3-ubyte", train_x[:10_000])
    _write_idx(raw / "t10k-labels-idx1-ubyte", train_y[:10_000])


async def run(epochs: int) -> None:
    from tests.ui.helpers import settle
    from tutor.ui.app import TutorApp

    lesson = HERE / "lessons" / "memory.yaml"
    lesson.write_text(
        (HERE / "lessons" / "bench.yaml")
        .read_text()
        .replace("dataset: mnist\n", "dataset: fashion-mnist\n")
        .replace("epochs: 200", f"epochs: {epochs}")
        .replace("id: bench", "id: memory")
    )
    try:
        app = TutorApp(lesson=str(lesson))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            start = status("VmRSS")
            view = app.screen.view
            await pilot.press("s")
            while view.state in ("idle", "running", "paused"):
                await asyncio.sleep(0.5)
                # navigate a little while it trains, as a learner would
                app._driver.send_message(__import__("textual").events.Key("l", "l"))
            data = app.context.engine.session.loaded_datasets()["fashion-mnist"]
            print(f"data in use: {data.name}, {len(data.train):,} train images")
            print(f"state {view.state}, epochs {view.result.epochs_done if view.result else 0}")
            end = status("VmRSS")
            peak = status("VmHWM")
        gib = 2**30
        print(
            f"resident at the lesson: {start / gib:.2f} GiB; after training: {end / gib:.2f} GiB;"
            f" peak {peak / gib:.2f} GiB  budget < 1.5 GiB  ratio {peak / (1.5 * gib):.2f}  "
            f"{'OK' if peak < 1.5 * gib else 'OVER'}"
        )
    finally:
        lesson.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home, tempfile.TemporaryDirectory() as data:
        os.environ.update(TUTOR_HOME=home, TUTOR_DATA_DIR=data, TUTOR_OFFLINE="1")
        write_sixty_thousand(Path(data))
        asyncio.run(run(args.epochs))


if __name__ == "__main__":
    main()
