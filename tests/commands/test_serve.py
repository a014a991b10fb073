"""`tutor serve`: its options, what it says when it starts, and the refusals."""

from __future__ import annotations

import shlex
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tutor.cli import main
from tutor.commands import serve
from tutor.commands.serve import (
    IDLE_LEARNER_MB,
    RESERVED_MB,
    SHARED_MB,
    TRAINING_LEARNER_MB,
    app_command,
    capacity,
    is_loopback,
    startup_lines,
)


def test_help_names_the_options_and_the_loopback_default():
    out = subprocess.run(
        [sys.executable, "-m", "tutor", "serve", "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0
    for option in ("--host", "--port", "--public-url", "--lessons"):
        assert option in out.stdout
    assert "127.0.0.1" in out.stdout and "default 8000" in out.stdout
    assert "TUTOR_HOME/learners/NAME/" in out.stdout


@pytest.mark.parametrize("port", ["0", "70000", "http"])
def test_bad_port_is_a_usage_error(port: str, capsys):
    with pytest.raises(SystemExit) as info:
        main(["serve", "--port", port])
    assert info.value.code == 2
    assert "--port" in capsys.readouterr().err


def test_port_in_use_is_an_error_without_traceback(capsys, monkeypatch):
    monkeypatch.delenv("TUTOR_SERVED", raising=False)  # restored after the test either way
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tutor: error: cannot listen on 127.0.0.1:") and "Traceback" not in err
    import os

    assert "TUTOR_SERVED" not in os.environ  # nothing changed before the refusal


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
    ],
)
def test_is_loopback(host: str, loopback: bool):
    assert is_loopback(host) is loopback


def test_startup_lines_on_loopback_give_the_url_and_the_capacity():
    available = 16 * 1024
    lines = startup_lines("127.0.0.1", "http://127.0.0.1:8000", available)
    text = "\n".join(lines)
    assert lines[0].startswith("tutor serve: open http://127.0.0.1:8000 ")
    assert "warning" not in text
    idle = (available - RESERVED_MB - SHARED_MB) // IDLE_LEARNER_MB
    training = (available - RESERVED_MB - SHARED_MB) // TRAINING_LEARNER_MB
    assert capacity(available).idle == idle and capacity(available).training == training
    assert f"about {idle} learners" in text and f"or {training} all training" in text
    assert f"{IDLE_LEARNER_MB} MB each" in text and f"{TRAINING_LEARNER_MB} MB each" in text


def test_startup_lines_warn_on_an_open_address_and_without_memory_figures():
    text = "\n".join(startup_lines("0.0.0.0", "http://host:8000", None))
    assert "warning: listening on 0.0.0.0" in text and "no password" in text
    assert "capacity: unknown" in text


def test_capacity_never_negative():
    assert capacity(100) == serve.Capacity(100, 0, 0)


def test_app_command_runs_this_python_and_quotes_folders(tmp_path: Path):
    folder = tmp_path / "class lessons"
    command = app_command([folder])
    assert shlex.split(command) == [sys.executable, "-m", "tutor", "open", "--lessons", str(folder)]


def test_available_memory_is_read(monkeypatch):
    value = serve.available_memory_mb()
    assert value is None or value > 0
