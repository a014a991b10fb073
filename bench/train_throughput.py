"""Training throughput: tutor's Trainer against two references, in one run.

DESIGN.md's budget: the engine trains at least 0.9× as fast as a hand-written PyTorch
loop over the same preloaded tensors, and at least 3× as fast as the torchvision
``Dataset`` + ``ToTensor`` + ``DataLoader`` pipeline of course notebooks. All three train
the same 784-200-100-10 MLP (Flatten, Linear 784→200, ReLU, Linear 200→100, ReLU,
Linear 100→10) with SGD at batch size 64 on the same device, on the training split of
FashionMNIST when its files are present and of ``mnist-5k`` otherwise.

For the DataLoader pipeline the same images are written as FashionMNIST's raw IDX files
into a temporary folder, so torchvision's own ``datasets.FashionMNIST`` class reads them,
exactly as a notebook would (nothing is downloaded).

Each repeat runs the three pipelines in turn (so background load hits all of them), after
one warm-up epoch each. Printed: samples/s per repeat, medians, and the two ratios.

    .venv/bin/python bench/train_throughput.py [--device cpu] [--repeats 5] [--epochs 3]
                                              [--threads N]

The machine load average is printed too: on a shared machine, rerun when it is quiet.
"""

from __future__ import annotations

import argparse
import os
import statistics
import struct
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from tutor.engine.config import TrainConfig
from tutor.engine.data import load_dataset
from tutor.engine.device import resolve_device
from tutor.engine.tensordata import TensorData, TensorSplit
from tutor.engine.train import Trainer

BATCH = 64
LR = 0.01


def mlp(device: torch.device) -> nn.Sequential:
    """The course MLP, with the same initial weights every time."""
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Flatten(),  # (B, 1, 28, 28) -> (B, 784)
        nn.Linear(784, 200),  # (B, 784) @ (784, 200) -> (B, 200)
        nn.ReLU(),
        nn.Linear(200, 100),  # (B, 200) @ (200, 100) -> (B, 100)
        nn.ReLU(),
        nn.Linear(100, 10),  # (B, 100) @ (100, 10) -> (B, 10) logits
    ).to(device)


def sync(device: torch.device) -> None:
    """Wait for queued GPU work, so the clock measures work done, not work queued."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


# --------------------------------------------------------------------------- IDX files


def _write_idx(path: Path, array: torch.Tensor) -> None:
    """torchvision's MNIST reader format: big-endian magic (type 0x08 = uint8, ndim),
    the dimensions as big-endian uint32, then the raw bytes."""
    data = array.contiguous().to(torch.uint8).cpu()
    header = struct.pack(">I", (0x08 << 8) | data.ndim)
    header += b"".join(struct.pack(">I", d) for d in data.shape)
    path.write_bytes(header + data.numpy().tobytes())


def to_uint8_images(
    x: torch.Tensor, mean: tuple[float, ...], std: tuple[float, ...]
) -> torch.Tensor:
    """Undo the dataset's normalization: (N, 1, 28, 28) float -> (N, 28, 28) uint8 0..255."""
    m = torch.tensor(mean, device=x.device).view(1, -1, 1, 1)
    s = torch.tensor(std, device=x.device).view(1, -1, 1, 1)
    pixels = ((x * s + m) * 255).round().clamp(0, 255)
    return pixels.to(torch.uint8)[:, 0]


def write_fashion_mnist_raw(root: Path, images: torch.Tensor, labels: torch.Tensor) -> None:
    """``root/FashionMNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte``.

    torchvision checks that all four files exist, so the test files are written too
    (a copy of the first 100 training images; the benchmark never reads them).
    """
    raw = root / "FashionMNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    _write_idx(raw / "train-images-idx3-ubyte", images)
    _write_idx(raw / "train-labels-idx1-ubyte", labels)
    _write_idx(raw / "t10k-images-idx3-ubyte", images[:100])
    _write_idx(raw / "t10k-labels-idx1-ubyte", labels[:100])


# --------------------------------------------------------------------------- pipelines


