"""``tutor validate PATH...``: check lesson and model files, every problem on its own line."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "validate",
        parents=parents,
        help="check lesson or model files",
        description="Check lesson or model spec files. Prints PATH:LINE:COL: error: MESSAGE "
        "for every problem; exits 0 when all files are valid, 1 otherwise.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="lesson or model spec YAML files")
    p.add_argument(
        "--both-languages",
        action="store_true",
        help="require every text in English and Korean (the bundled lessons do)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tutor.course.validate import validate_path
    from tutor.text import clean

    failed = 0
    for path in args.paths:
        problems = validate_path(path, require_languages=args.both_languages)
        for problem in problems:
            print(clean(problem))  # a file name may hold control characters too
        if problems:
            failed += 1
    total = len(args.paths)
    summary = (
        f"{total - failed} of {total} file{'s' if total != 1 else ''} valid"
        if failed
        else f"all {total} file{'s' if total != 1 else ''} valid"
    )
    print(summary, file=sys.stderr)
    return 1 if failed else 0
