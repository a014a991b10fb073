"""What is on disk for each dataset, and what would be used offline. No torch here,
so ``tutor data`` answers at once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tutor.engine.datasets.paths import cache_path, mnist5k_file, raw_files_present
from tutor.engine.datasets.registry import REGISTRY, DatasetInfo, dataset_info


@dataclass(frozen=True)
class DatasetStatus:
    """One row of ``tutor data``."""

    info: DatasetInfo
    files_present: bool
    """torchvision's files (or the shipped digits file) are all there."""
    files_folder: Path | None
    """Where those files are or would go; None for generated and built-in sets."""
    files_bytes: int
    cache_file: Path | None
    """The tensor cache, when one exists."""
    cache_bytes: int
    offline_uses: str
    """The registry name that loading with TUTOR_OFFLINE=1 would give."""

    @property
    def ready_offline(self) -> bool:
        return self.offline_uses == self.info.name

    @property
    def bytes_on_disk(self) -> int:
        return self.files_bytes + self.cache_bytes


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def dataset_status(name: str, data_dir: Path) -> DatasetStatus:
    """Look at ``data_dir`` (and the shipped digits) for ``name``'s files and cache."""
    info = dataset_info(name)
    base = dataset_info(info.base)
    cache = cache_path(info, data_dir)
    cache_file = cache if cache.is_file() else None
    cache_bytes = _size(cache) if cache_file else 0
    if info.origin == "torchvision":
        folder = data_dir / (base.folder or "")
        present, found = raw_files_present(base, data_dir)
        # cifar2 can also be cut from a cached cifar10 when the files are gone.
        usable = present or cache_file is not None or cache_path(base, data_dir).is_file()
        return DatasetStatus(
            info=info,
            files_present=present,
            files_folder=folder,
            files_bytes=sum(_size(p) for p in found),
            cache_file=cache_file,
            cache_bytes=cache_bytes,
            offline_uses=info.name if usable else info.fallback or "",
        )
    if info.origin == "bundled":
        shipped = mnist5k_file()
        return DatasetStatus(
            info=info,
            files_present=shipped is not None,
            files_folder=shipped,
            files_bytes=_size(shipped) if shipped else 0,
            cache_file=cache_file,
            cache_bytes=cache_bytes,
            offline_uses=info.name if shipped is not None or cache_file else "",
        )
    return DatasetStatus(
        info=info,
        files_present=True,
        files_folder=None,
        files_bytes=0,
        cache_file=cache_file,
        cache_bytes=cache_bytes,
        offline_uses=info.name,
    )


def all_status(data_dir: Path) -> list[DatasetStatus]:
    """:func:`dataset_status` for every registry entry, in registry order."""
    return [dataset_status(name, data_dir) for name in REGISTRY]
