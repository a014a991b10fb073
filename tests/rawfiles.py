"""Small raw dataset files in torchvision's own layout and formats, written by the tests.

Datasets cannot be downloaded where the tests run, so the tests write tiny files with
exactly the names and formats torchvision reads (IDX for the MNIST family, pickled
batches for CIFAR-10) and load them through torchvision's own classes.
"""

from __future__ import annotations

import pickle
import struct
from pathlib import Path

import numpy as np

from tutor.engine.datasets.registry import CIFAR10_CLASSES


def idx_bytes(array: np.ndarray) -> bytes:
    """IDX: big-endian magic (0x08 = uint8 << 8 | ndim), the dims, then the raw bytes."""
    assert array.dtype == np.uint8
    header = struct.pack(">I", (0x08 << 8) | array.ndim)
    header += b"".join(struct.pack(">I", d) for d in array.shape)
    return header + array.tobytes()


def write_mnist_like(
    root: Path, folder: str, n_train: int = 50, n_test: int = 20, seed: int = 0
) -> dict[str, np.ndarray]:
    """The four uncompressed files torchvision's MNIST classes check for, in ROOT/FOLDER/raw."""
    rng = np.random.default_rng(seed)
    arrays = {
        "train_x": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train_y": (np.arange(n_train) % 10).astype(np.uint8)[rng.permutation(n_train)],
        "test_x": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "test_y": (np.arange(n_test) % 10).astype(np.uint8),
    }
    raw = root / folder / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    names = {
        "train_x": "train-images-idx3-ubyte",
        "train_y": "train-labels-idx1-ubyte",
        "test_x": "t10k-images-idx3-ubyte",
        "test_y": "t10k-labels-idx1-ubyte",
    }
    for key, name in names.items():
        (raw / name).write_bytes(idx_bytes(arrays[key]))
    return arrays


def write_cifar10(root: Path, per_batch: int = 12, n_test: int = 20, seed: int = 1) -> dict:
    """cifar-10-batches-py: five pickled training batches, the test batch, batches.meta."""
    rng = np.random.default_rng(seed)
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    xs, ys = [], []
    for b in range(1, 6):
        x = rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8)  # RGB planes, 1024 each
        y = [(b * per_batch + k) % 10 for k in range(per_batch)]  # every class present
        with open(folder / f"data_batch_{b}", "wb") as f:
            pickle.dump({"batch_label": f"training batch {b} of 5", "data": x, "labels": y}, f)
        xs.append(x)
        ys.extend(y)
    test_x = rng.integers(0, 256, (n_test, 3072), dtype=np.uint8)
    test_y = [int(v) for v in rng.integers(0, 10, n_test)]
    with open(folder / "test_batch", "wb") as f:
        pickle.dump({"batch_label": "testing batch 1 of 1", "data": test_x, "labels": test_y}, f)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({"label_names": list(CIFAR10_CLASSES), "num_vis": 3072}, f)
    return {
        "train_x": np.vstack(xs).reshape(-1, 3, 32, 32),
        "train_y": np.array(ys),
        "test_x": test_x.reshape(-1, 3, 32, 32),
        "test_y": np.array(test_y),
    }
