"""Reading and validating lesson files: every problem, located, at once.

Two phases, so the app can list lessons before torch has loaded:

1. :func:`read_lesson` parses the YAML safely and checks it against the schema
   (no torch): syntax, unknown fields with suggestions, wrong types, step kinds,
   duplicate step ids, missing translations, asset paths.
2. :func:`check_lesson` goes through the engine: every model is parsed and dry-run on
   the meta device, every model, layer, dataset and placeholder a step names is
   resolved, and every ``expect:`` is compared with the computed value.

:func:`load_lesson` does both.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from tutor.course.facts import FactContext, FactError, Shape, parse_fact, placeholders, same_value
from tutor.course.schema import (
    STEP_KINDS,
    STEP_TYPES,
    CodeStep,
    DissectStep,
    ForwardStep,
    Lesson,
    PlotStep,
    QuizStep,
    SamplesStep,
    SoftmaxStep,
    StepBase,
    TextStep,
    TrainStep,
)
from tutor.course.yamlsafe import DataPath, Locator, Problem, YamlError, load_file
from tutor.locales import ENGLISH_NAMES, LANGUAGES

if TYPE_CHECKING:
    from tutor.engine.spec import ModelSpec


@dataclass
class LessonFile:
    """A lesson file and everything known about it so far."""

    path: Path
    lesson: Lesson | None = None
    locator: Locator | None = None
    problems: list[Problem] = field(default_factory=list)
    specs: dict[str, ModelSpec] = field(default_factory=dict)
    checked: bool = False
    """True once :func:`check_lesson` has run (models dry-run, facts resolved)."""
    invalid_fields: set[str] = field(default_factory=set)
    """Lesson fields that failed the schema and were replaced by neutral values."""
    invalid_steps: set[int] = field(default_factory=set)
    """Steps that failed the schema; they hold a blank stand-in and are not checked further."""

    @property
    def ok(self) -> bool:
        """True when the lesson can be opened: it loaded and has no problems."""
        return self.lesson is not None and not self.problems

    @property
    def id(self) -> str:
        return self.lesson.id if self.lesson is not None else self.path.stem

    @property
    def folder(self) -> Path:
        return self.path.parent

    def facts(self, datasets: Mapping[str, Any] | None = None) -> FactContext:
        """A fact context over this lesson's models (and loaded datasets, if given)."""
        return FactContext(self.specs, dict(datasets or {}))


# ----------------------------------------------------------------------------- schema


def _suggest(word: str, choices: list[str] | tuple[str, ...]) -> str:
    from difflib import get_close_matches

    close = get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


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
                    f"unknown field '{name}'{_suggest(name, allowed)}"
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
            text = f"'{name}' must be {expected}, not {value!r}{_suggest(str(value), options)}"
        else:
            text = f"'{name}': {message[:1].lower()}{message[1:]}"
            if value is not None and not isinstance(value, dict | list):
                text += f", got {value!r}"
        problems.append(locator.problem(path, text))
    return problems


def _iter_texts(
    lesson: Lesson, skip: set[int] | frozenset[int] = frozenset()
) -> Iterator[tuple[DataPath, str | dict[str, str]]]:
    """Every localized text in the lesson with its path (for translations and facts)."""
    yield ("title",), lesson.title
    if lesson.summary is not None:
        yield ("summary",), lesson.summary
    for i, step in enumerate(lesson.steps):
        if i in skip:
            continue
        base: DataPath = ("steps", i)
        for name in ("title", "text", "body", "question", "explanation"):
            value = getattr(step, name, None)
            if value is not None:
                yield (*base, name), value
        for j, choice in enumerate(getattr(step, "choices", None) or []):
            yield (*base, "choices", j), choice
        for j, curve in enumerate(getattr(step, "curves", None) or []):
            if curve.label is not None:
                yield (*base, "curves", j, "label"), curve.label
        for j, fit in enumerate(getattr(step, "fits", None) or []):
            if fit.label is not None:
                yield (*base, "fits", j, "label"), fit.label
        for j, name in enumerate(getattr(step, "classes", None) or []):
            yield (*base, "classes", j), name


def _resolve_asset(folder: Path, relative: str) -> Path | None:
    """The asset's path if it stays inside the lesson folder, else None."""
    if Path(relative).is_absolute():
        return None
    root = folder.resolve()
    target = (root / relative).resolve()
    return target if target.is_relative_to(root) else None


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
                step = TextStep(kind="text", body="")
            steps.append(step)
    if not steps:
        steps = [TextStep(kind="text", body="")]
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
            "languages": ["en"],
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
    if kind not in STEP_TYPES:
        problems.append(
            locator.problem(
                (*path, "kind"),
                f"unknown step kind '{kind}'{_suggest(str(kind), STEP_KINDS)}; "
                f"step kinds: {', '.join(STEP_KINDS)}",
            )
        )
        return None
    model = STEP_TYPES[kind]
    try:
        return model.model_validate(dict(raw))
    except ValidationError as error:
        problems.extend(_pydantic_problems(error, model, path, locator))
        return None


