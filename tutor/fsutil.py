"""The one way tutor opens files, atomic writes, and moving corrupt files aside.

Reading: every file tutor reads because someone named it (lessons and their includes,
model spec files, progress, settings, checkpoints, the learner's ``FILE.py``) is opened
by :func:`read_bytes` / :func:`read_text` / :func:`open_regular`:

* regular files only: a FIFO would block the reader for good, ``/dev/zero`` never ends,
  a folder is not a file; each is refused with its path and what it is;
* the size is checked *before* reading (``fstat`` of the opened file), and the read
  itself stops one byte past the limit, so a file that grows meanwhile is refused too;
* a symlink loop is reported as such, never as "not found" or a ``RuntimeError``.

Writing: atomic (temporary file, fsync, rename). No torch and no Textual here.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from tutor.errors import TutorError
from tutor.text import clean

#: Default size limit of a file read whole (lessons, specs, settings, progress).
MAX_READ_BYTES = 16_000_000


class FileRefused(TutorError):
    """A file tutor will not read: missing, a folder, a FIFO or device, a symlink loop,
    too large, or unreadable. ``reason`` is the message without the path."""

    def __init__(self, path: Path | str, reason: str, kind: str):
        self.path = Path(path)
        self.reason = reason
        self.kind = kind
        """``missing``, ``folder``, ``special``, ``loop``, ``too_large`` or ``unreadable``."""
        super().__init__(f"{clean(path)}: {reason}")


def _kind_of(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_regular(path: Path | str, limit: int | None = MAX_READ_BYTES) -> os.stat_result:
    """``path``'s status if it is a regular file within ``limit`` bytes; else FileRefused.

    Only ``stat`` is called: nothing is opened, so a FIFO cannot block here.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.lexists(path):
            raise FileRefused(
                path, "a symbolic link to nothing (its target is missing)", "missing"
            ) from None
        raise FileRefused(path, "no such file", "missing") from None
    except OSError as error:
        raise _os_refusal(path, error) from None
    except ValueError:  # a NUL inside the name
        raise FileRefused(path, "not a valid file name", "unreadable") from None
    return _checked(path, info, limit)


def _checked(path: Path | str, info: os.stat_result, limit: int | None) -> os.stat_result:
    if stat.S_ISDIR(info.st_mode):
        raise FileRefused(path, "a folder, not a file", "folder")
    if not stat.S_ISREG(info.st_mode):
        raise FileRefused(
            path, f"{_kind_of(info.st_mode)}, not a regular file; only files can be read", "special"
        )
    if limit is not None and info.st_size > limit:
        raise FileRefused(
            path,
            f"{info.st_size:,} bytes, larger than the {limit:,} bytes allowed here",
            "too_large",
        )
    return info


@contextlib.contextmanager
def open_regular(path: Path | str, limit: int | None = MAX_READ_BYTES) -> Iterator[BinaryIO]:
    """Open a regular file for reading, checked as :func:`check_regular` says.

    The file is opened without blocking (a FIFO swapped in after the check cannot hang
    the open) and checked again through its descriptor, so what is read is what was
    checked.
    """
    check_regular(path, limit)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        raise _os_refusal(path, error) from None
    try:
        _checked(path, os.fstat(fd), limit)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        yield handle


def read_bytes(path: Path | str, limit: int | None = MAX_READ_BYTES) -> bytes:
    """The whole of a regular file, at most ``limit`` bytes (see the module)."""
    with open_regular(path, limit) as handle:
        data = handle.read() if limit is None else handle.read(limit + 1)
    if limit is not None and len(data) > limit:
        raise FileRefused(path, f"larger than the {limit:,} bytes allowed here", "too_large")
    return data


def read_text(path: Path | str, limit: int | None = MAX_READ_BYTES) -> str:
    """:func:`read_bytes` decoded as UTF-8 (a byte-order mark is dropped).

    Raises:
        FileRefused: as :func:`read_bytes`.
        UnicodeDecodeError: the bytes are not UTF-8.
    """
    return read_bytes(path, limit).decode("utf-8-sig")


def resolved(path: Path | str) -> Path:
    """``path`` made absolute with its links followed; a symlink loop or an unreadable
    link leaves it absolute but unresolved instead of raising (``RuntimeError: Symlink
    loop`` on Python 3.11, ``OSError`` on later versions)."""
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    The bytes go to a temporary file in the same folder, are flushed and fsynced, and
    the temporary file is renamed over ``path``. If anything fails before the rename,
    the old file is untouched and the temporary file is removed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    # Make the rename itself durable where the platform allows opening a directory.
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def atomic_write_text(path: Path, text: str) -> None:
    """UTF-8 text version of :func:`atomic_write_bytes`."""
    atomic_write_bytes(path, text.encode("utf-8"))


def move_aside(path: Path) -> Path:
    """Rename a corrupt file to ``NAME.corrupt-YYYYmmdd-HHMMSS`` and return the new path.

    The file is kept, never deleted, so nothing the user made is lost.
    """
    path = Path(path)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    os.replace(path, target)
    return target


def _os_refusal(path: Path, error: OSError) -> FileRefused:
    """The refusal for an OS error met while opening or inspecting ``path``."""
    if error.errno == errno.ELOOP:
        return FileRefused(path, "a symbolic link loop (the link points back to itself)", "loop")
    return FileRefused(path, f"cannot be read: {error.strerror or error}", "unreadable")
