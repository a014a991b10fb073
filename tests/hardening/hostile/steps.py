"""A minimal valid step of every kind, and lessons built around one step."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from tutor.course.steps import KINDS

MODELS = {
    "m": {"input": [1, 28, 28], "layers": ["Flatten", {"Linear": [784, 10]}]},
    "line": {"input": [1], "layers": [{"Linear": [1, 1]}]},
}

#: A valid step of each kind, with every field a number goes in left at its default.
#: A kind added later without an entry here gets one made from its required fields
#: (see :func:`base_step`); when that is not valid either, the property test says so.
BASES: dict[str, dict[str, Any]] = {
    "text": {"kind": "text", "body": "hi"},
    "samples": {"kind": "samples"},
    "dissect": {"kind": "dissect", "model": "m"},
    "forward": {"kind": "forward", "model": "m"},
    "softmax": {"kind": "softmax", "logits": [1.0, 2.0, 0.5], "label": 0},
    "train": {"kind": "train", "model": "m", "epochs": 1},
    "plot": {
        "kind": "plot",
        "dataset": "thermometer",
        "curves": [{"terms": [{"fn": "tanh"}]}],
        "fits": [{"model": "line", "epochs": 10}],
    },
    "quiz": {"kind": "quiz", "question": "How many?", "answer": 3},
    "code": {"kind": "code", "model": "m"},
    "sandbox": {"kind": "sandbox", "model": "m"},
    "boundary": {"kind": "boundary", "dataset": "circle", "hidden": [2], "epochs": 1},
}
#: Fields that need another base than their kind's.
FIELD_BASES: dict[tuple[str, str], dict[str, Any]] = {
    ("quiz", "correct"): {"kind": "quiz", "question": "Which?", "choices": ["a", "b"]},
}


def base_step(kind: str, field: str | int | None = None) -> dict[str, Any]:
    """A valid step of ``kind`` (a copy: change it freely)."""
    if (kind, str(field)) in FIELD_BASES:
        return copy.deepcopy(FIELD_BASES[(kind, str(field))])
    if kind in BASES:
        return copy.deepcopy(BASES[kind])
    step: dict[str, Any] = {"kind": kind}
    for name, info in KINDS[kind].schema.model_fields.items():
        if info.is_required() and name != "kind":
            step[name] = "m" if name == "model" else "x"
    return step


def lesson_yaml(steps: list[dict[str, Any]], dataset: str = "mnist") -> str:
    """A lesson around ``steps``, each written in block style (one field per line)."""
    data = {"id": "numbers", "title": "Numbers", "dataset": dataset, "models": MODELS}
    head = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    body = yaml.safe_dump({"steps": steps}, sort_keys=False, allow_unicode=True)
    return head + body


def write(path: Path, steps: list[dict[str, Any]]) -> Path:
    path.write_text(lesson_yaml(steps), encoding="utf-8")
    return path
