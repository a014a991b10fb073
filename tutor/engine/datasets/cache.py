"""The tensor cache: each dataset's splits (uint8 pixels, labels, source positions)
and training statistics as one ``.pt`` file.

Parsing IDX files, CIFAR pickles or the shipped digits takes a while; loading a tensor file
does not. The cache lives at ``TUTOR_DATA_DIR/tutor-cache/NAME.pt``, is written
atomically, read with ``weights_only=True`` (a cache file can never run code), and a
damaged one is moved aside with a warning and rebuilt.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import torch

from tutor.engine.datasets.paths import cache_path
from tutor.engine.datasets.registry import DatasetInfo
from tutor.engine.datasets.splits import SPLIT_SEED, Prepared
from tutor.fsutil import atomic_write_bytes, move_aside

# Bump when the layout of the saved dict changes, so old files are rebuilt, not misread.
CACHE_FORMAT = 3


class DataWarning(UserWarning):
    """Something was repaired or skipped (a damaged cache, a read-only folder)."""


def read_cache(
    info: DatasetInfo,
    data_dir: Path,
    fingerprint: list[list[str | int]] | None,
    notes: list[str],
) -> Prepared | None:
    """The cached splits, or None when there is no usable cache.

    ``fingerprint`` describes the source now on disk (None when it is absent, so the
    cache is all there is). A cache made from other files is ignored and rebuilt; a
    damaged one is moved aside and a warning is added to ``notes``.
    """
    path = cache_path(info, data_dir)
    if not path.is_file():
        return None
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
        if not isinstance(saved, dict) or saved.get("format") != CACHE_FORMAT:
            raise ValueError("not a tutor dataset cache of this version")
        if saved.get("name") != info.name:
            raise ValueError(f"holds {saved.get('name')!r}, not {info.name!r}")
        prepared = Prepared(
            x=saved["x"],
            y=saved["y"],
            index=saved["index"],
            sizes=tuple(int(n) for n in saved["sizes"]),  # type: ignore[arg-type]
            origins=tuple(str(o) for o in saved["origins"]),  # type: ignore[arg-type]
            mean=tuple(float(v) for v in saved["mean"]),
            std=tuple(float(v) for v in saved["std"]),
        )
        prepared.check(info)
    except Exception as error:  # zip, pickle, key, shape errors: all mean "damaged"
        _set_aside(path, error, notes)
        return None
    if saved.get("seed") != SPLIT_SEED:
        return None  # split differently: rebuild
    if fingerprint is not None and saved.get("fingerprint") != fingerprint:
        return None  # the source files changed since: rebuild from them
    return prepared


def _set_aside(path: Path, error: Exception, notes: list[str]) -> None:
    try:
        moved = move_aside(path)
        where = f"moved it to {moved.name}"
    except OSError as move_error:
        where = f"could not move it aside ({move_error.strerror})"
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    message = f"the dataset cache {path} was damaged ({reason}); {where} and rebuilt it"
    notes.append(message)
    warnings.warn(message, DataWarning, stacklevel=3)


def write_cache(
    info: DatasetInfo,
    data_dir: Path,
    prepared: Prepared,
    fingerprint: list[list[str | int]] | None,
    notes: list[str],
) -> Path | None:
    """Save ``prepared`` atomically; a folder that cannot be written only costs speed."""
    path = cache_path(info, data_dir)
    saved = {
        "format": CACHE_FORMAT,
        "name": info.name,
        "seed": SPLIT_SEED,
        "fingerprint": fingerprint,
        "mean": list(prepared.mean),
        "std": list(prepared.std),
        "x": prepared.x.contiguous(),
        "y": prepared.y.contiguous(),
        "index": prepared.index.contiguous(),
        "sizes": list(prepared.sizes),
        "origins": list(prepared.origins),
    }
    buffer = io.BytesIO()
    torch.save(saved, buffer)
    try:
        # getbuffer(): a view, not a second copy of a file that can be 180 MB (CIFAR-10).
        atomic_write_bytes(path, buffer.getbuffer())  # type: ignore[arg-type]
    except OSError as error:
        message = (
            f"could not write the dataset cache {path} ({error.strerror}); "
            "the next load will read the original files again"
        )
        notes.append(message)
        warnings.warn(message, DataWarning, stacklevel=3)
        return None
    return path
