"""``tutor code LESSON [STEP]``: the plain PyTorch code of a lesson, or of one step.

The same code the ``c`` key shows, as one runnable script: it loads the data the way
the lesson does (under ``./data``, torchvision's ``root=`` layout, ``download=True``),
builds the models, and trains them with the lesson's settings.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tutor.errors import TutorError


def add_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "code",
        parents=parents,
        help="print a lesson's plain PyTorch code as one script",
        description="Print the plain PyTorch code behind a lesson (every step, in order) "
        "or behind one of its steps: the code the c key shows in the app, as one script "
        "that runs in a notebook or with python, with the data under ./data.",
    )
    p.add_argument("lesson", metavar="LESSON", help="a lesson id (05-fashion-mlp) or file")
    p.add_argument(
        "step",
        nargs="?",
        metavar="STEP",
        help="a step id or number (1 is the first); all if left out",
    )
    p.add_argument(
        "--lessons", action="append", default=[], metavar="DIR", help="more lesson folders"
    )
    p.set_defaults(run=run)


def _step_index(lesson: Any, wanted: str) -> int:
    ids = [step.id for step in lesson.steps]
    if wanted in ids:
        return ids.index(wanted)
    if wanted.isdigit() and 1 <= int(wanted) <= len(lesson.steps):
        return int(wanted) - 1
    from tutor.text import suggest

    named = [i for i in ids if i]
    raise TutorError(
        f"lesson '{lesson.id}' has no step '{wanted}'{suggest(wanted, named)}: give a number "
        f"from 1 to {len(lesson.steps)}" + (f" or an id: {', '.join(named)}" if named else "")
    )


def run(args: argparse.Namespace) -> int:
    from tutor.config import language
    from tutor.course.catalog import find_lesson
    from tutor.course.lesson import load_lesson
    from tutor.course.steps import lesson_code, step_code

    path = find_lesson(args.lesson, [Path(d) for d in args.lessons])
    if path is None:
        raise TutorError(
            f"no lesson '{args.lesson}': give a lesson id such as 05-fashion-mlp or a file"
        )
    lesson_file = load_lesson(path)
    if not lesson_file.ok or lesson_file.lesson is None:
        raise TutorError(
            f"{path} has errors; `tutor validate {path}` lists them",
        )
    if args.step is None:
        code = lesson_code(lesson_file, language())
        what = f"lesson '{lesson_file.id}' has no step with code of its own"
    else:
        index = _step_index(lesson_file.lesson, args.step)
        code = step_code(lesson_file, index)
        what = f"step {index + 1} ({lesson_file.lesson.steps[index].kind}) has no code of its own"
    if code is None:
        raise TutorError(what)
    sys.stdout.write(code)
    return 0
