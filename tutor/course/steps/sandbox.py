"""``sandbox``: the learner edits a model spec, and its layer table follows as they type.

What they type is a model spec (the same YAML as a lesson's ``models:``), read safely
(:mod:`tutor.course.yamlsafe`: no tags, no code) and built only from allow-listed
``torch.nn`` layers; nothing typed here can run Python. Every problem comes back located,
``LINE:COL: message``, from the same readers and dry run as validation.

An exercise adds a ``goal:`` (:mod:`tutor.course.goals`), checked on the computed model,
and optionally a ``solution:`` that validation proves meets it::

    - kind: sandbox
      start: |
        input: [1, 28, 28]
        layers: [...]
      goal: {fits: fashion-mnist, layer: {fc1: {input_shape: [N, 400]}}}
      solution: |
        ...
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from tutor.course.goals import Goal, GoalCheck, check_goals, goal_phrases, largest_output
from tutor.course.schema import StepBase
from tutor.course.steps.base import CheckContext, CodeContext, ComputeContext, StepKind
from tutor.engine.script import Script

#: The most parameters a sandbox model may have (40 MB of float32 weights per edit).
MAX_PARAMS = 10_000_000
#: The most numbers any one layer may output for the traced batch (32 MB of float32).
MAX_ELEMENTS = 8_000_000


class SandboxStep(StepBase):
    """A model spec in an editor; the layer table follows; optional goals."""

    kind: Literal["sandbox"]
    start: str | None = None
    """The spec text the editor starts with (it may be broken: that is the exercise)."""
    model: str | None = None
    """Or start from one of the lesson's models, written out."""
    goal: Goal | None = None
    solution: str | None = None
    """A spec that meets every goal; validation proves it does (the learner never sees it)."""
    batch: int = Field(8, ge=1, le=64)
    """The batch the table is traced with (N)."""

    @model_validator(mode="after")
    def _start(self) -> SandboxStep:
        if (self.start is None) == (self.model is None):
            raise ValueError(
                "a sandbox step starts from 'start' (spec text) or 'model' (one of the "
                "lesson's models): give one of them"
            )
        if self.solution is not None and self.goal is None:
            raise ValueError("'solution' proves a 'goal': give the goal too")
        return self


@dataclass(frozen=True)
class SpecProblem:
    """A located problem in the text: 1-based line and column, and the line itself."""

    line: int
    column: int
    message: str
    source: str

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


@dataclass
class SandboxResult:
    """What the text gives: problems, or the layer table; and each goal's check."""

    text: str
    """The text this result was computed for (a newer text makes it stale)."""
    problems: list[SpecProblem] = field(default_factory=list)
    table: Any = None
    """The layer table (:class:`~tutor.course.steps.dissect.DissectResult`) when it builds."""
    goals: list[GoalCheck] = field(default_factory=list)

    @property
    def solved(self) -> bool:
        """Every goal met by a model that builds."""
        return bool(self.goals) and not self.problems and all(g.met for g in self.goals)


# ----------------------------------------------------------------------------- reading


def read_spec(text: str, batch: int = 1) -> tuple[Any, Any, list[SpecProblem]]:
    """(spec, dry run, problems) for a spec text; spec and dry run are None on problems.

    The same readers as lesson validation (safe YAML, the spec's allow-list and argument
    checks, the dry run on the meta device), with the sandbox's smaller size limits.
    """
    from tutor.course.problems import spec_problems
    from tutor.course.yamlsafe import YamlError, load_text
    from tutor.engine.build import dry_run
    from tutor.engine.spec import SpecError, parse_spec

    lines = text.splitlines()

    def located(problems: list[Any]) -> list[SpecProblem]:
        out = []
        for p in sorted(problems, key=lambda p: (p.line, p.column)):
            source = lines[p.line - 1] if 0 < p.line <= len(lines) else ""
            out.append(SpecProblem(p.line, p.column, p.message, source))
        return out

    try:
        data, locator = load_text(text, "sandbox")
    except YamlError as error:
        return None, None, located(error.problems)
    try:
        spec = parse_spec(data, name="model")
        dry = dry_run(spec, batch_size=batch, max_params=MAX_PARAMS)
    except SpecError as error:
        return None, None, located(spec_problems(error, locator))
    index, elements = largest_output(dry)
    if elements > MAX_ELEMENTS:
        layer = spec.layers[index]
        message = (
            f"{spec.layer_label(index)} would output {elements:,} numbers for a batch of "
            f"{batch}: too large for the sandbox; make it smaller"
        )
        return None, None, located([locator.problem(layer.path, message)])
    return spec, dry, []


def spec_text(raw: Mapping[str, Any], name: str | None = None) -> str:
    """A lesson model's plain data written out as spec text, one layer per line."""
    import yaml

    def flow(value: Any) -> str:
        return str(yaml.safe_dump(value, default_flow_style=True, width=10_000)).strip()

    lines = []
    title = raw.get("name", name)
    if title is not None:
        lines.append(f"name: {flow(title)}")
    if "input" in raw:
        lines.append(f"input: {flow(raw['input'])}")
    lines.append("layers:")
    for layer in raw.get("layers") or []:
        lines.append(f"  - {layer}" if isinstance(layer, str) else f"  - {flow(layer)}")
    return "\n".join(lines) + "\n"