def engine(x: torch.Tensor, y: torch.Tensor, device: torch.device, epochs: int) -> float:
    """tutor's Trainer, training only (no validation, no checkpoints): samples/s."""
    data = TensorData(
        train=TensorSplit(x, y), task="classification", classes=tuple(str(i) for i in range(10))
    )
    config = TrainConfig(optimizer="sgd", lr=LR, batch_size=BATCH, epochs=epochs)
    trainer = Trainer(
        mlp(device), data, config, device=device, validate=False, on_event=lambda event: None
    )
    sync(device)
    start = time.perf_counter()
    result = trainer.run()
    sync(device)
    elapsed = time.perf_counter() - start
    assert result.state == "finished", result.state
    return epochs * int(x.shape[0]) / elapsed


def hand_loop(x: torch.Tensor, y: torch.Tensor, device: torch.device, epochs: int) -> float:
    """The loop a careful person writes over preloaded tensors: samples/s."""
    model = mlp(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    n = int(x.shape[0])
    sync(device)
    start = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n, device=device)
        for i in range(0, n, BATCH):
            idx = perm[i : i + BATCH]
            xb, yb = x[idx], y[idx]
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    sync(device)
    return epochs * n / (time.perf_counter() - start)


def dataloader_loop(root: Path, device: torch.device, epochs: int) -> float:
    """The course notebook: torchvision FashionMNIST + ToTensor + DataLoader: samples/s."""
    from torch.utils.data import DataLoader
    from torchvision import datasets, transforms

    train_data = datasets.FashionMNIST(
        root=str(root), train=True, download=False, transform=transforms.ToTensor()
    )
    loader = DataLoader(train_data, batch_size=BATCH, shuffle=True)
    model = mlp(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    sync(device)
    start = time.perf_counter()
    for _ in range(epochs):
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    sync(device)
    return epochs * len(train_data) / (time.perf_counter() - start)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each (default 5)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per timed run (default 3)")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch CPU threads for all three (default: torch's own choice); "
        "1 gives steadier figures on a busy machine",
    )
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    info = resolve_device(args.device)
    device = info.torch_device
    # FashionMNIST when its files are here; otherwise its offline fallback, mnist-5k.
    data = load_dataset("fashion-mnist", device=device, download=False)
    x, y = data.train.x, data.train.y
    print(
        f"device: {info.label}; torch threads: {torch.get_num_threads()}; "
        f"data: {data.name} train split, {int(x.shape[0]):,} samples; batch {BATCH}; "
        f"{args.epochs} epochs per run, {args.repeats} runs"
    )
    print(f"load average before: {os.getloadavg()[0]:.2f}")

    results: dict[str, list[float]] = {"engine": [], "hand loop": [], "DataLoader": []}
    with tempfile.TemporaryDirectory(prefix="tutor-bench-") as tmp:
        root = Path(tmp)
        write_fashion_mnist_raw(root, to_uint8_images(x, data.mean, data.std), y.cpu())
        runs: dict[str, Callable[[int], float]] = {
            "engine": lambda e: engine(x, y, device, e),
            "hand loop": lambda e: hand_loop(x, y, device, e),
            "DataLoader": lambda e: dataloader_loop(root, device, e),
        }
        for run in runs.values():  # warm-up: allocator, kernels, file cache
            run(1)
        for i in range(args.repeats):
            line = []
            for name, run in runs.items():
                value = run(args.epochs)
                results[name].append(value)
                line.append(f"{name} {value:,.0f}")
            print(f"run {i + 1}: " + "  ".join(line) + "  samples/s", flush=True)

    print(f"load average after: {os.getloadavg()[0]:.2f}")
    medians = {name: statistics.median(values) for name, values in results.items()}
    for name, value in medians.items():
        print(f"median {name:<11} {value:>10,.0f} samples/s")
    vs_hand = medians["engine"] / medians["hand loop"]
    vs_loader = medians["engine"] / medians["DataLoader"]
    print(
        f"engine / hand loop:  {vs_hand:.2f}×  (budget ≥ 0.9×) "
        f"{'ok' if vs_hand >= 0.9 else 'BELOW BUDGET'}"
    )
    print(
        f"engine / DataLoader: {vs_loader:.2f}×  (budget ≥ 3×) "
        f"{'ok' if vs_loader >= 3 else 'BELOW BUDGET'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
