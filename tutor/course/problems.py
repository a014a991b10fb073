"""Located problems as an exception, shared by lesson and model-file loading."""

from __future__ import annotations

from tutor.course.yamlsafe import Locator, Problem
from tutor.errors import TutorError


class ProblemsFound(TutorError):
    """A file has one or more located problems (``PATH:LINE:COL: error: MESSAGE``)."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.source, p.line, p.column))
        super().__init__("\n".join(str(p) for p in self.problems))


def spec_problems(error: object, locator: Locator) -> list[Problem]:
    """Turn an engine ``SpecError`` (paths into the data) into located problems."""
    issues = getattr(error, "issues", [])
    return [locator.problem(issue.path, issue.message, key=issue.key) for issue in issues]
