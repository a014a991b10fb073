"""Safe YAML loading: plain data only, every value located."""

from __future__ import annotations

import pytest

from tutor.course.yamlsafe import MAX_DEPTH, Position, YamlError, load_text


def test_values_and_keys_are_located():
    data, where = load_text("a: 1\nb:\n  - x\n  - {c: true, d: null}\n", "f.yaml")
    assert data == {"a": 1, "b": ["x", {"c": True, "d": None}]}
    assert where.locate(("b", 1, "c")) == Position(4, 9)
    assert where.locate(("b", 1, "c"), key=True) == Position(4, 6)
    # A missing path resolves to the closest existing parent.
    assert where.locate(("b", 1, "missing")) == Position(4, 5)
    assert str(where.problem(("a",), "bad")) == "f.yaml:1:4: error: bad"


@pytest.mark.parametrize(
    "text",
    [
        "!!python/object/apply:os.system ['echo hi']",
        "a: !!python/name:os.system ''",
        "a: !!python/object:collections.OrderedDict {}",
        "a: !custom 1",
        "a: !!binary aGVsbG8=",
        "a: !!set {x, y}",
    ],
)
def test_tags_never_construct_objects(text: str):
    with pytest.raises(YamlError) as caught:
        load_text(text, "t.yaml")
    assert "is not allowed" in str(caught.value) or "would create a Python object" in str(
        caught.value
    )


def test_syntax_errors_are_located():
    with pytest.raises(YamlError) as caught:
        load_text("a: 1\nb: [1, 2\nc: 3\n", "s.yaml")
    problem = caught.value.problems[0]
    assert problem.source == "s.yaml" and problem.line >= 2
    assert problem.message.startswith("YAML syntax error:")


def test_deep_nesting_and_alias_bombs_are_cut_off():
    with pytest.raises(YamlError, match="nested"):
        load_text("a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5))
    with pytest.raises(YamlError, match=r"nested too deeply|nested more than"):
        load_text("[" * 5000 + "]" * 5000)
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n"
    for name, prev in zip("bcdefg", "abcdef", strict=True):
        bomb += f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]\n"
    with pytest.raises(YamlError, match="expands to more than"):
        load_text(bomb)


def test_dates_stay_text_and_merge_keys_are_refused():
    data, _ = load_text("when: 2024-01-01\n")
    assert data == {"when": "2024-01-01"}
    with pytest.raises(YamlError, match="merge keys"):
        load_text("a: &a {x: 1}\nb:\n  <<: *a\n")


def test_empty_document_is_none():
    assert load_text("")[0] is None
