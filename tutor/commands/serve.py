"""``tutor serve``: the app in browsers, one app process per tab, through textual-serve.

Every tab runs ``python -m tutor open`` (this same Python) with ``TUTOR_SERVED=1``, so
the app asks the learner's name first and keeps their progress and checkpoints in
``TUTOR_HOME/learners/NAME/`` (see :mod:`tutor.learners`). The page is tutor's own
template (``serve_page/app_index.html``): it uses a font file served from this machine
and focuses the terminal on load.

textual-serve has no authentication: anyone who can reach the port gets an app, so the
server binds to loopback unless ``--host`` says otherwise, and says so when it does not.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import shlex
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tutor.errors import TutorError

PAGE_FOLDER = Path(__file__).with_name("serve_page")

# Memory of one served learner's app process, measured by bench/serve_memory.py on
# 2026-12-01 (2-core x86-64 Linux VM, 23 GB, Python 3.11, torch 2.14.1 with CUDA libraries
# on a machine without a GPU, textual 8.2.8, textual-serve 1.1.3): memory only that
# process has (USS), idle at the lesson list and at its peak while training lesson 05's
# MLP on a 60,000-image set; PyTorch's libraries are shared by all learners and counted
# once. Update these with the bench's figures after changes that move them.
IDLE_LEARNER_MB = 320
TRAINING_LEARNER_MB = 760
SHARED_MB = 260
"""Resident memory all learners' processes share (RSS - USS): paid once."""
RESERVED_MB = 512
"""Left for the server itself and the system when counting learners."""


class ServeError(TutorError):
    """The server cannot start: textual-serve missing, the port taken, a bad address."""


def add_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "serve",
        parents=parents,
        help="serve the app to browsers (a class)",
        description="Serve the app to web browsers with textual-serve: each browser tab gets "
        "its own app, asks the learner's name, and keeps their progress and checkpoints in "
        "TUTOR_HOME/learners/NAME/. Binds to this machine only (127.0.0.1) unless --host "
        "says otherwise; there is no password, so only open it to a network you trust.",
        epilog="Prints the address to open and how many learners this machine can hold "
        "(available memory / measured memory per learner). Lessons in TUTOR_HOME/lessons "
        "and in --lessons folders are listed for every learner. Ctrl+C stops the server.",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0: everyone)",
    )
    p.add_argument("--port", type=_port, default=8000, help="TCP port (default 8000)")
    p.add_argument(
        "--public-url",
        metavar="URL",
        help="the address learners open, when it differs from http://HOST:PORT "
        "(behind a proxy, or a host name)",
    )
    p.add_argument(
        "--lessons",
        action="append",
        default=[],
        metavar="DIR",
        help="also list the lessons in DIR for every learner (may be repeated)",
    )
    p.set_defaults(run=run)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is outside 1..65535")
    return port


# ---------------------------------------------------------------------------------------
# What the server says when it starts


def is_loopback(host: str) -> bool:
    """True when ``host`` only reaches this machine (127.0.0.0/8, ::1, ``localhost``)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(i[4][0]).is_loopback for i in infos)


def available_memory_mb() -> int | None:
    """Memory the system can give new processes (``MemAvailable``), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) // 1024  # kB -> MB
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2**20
    except (ValueError, OSError, AttributeError):
        return None


@dataclass(frozen=True)
class Capacity:
    """How many learners fit in the memory there is."""

    available_mb: int
    idle: int
    training: int


def capacity(available_mb: int) -> Capacity:
    """Learners that fit when all are idle, and when all train at once."""
    usable = max(0, available_mb - RESERVED_MB - SHARED_MB)
    return Capacity(available_mb, usable // IDLE_LEARNER_MB, usable // TRAINING_LEARNER_MB)


def startup_lines(host: str, url: str, available_mb: int | None) -> list[str]:
    """The lines ``tutor serve`` prints before serving."""
    lines = [f"tutor serve: open {url} in a browser (Ctrl+C stops the server)"]
    if not is_loopback(host):
        lines.append(
            f"warning: listening on {host}, so anyone who can reach this machine's port can "
            "use the app: there is no password. Use --host 127.0.0.1 unless this network is "
            "your classroom's."
        )
    if available_mb is None:
        lines.append(
            f"capacity: unknown (cannot read the available memory); each learner needs about "
            f"{IDLE_LEARNER_MB} MB idle and {TRAINING_LEARNER_MB} MB while training, plus "
            f"{SHARED_MB} MB shared by all"
        )
    else:
        cap = capacity(available_mb)
        lines.append(
            f"capacity: {available_mb / 1024:.1f} GB available holds about {cap.idle} learners "
            f"at once ({IDLE_LEARNER_MB} MB each, idle), or {cap.training} all training "
            f"({TRAINING_LEARNER_MB} MB each), plus {SHARED_MB} MB shared by all"
        )
    cores = os.cpu_count() or 1
    lines.append(
        f"cores: {cores}; a training learner keeps up to {max(1, cores - 1)} busy, so "
        "training in many tabs at once shares them"
    )
    return lines


# ---------------------------------------------------------------------------------------
# Serving


def app_command(lesson_dirs: list[Path]) -> str:
    """The shell command each tab's process runs: this Python, this tutor, the lessons."""
    parts = [sys.executable, "-m", "tutor", "open"]
    for folder in lesson_dirs:
        parts += ["--lessons", str(folder)]
    return " ".join(shlex.quote(p) for p in parts)


def run(args: argparse.Namespace) -> int:
    try:
        from textual_serve.server import Server
    except ImportError:
        raise ServeError("tutor serve needs textual-serve: pip install textual-serve") from None
    from tutor.config import tutor_home

    home = tutor_home().resolve()
    lesson_dirs = [home / "lessons", *(Path(d).expanduser().resolve() for d in args.lessons)]
    url = args.public_url or f"http://{_url_host(args.host)}:{args.port}"
    _check_port(args.host, args.port)
    # The tabs' processes inherit this environment: they all start from the class's
    # home (each moves to its learner's folder) and ask for a name first.
    os.environ["TUTOR_HOME"] = str(home)
    os.environ["TUTOR_SERVED"] = "1"

    class TutorServer(Server):  # textual-serve's logo and log lines replaced by ours
        async def on_startup(self, app: Any) -> None:
            for line in startup_lines(args.host, url, available_memory_mb()):
                print(line, flush=True)

    server = TutorServer(
        app_command(lesson_dirs),
        host=args.host,
        port=args.port,
        title="tutor",
        public_url=url,
        templates_path=PAGE_FOLDER,
    )
    try:
        server.serve()
    except OSError as error:
        raise ServeError(f"cannot serve on {args.host}:{args.port}: {error}") from None
    return 0


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        return socket.gethostname()
    return f"[{host}]" if ":" in host else host


def _check_port(host: str, port: int) -> None:
    """Fail early, and clearly, when the address cannot be bound."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as error:
        raise ServeError(f"cannot listen on {host!r}: {error.strerror or error}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            raise ServeError(
                f"cannot listen on {host}:{port}: {error.strerror or error}"
                + (" (choose another with --port)" if error.errno == 98 else "")
            ) from None
