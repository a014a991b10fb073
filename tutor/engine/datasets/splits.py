"""Train/validation/test splits with a fixed seed, and the training split's statistics.

A :class:`Prepared` set is what the tensor cache holds: the uint8 pixels of the train,
val and test splits one after another (so a load is one file read and one multiply-add,
no indexing, no counting), the positions of the samples in the source, and the
per-channel mean and std of the training split. Normalizing and moving to the device
happen at load time.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from tutor.engine.datasets.registry import DatasetInfo
from tutor.engine.datasets.sources import RawData

SPLIT_SEED = 0
"""Seed of every split, so the validation set is the same on every run and machine."""
MAX_VAL = 5000
"""Validation size for the big sets (10% of smaller ones), taken from the training set."""
SPLIT_NAMES = ("train", "val", "test")


@dataclass
class PreparedSplit:
    x: torch.Tensor
    """(n, C, H, W) uint8, un-normalized."""
    y: torch.Tensor
    """(n,) int64."""
    index: torch.Tensor
    """(n,) int64: each sample's position in its source array."""
    origin: str
    """The source array ``index`` points into: ``train`` or ``test``."""


@dataclass
class Prepared:
    """A dataset split and measured, still uint8 and on the CPU.

    The three splits lie one after another in single tensors, so that normalizing the
    whole set at load time is one tensor operation (on a busy machine every parallel
    operation can wait for a time slice, so their number matters more than their size).
    """

    x: torch.Tensor
    """(N, C, H, W) uint8: the train, val and test samples, in that order."""
    y: torch.Tensor
    """(N,) int64."""
    index: torch.Tensor
    """(N,) int64: each sample's position in its source array."""
    sizes: tuple[int, int, int]
    """Samples in train, val and test."""
    origins: tuple[str, str, str]
    """The source array each split's ``index`` points into: ``train`` or ``test``."""
    mean: tuple[float, ...]
    std: tuple[float, ...]

    @property
    def splits(self) -> dict[str, PreparedSplit]:
        """Each split as views into the shared tensors."""
        parts = zip(
            SPLIT_NAMES,
            self.x.split(list(self.sizes)),
            self.y.split(list(self.sizes)),
            self.index.split(list(self.sizes)),
            self.origins,
            strict=True,
        )
        return {name: PreparedSplit(x, y, idx, origin) for name, x, y, idx, origin in parts}

    def check(self, info: DatasetInfo) -> None:
        """Raise ValueError unless the tensors have this dataset's shapes and labels."""
        RawData(self.x, self.y).check(info)
        if len(self.sizes) != 3 or sum(self.sizes) != len(self.y) or min(self.sizes) < 0:
            raise ValueError(f"split sizes {self.sizes} for {len(self.y)} samples")
        if self.index.dtype != torch.int64 or self.index.shape != self.y.shape:
            raise ValueError(f"index {tuple(self.index.shape)} for {len(self.y)} samples")
        if len(self.origins) != 3 or not set(self.origins) <= {"train", "test"}:
            raise ValueError(f"unknown origins {self.origins}")
        channels = info.sample_shape[0]
        if len(self.mean) != channels or len(self.std) != channels:
            raise ValueError("statistics do not match the channels")

    def to_raw(self) -> RawData:
        """The source arrays back, in their original order (to derive cifar2 from a
        cached cifar10 when the files themselves are gone)."""
        arrays: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
        for origin in ("train", "test"):
            parts = [p for p in self.splits.values() if p.origin == origin]
            if not parts:
                continue
            index = torch.cat([p.index for p in parts])  # (n,) positions in the source
            order = index.argsort()
            x = torch.cat([p.x for p in parts])[order]  # (n, C, H, W) uint8, source order
            y = torch.cat([p.y for p in parts])[order]
            arrays[origin] = (x, y)
        train_x, train_y = arrays["train"]
        test = arrays.get("test")
        return RawData(train_x, train_y, *(test if test else (None, None)))


