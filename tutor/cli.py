"""The ``tutor`` command: parse arguments, hand over to ``tutor.commands``. Thin on purpose.

``tutor`` and ``tutor LESSON`` open the app; ``explore FILE.py:NAME`` opens it on a lesson
made for the learner's own model; ``validate``, ``dissect``, ``train`` and ``data`` are
headless; ``serve`` serves the app to browsers. Usage errors exit 2; invalid input exits 1 with a message and
no traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from tutor import __version__
from tutor.config import DEVICE_CHOICES
from tutor.errors import TutorError
from tutor.locales import LANGUAGES

COMMANDS = ("validate", "dissect", "explore", "train", "code", "data", "serve", "open")
# Global options that take a value, so that `tutor --lang ko 04-fashion-mlp` is parsed right.
_VALUE_OPTIONS = {"--lang", "--device", "--lessons"}


def _global_options(default: object) -> argparse.ArgumentParser:
    """Options accepted before or after the command. Subcommands get SUPPRESS defaults
    so a value given before the command is not reset by the subparser."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=default,
        help="language of the interface and lessons (env TUTOR_LANG)",
    )
    parent.add_argument(
        "--device",
        default=default,
        metavar="{auto,cpu,cuda,mps}",
        help="where PyTorch computes: auto picks CUDA, then MPS, then CPU (env TUTOR_DEVICE)",
    )
    return parent


def build_parser() -> argparse.ArgumentParser:
    from tutor.commands import code, data, dissect, explore, open_app, serve, train, validate

    parser = argparse.ArgumentParser(
        prog="tutor",
        description="A keyboard-driven terminal tutor that dissects neural networks.",
        epilog="Run `tutor` to open the lesson list, or `tutor COMMAND --help`. "
        "Environment: TUTOR_HOME, TUTOR_DATA_DIR, TUTOR_LANG, TUTOR_DEVICE, TUTOR_OFFLINE=1.",
        parents=[_global_options(None)],
    )
    parser.add_argument("--version", action="version", version=f"tutor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    parents = [_global_options(argparse.SUPPRESS)]
    for module in (open_app, validate, dissect, explore, train, code, data, serve):
        module.add_parser(sub, parents)
    return parser


def _insert_default_command(argv: list[str]) -> list[str]:
    """``tutor`` and ``tutor LESSON`` mean ``tutor open [LESSON]``."""
    i = 0
    while i < len(argv):
        token = argv[i]
        if token in ("-h", "--help", "--version"):
            return argv
        if token.startswith("-"):
            i += 1 if "=" in token or token not in _VALUE_OPTIONS else 2
            continue
        if token in COMMANDS:
            return argv
        return [*argv[:i], "open", *argv[i:]]
    return [*argv, "open"]


def _apply_globals(args: argparse.Namespace) -> None:
    """Global options win over the environment; the app reads the environment."""
    lang = getattr(args, "lang", None)
    if lang:
        os.environ["TUTOR_LANG"] = lang
    device = getattr(args, "device", None)
    if device:
        if device.split(":")[0] not in DEVICE_CHOICES:
            raise TutorError(
                f"unknown device {device!r}: choose one of {', '.join(DEVICE_CHOICES)} (or cuda:N)"
            )
        os.environ["TUTOR_DEVICE"] = device


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tutor`` console script; returns the exit status."""
    args_list = _insert_default_command(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser()
    args = parser.parse_args(args_list)
    try:
        _apply_globals(args)
        return int(args.run(args) or 0)
    except TutorError as error:
        problems = getattr(error, "problems", None)
        if problems:  # already `PATH:LINE:COL: error: MESSAGE`, one per line
            for problem in problems:
                print(problem, file=sys.stderr)
        else:
            print(f"tutor: error: {error.message}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("tutor: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `tutor dissect x | head`
        return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
