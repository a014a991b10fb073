"""The learner's own model as a model source: fresh seeded weights from their class or
function, a copy of a module built in their file, their errors located, and code that
imports their file and builds the same model."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
import torch

from tutor.course.steps.dissect import layer_table
from tutor.engine.usercode import LearnerCodeError
from tutor.engine.usersource import load_user_source

LEARNER = textwrap.dedent(
    """
    import torch
    from torch import nn

    calls = []


    class Net(nn.Module):
        input_shape = (1, 28, 28)

        def __init__(self, hidden=16):
            super().__init__()
            calls.append(hidden)
            self.body = nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU())
            self.head = nn.Linear(hidden, 10)

        def forward(self, x):
            return self.head(self.body(x))


    def make(hidden=8):
        return Net(hidden)


    class Points(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)
            self.example_input = torch.zeros(4, 2)

        def forward(self, x):
            return self.fc(x)


    class Flaky(nn.Module):
        input_shape = (4,)

        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 2)

        def forward(self, x):
            if x.shape[0] != 2:
                raise ValueError("only batches of two")
            return self.fc(x)


    model = Net(hidden=4)
    """
)


@pytest.fixture
def learner(tmp_path: Path) -> Path:
    path = tmp_path / "learner_net.py"
    path.write_text(LEARNER, encoding="utf-8")
    return path


def test_a_class_is_built_again_with_fresh_seeded_weights(learner: Path):
    source = load_user_source(f"{learner}:Net", '{"hidden": 32}')
    assert source.input == (1, 28, 28)
    assert source.rule_facts().output == (10,) and source.rule_facts().last_layer == "Linear"
    assert source.child_names() == ["body.0", "body.1", "body.2", "head"]
    assert source.total_params == 784 * 32 + 32 + 32 * 10 + 10
    a, b, c = source.build(seed=0), source.build(seed=0), source.build(seed=1)
    assert a is not b and torch.equal(a.head.weight, b.head.weight)
    assert not torch.equal(a.head.weight, c.head.weight)
    assert a.body[1].weight.shape == (32, 784)
    # The global generator is left as it was, as for specs.
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    source.build(seed=3)
    assert torch.equal(torch.rand(3), expected)


def test_a_function_and_a_module_built_in_the_file(learner: Path):
    made = load_user_source(f"{learner}:make")
    assert made.build().head.in_features == 8
    ready = load_user_source(f"{learner}:model")
    first, second = ready.build(), ready.build()
    assert first is not second and torch.equal(first.head.weight, second.head.weight)
    assert ready.call() == "model"


def test_the_input_comes_from_example_input_and_errors_are_the_learners(learner: Path):
    points = load_user_source(f"{learner}:Points")
    assert points.input == (2,) and points.rule_facts().output == (2,)
    # Loaded on a batch of two, it fails on the table's batch of 32: in the learner's file.
    flaky = load_user_source(f"{learner}:Flaky")
    with pytest.raises(LearnerCodeError, match=r"learner_net\.py:\d+: in forward: ValueError"):
        layer_table(flaky, flaky.build(), 32, None)
    with pytest.raises(LearnerCodeError, match="takes several inputs"):
        load_user_source(f"{learner}:Net", input_text="1,28,28;10")
    with pytest.raises(LearnerCodeError, match=r"learner_net\.py:\d+: in forward"):
        load_user_source(f"{learner}:Net", input_text="3,32,32")


def test_the_code_imports_the_learners_file_and_builds_the_same_model(learner: Path):
    source = load_user_source(f"{learner}:Net", '{"hidden": 12}')
    code = source.code().text()
    assert f"sys.path.insert(0, {str(learner.parent)!r})" in code
    assert "from learner_net import Net" in code
    assert "model = Net(hidden=12)" in code
    saved_path, saved_modules = list(sys.path), set(sys.modules)
    namespace: dict[str, object] = {}
    try:
        exec(compile(code, "<generated>", "exec"), namespace)  # test only: our own code
    finally:
        sys.path[:] = saved_path
        for name in set(sys.modules) - saved_modules:
            del sys.modules[name]
    model = namespace["model"]
    assert sum(p.numel() for p in model.parameters()) == source.total_params  # type: ignore[attr-defined]
    assert f"# {source.total_params:,} parameters" in code


def test_a_file_name_python_cannot_import_is_loaded_by_path(tmp_path: Path):
    path = tmp_path / "my-net.py"
    path.write_text(LEARNER, encoding="utf-8")
    code = load_user_source(f"{path}:Net").code().text()
    assert "spec_from_file_location" in code and "Net = module.Net" in code