def subset(raw: RawData, label_map: tuple[int, ...]) -> RawData:
    """Keep only the labels in ``label_map``, renumbered 0, 1, ... in that order."""
    lookup = torch.full((max(label_map) + 1,), -1, dtype=torch.int64)
    lookup[list(label_map)] = torch.arange(len(label_map))

    def pick(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        keep = torch.isin(y, torch.tensor(label_map))  # (N,) bool
        return x[keep], lookup[y[keep]]  # (M, C, H, W) uint8, (M,) int64 in 0..len-1

    train_x, train_y = pick(raw.train_x, raw.train_y)
    if raw.test_x is None or raw.test_y is None:
        return RawData(train_x, train_y)
    test_x, test_y = pick(raw.test_x, raw.test_y)
    return RawData(train_x, train_y, test_x, test_y)


def holdout(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(train, val) positions: a fixed-seed random 10% (at most 5,000) for validation.
    Both keep the source's order, so the training split reads like torchvision's."""
    n_val = min(MAX_VAL, n // 10)
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(SPLIT_SEED))
    return perm[n_val:].sort().values, perm[:n_val].sort().values


def stratified(y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(train, val, test) positions, 80/10/10 within every class, fixed seed. Each split
    is shuffled: the shipped digits are sorted by digit, and samples 0..9 should not all be 0s."""
    g = torch.Generator().manual_seed(SPLIT_SEED)
    parts: list[list[torch.Tensor]] = [[], [], []]
    for label in torch.unique(y).tolist():
        members = (y == label).nonzero().flatten()
        members = members[torch.randperm(len(members), generator=g)]
        n_hold = len(members) // 10
        parts[0].append(members[2 * n_hold :])
        parts[1].append(members[:n_hold])
        parts[2].append(members[n_hold : 2 * n_hold])
    train, val, test = (torch.cat(p) for p in parts)
    return (
        train[torch.randperm(len(train), generator=g)],
        val[torch.randperm(len(val), generator=g)],
        test[torch.randperm(len(test), generator=g)],
    )


def channel_stats(x: torch.Tensor) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Exact per-channel mean and std of (N, C, H, W) uint8 pixels scaled to 0..1.

    Counting the 256 possible values per channel avoids a float copy of the whole set
    and the rounding of a float32 sum over millions of pixels. The std has Bessel's
    correction, as torch's ``std(dim=1)`` in the course.
    """
    counts = torch.stack(
        [torch.bincount(x[:, c].reshape(-1), minlength=256) for c in range(x.shape[1])]
    ).to(torch.float64)  # (C, 256)
    values = torch.arange(256, dtype=torch.float64) / 255  # (256,)
    n = counts.sum(dim=1)  # (C,)
    mean = (counts * values).sum(dim=1) / n  # (C,)
    var = (counts * (values - mean[:, None]) ** 2).sum(dim=1) / (n - 1).clamp(min=1)
    return tuple(mean.tolist()), tuple(var.sqrt().clamp(min=1e-12).tolist())


def prepare(info: DatasetInfo, raw: RawData) -> Prepared:
    """Split ``raw`` for ``info`` (taking cifar2's subset first) and measure the
    training split. Only the training split is measured: validation and test samples
    must not leak into what the model is shown."""
    if info.label_map is not None:
        raw = subset(raw, info.label_map)
    if raw.test_x is None or raw.test_y is None:
        # A single array (the shipped digits, the generated set): carve all three splits.
        train_idx, val_idx, test_idx = stratified(raw.train_y)
        plan = {
            "train": ("train", train_idx),
            "val": ("train", val_idx),
            "test": ("train", test_idx),
        }
    else:
        train_idx, val_idx = holdout(len(raw.train_y))
        plan = {
            "train": ("train", train_idx),
            "val": ("train", val_idx),
            "test": ("test", torch.arange(len(raw.test_y))),
        }
    arrays = {"train": (raw.train_x, raw.train_y), "test": (raw.test_x, raw.test_y)}
    sizes = tuple(len(idx) for _, idx in plan.values())
    total = sum(sizes)
    # Gather each split straight into its slice of one tensor: no second copy to cat.
    x_all = torch.empty((total, *raw.train_x.shape[1:]), dtype=torch.uint8)  # (N, C, H, W)
    y_all = torch.empty(total, dtype=torch.int64)  # (N,)
    start = 0
    for origin, idx in plan.values():
        x, y = arrays[origin]
        assert x is not None and y is not None
        torch.index_select(x, 0, idx, out=x_all[start : start + len(idx)])
        torch.index_select(y, 0, idx, out=y_all[start : start + len(idx)])
        start += len(idx)
    mean, std = channel_stats(x_all[: sizes[0]])  # the training split only
    return Prepared(
        x=x_all,  # (N, C, H, W) uint8: train, val, test
        y=y_all,
        index=torch.cat([idx for _, idx in plan.values()]),
        sizes=(sizes[0], sizes[1], sizes[2]),
        origins=tuple(origin for origin, _ in plan.values()),  # type: ignore[arg-type]
        mean=mean,
        std=std,
    )
