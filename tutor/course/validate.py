"""``tutor validate``: lesson files and model spec files, every problem located."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from tutor.course.lesson import load_lesson
from tutor.course.problems import ProblemsFound
from tutor.course.yamlsafe import Problem, YamlError, load_file


def validate_path(path: Path | str, require_languages: bool = False) -> list[Problem]:
    """Every problem in a lesson or model spec file (an empty list when it is valid)."""
    path = Path(path)
    try:
        data, _ = load_file(path)
    except YamlError as error:
        return error.problems
    if isinstance(data, Mapping) and "layers" in data and "steps" not in data:
        from tutor.course.modelfile import load_model_file

        try:
            load_model_file(path)
        except ProblemsFound as error:
            return error.problems
        return []
    return load_lesson(path, require_languages=require_languages).problems
