"""``tutor [LESSON]``: open the app at the lesson list or at one lesson."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "open",
        parents=parents,
        help="open the app (the default command)",
        description="Open the lesson list, or a lesson by id (04-fashion-mlp) or by path.",
    )
    p.add_argument("lesson", nargs="?", help="lesson id or path to a lesson YAML file")
    p.add_argument(
        "--lessons",
        action="append",
        default=[],
        metavar="DIR",
        help="also list the lessons in DIR (may be repeated)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tutor.ui.run import run_app

    return run_app(lesson=args.lesson, lesson_dirs=args.lessons)
