"""Where each dataset's files are: torchvision's folders under TUTOR_DATA_DIR, the
tensor cache, and the offline digits shipped with the package. Only the standard
library here (no torch)."""

from __future__ import annotations

import os
from pathlib import Path

from tutor.engine.datasets.registry import DatasetInfo

CACHE_FOLDER = "tutor-cache"


def cache_path(info: DatasetInfo, data_dir: Path) -> Path:
    """``TUTOR_DATA_DIR/tutor-cache/NAME.pt``."""
    return data_dir / CACHE_FOLDER / f"{info.name}.pt"


def raw_files_present(info: DatasetInfo, data_dir: Path) -> tuple[bool, list[Path]]:
    """(all of the files torchvision checks are there, the ones that are)."""
    folder = data_dir / (info.folder or "")
    found = [folder / f for f in info.files if (folder / f).is_file()]
    return len(found) == len(info.files), found


MNIST5K_FILE = Path(__file__).with_name("mnist5k.idx.xz")
"""The offline digits shipped inside the package (made by ``tools/make_mnist5k.py``)."""


def mnist5k_file() -> Path | None:
    """The shipped ``mnist5k.idx.xz``, or None when the installation lost it."""
    return MNIST5K_FILE if MNIST5K_FILE.is_file() else None


def file_fingerprint(paths: list[Path]) -> list[list[str | int]]:
    """Name, size and modification time of each file: enough to notice a replaced file."""
    out: list[list[str | int]] = []
    for path in sorted(paths):
        st = os.stat(path)
        out.append([path.name, int(st.st_size), int(st.st_mtime_ns)])
    return out
