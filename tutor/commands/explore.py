"""``tutor explore FILE.py:NAME``: open the app on a lesson made for the learner's own model.

The learner's file is imported and NAME built and run once here, on the command line,
before the app starts: an error in their code is printed with their file and line, and
the command exits 1 without opening anything.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import textwrap
from typing import Any

from tutor.errors import UsageError

EPILOG = """\
FILE.py:NAME
  NAME is an nn.Module subclass (built with --args as keyword arguments), a function
  returning a module, or a module built in the file (model = Net()). This imports and
  runs your Python file (top-level code too; code under `if __name__ == "__main__":`
  does not run). Only the command line can do this: a lesson never runs Python.

The input (one sample, without the batch)
  --input 1,28,28, else the model's input_shape attribute, else its example_input
  (one tensor, batch first).

The data, unless --dataset names one
  (1, 28, 28) -> fashion-mnist    (3, 32, 32) -> cifar10    (2,) -> circle
  Any other input: the lesson shows the layers and the code.

Examples
  tutor explore model.py:SimpleLinearModel_01
  tutor explore nets.py:make_mlp --args '{"hidden": 64}' --dataset mnist
"""


def add_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "explore",
        parents=parents,
        help="open the app on a lesson made for your own model (runs your Python file)",
        description=textwrap.fill(
            "Import your own PyTorch file, build NAME and open the app on a lesson made for "
            "it: its layers, samples of the data, one sample through it, softmax (when it "
            "classifies), training and the code. This runs your Python file; only the "
            "command line can, never a lesson.",
            width=88,
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("target", metavar="FILE.py:NAME")
    p.add_argument(
        "--args",
        dest="build_args",
        metavar="JSON",
        help="keyword arguments for NAME, e.g. '{\"hidden\": 64}'",
    )
    p.add_argument(
        "--input",
        metavar="SHAPE",
        help="one sample's shape without the batch, e.g. 1,28,28 "
        "(default: the model's input_shape or example_input)",
    )
    p.add_argument(
        "--dataset",
        metavar="D",
        help="the data to explore with (default: chosen from the input shape)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tutor.commands.dissect import is_user_file

    if not is_user_file(args.target):
        raise UsageError(
            f"explore opens your own model: write FILE.py:NAME, not {args.target!r} "
            "(lessons open with `tutor LESSON`)"
        )
    from tutor.course.explore import explore_lesson
    from tutor.engine.usersource import load_user_source

    # The learner's prints (common while debugging) must not mix into the terminal the
    # app is about to take over: they go to stderr.
    with contextlib.redirect_stdout(sys.stderr):
        source = load_user_source(args.target, args.build_args, args.input)
    lesson_file = explore_lesson(source, args.dataset)

    from tutor.ui.run import run_app

    return run_app(lesson_file=lesson_file)