def initial_text(step: SandboxStep, lesson_file: Any) -> str:
    """The text the editor starts with."""
    if step.start is not None:
        return step.start
    lesson = lesson_file.lesson
    raw = lesson.models.get(step.model, {}) if lesson is not None else {}
    return spec_text(raw if isinstance(raw, Mapping) else {}, step.model)


# ----------------------------------------------------------------------------- checking


def check(step: SandboxStep, ctx: CheckContext) -> None:
    from tutor.course.yamlsafe import YamlError, load_text
    from tutor.engine.data import dataset_names
    from tutor.engine.layers import ALLOWED_LAYERS
    from tutor.text import suggest

    if step.model is not None and ctx.model(step.model) is None:
        return
    if step.start is not None:
        try:
            load_text(step.start, "start")
        except YamlError as error:
            first = error.problems[0]
            ctx.problem(
                "start", f"the start text is not YAML (its line {first.line}): {first.message}"
            )
            return
    goal = step.goal
    if goal is None:
        return
    if goal.fits is not None and goal.fits not in dataset_names():
        names = dataset_names()
        ctx.problem(
            (*ctx.base, "goal", "fits"),
            f"unknown dataset '{goal.fits}'{suggest(goal.fits, names)}; datasets: {', '.join(names)}",
        )
        return
    for name, wanted in goal.layer.items():
        if wanted.type is not None and wanted.type not in ALLOWED_LAYERS:
            ctx.problem(
                (*ctx.base, "goal", "layer", name, "type"),
                f"unknown layer type '{wanted.type}'{suggest(wanted.type, list(ALLOWED_LAYERS))}",
            )
            return
    if step.solution is not None:
        spec, dry, problems = read_spec(step.solution, step.batch)
        if problems:
            ctx.problem("solution", f"the solution does not build: {problems[0]}")
            return
        missed = [g for g in check_goals(goal, spec, dry) if not g.met]
        if missed:
            ctx.problem(
                "solution",
                f"the solution does not meet the goal '{missed[0].what}' (it has {missed[0].now})",
            )
    spec, dry, problems = read_spec(initial_text(step, ctx.lesson_file), step.batch)
    if not problems and all(g.met for g in check_goals(goal, spec, dry)):
        ctx.problem("goal", "the start already meets every goal: there is nothing to do")


def code(step: SandboxStep, ctx: CodeContext) -> Script | None:
    """The start model's code, when it builds (the exercise's answer is not given away)."""
    spec, _, problems = read_spec(initial_text(step, ctx.lesson_file), step.batch)
    return None if problems else spec.code()


# ----------------------------------------------------------------------------- compute


def compute(ctx: ComputeContext, text: str) -> SandboxResult:
    """Read, dry-run and trace ``text``; check the step's goals on the result."""
    from tutor.course.steps.dissect import layer_table
    from tutor.engine.build import build_model

    step: SandboxStep = ctx.step
    spec, dry, problems = read_spec(text, step.batch)
    if problems:
        goals = (
            [GoalCheck(what, False, None) for what in goal_phrases(step.goal)] if step.goal else []
        )
        return SandboxResult(text, problems, None, goals)
    device = ctx.session.device
    model = build_model(spec, device=device.torch_device, seed=0, max_params=MAX_PARAMS)
    table = layer_table(spec, model, step.batch, device)
    goals = check_goals(step.goal, spec, dry) if step.goal is not None else []
    return SandboxResult(text, [], table, goals)


# ----------------------------------------------------------------------------- free play


#: What the palette's sandbox starts with: the course's FashionMNIST MLP.
FREE_START = """name: mlp
input: [1, 28, 28]
layers:
  - Flatten
  - {name: fc1, Linear: {in_features: 784, out_features: 100}}
  - ReLU
  - {name: fc2, Linear: {in_features: 100, out_features: 10}}
"""


def free_lesson() -> Any:
    """The palette's "Model sandbox": one sandbox step without goals, in memory."""
    from tutor.course.lesson import LessonFile
    from tutor.course.schema import Lesson
    from tutor.locales import LANGUAGES, t

    def text(key: str) -> dict[str, str]:
        return {lang: t(key, lang) for lang in LANGUAGES}

    step = SandboxStep(
        kind="sandbox",
        id="sandbox",
        start=FREE_START,
        title=text("sandbox.free.title"),
        text=text("sandbox.free.text"),
        batch=8,
    )
    lesson = Lesson(
        id="sandbox", title=text("sandbox.free.title"), languages=list(LANGUAGES), steps=[step]
    )
    return LessonFile(path=Path("sandbox"), lesson=lesson, checked=True)


KIND = StepKind("sandbox", SandboxStep, check=check, code=code)
