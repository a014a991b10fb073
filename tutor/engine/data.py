"""Datasets as tensors on the device: the course's sets, cached, with offline fallbacks.

Usable from a notebook::

    from tutor.engine.data import load_dataset
    data = load_dataset("fashion-mnist", device="auto")
    image, label, name = data.sample(0)      # the course's train_data[0][0], train_data[0][1]
    data.train.x.shape                       # (55000, 1, 28, 28), normalized, on the device
    print(data.notice)                       # which data is in use, and why

Real sets load through torchvision's own classes with ``root=TUTOR_DATA_DIR`` (so a
folder a notebook downloaded into works as is), are read once into uint8 tensors and
cached, then normalized with the training split's per-channel mean and std and moved to
the device whole: lessons take batches by index, never through per-sample transforms.
Without the files and without the network, a 1×28×28 set falls back to ``mnist-5k``
(5,000 real MNIST digits shipped with tutor) and a 3×32×32 set to ``shapes-2`` (a
generated two-class stand-in); the result says so and says how to get the real set.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import torch

from tutor import config
from tutor.engine.datasets.cache import DataWarning, read_cache, write_cache
from tutor.engine.datasets.dataset import Dataset, Split, torch_device
from tutor.engine.datasets.download import fetch_dataset as _fetch
from tutor.engine.datasets.paths import (
    MNIST5K_FILE,
    cache_path,
    file_fingerprint,
    mnist5k_file,
    raw_files_present,
)
from tutor.engine.datasets.plane import PLANE_SETS, plane_dataset
from tutor.engine.datasets.registry import DataError, DatasetInfo, dataset_info, dataset_names
from tutor.engine.datasets.sources import (
    STANDIN_SEED,
    STANDIN_SIZE,
    STANDIN_VERSION,
    THERMOMETER_T_C,
    THERMOMETER_T_U,
    generate_standin,
    read_mnist5k,
    read_torchvision,
    thermometer_pairs,
)
from tutor.engine.datasets.splits import SPLIT_NAMES, SPLIT_SEED, Prepared, prepare
from tutor.engine.datasets.status import DatasetStatus, all_status, dataset_status
from tutor.locales import Phrase

__all__ = [
    "THERMOMETER_T_C",
    "THERMOMETER_T_U",
    "DataError",
    "DataWarning",
    "Dataset",
    "DatasetInfo",
    "DatasetStatus",
    "Split",
    "all_status",
    "build_cache",
    "dataset_info",
    "dataset_names",
    "dataset_status",
    "fetch_dataset",
    "load_dataset",
    "thermometer_pairs",
]

Progress = Callable[[int, int], None]


# ---------------------------------------------------------------------------------------
# Loading


def load_dataset(
    name: str,
    device: torch.device | str = "cpu",
    data_dir: Path | None = None,
    offline: bool | None = None,
    download: bool | None = None,
    progress: Progress | None = None,
    noise: float | None = None,
) -> Dataset:
    """Load a registry dataset as tensors on ``device``.

    Args:
        name: a registry name (``fashion-mnist``, ``mnist``, ``cifar10``, ``cifar2``,
            ``thermometer``, ``mnist-5k``, ``shapes-2``); unknown names raise DataError
            with the closest ones.
        device: a torch device or ``auto``/``cpu``/``cuda``/``cuda:1``/``mps``.
        data_dir: where datasets live (default ``TUTOR_DATA_DIR``).
        offline: never touch the network (default ``TUTOR_OFFLINE``).
        download: download missing files (default: when not offline; never when offline).
        progress: called with (bytes done, bytes total) while downloading.
        noise: for the 2-D sets (``circle``, ``xor``, ``gauss``, ``spiral``) only: 0 to
            0.5 as on Playground's slider; None is the registry's default (0). See
            :mod:`tutor.engine.datasets.plane`.

    Returns:
        The :class:`Dataset`. When the files are missing and cannot be downloaded, the
        fallback set, with ``fallback_reason`` and ``how_to_get`` filled in.

    Raises:
        DataError: unknown name, unreadable data folder, damaged files, or no fallback.
    """
    info = dataset_info(name)
    target = torch_device(device)
    data_dir = Path(data_dir).expanduser() if data_dir is not None else config.data_dir()
    offline = config.offline() if offline is None else bool(offline)
    allow_download = (not offline) if download is None else (bool(download) and not offline)
    notes: list[str] = []

    if info.name in PLANE_SETS:
        return plane_dataset(info.name, noise, target)
    if noise is not None:
        raise DataError(key="data.noise_only_plane", sets=", ".join(PLANE_SETS), name=info.name)
    if info.name == "thermometer":
        return _thermometer(info, target)
    if info.origin != "torchvision":
        prepared = _prepared_local(info, data_dir, notes)
        return _dataset(info, prepared, target, requested=info.name, notes=notes)

    prepared, reason = _prepared_torchvision(
        info, data_dir, allow_download, offline, progress, notes
    )
    if prepared is not None:
        return _dataset(info, prepared, target, requested=info.name, notes=notes)
    fallback = dataset_info(info.fallback or "")
    try:
        prepared = _prepared_local(fallback, data_dir, notes)
    except DataError as error:
        raise DataError(
            f"{info.title} is not available ({reason}), and neither is its "
            f"offline stand-in {fallback.name}: {error.message}"
        ) from None
    return _dataset(
        fallback,
        prepared,
        target,
        requested=info.name,
        notes=notes,
        fallback_reason=reason,
        how_to_get=_how_to_get(info, data_dir),
    )


def fetch_dataset(
    name: str,
    data_dir: Path | None = None,
    *,
    offline: bool | None = None,
    progress: Progress | None = None,
    on_file: Callable[[str], None] | None = None,
) -> Path:
    """Download a real set's files through torchvision unless they are already there.

    Files are downloaded into a temporary folder and moved into place only when complete
    and verified, so an interrupted download leaves nothing that looks finished. Returns
    the folder holding the files. ``on_file`` is called with each file name as its
    download starts, ``progress`` with (bytes done, bytes total; 0 when unknown).
    """
    data_dir = Path(data_dir).expanduser() if data_dir is not None else config.data_dir()
    offline = config.offline() if offline is None else bool(offline)
    check_data_dir(data_dir)
    return _fetch(name, data_dir, offline=offline, progress=progress, on_file=on_file)


def build_cache(name: str, data_dir: Path | None = None) -> Path | None:
    """Read ``name``'s files once and write its tensor cache; return the cache's path
    (None for the thermometer, or when the folder cannot be written). No download."""
    info = dataset_info(name)
    data_dir = Path(data_dir).expanduser() if data_dir is not None else config.data_dir()
    notes: list[str] = []
    if info.name == "thermometer" or info.name in PLANE_SETS:
        return None
    if info.origin == "torchvision":
        prepared, reason = _prepared_torchvision(info, data_dir, False, True, None, notes)
        if prepared is None:
            raise DataError(f"cannot cache {info.title}: {reason}")
    else:
        _prepared_local(info, data_dir, notes)
    path = cache_path(info, data_dir)
    return path if path.is_file() else None


def check_data_dir(data_dir: Path) -> None:
    """A data folder that exists but cannot be read is the learner's to fix: say so."""
    if data_dir.exists() and not data_dir.is_dir():
        raise DataError(
            f"the data folder {data_dir} is a file, not a folder; set TUTOR_DATA_DIR to a folder"
        )
    if data_dir.is_dir() and not os.access(data_dir, os.R_OK | os.X_OK):
        raise DataError(
            f"the data folder {data_dir} cannot be read (permission denied); "
            "fix its permissions or set TUTOR_DATA_DIR to another folder"
        )


