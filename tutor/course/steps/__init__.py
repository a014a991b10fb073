"""The step kinds: one module each, and this registry, the only list of them.

Adding a kind: write ``tutor/course/steps/<kind>.py`` (schema, ``check``, ``code``,
``compute``; see :mod:`tutor.course.steps.base`), add its module to ``_MODULES`` below,
write ``tutor/ui/views/<kind>.py`` (found by the kind's name), and walk it in the tests.
``docs/adding-a-step-kind.md`` has the whole recipe.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tutor.course.steps import (
    boundary,
    code,
    dissect,
    forward,
    plot,
    quiz,
    samples,
    softmax,
    text,
    train,
)
from tutor.course.steps.base import CodeContext, StepKind

if TYPE_CHECKING:
    from tutor.course.lesson import LessonFile

_MODULES = (text, samples, dissect, forward, softmax, train, plot, quiz, code, boundary)

KINDS: dict[str, StepKind] = {module.KIND.name: module.KIND for module in _MODULES}
"""Every step kind by name, in the order the authoring guide lists them."""

STEP_KINDS: tuple[str, ...] = tuple(KINDS)


def step_code(lesson_file: LessonFile, index: int, state: Any = None) -> str | None:
    """The plain PyTorch code behind step ``index`` of a checked lesson, or None.

    ``state``: the learner's live changes as the step's view holds them
    (:meth:`tutor.ui.views.base.StepView.code_state`); None for the step as written.
    """
    lesson = lesson_file.lesson
    if lesson is None:
        return None
    step = lesson.steps[index]
    kind = KINDS[step.kind]
    if kind.code is None:
        return None
    return kind.code(step, CodeContext(lesson_file, index, state))
