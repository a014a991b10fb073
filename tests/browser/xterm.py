"""Driving ``tutor serve`` from headless Chromium with Playwright, for tests/browser and
bench/serve_memory.py.

Playwright's own browser download cannot work offline, so the distribution's Chromium
(``apt-get install chromium``) is launched through ``executable_path``. What is on the
terminal is read from xterm.js's buffer inside the page: the renderer draws on a canvas,
so there is no text in the page's DOM to look for.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# textual.js keeps its xterm Terminal in a closure. Every xterm Terminal assigns
# ``this._core`` in its constructor; a setter on Object.prototype (installed before any
# page script runs) sees that assignment, keeps the object, and then gives it an
# ordinary own property, so xterm behaves exactly as before.
CAPTURE_TERMINAL = """
(() => {
  window.__tutorTerminals = [];
  Object.defineProperty(Object.prototype, "_core", {
    configurable: true,
    get() { return undefined; },
    set(value) {
      Object.defineProperty(this, "_core", {
        value, writable: true, configurable: true, enumerable: true,
      });
      window.__tutorTerminals.push(this);
    },
  });
})();
"""

READ_SCREEN = """
() => {
  const term = (window.__tutorTerminals || []).find(
    (t) => t && t.rows && t.buffer && t.buffer.active && t.buffer.active.getLine
  );
  if (!term) return null;
  const buffer = term.buffer.active;
  const rows = [];
  for (let y = 0; y < term.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
}
"""


def chromium_path() -> str | None:
    """The distribution's Chromium, if there is one on PATH."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def missing_browser() -> str | None:
    """Why a browser test cannot run here, or None when it can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install playwright)"
    if chromium_path() is None:
        return "no Chromium on PATH (apt-get install chromium)"
    return None


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen[Any], timeout: float = 30) -> None:
    """Until the server accepts connections (or exits, or the time is up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tutor serve exited with {process.returncode}")
        with socket.socket() as probe:
            probe.settimeout(0.2)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)  # polling interval, not a wait for an outcome
    raise TimeoutError(f"tutor serve did not listen on port {port} within {timeout} s")


@contextlib.contextmanager
def serve(
    home: Path,
    data: Path,
    *,
    args: tuple[str, ...] = (),
    extra_env: dict[str, str] | None = None,
) -> Iterator[Any]:
    """``tutor serve`` on a free loopback port, offline, with its own TUTOR_HOME.

    Yields an object with ``url``, ``port``, ``process`` and ``output`` (the server's
    log file). The server and every app process it started are stopped afterwards.
    """
    port = free_port()
    log = home / "serve.log"
    home.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "TUTOR_HOME": str(home),
        "TUTOR_DATA_DIR": str(data),
        "TUTOR_OFFLINE": "1",
        "TUTOR_LANG": "en",
        **(extra_env or {}),
    }
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tutor", "serve", "--port", str(port), *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # one group: the app processes end with the server
        )
    try:
        wait_for_port(port, process)
        yield _Served(f"http://127.0.0.1:{port}/", port, process, log)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, 15)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, 9)
            process.wait()


class _Served:
    def __init__(self, url: str, port: int, process: subprocess.Popen[Any], log: Path):
        self.url, self.port, self.process, self.log = url, port, process, log

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")


def screen(page: Any) -> str:
    """The terminal's visible text, one line per row ('' before the terminal exists)."""
    return page.evaluate(READ_SCREEN) or ""


def wait_for_text(page: Any, *texts: str, timeout: float = 30) -> str:
    """Wait until every one of ``texts`` is on the terminal; return the screen."""
    condition = (
        "(wanted) => { const text = (" + READ_SCREEN + ")();"
        " return !!text && wanted.every((w) => text.includes(w)); }"
    )
    try:
        page.wait_for_function(condition, arg=list(texts), timeout=timeout * 1000, polling=100)
    except Exception as error:
        raise AssertionError(f"{texts} not on screen:\n{screen(page)}") from error
    return screen(page)


def open_page(browser: Any, url: str, size: tuple[int, int] = (1100, 700)) -> Any:
    """A fresh page (its own context: no shared storage) with the terminal capture."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.add_init_script(CAPTURE_TERMINAL)
    page.goto(url)
    return page


def launch(playwright: Any) -> Any:
    """Headless Chromium from the distribution."""
    return playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=["--no-sandbox"]
    )


BACKGROUND_AT = """
([x, y]) => {
  const term = (window.__tutorTerminals || []).find((t) => t && t.rows && t.buffer);
  if (!term) return null;
  const line = term.buffer.active.getLine(term.buffer.active.viewportY + y);
  const cell = line && line.getCell(x);
  if (!cell || !cell.isBgRGB()) return null;
  const c = cell.getBgColor();
  return [(c >> 16) & 255, (c >> 8) & 255, c & 255];
}
"""


def background_at(page: Any, x: int, y: int) -> tuple[int, int, int] | None:
    """The background colour of one terminal cell (truecolor), or None."""
    value = page.evaluate(BACKGROUND_AT, [x, y])
    return tuple(value) if value else None


def wait_for_light_background(page: Any, x: int, y: int, timeout: float = 15) -> None:
    """Until the cell at (x, y) has a light background (a light theme is on)."""
    condition = (
        "(xy) => { const c = (" + BACKGROUND_AT + ")(xy);"
        " return !!c && c[0] + c[1] + c[2] > 3 * 160; }"
    )
    try:
        page.wait_for_function(condition, arg=[x, y], timeout=timeout * 1000, polling=100)
    except Exception as error:
        raise AssertionError(
            f"no light background at {x},{y}: {background_at(page, x, y)}"
        ) from error