def _check_structure(
    lesson: Lesson, result: LessonFile, locator: Locator, require_languages: bool
) -> list[Problem]:
    """Checks that need the whole lesson but not the engine."""
    folder, skip = result.folder, result.invalid_steps
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
        for path, text in _iter_texts(lesson, skip):
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

    for i, step in enumerate(lesson.steps):
        if isinstance(step, TextStep) and step.include is not None:
            target = _resolve_asset(folder, step.include)
            where = ("steps", i, "include")
            if target is None:
                problems.append(
                    locator.problem(
                        where,
                        f"the asset path '{step.include}' leaves the lesson's folder; "
                        "lessons may only include files beside them",
                    )
                )
            elif not target.is_file():
                problems.append(locator.problem(where, f"the file '{step.include}' does not exist"))
    return problems


# ----------------------------------------------------------------------------- engine checks


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
    broken_models = {str(n) for n in lesson.models} - set(result.specs)

    facts = result.facts()
    for i, step in enumerate(lesson.steps):
        if i not in result.invalid_steps:
            problems += _check_step(lesson, i, step, result.specs, broken_models, facts, locator)

    if lesson.dataset is not None and "dataset" not in result.invalid_fields:
        from tutor.engine.data import dataset_names

        if lesson.dataset not in dataset_names():
            problems.append(
                locator.problem(
                    ("dataset",),
                    f"unknown dataset '{lesson.dataset}'{_suggest(lesson.dataset, dataset_names())}"
                    f"; datasets: {', '.join(dataset_names())}",
                )
            )

    for path, text in _iter_texts(lesson, result.invalid_steps):
        for lang_text in [text] if isinstance(text, str) else list(text.values()):
            for raw in placeholders(lang_text):
                problems += _check_fact(raw, path, facts, broken_models, locator)
    problems.sort(key=lambda p: (p.line, p.column))
    return result


def _check_fact(
    raw: str, path: DataPath, facts: FactContext, broken: set[str], locator: Locator
) -> list[Problem]:
    try:
        ref = parse_fact(raw)
        if ref.kind == "model" and ref.name in broken:
            return []  # the model's own errors are already reported
        if ref.kind == "dataset" and ref.attr.endswith("_size"):
            parse_fact(raw)  # sizes are filled when shown; the name is checked below
            facts.compute(f"dataset.{ref.name}.num_classes")
        else:
            facts.compute(ref)
    except FactError as error:
        return [locator.problem(path, f"placeholder {error.message}")]
    return []


