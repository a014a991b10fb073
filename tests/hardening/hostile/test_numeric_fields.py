"""The property (issue 13): non-finite and extreme numbers in every numeric field of
every step kind, of the lesson and of every allow-listed layer's arguments. Validation
refuses each with a location, or the step's view draws it (a learner-facing message
counts, an unexpected error does not); never a traceback, never a hang.

The fields are enumerated from the schemas themselves (``tutor.course.steps.KINDS``,
``tutor.engine.layers.ALLOWED_LAYERS``), so a kind or a layer added later is covered.
"""

from __future__ import annotations

import copy
import math
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hardening.hostile.layers import layer_spec
from tests.hardening.hostile.numeric import (
    EXTREMES,
    layer_numeric_arguments,
    numeric_fields_with_bounds,
    set_path,
)
from tests.hardening.hostile.steps import MODELS, base_step, lesson_yaml
from tests.ui.helpers import settle
from tutor.course.lesson import load_lesson
from tutor.course.schema import Lesson
from tutor.course.steps import KINDS
from tutor.engine.build import dry_run
from tutor.engine.layers import ALLOWED_LAYERS
from tutor.engine.spec import SpecError, parse_spec
from tutor.locales import t
from tutor.ui.app import TutorApp

SECONDS = 10.0  # the most one lesson or spec may take to check (a loaded 2-core machine)
UNEXPECTED = t("error.unexpected", "en", detail="").split("(")[0]

CASES = [
    (kind, path, bounds)
    for kind in KINDS
    for path, bounds in numeric_fields_with_bounds(KINDS[kind].schema)
]
LAYER_CASES = [
    (layer, arg) for layer, cls in ALLOWED_LAYERS.items() for arg in layer_numeric_arguments(cls)
]
# A fit of 100,000 epochs draws too, after minutes of training: not in the walk.
SLOW = {("plot", ("fits", 0, "epochs"), 100000)}


def values(bounds: list[Any]) -> list[Any]:
    """The extremes, and the largest and smallest values the schema allows."""
    out: list[Any] = []
    for value in [*EXTREMES, *bounds]:
        if not any(
            type(v) is type(value) and (v == value or (v != v and value != value)) for v in out
        ):
            out.append(value)
    return out


