"""A loaded dataset: splits as whole tensors on the device, class names, statistics, and
which data is actually in use (with why, when it is an offline stand-in)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import torch

from tutor.engine.datasets.registry import DataError, dataset_info
from tutor.locales import DEFAULT_LANGUAGE, localized, t

SPLITS = ("train", "val", "test", "all")


@dataclass
class Split:
    """One split as whole tensors, ready for indexing by batch."""

    x: torch.Tensor
    """Classification: (N, C, H, W) float32, normalized, on the device.
    Regression (thermometer): (N, 1) float32, as read."""
    y: torch.Tensor
    """Classification: (N,) int64 labels. Regression: (N, 1) float32."""
    index: torch.Tensor | None = field(default=None, repr=False)
    """(N,) int64 on the CPU: each sample's position in its source array (torchvision's
    train or test set, the shipped digits, the generated set), e.g. to say "train_data[7]"."""
    origin: str = "train"
    """The source array ``index`` points into: ``train`` or ``test``."""

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def __repr__(self) -> str:
        return (
            f"Split(x={tuple(self.x.shape)} {self.x.dtype}, y={tuple(self.y.shape)} "
            f"{self.y.dtype}, device={self.x.device})"
        )

    def to(self, device: torch.device | str) -> Split:
        """The same split on another device."""
        return replace(self, x=self.x.to(device), y=self.y.to(device))


@dataclass
class Dataset:
    """A dataset ready for lessons: splits on the device, class names, statistics, and
    which data is actually in use."""

    name: str
    """The data in use, e.g. ``mnist-5k``."""
    requested: str
    """What was asked for, e.g. ``fashion-mnist``."""
    title: str
    task: str
    """``classification`` or ``regression``."""
    classes: tuple[str, ...]
    sample_shape: tuple[int, ...]
    train: Split = field(repr=False)
    val: Split = field(repr=False)
    test: Split | None = field(repr=False)
    mean: tuple[float, ...]
    """Per channel, over the training split's pixels scaled to 0..1 (the course's
    ``imgs.view(3, -1).mean(dim=1)``). ``(0.0,)`` for the thermometer: not normalized."""
    std: tuple[float, ...]
    """Per channel, like ``mean`` (``std(dim=1)``, with Bessel's correction as torch does)."""
    device: torch.device
    fallback_reason: str | None
    """None when the requested data is in use; otherwise why it is not."""
    how_to_get: str | None
    """For a fallback: how to get the requested data."""
    all: Split | None = field(default=None, repr=False)
    """Every sample in the source's order, when that order matters (the thermometer)."""
    warnings: tuple[str, ...] = ()
    """Repairs made while loading (a damaged cache moved aside), for the screen."""

    # -- access ------------------------------------------------------------------------

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def is_fallback(self) -> bool:
        return self.fallback_reason is not None

    def split(self, split: str = "train") -> Split:
        """The split called ``split``: ``train``, ``val``, ``test`` (or ``all`` where held)."""
        found = {"train": self.train, "val": self.val, "test": self.test, "all": self.all}.get(
            split
        )
        if found is None:
            held = [s for s in SPLITS if getattr(self, s) is not None]
            raise DataError(f"{self.name} has no {split!r} split; it has {', '.join(held)}")
        return found

    def _check_index(self, i: int, split: str) -> Split:
        part = self.split(split)
        n = len(part)
        if not -n <= i < n:
            raise DataError(
                f"sample {i} is out of range: {self.name}'s {split} split has "
                f"{n:,} samples (0 to {n - 1:,})"
            )
        return part

    def sample(self, i: int, split: str = "train") -> tuple[torch.Tensor, int | float, str]:
        """Sample ``i`` of a split: (input, label, class name).

        Classification: ((C, H, W) normalized image on the device, int label, class name),
        the pairing of the course's ``train_data[i][0], train_data[i][1]``. Regression:
        ((1,) input, float target, ``""``).
        """
        part = self._check_index(i, split)
        x = part.x[i]
        if self.task == "regression":
            return x, float(part.y[i].reshape(-1)[0]), ""
        label = int(part.y[i])
        return x, label, self.classes[label]

    def image(self, i: int, split: str = "train") -> torch.Tensor:
        """Sample ``i`` as a picture: (C, H, W) float32 in 0..1, un-normalized, on the CPU."""
        if self.task != "classification" or len(self.sample_shape) == 1:
            raise DataError(f"{self.name} has no images: its samples are numbers")
        part = self._check_index(i, split)
        mean = torch.tensor(self.mean).view(-1, 1, 1)  # (C, 1, 1)
        std = torch.tensor(self.std).view(-1, 1, 1)
        return (part.x[i].detach().cpu() * std + mean).clamp_(0.0, 1.0)  # (C, H, W)

    def course_sample(self, i: int, train: bool = True) -> tuple[torch.Tensor, int | float, str]:
        """The course's ``train_data[i]`` (``test_data[i]`` with ``train=False``): sample
        ``i`` of the source in its original order, whichever split it landed in."""
        origin = "train" if train else "test"
        for name in ("train", "val", "test"):
            part = getattr(self, name)
            if part is None or part.index is None or part.origin != origin:
                continue
            hits = (part.index == i).nonzero()
            if len(hits):
                return self.sample(int(hits[0, 0]), name)
        raise DataError(f"{self.name} has no sample {i} in its original {origin} data")

    @property
    def notice(self) -> str:
        """One line naming the data in use; for a fallback, why, and how to get the real set."""
        return self.notice_in(DEFAULT_LANGUAGE)

    def notice_in(self, lang: str) -> str:
        """:attr:`notice` in ``lang``."""
        sizes = t(
            "data.sizes_test" if self.test is not None else "data.sizes",
            lang,
            train=f"{len(self.train):,}",
            val=f"{len(self.val):,}",
            test=f"{len(self.test):,}" if self.test is not None else "",
        )
        if self.task == "regression":
            kind = t("data.pairs", lang)
        elif len(self.sample_shape) == 1:
            kind = t("data.points", lang, size=self.sample_shape[0], classes=self.num_classes)
        else:
            shape = "×".join(str(s) for s in self.sample_shape)
            kind = t("data.images", lang, shape=shape, classes=self.num_classes)
        line = t(
            "data.line",
            lang,
            title=self.title,
            name=self.name,
            sizes=sizes,
            kind=kind,
            device=str(self.device),
        )
        if self.fallback_reason is None:
            return line + "."
        return t(
            "data.instead",
            lang,
            line=line,
            requested=dataset_info(self.requested).title,
            why=localized(self.fallback_reason, lang),
            how=localized(self.how_to_get, lang),
        )

    def to(self, device: torch.device | str) -> Dataset:
        """The same dataset with every split moved to ``device``."""
        target = torch_device(device)
        return replace(
            self,
            train=self.train.to(target),
            val=self.val.to(target),
            test=self.test.to(target) if self.test is not None else None,
            all=self.all.to(target) if self.all is not None else None,
            device=target,
        )

    def __repr__(self) -> str:
        return f"<Dataset {self.name} ({self.notice})>"


def torch_device(device: torch.device | str) -> torch.device:
    if isinstance(device, torch.device):
        return device
    from tutor.engine.device import resolve_device

    return resolve_device(device).torch_device
