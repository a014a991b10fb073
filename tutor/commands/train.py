"""``tutor train``: placeholder until its issue lands."""

from __future__ import annotations

import argparse
from typing import Any

from tutor.errors import TutorError


def add_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("train", parents=parents, help="(not built yet)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    raise TutorError("tutor train is not built yet")