def _prepared_torchvision(
    info: DatasetInfo,
    data_dir: Path,
    allow_download: bool,
    offline: bool,
    progress: Progress | None,
    notes: list[str],
) -> tuple[Prepared | None, str | None]:
    """(the real set's splits, None) or (None, why it is not available).

    Order: this set's cache (if made from the files now on disk), the files, the base
    set's cache (cifar2 from a cached cifar10), a download, and otherwise the reason.
    """
    base = dataset_info(info.base)
    check_data_dir(data_dir)
    folder = data_dir / (base.folder or "")
    present, found = raw_files_present(base, data_dir)
    fingerprint = file_fingerprint(found) if present else None
    prepared = read_cache(info, data_dir, fingerprint, notes)
    if prepared is not None:
        return prepared, None
    if not present and base.name != info.name:
        base_cache = read_cache(base, data_dir, None, notes)
        if base_cache is not None:
            prepared = prepare(info, base_cache.to_raw())
            write_cache(info, data_dir, prepared, None, notes)
            return prepared, None
    if not present:
        missing_phrase = (
            Phrase("data.not_in", title=base.title, folder=str(folder))
            if not found
            else Phrase(
                "data.incomplete_in",
                title=base.title,
                have=len(found),
                total=len(base.files),
                folder=str(folder),
            )
        )
        if not allow_download:
            why = Phrase("data.offline_on" if offline else "data.download_off")
            return None, Phrase("data.why_and", why=why, missing=missing_phrase)
        try:
            _fetch(base.name, data_dir, offline=False, progress=progress)
        except DataError as error:
            return None, Phrase("data.download_failed", missing=missing_phrase, error=error.message)
        present, found = raw_files_present(base, data_dir)
    prepared = prepare(info, read_torchvision(base, data_dir))
    write_cache(info, data_dir, prepared, file_fingerprint(found), notes)
    return prepared, None


