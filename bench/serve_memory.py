"""Memory per served learner (DESIGN.md, "Served"): `tutor serve` driven from headless
Chromium, the resident memory of each learner's app process idle and while training,
and the capacity that implies on this machine.

It starts `tutor serve` on a loopback port (offline, a temporary TUTOR_HOME) and opens
two browser tabs as two learners. Each tab is its own app process; figures are read from
/proc for those processes:

- RSS: resident memory, shared library pages counted in full for every process;
- PSS: the process's share (a page shared by two processes counts half to each), the
  fair per-learner figure once several learners run (it falls further with more);
- USS: memory only this process has: what one more learner adds at least.

Learner 1 then opens lesson 05's training step and trains it (the 784-200-100-10 MLP)
on a FashionMNIST-sized set, 60,000 + 10,000 images written in the real raw format by
tiling the shipped digits, as bench/memory.py does; the peak is sampled while it runs.

    .venv/bin/python bench/serve_memory.py [--timeout 180]

Needs Playwright and the distribution's Chromium (apt-get install chromium).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

CLASS_LESSON = """\
id: class-check
title: Class lesson
models:
  m:
    input: [4]
    layers: [{Linear: {in_features: 5, out_features: 2}}]
steps: [{kind: dissect, model: m}]
"""
"""Marked "has errors" once the list has checked every lesson: the list is then idle."""


def memory(pid: int) -> dict[str, int]:
    """RSS, PSS, USS and the RSS peak (VmHWM) of one process, in MB."""
    out = {"rss": 0, "pss": 0, "uss": 0, "hwm": 0}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("Rss", "Pss"):
            out[key.lower()] = int(rest.split()[0]) // 1024
        elif key in ("Private_Clean", "Private_Dirty"):
            out["uss"] += int(rest.split()[0]) // 1024
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            out["hwm"] = int(line.split()[1]) // 1024
    return out


def app_processes(server_pid: int) -> list[int]:
    """The `tutor open` processes below the server, oldest first."""
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    started: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        pid = int(entry.name)
        parents[pid], started[pid], commands[pid] = int(fields[1]), int(fields[19]), cmdline

    def below_server(pid: int) -> bool:
        while pid > 1:
            pid = parents.get(pid, 0)
            if pid == server_pid:
                return True
        return False

    apps = [
        pid
        for pid, cmd in commands.items()
        if "-m tutor open" in cmd and not cmd.startswith("/bin/sh") and below_server(pid)
    ]
    return sorted(apps, key=lambda pid: started[pid])


def settled(pid: int, seconds: float = 3.0, timeout: float = 30.0) -> dict[str, int]:
    """Memory once RSS has stopped moving (less than 2 MB over ``seconds``)."""
    deadline = time.monotonic() + timeout
    last = memory(pid)
    while time.monotonic() < deadline:
        time.sleep(seconds)
        now = memory(pid)
        if abs(now["rss"] - last["rss"]) < 2:
            return now
        last = now
    return last


def new_app(server_pid: int, known: list[int], timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fresh = [pid for pid in app_processes(server_pid) if pid not in known]
        if fresh:
            return fresh[0]
        time.sleep(0.1)
    raise TimeoutError("no app process for the new tab")


def fmt(m: dict[str, int]) -> str:
    return f"RSS {m['rss']:4d} MB · PSS {m['pss']:4d} MB · USS {m['uss']:4d} MB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=180, help="longest training wait (s)")
    args = parser.parse_args()

    from tests.browser.xterm import (
        launch,
        missing_browser,
        open_page,
        screen,
        serve,
        wait_for_text,
    )

    why = missing_browser()
    if why:
        print(f"cannot run: {why}")
        return 1
    from playwright.sync_api import sync_playwright

    from tutor.commands.serve import (
        IDLE_LEARNER_MB,
        RESERVED_MB,
        SHARED_MB,
        TRAINING_LEARNER_MB,
        available_memory_mb,
    )

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ.update(TUTOR_DATA_DIR=str(root / "data"), TUTOR_OFFLINE="1")
        from memory import write_sixty_thousand

        write_sixty_thousand(root / "data")
        extra = root / "class-lessons"
        extra.mkdir()
        (extra / "class-check.yaml").write_text(CLASS_LESSON)
        print(
            f"machine: {platform.machine()} {platform.system()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}"
        )
        with (
            serve(root / "home", root / "data", args=("--lessons", str(extra))) as served,
            sync_playwright() as playwright,
        ):
            browser = launch(playwright)
            pages, pids = [], []
            for n in (1, 2):
                page = open_page(browser, served.url)
                pid = new_app(served.process.pid, pids)
                wait_for_text(page, "Who is learning?")
                page.keyboard.type(f"learner-{n}")
                page.keyboard.press("Enter")
                wait_for_text(page, "Class lesson", "has errors", timeout=60)
                pages.append(page)
                pids.append(pid)
                if n == 1:
                    idle_alone = settled(pid)
                    print(f"idle learner, alone:        {fmt(idle_alone)}")
            idle_two = [settled(pid) for pid in pids]
            for n, m in enumerate(idle_two, 1):
                print(f"idle learner {n} of two:     {fmt(m)}")

            page, pid = pages[0], pids[0]
            page.keyboard.press("Control+p")
            wait_for_text(page, "Search for commands")
            page.keyboard.type("FashionMNIST MLP")
            wait_for_text(page, "Open lesson: The FashionMNIST MLP")
            page.keyboard.press("Enter")
            wait_for_text(page, "step 1/", timeout=60)
            page.keyboard.press("Control+p")
            wait_for_text(page, "Search for commands")
            page.keyboard.type("Training it")
            wait_for_text(page, "Go to step 7: Training it")
            page.keyboard.press("Enter")
            wait_for_text(page, "Press s to start training", timeout=60)
            before = memory(pid)
            page.keyboard.press("s")
            wait_for_text(page, "samples/s", timeout=120)
            peak = dict(before)
            deadline = time.monotonic() + args.timeout
            state = "timed out"
            while time.monotonic() < deadline:
                now = memory(pid)
                peak = {k: max(peak[k], now[k]) for k in peak}
                text = screen(page)
                if any(word in text for word in ("finished", "diverged", "stopped")):
                    state = "finished"
                    break
                time.sleep(0.25)
            header = screen(page).splitlines()[0]
            data = header.split("data:")[-1].strip() if "data:" in header else "?"
            print(f"at the train step:          {fmt(before)}")
            print(
                f"training learner, peak:     RSS {peak['hwm']:4d} MB · PSS {peak['pss']:4d} MB · "
                f"USS {peak['uss']:4d} MB  ({state}; data: {data}, 60,000 training images)"
            )
            other = memory(pids[1])
            print(f"the other learner, idle:    {fmt(other)}")
            browser.close()

    idle_mb = max(m["uss"] for m in idle_two)
    training_mb = peak["uss"]
    shared_mb = max(m["rss"] - m["uss"] for m in idle_two)
    available = available_memory_mb()
    print()
    print(
        f"per learner (USS): idle {idle_mb} MB, training {training_mb} MB; shared by all "
        f"(RSS - USS: PyTorch's libraries) {shared_mb} MB once"
    )
    print(
        f"tutor serve assumes: idle {IDLE_LEARNER_MB} MB, training {TRAINING_LEARNER_MB} MB, "
        f"shared {SHARED_MB} MB"
    )
    if available is not None:
        usable = max(0, available - RESERVED_MB - shared_mb)
        print(
            f"capacity here: {available / 1024:.1f} GB available holds about "
            f"{usable // idle_mb} idle learners or {usable // training_mb} training at once"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
