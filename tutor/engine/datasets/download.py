"""Downloading a real dataset through torchvision, safely and with progress.

torchvision's classes download straight into their folder, so a download cut short
(Ctrl-C, a dropped connection, a killed process) leaves a half-written file with the
name torchvision checks for. Here torchvision downloads into a temporary folder inside
TUTOR_DATA_DIR instead, and only the complete, verified files are moved into place with
``os.replace`` (atomic on one file system). The temporary folder is removed afterwards,
even on Ctrl-C.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tarfile
import tempfile
import threading
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from tutor.engine.datasets.paths import raw_files_present
from tutor.engine.datasets.registry import DataError, DatasetInfo, dataset_info

Progress = Callable[[int, int], None]
"""Called with (bytes done, bytes in the file); the total is 0 when the server does not say."""

TEMP_PREFIX = ".tutor-download-"
_CHUNK = 1 << 16
# torchvision looks its download helpers up as module globals at call time; the patch
# below is process-wide, so one download at a time.
_PATCH_LOCK = threading.Lock()


def _download_file(url: str, path: str, progress: Progress) -> None:
    """What torchvision's ``_urlretrieve`` does, reporting progress as it goes."""
    request = urllib.request.Request(url, headers={"User-Agent": "pytorch/vision"})
    with urllib.request.urlopen(request, timeout=60) as response, open(path, "wb") as out:
        total = int(response.length or 0)
        done = 0
        progress(done, total)
        while chunk := response.read(_CHUNK):
            out.write(chunk)
            done += len(chunk)
            progress(done, total)


@contextlib.contextmanager
def _torchvision_hooks(
    progress: Progress | None, on_file: Callable[[str], None] | None
) -> Iterator[None]:
    """Route torchvision's downloads through :func:`_download_file` for progress."""
    import torchvision.datasets.utils as tv_utils

    def retrieve(url: str, filename: str | os.PathLike[str], chunk_size: int = _CHUNK) -> None:
        if on_file is not None:
            on_file(os.path.basename(os.fspath(filename)))
        # Looked up at call time so tests can simulate a failing network.
        _download_file(url, os.fspath(filename), progress or (lambda done, total: None))

    def no_redirect_probe(url: str, max_hops: int = 3) -> str:
        # torchvision sends a HEAD request first only to spot Google Drive links; urllib
        # follows redirects by itself, and none of these sets lives on Google Drive.
        return url

    with _PATCH_LOCK:
        saved = (tv_utils._urlretrieve, tv_utils._get_redirect_url)
        tv_utils._urlretrieve = retrieve  # type: ignore[assignment]
        tv_utils._get_redirect_url = no_redirect_probe  # type: ignore[assignment]
        try:
            yield
        finally:
            tv_utils._urlretrieve, tv_utils._get_redirect_url = saved


def _move_into_place(info: DatasetInfo, temp_root: Path, data_dir: Path) -> Path:
    """Move the verified files from the temporary root to ``data_dir``, one atomic rename
    each: whatever happens, every file with a name torchvision checks is complete."""
    source = temp_root / (info.folder or "")
    target = data_dir / (info.folder or "")
    target.mkdir(parents=True, exist_ok=True)
    for name in info.files:
        os.replace(source / name, target / name)
    return target


def fetch_dataset(
    name: str,
    data_dir: Path,
    *,
    offline: bool,
    progress: Progress | None = None,
    on_file: Callable[[str], None] | None = None,
) -> Path:
    """Download ``name``'s files into ``data_dir`` unless they are there; return the folder.

    Raises :class:`DataError` when offline, when the set is not a download, or when the
    download fails (nothing is left behind that looks complete).
    """
    info = dataset_info(name)
    if not info.downloadable:
        raise DataError(f"{info.name} is not downloaded: it comes with tutor")
    base = dataset_info(info.base)
    present, _ = raw_files_present(base, data_dir)
    if present:
        return data_dir / (base.folder or "")
    if offline:
        raise DataError(
            f"TUTOR_OFFLINE=1 is set, so tutor will not download {base.title}. "
            "Run again with TUTOR_OFFLINE unset while online, or copy the files to "
            f"{data_dir / (base.folder or '')}."
        )
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        temp_root = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{base.name}-", dir=data_dir))
    except OSError as error:
        raise DataError(
            f"cannot write to the data folder {data_dir}: "
            f"{error.strerror or error}. Set TUTOR_DATA_DIR to a folder you "
            "can write to."
        ) from None
    import torchvision.datasets

    cls = getattr(torchvision.datasets, base.torchvision_class or "")
    try:
        try:
            with _torchvision_hooks(progress, on_file):
                # The class downloads, checks the MD5 sums and unpacks; reading the test
                # split back proves the files are whole before any of them is moved.
                cls(root=str(temp_root), train=True, download=True)
                cls(root=str(temp_root), train=False, download=False)
        except (OSError, RuntimeError, ValueError, EOFError, tarfile.TarError) as error:
            reason = " ".join(str(error).split()) or type(error).__name__
            raise DataError(
                f"could not download {base.title}: {reason[:300]}. Nothing was written to "
                f"{data_dir / (base.folder or '')}. Check the network connection and try "
                f"`tutor data fetch {info.name}` again."
            ) from None
        try:
            return _move_into_place(base, temp_root, data_dir)
        except OSError as error:
            raise DataError(
                f"could not move the downloaded {base.title} files into "
                f"{data_dir / (base.folder or '')}: {error.strerror or error}"
            ) from None
    finally:
        # Also on Ctrl-C: nothing half-downloaded stays behind.
        shutil.rmtree(temp_root, ignore_errors=True)
