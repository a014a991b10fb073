"""Property-based: any lesson or model text gives a lesson or located errors, never a
traceback, and within a bounded time (alias bombs, deep nesting, huge numbers and odd
Unicode included)."""

from __future__ import annotations

import time
from pathlib import Path

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tutor.course.lesson import load_lesson
from tutor.course.modelfile import load_model_file
from tutor.course.problems import ProblemsFound
from tutor.course.yamlsafe import Problem
from tutor.engine.build import dry_run
from tutor.engine.spec import ALLOWED_LAYERS, SpecError, parse_spec

PER_INPUT_SECONDS = 5.0
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

odd_text = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"]),  # no lone surrogates: not UTF-8
    max_size=200,
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    odd_text,
)
plain = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(
            st.one_of(
                odd_text,
                st.sampled_from(
                    [
                        "id",
                        "title",
                        "steps",
                        "kind",
                        "model",
                        "models",
                        "layers",
                        "input",
                        "body",
                        "choices",
                        "correct",
                        "dataset",
                        "expect",
                        "text",
                        "lr",
                        "epochs",
                    ]
                ),
            ),
            inner,
            max_size=5,
        ),
    ),
    max_leaves=25,
)
step_kinds = st.sampled_from(
    ["text", "samples", "dissect", "forward", "softmax", "train", "plot", "quiz", "code", "nope"]
)
layer_names = st.sampled_from([*ALLOWED_LAYERS, "Relu", "os.system", "__import__", "LSTM"])
layers = st.one_of(
    layer_names,
    st.builds(
        lambda name, args: {name: args},
        layer_names,
        st.one_of(
            st.none(),
            st.lists(scalars, max_size=3),
            st.dictionaries(
                st.sampled_from(
                    [
                        "in_features",
                        "out_features",
                        "kernel_size",
                        "in_channels",
                        "out_channels",
                        "bias",
                        "dim",
                        "p",
                        "stride",
                        "padding",
                    ]
                ),
                st.one_of(st.integers(-5, 3000), scalars),
                max_size=3,
            ),
        ),
    ),
)
specs = st.fixed_dictionaries(
    {
        "input": st.lists(st.integers(-2, 64), min_size=0, max_size=4),
        "layers": st.lists(layers, max_size=6),
    },
    optional={"name": odd_text},
)
lessons = st.fixed_dictionaries(
    {
        "id": st.one_of(st.just("ok-id"), odd_text),
        "title": st.one_of(
            odd_text, st.dictionaries(st.sampled_from(["en", "ko", "fr"]), odd_text, max_size=2)
        ),
        "steps": st.lists(
            st.fixed_dictionaries(
                {"kind": step_kinds},
                optional={
                    "body": odd_text,
                    "model": st.sampled_from(["m", "x"]),
                    "text": odd_text,
                    "expect": st.dictionaries(
                        st.sampled_from(["model.m.params", "model.m.bogus"]), scalars, max_size=2
                    ),
                    "choices": st.lists(odd_text, max_size=3),
                    "correct": st.integers(-1, 4),
                    "question": odd_text,
                },
            ),
            max_size=4,
        ),
    },
    optional={
        "models": st.dictionaries(st.sampled_from(["m", "x"]), specs, max_size=2),
        "languages": st.lists(st.sampled_from(["en", "ko", "xx"]), max_size=2),
        "dataset": st.sampled_from(["fashion-mnist", "mnist", "nope", "thermometer"]),
    },
)


def check_file(path: Path) -> None:
    start = time.perf_counter()
    result = load_lesson(path)
    elapsed = time.perf_counter() - start
    assert elapsed < PER_INPUT_SECONDS
    assert all(isinstance(p, Problem) and p.line >= 1 and p.column >= 1 for p in result.problems)
    assert result.ok or result.problems
    for problem in result.problems:
        assert str(problem).startswith(f"{path}:{problem.line}:{problem.column}: error: ")


@SETTINGS
@given(text=odd_text)
def test_any_text_is_a_lesson_or_located_errors(tmp_path_factory, text: str):
    path = tmp_path_factory.mktemp("p") / "lesson.yaml"
    path.write_text(text, encoding="utf-8")
    check_file(path)


@SETTINGS
@given(data=plain)
def test_any_plain_data_is_a_lesson_or_located_errors(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("p") / "lesson.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    check_file(path)


@SETTINGS
@given(data=lessons)
def test_lesson_shaped_data_is_a_lesson_or_located_errors(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("p") / "lesson.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    check_file(path)


@SETTINGS
@given(data=specs)
# Found by CI: text where a ranged argument (BatchNorm's momentum) takes a number.
@example(data={"input": [], "layers": [{"BatchNorm1d": [None, None, ""]}]})
def test_any_spec_builds_or_gives_spec_errors(data):
    start = time.perf_counter()
    try:
        dry_run(parse_spec(data))
    except SpecError as error:
        assert error.issues and all(issue.message for issue in error.issues)
    assert time.perf_counter() - start < PER_INPUT_SECONDS


@SETTINGS
@given(data=specs)
def test_spec_files_give_located_problems(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("s") / "spec.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    try:
        load_model_file(path)
    except ProblemsFound as error:
        assert error.problems and all(p.line >= 1 for p in error.problems)


def test_pathological_documents_are_refused_quickly(tmp_path: Path):
    cases = {
        "deep-list": "a: " + "[" * 20000 + "]" * 20000,
        "deep-map": "a: " + "{b: " * 5000 + "1" + "}" * 5000,
        "alias-bomb": "a: &a ["
        + ",".join(["x"] * 30)
        + "]\n"
        + "".join(
            f"{n}: &{n} [{','.join(['*' + p] * 30)}]\n"
            for p, n in zip("abcde", "bcdef", strict=True)
        )
        + "steps: *f\n",
        "huge-number": "id: x\ntitle: x\nsteps:\n  - kind: dissect\n    model: m\n    batch: "
        + "9" * 5000
        + "\n",
        "huge-layer": "id: x\ntitle: x\nmodels:\n  m: {input: [1000000000], layers: [{Linear: "
        "[1000000000, 1000000000]}]}\nsteps: [{kind: dissect, model: m}]\n",
        "nul-and-rtl": 'id: x\ntitle: "\\0\u202e\u200b"\nsteps: [{kind: text, body: "\u202e"}]\n',
        "binary": "\x00\x01\x02\xff",
        "bom-and-crlf": "\ufeffid: x\r\ntitle: x\r\nsteps: [{kind: text, body: hi}]\r\n",
    }
    for name, text in cases.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        check_file(path)
    (tmp_path / "latin1.yaml").write_bytes("id: caf\xe9\n".encode("latin-1"))
    assert "not UTF-8" in load_lesson(tmp_path / "latin1.yaml").problems[0].message
