"""Reading a lesson file: safe YAML, the schema, and the checks that need no engine.

Every problem is located (``PATH:LINE:COL``) and all of them are reported at once: a
step that fails its schema is replaced by a blank stand-in so the positions of the
others stay right, and lesson fields that fail are replaced by neutral values.
No torch here, so the app lists lessons before PyTorch has loaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tutor.course.lesson import LessonFile
from tutor.course.schema import Lesson, StepBase
from tutor.course.steps import KINDS, STEP_KINDS
from tutor.course.yamlsafe import DataPath, Locator, Problem, YamlError, load_file
from tutor.locales import DEFAULT_LANGUAGE, ENGLISH_NAMES, KOREAN, LANGUAGES
from tutor.text import suggest


def _blank_step() -> StepBase:
    """A stand-in for a step that failed its schema (keeps later steps' positions)."""
    return KINDS["text"].schema(kind="text", body="")


def lesson_texts(
    lesson: Lesson, skip: set[int] | frozenset[int] = frozenset()
) -> Iterator[tuple[DataPath, str | dict[str, str]]]:
    """Every localized text in the lesson with its path (for translations and facts)."""
    yield ("title",), lesson.title
    if lesson.summary is not None:
        yield ("summary",), lesson.summary
    for i, step in enumerate(lesson.steps):
        if i in skip:
            continue
        for path, text in step.texts():
            yield ("steps", i, *path), text


def _fields_of(model: type, loc: tuple[Any, ...]) -> list[str]:
    """Allowed field names of the (nested) pydantic model at ``loc``."""
    from pydantic import BaseModel

    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        info = getattr(current, "model_fields", {}).get(part)
        if info is None:
            return []
        annotation = info.annotation
        # Unwrap list[X], X | None and similar to the pydantic model inside.
        candidates = [annotation, *getattr(annotation, "__args__", ())]
        for candidate in list(candidates):
            candidates.extend(getattr(candidate, "__args__", ()))
        found = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
        if not found:
            return []
        current = found[0]
    return list(getattr(current, "model_fields", {}))


def _pydantic_problems(
    error: ValidationError, model: type, base: DataPath, locator: Locator
) -> list[Problem]:
    """Turn pydantic's errors into located, learner-facing problems."""
    problems = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        path = (*base, *loc)
        kind = item["type"]
        name = str(loc[-1]) if loc else "this"
        value = item.get("input")
        message = item["msg"]
        if kind == "extra_forbidden":
            allowed = [f for f in _fields_of(model, loc[:-1]) if f != "kind"]
            problems.append(
                locator.problem(
                    path,
                    f"unknown field '{name}'{suggest(name, allowed)}"
                    + (f"; allowed here: {', '.join(allowed)}" if allowed else ""),
                    key=True,
                )
            )
            continue
        if kind == "missing":
            text = f"missing field '{name}'"
        elif kind in ("value_error", "assertion_error"):
            text = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        elif kind in ("int_type", "int_parsing", "int_from_float"):
            text = f"'{name}' must be a whole number, not {value!r}"
        elif kind in ("float_type", "float_parsing"):
            text = f"'{name}' must be a number, not {value!r}"
        elif kind in ("string_type",):
            text = f"'{name}' must be text, not {value!r}"
        elif kind in ("bool_type", "bool_parsing"):
            text = f"'{name}' must be true or false, not {value!r}"
        elif kind in ("list_type", "tuple_type"):
            text = f"'{name}' must be a list, not {value!r}"
        elif kind in ("dict_type", "model_type", "model_attributes_type"):
            text = f"'{name}' must be a mapping (key: value), not {value!r}"
        elif kind == "literal_error":
            expected = item.get("ctx", {}).get("expected", "")
            options = [o.strip(" '") for o in expected.replace(" or ", ", ").split(",")]
            text = f"'{name}' must be {expected}, not {value!r}{suggest(str(value), options)}"
        else:
            text = f"'{name}': {message[:1].lower()}{message[1:]}"
            if value is not None and not isinstance(value, dict | list):
                text += f", got {value!r}"
        problems.append(locator.problem(path, text))
    return problems


def read_lesson(path: Path | str, require_languages: bool = False) -> LessonFile:
    """Parse and schema-check a lesson file. No torch; never raises for bad content."""
    result = LessonFile(Path(path))
    try:
        data, locator = load_file(path)
    except YamlError as error:
        result.problems = error.problems
        return result
    result.locator = locator
    if not isinstance(data, Mapping):
        result.problems.append(
            locator.problem((), "a lesson must be a mapping with id, title and steps")
        )
        return result

    problems: list[Problem] = []
    raw_steps = data.get("steps")
    steps: list[StepBase] = []
    if raw_steps is None:
        problems.append(
            locator.problem((), "missing field 'steps': the list of the lesson's steps")
        )
    elif not isinstance(raw_steps, list) or not raw_steps:
        problems.append(locator.problem(("steps",), "'steps' must be a non-empty list of steps"))
    else:
        for i, raw in enumerate(raw_steps):
            step = _read_step(raw, i, locator, problems)
            if step is None:
                # Keep positions stable so later checks point at the right lines.
                result.invalid_steps.add(i)
                step = _blank_step()
            steps.append(step)
    if not steps:
        steps = [_blank_step()]
        result.invalid_steps.add(0)

    # The lesson's own fields. The steps were checked one by one above, so that each
    # error carries its own step's location; fields that fail are replaced by neutral
    # values so that the remaining checks can still run and report everything at once.
    header = {k: v for k, v in data.items() if k != "steps"}
    try:
        lesson = Lesson.model_validate({**header, "steps": steps})
    except ValidationError as error:
        problems += _pydantic_problems(error, Lesson, (), locator)
        broken = {str(item["loc"][0]) for item in error.errors() if item["loc"]}
        result.invalid_fields = broken
        neutral = {
            "id": Path(path).stem.lower() or "lesson",
            "title": "?",
            "summary": None,
            "languages": [DEFAULT_LANGUAGE],
            "dataset": None,
            "models": {},
            "order": None,
        }
        header = {k: v for k, v in header.items() if k not in broken and k in neutral}
        header.setdefault("id", neutral["id"])
        header.setdefault("title", neutral["title"])
        try:
            lesson = Lesson.model_validate({**header, "steps": steps})
        except ValidationError:
            lesson = None

    if lesson is not None:
        problems += _check_structure(lesson, result, locator, require_languages)
        result.lesson = lesson
    result.problems = problems
    return result


def _read_step(raw: Any, index: int, locator: Locator, problems: list[Problem]) -> StepBase | None:
    path: DataPath = ("steps", index)
    if not isinstance(raw, Mapping):
        problems.append(
            locator.problem(path, f"step {index + 1} must be a mapping with a 'kind', not {raw!r}")
        )
        return None
    kind = raw.get("kind")
    if kind is None:
        problems.append(
            locator.problem(
                path, f"step {index + 1} has no 'kind'; choose from {', '.join(STEP_KINDS)}"
            )
        )
        return None
    if kind not in KINDS:
        problems.append(
            locator.problem(
                (*path, "kind"),
                f"unknown step kind '{kind}'{suggest(str(kind), STEP_KINDS)}; "
                f"step kinds: {', '.join(STEP_KINDS)}",
            )
        )
        return None
    model = KINDS[kind].schema
    try:
        return model.model_validate(dict(raw))
    except ValidationError as error:
        problems.extend(_pydantic_problems(error, model, path, locator))
        return None


def _check_structure(
    lesson: Lesson, result: LessonFile, locator: Locator, require_languages: bool
) -> list[Problem]:
    """Checks that need the whole lesson but not the engine."""
    skip = result.invalid_steps
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, step in enumerate(lesson.steps):
        if step.id is None:
            continue
        if step.id in seen:
            problems.append(
                locator.problem(
                    ("steps", i, "id"),
                    f"duplicate step id '{step.id}': step {seen[step.id] + 1} already uses it",
                )
            )
        else:
            seen[step.id] = i

    required = list(LANGUAGES) if require_languages else list(lesson.languages)
    if len(required) > 1:
        for path, text in lesson_texts(lesson, skip):
            if str(path[0]) in result.invalid_fields:
                continue
            have = [text] if isinstance(text, str) else list(text)
            if isinstance(text, str):
                problems.append(
                    locator.problem(
                        path,
                        f"this text has no language keys, but this lesson requires "
                        f"{', '.join(required)}; write {{{', '.join(f'{r}: ...' for r in required)}}}",
                    )
                )
                continue
            missing = [lang for lang in required if lang not in text]
            if missing and have:
                names = " and ".join(f"{ENGLISH_NAMES[m]} ({m})" for m in missing)
                problems.append(
                    locator.problem(
                        path,
                        f"missing {names} translation: this lesson requires "
                        f"{', '.join(required)}; write {{{', '.join(f'{r}: ...' for r in required)}}}",
                    )
                )

    for path, text in lesson_texts(lesson, skip):
        korean = text.get(KOREAN) if isinstance(text, dict) else None
        if korean:
            problems += korean_problems(korean, (*path, KOREAN), locator)
    return problems


# A particle whose form depends on the last sound of the word before it (받침): after a
# computed value the author cannot know that sound. The 을(를) forms are fine.
_PARTICLE_AFTER_FACT = re.compile(r"\}\}(으로|을|를|이|가|은|는|과|와|로)(?![가-힣(])")
# Emphasis closed, a space, then a particle: Markdown needs the space after `)**`, and
# the particle ends up cut from its word ("**불변성(invariance)** 이").
_PARTICLE_AFTER_EMPHASIS = re.compile(r"\*\* (으로|을|를|이|가|은|는|과|와|로|의|에)(?![가-힣])")


def korean_problems(text: str, path: DataPath, locator: Locator) -> list[Problem]:
    """Particles a computed value or closing emphasis cuts from their word, with lines."""
    found = []
    for pattern, message in (
        (
            _PARTICLE_AFTER_FACT,
            "the particle '{p}' right after a computed value depends on its last sound, "
            "which the text cannot know: write '{both}' or rephrase",
        ),
        (
            _PARTICLE_AFTER_EMPHASIS,
            "the particle '{p}' is cut from its word by '** ': put the emphasis around "
            "the word and its particle, or end the emphasis before a parenthesis",
        ),
    ):
        for match in pattern.finditer(text):
            particle = match.group(1)
            both = _BOTH_FORMS.get(particle, particle)
            line = text.count("\n", 0, match.start())
            found.append(
                locator.problem_in_text(path, line, message.format(p=particle, both=both))
            )
    return found


_BOTH_FORMS = {
    "을": "을(를)",
    "를": "을(를)",
    "이": "이(가)",
    "가": "이(가)",
    "은": "은(는)",
    "는": "은(는)",
    "과": "과(와)",
    "와": "과(와)",
    "으로": "(으)로",
    "로": "(으)로",
}