def check(
    path: Path, steps: list[dict[str, Any]], extra: dict[str, Any] | None = None
) -> list[Any]:
    """Read and check a lesson with ``steps``; every problem must be located in it."""
    text = lesson_yaml(steps)
    if extra:
        data = yaml.safe_load(text)
        data.update(extra)
        text = yaml.safe_dump(data, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    result = load_lesson(path)
    assert time.perf_counter() - start < SECONDS
    first = result.locator.locate(("steps", 0)).line if result.locator and steps else 1
    for problem in result.problems:
        assert str(problem).startswith(f"{path}:{problem.line}:{problem.column}: error: ")
        if extra is None:
            assert problem.line >= first, problem  # inside the step that holds the value
    return result.problems


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every field × every value, checked once for the module's tests; what validation
    accepts is then combined into the steps the Pilot test walks."""
    folder = tmp_path_factory.mktemp("numbers")
    accepted: dict[str, dict[Any, list[Any]]] = {}
    refused = 0
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TUTOR_OFFLINE", "1")
        for kind, path, bounds in CASES:
            for value in values(bounds):
                step = base_step(kind, path[0])
                set_path(step, path, value)
                if check(folder / "l.yaml", [step]):
                    refused += 1
                elif (kind, path, value) not in SLOW:
                    accepted.setdefault(kind, {}).setdefault(path, []).append(value)
        walk = [
            step
            for kind, fields in accepted.items()
            for step in _combined(folder / "c.yaml", kind, fields)
        ]
    return {"accepted": walk, "refused": refused}


def _combined(path: Path, kind: str, fields: dict[Any, list[Any]]) -> list[dict[str, Any]]:
    """Steps of ``kind`` with every field at its largest accepted value at once, and at
    its smallest (each field alone where the combination is refused, or where the field
    needs another base step)."""
    steps: list[dict[str, Any]] = []
    for pick in (max, min):
        chosen = {field: pick(found) for field, found in fields.items()}
        shared = {f: v for f, v in chosen.items() if base_step(kind, f[0]) == base_step(kind)}
        alone = {f: v for f, v in chosen.items() if f not in shared}
        together = base_step(kind)
        for field, value in shared.items():
            set_path(together, field, value)
        if shared and not check(path, [together]):
            steps.append(together)
        else:
            alone.update(shared)
        for field, value in alone.items():
            step = base_step(kind, field[0])
            set_path(step, field, value)
            if step not in steps:
                steps.append(step)
    return steps


def test_every_base_step_is_valid(tmp_path: Path):
    for kind in KINDS:
        problems = check(tmp_path / "l.yaml", [base_step(kind)])
        assert not problems, (
            f"no valid base step for the kind '{kind}': add one to BASES in "
            f"tests/hardening/hostile/steps.py ({problems})"
        )


def test_extreme_numbers_in_step_fields_are_refused_with_a_location(sweep: dict[str, Any]):
    # The located check runs in the sweep; here, that it refused what it must.
    assert sweep["refused"] >= len(CASES) * 5  # NaN, ±inf, ±1e308 at least, for each


def test_extreme_numbers_in_the_lesson_fields(tmp_path: Path):
    for path, bounds in numeric_fields_with_bounds(Lesson):
        if path[0] == "steps":
            continue
        for value in values(bounds):
            extra: dict[str, Any] = {}
            set_path(extra, path, value)
            problems = check(tmp_path / "l.yaml", [base_step("text")], extra)
            finite = isinstance(value, int) or math.isfinite(value)
            if not finite or abs(value) > 10**9:
                assert problems, (path, value)


async def test_accepted_extremes_are_drawn_by_their_views(sweep: dict[str, Any], tmp_path: Path):
    """Every value validation let through, walked step by step at 60×20."""
    steps = sweep["accepted"]
    assert len(steps) >= len(KINDS)
    path = tmp_path / "walk.yaml"
    path.write_text(lesson_yaml(steps), encoding="utf-8")
    assert load_lesson(path).ok
    app = TutorApp(lesson=str(path))
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        for i, step in enumerate(steps):
            assert app.screen.index == i
            view = app.screen.view
            message = view.error_message or ""
            assert not message.startswith(UNEXPECTED), (step, message)
            await pilot.press("n")
            await settle(pilot)


SPEC_SETTINGS = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.sampled_from(EXTREMES),
)


@SPEC_SETTINGS
@given(case=st.sampled_from(CASES), value=numbers)
def test_any_number_in_any_step_field_is_refused_with_a_location_or_valid(
    tmp_path_factory: pytest.TempPathFactory, case: tuple[str, Any, Any], value: Any
):
    kind, path, _ = case
    step = base_step(kind, path[0])
    set_path(step, path, value)
    check(tmp_path_factory.mktemp("n") / "l.yaml", [step])


def _layer_verdict(layer: str, arg: str, value: Any) -> bool:
    """True when the spec is accepted; a refusal must point inside the layer."""
    start = time.perf_counter()
    try:
        dry_run(parse_spec(layer_spec(layer, arg, value)))
    except SpecError as error:
        assert error.issues
        for issue in error.issues:
            assert issue.path[:2] == ("layers", 0) or issue.path == (), issue  # or the model
            assert issue.message
        return False
    finally:
        assert time.perf_counter() - start < SECONDS
    return True


@pytest.mark.parametrize(("layer", "arg"), LAYER_CASES, ids=[f"{a}.{b}" for a, b in LAYER_CASES])
def test_extreme_layer_arguments_are_refused_inside_the_layer(layer: str, arg: str):
    dry_run(parse_spec(layer_spec(layer)))  # the base is valid
    accepted = [v for v in EXTREMES if _layer_verdict(layer, arg, v)]
    assert not [v for v in accepted if isinstance(v, float) and not math.isfinite(v)]
    assert not [v for v in accepted if abs(v) >= 1e30]


@SPEC_SETTINGS
@given(case=st.sampled_from(LAYER_CASES), value=numbers)
def test_any_number_in_any_layer_argument_is_refused_inside_the_layer_or_built(
    case: tuple[str, str], value: Any
):
    _layer_verdict(*case, value)


async def test_accepted_layer_extremes_are_drawn_by_the_dissect_view(tmp_path: Path):
    models: dict[str, Any] = copy.deepcopy(MODELS)
    steps = []
    for layer, arg in LAYER_CASES:
        # The largest accepted values: small ones (0, -1) are everyday arguments.
        for value in (10**30, 10**9, 1e6, -1e6, -(10**9)):
            if _layer_verdict(layer, arg, value):
                name = f"x{len(steps)}"
                models[name] = layer_spec(layer, arg, value)
                steps.append({"kind": "dissect", "model": name, "batch": 2})
    text = yaml.safe_dump(
        {"id": "layers", "title": "Layers", "dataset": "mnist", "models": models, "steps": steps},
        sort_keys=False,
    )
    path = tmp_path / "layers.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_lesson(path).ok
    app = TutorApp(lesson=str(path))
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        for step in steps:
            message = app.screen.view.error_message or ""
            assert not message.startswith(UNEXPECTED), (step, models[step["model"]], message)
            assert message == "", (models[step["model"]], message)
            await pilot.press("n")
            await settle(pilot)