def _prepared_local(info: DatasetInfo, data_dir: Path, notes: list[str]) -> Prepared:
    """mnist-5k (the shipped digits) or the generated stand-in, cached after the first time."""
    readable = data_dir.is_dir() and os.access(data_dir, os.R_OK | os.X_OK)
    if info.origin == "generated":
        # The generator's settings stand in for a source file's fingerprint.
        fingerprint: list[list[str | int]] | None = [
            ["generated", info.name, STANDIN_SIZE, STANDIN_SEED, STANDIN_VERSION]
        ]
        prepared = read_cache(info, data_dir, fingerprint, notes) if readable else None
        if prepared is None:
            prepared = prepare(info, generate_standin())
            write_cache(info, data_dir, prepared, fingerprint, notes)
        return prepared
    shipped = mnist5k_file()
    fingerprint = file_fingerprint([shipped]) if shipped is not None else None
    prepared = read_cache(info, data_dir, fingerprint, notes) if readable else None
    if prepared is not None:
        return prepared  # without the shipped file (a damaged install) the cache is enough
    if shipped is None:
        raise DataError(
            f"mnist-5k's digits file {MNIST5K_FILE}, shipped with tutor, is missing: "
            "reinstall tutor with `pip install --force-reinstall tutor`"
        )
    raw = read_mnist5k(shipped)
    raw.check(info)
    prepared = prepare(info, raw)
    write_cache(info, data_dir, prepared, fingerprint, notes)
    return prepared


def _how_to_get(info: DatasetInfo, data_dir: Path) -> Phrase:
    base = dataset_info(info.base)
    return Phrase(
        "data.how_to_get",
        name=info.name,
        file=f"{base.folder}/{base.files[0]}",
        dataset_class=base.torchvision_class,
        folder=str(data_dir),
    )


# ---------------------------------------------------------------------------------------
# Normalizing and moving to the device


def _normalized(
    x: torch.Tensor, mean: tuple[float, ...], std: tuple[float, ...], device: torch.device
) -> torch.Tensor:
    """uint8 pixels -> (x / 255 - mean) / std as float32 on ``device``.

    Moved as uint8 (a quarter of the bytes), then a single fused multiply-add that
    makes the float32 tensor: (x / 255 - mean) / std = x * (1 / (255 std)) - mean / std.
    """
    mean_t = torch.tensor(mean, dtype=torch.float64)
    std_t = torch.tensor(std, dtype=torch.float64)
    scale = (1 / (255 * std_t)).to(torch.float32).to(device).view(1, -1, 1, 1)  # (1, C, 1, 1)
    shift = (-mean_t / std_t).to(torch.float32).to(device).view(1, -1, 1, 1)  # (1, C, 1, 1)
    pixels = x.to(device)  # (n, C, H, W) uint8 on the device
    return torch.addcmul(shift, pixels, scale)  # (n, C, H, W) float32; train: mean 0, std 1


def _dataset(
    info: DatasetInfo,
    prepared: Prepared,
    device: torch.device,
    *,
    requested: str,
    notes: list[str],
    fallback_reason: str | None = None,
    how_to_get: str | None = None,
) -> Dataset:
    """Normalize every split with the training split's statistics, on ``device``."""
    x = _normalized(prepared.x, prepared.mean, prepared.std, device)  # all splits at once
    y = prepared.y.to(device)  # (N,) int64
    sizes = list(prepared.sizes)
    # The splits are views into x and y: contiguous slices along the sample dimension.
    splits = {
        name: Split(x=part_x, y=part_y, index=index, origin=origin)
        for name, part_x, part_y, index, origin in zip(
            SPLIT_NAMES,
            x.split(sizes),
            y.split(sizes),
            prepared.index.split(sizes),
            prepared.origins,
            strict=True,
        )
    }
    return Dataset(
        name=info.name,
        requested=requested,
        title=info.title,
        task=info.task,
        classes=info.classes,
        sample_shape=info.sample_shape,
        train=splits["train"],
        val=splits["val"],
        test=splits["test"],
        mean=prepared.mean,
        std=prepared.std,
        device=device,
        fallback_reason=fallback_reason,
        how_to_get=how_to_get,
        warnings=tuple(notes),
    )


def _thermometer(info: DatasetInfo, device: torch.device) -> Dataset:
    """The 11 readings: x = t_u and y = t_c, both (N, 1), not normalized (the lessons
    scale t_u by 0.1 themselves); 9 train and 2 validation, as the course's 20%."""
    t_u = torch.tensor(THERMOMETER_T_U, dtype=torch.float32).unsqueeze(1)  # (11,) -> (11, 1)
    t_c = torch.tensor(THERMOMETER_T_C, dtype=torch.float32).unsqueeze(1)  # (11,) -> (11, 1)
    n = len(THERMOMETER_T_U)
    n_val = int(0.2 * n)  # the course's `n_val = int(0.2 * n_samples)` = 2
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(SPLIT_SEED))
    train_idx, val_idx = perm[n_val:].sort().values, perm[:n_val].sort().values

    def part(idx: torch.Tensor) -> Split:
        return Split(x=t_u[idx].to(device), y=t_c[idx].to(device), index=idx)

    return Dataset(
        name=info.name,
        requested=info.name,
        title=info.title,
        task=info.task,
        classes=(),
        sample_shape=info.sample_shape,
        train=part(train_idx),
        val=part(val_idx),
        test=None,
        mean=(0.0,),
        std=(1.0,),
        device=device,
        fallback_reason=None,
        how_to_get=None,
        all=part(torch.arange(n)),
    )
