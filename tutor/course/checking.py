"""Checking a lesson through the engine: models dry-run, steps, facts and ``expect:``.

Each step kind checks its own fields (``check`` in ``tutor/course/steps/<kind>.py``);
this module does what is the same for every lesson: the models, the lesson's dataset,
the ``expect:`` of every step and the placeholders in every text. Loads torch.
"""

from __future__ import annotations

from tutor.course.facts import FactContext, FactError, Shape, parse_fact, same_value
from tutor.course.lesson import LessonFile
from tutor.course.reading import lesson_texts
from tutor.course.schema import Lesson, StepBase
from tutor.course.steps import KINDS
from tutor.course.steps.base import CheckContext
from tutor.course.yamlsafe import DataPath, Locator, Problem
from tutor.text import suggest

#: Placeholders a lesson may hold (the bundled lessons have at most 46 each).
MAX_PLACEHOLDERS = 2_000


def check_lesson(result: LessonFile) -> LessonFile:
    """Resolve everything through the engine and record the problems (loads torch)."""
    from tutor.course.problems import spec_problems
    from tutor.engine.build import dry_run
    from tutor.engine.spec import SpecError, parse_spec

    result.checked = True
    lesson, locator = result.lesson, result.locator
    if lesson is None or locator is None:
        return result
    problems = result.problems

    for name, raw in lesson.models.items():
        try:
            spec = parse_spec(raw, name=str(name), path=("models", name))
            dry_run(spec)
        except SpecError as error:
            problems += spec_problems(error, locator)
            continue
        result.specs[str(name)] = spec
    broken = {str(n) for n in lesson.models} - set(result.specs)

    facts = result.facts()
    for i, step in enumerate(lesson.steps):
        if i in result.invalid_steps:
            continue
        ctx = CheckContext(result, i, result.specs, broken, facts, locator)
        kind = KINDS[step.kind]
        if kind.check is not None:
            kind.check(step, ctx)
        problems += ctx.problems
        problems += _check_expect(step, ("steps", i), facts, broken, locator)

    if lesson.dataset is not None and "dataset" not in result.invalid_fields:
        from tutor.engine.data import dataset_names

        if lesson.dataset not in dataset_names():
            problems.append(
                locator.problem(
                    ("dataset",),
                    f"unknown dataset '{lesson.dataset}'{suggest(lesson.dataset, dataset_names())}"
                    f"; datasets: {', '.join(dataset_names())}",
                )
            )

    problems += _check_placeholders(lesson, result, facts, broken, locator)
    problems.sort(key=lambda p: (p.line, p.column))
    return result


def _check_placeholders(
    lesson: Lesson, result: LessonFile, facts: FactContext, broken: set[str], locator: Locator
) -> list[Problem]:
    """Every ``{{ fact }}`` in every text, each distinct one resolved once.

    A lesson may hold at most :data:`MAX_PLACEHOLDERS`: far more than any lesson needs,
    and few enough that checking (and filling them on screen) stays quick.
    """
    problems: list[Problem] = []
    verdicts: dict[str, str | None] = {}  # placeholder text -> its problem, or None
    count = 0
    for path, text in lesson_texts(lesson, result.invalid_steps):
        for lang_text in [text] if isinstance(text, str) else list(text.values()):
            for raw in _placeholders(lang_text):
                count += 1
                if count > MAX_PLACEHOLDERS:
                    return [
                        *problems,
                        locator.problem(
                            path,
                            f"this lesson has more than {MAX_PLACEHOLDERS:,} placeholders "
                            "({{ ... }}); split it into several lessons",
                        ),
                    ]
                if raw not in verdicts:
                    verdicts[raw] = _check_fact(raw, facts, broken)
                if verdicts[raw] is not None:
                    problems.append(locator.problem(path, f"placeholder {verdicts[raw]}"))
    return problems


def _placeholders(text: str) -> list[str]:
    from tutor.course.facts import placeholders

    return placeholders(text)


def _check_fact(raw: str, facts: FactContext, broken: set[str]) -> str | None:
    """What is wrong with the placeholder ``raw``, or None when it resolves."""
    try:
        ref = parse_fact(raw)
        if ref.kind == "model" and ref.name in broken:
            return None  # the model's own errors are already reported
        if ref.kind == "dataset" and ref.attr.endswith("_size"):
            # Sizes are filled when shown, from the data in use; the name is checked here.
            facts.compute(f"dataset.{ref.name}.num_classes")
        else:
            facts.compute(ref)
    except FactError as error:
        return error.message
    return None


def _check_expect(
    step: StepBase, base: DataPath, facts: FactContext, broken: set[str], locator: Locator
) -> list[Problem]:
    """Every ``expect: {fact: value}`` of a step, compared with the computed value."""
    problems: list[Problem] = []
    for key, expected in (step.expect or {}).items():
        where = (*base, "expect", key)
        try:
            ref = parse_fact(str(key))
            if ref.kind == "model" and ref.name in broken:
                continue
            if ref.kind == "dataset" and ref.attr.endswith("_size"):
                problems.append(
                    locator.problem(
                        where,
                        f"'{key}' cannot be checked: dataset sizes depend on the data in use",
                    )
                )
                continue
            value = facts.compute(ref)
        except FactError as error:
            problems.append(locator.problem(where, error.message, key=True))
            continue
        if not same_value(value, expected):
            shown = str(value) if isinstance(value, Shape) else f"{value!r}"
            problems.append(
                locator.problem(
                    where,
                    f"expect: {key} is computed as {shown}, but the lesson says {expected!r}",
                )
            )
    return problems