def _check_step(
    lesson: Lesson,
    index: int,
    step: StepBase,
    specs: dict[str, ModelSpec],
    broken: set[str],
    facts: FactContext,
    locator: Locator,
) -> list[Problem]:
    from tutor.engine.data import dataset_info, dataset_names

    problems: list[Problem] = []
    base: DataPath = ("steps", index)
    names = list(lesson.models)

    def model_ok(where: DataPath, model: str) -> bool:
        if model in specs:
            return True
        if model not in broken:
            problems.append(
                locator.problem(
                    where,
                    f"this lesson has no model '{model}'{_suggest(model, names)}"
                    + (
                        f"; its models: {', '.join(names)}" if names else "; add it under 'models:'"
                    ),
                )
            )
        return False

    def dataset_of(field_name: str = "dataset", required: bool = True) -> Any | None:
        name = getattr(step, field_name, None) or lesson.dataset
        if name is None:
            if required:
                problems.append(
                    locator.problem(
                        base,
                        f"this {step.kind} step needs a dataset: set 'dataset' on the step "
                        "or on the lesson",
                    )
                )
            return None
        if name not in dataset_names():
            if not getattr(step, field_name, None):
                return None  # the lesson's own 'dataset' is reported once, not per step
            problems.append(
                locator.problem(
                    (*base, field_name),
                    f"unknown dataset '{name}'{_suggest(name, dataset_names())}; "
                    f"datasets: {', '.join(dataset_names())}",
                )
            )
            return None
        return dataset_info(name)

    def fits_data(model: str, info: Any, field_name: str = "model") -> None:
        spec = specs[model]
        if tuple(spec.input) != tuple(info.sample_shape):
            problems.append(
                locator.problem(
                    (*base, field_name),
                    f"model '{model}' takes one sample of shape {list(spec.input)} but "
                    f"{info.name} samples are {list(info.sample_shape)}",
                )
            )
            return
        out = facts.compute(f"model.{model}.output_shape")
        # Only a model that ends in one value per feature gives logits to count; an
        # autoencoder's output is an image and is not compared with the classes.
        if info.task == "classification" and len(out.dims) == 1:
            n = len(info.classes)
            if out.dims[-1] < n:
                problems.append(
                    locator.problem(
                        (*base, field_name),
                        f"model '{model}' gives {out.dims[-1]} logits but {info.name} has {n} "
                        f"classes: its last layer needs out_features: {n}",
                    )
                )

    if isinstance(step, SamplesStep):
        dataset_of()
    elif isinstance(step, DissectStep):
        if model_ok((*base, "model"), step.model) and step.layer is not None:
            children = specs[step.model].child_names()
            if str(step.layer) not in children:
                problems.append(
                    locator.problem(
                        (*base, "layer"),
                        f"model '{step.model}' has no layer '{step.layer}'; "
                        f"its layers: {', '.join(children)}",
                    )
                )
    elif isinstance(step, ForwardStep | SoftmaxStep | TrainStep | CodeStep):
        model = getattr(step, "model", None)
        if model is not None and model_ok((*base, "model"), model):
            info = dataset_of(required=not isinstance(step, CodeStep))
            autoencoder = isinstance(step, TrainStep) and step.target == "inputs"
            if info is not None and not autoencoder:
                fits_data(model, info)
            if autoencoder:
                problems += _check_autoencoder(specs[model], model, step, base, facts, locator)
            elif isinstance(step, TrainStep):
                problems += _check_loss(step.loss, specs[model], model, base, locator, info)
    elif isinstance(step, PlotStep) and step.fits:
        info = dataset_of()
        if info is not None and info.task != "regression":
            problems.append(
                locator.problem(
                    (*base, "dataset"),
                    f"fits need a regression dataset such as thermometer, not {info.name}",
                )
            )
        for j, fit in enumerate(step.fits):
            usable = model_ok((*base, "fits", j, "model"), fit.model)
            if usable and info is not None and info.task == "regression":
                spec = specs[fit.model]
                if tuple(spec.input) != tuple(info.sample_shape):
                    problems.append(
                        locator.problem(
                            (*base, "fits", j, "model"),
                            f"model '{fit.model}' takes {list(spec.input)} but {info.name} "
                            f"samples are {list(info.sample_shape)}",
                        )
                    )
    elif isinstance(step, QuizStep) and step.answer_fact is not None:
        try:
            value = facts.compute(step.answer_fact)
            if not isinstance(value, int | float) or isinstance(value, bool):
                problems.append(
                    locator.problem(
                        (*base, "answer_fact"),
                        f"'{step.answer_fact}' is {value}, not a number; a numeric quiz "
                        "needs a number",
                    )
                )
            elif step.answer is not None and not same_value(value, step.answer):
                problems.append(
                    locator.problem(
                        (*base, "answer"),
                        f"'answer' is {step.answer} but {step.answer_fact} is computed as {value}",
                    )
                )
        except FactError as error:
            problems.append(locator.problem((*base, "answer_fact"), error.message))

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


def _check_autoencoder(
    spec: ModelSpec,
    model: str,
    step: TrainStep,
    base: DataPath,
    facts: FactContext,
    locator: Locator,
) -> list[Problem]:
    """With ``target: inputs`` the model must give back something shaped like its input."""
    problems = []
    out = facts.compute(f"model.{model}.output_shape")
    if tuple(out.dims) != tuple(spec.input):
        problems.append(
            locator.problem(
                (*base, "model"),
                f"with target: inputs, model '{model}' must output its input's shape "
                f"{list(spec.input)}, but it gives {list(out.dims)}; end it with "
                f"Unflatten(1, {tuple(spec.input)}) after a Linear of {math.prod(spec.input)}",
            )
        )
    if step.loss != "mse":
        problems.append(
            locator.problem((*base, "loss"), "with target: inputs, use loss: mse (pixel errors)")
        )
    return problems


def _check_loss(
    loss: str, spec: ModelSpec, model: str, base: DataPath, locator: Locator, info: Any
) -> list[Problem]:
    """The loss must match what the model's last layer gives (a classic beginner trap)."""
    last = spec.layers[-1].type
    where = (*base, "loss")
    if loss == "cross_entropy" and last in ("Softmax", "LogSoftmax"):
        return [
            locator.problem(
                where,
                f"model '{model}' ends in {last}, but cross_entropy applies log-softmax "
                "itself: remove the last layer, or use loss: nll after LogSoftmax",
            )
        ]
    if loss == "nll" and last != "LogSoftmax":
        return [
            locator.problem(
                where,
                f"loss: nll expects log-probabilities, so model '{model}' must end in "
                f"LogSoftmax (it ends in {last})",
            )
        ]
    if info is not None:
        if loss == "mse" and info.task == "classification":
            return [
                locator.problem(
                    where, f"{info.name} is a classification dataset: use cross_entropy or nll"
                )
            ]
        if loss != "mse" and info.task == "regression":
            return [locator.problem(where, f"{info.name} is a regression dataset: use loss: mse")]
    return []


def load_lesson(path: Path | str, require_languages: bool = False) -> LessonFile:
    """Read, schema-check and engine-check a lesson file."""
    result = read_lesson(path, require_languages)
    if result.lesson is not None:
        check_lesson(result)
    result.problems.sort(key=lambda p: (p.line, p.column))
    return result
