"""Computed facts: the placeholder grammar and values checked against PyTorch itself."""

from __future__ import annotations

import pytest
import torch.nn as nn

from tutor.course.facts import FactContext, FactError, Shape, parse_fact, same_value
from tutor.engine.spec import parse_spec

MLP = parse_spec(
    {
        "input": [1, 28, 28],
        "layers": [
            "Flatten",
            {"name": "fc1", "Linear": [784, 100]},
            "ReLU",
            {"name": "fc2", "Linear": {"in_features": 100, "out_features": 10, "bias": False}},
        ],
    },
    name="mlp",
)


@pytest.fixture
def facts() -> FactContext:
    return FactContext({"mlp": MLP})


def test_model_facts_match_torch(facts: FactContext):
    fc1 = nn.Linear(784, 100)
    assert facts.compute("model.mlp.layer.fc1.params") == sum(p.numel() for p in fc1.parameters())
    assert facts.compute("model.mlp.layer.fc1.weights") == fc1.weight.numel() == 78_400
    assert facts.compute("model.mlp.layer.fc1.biases") == 100
    assert str(facts.compute("model.mlp.layer.fc1.weight_shape")) == "(100, 784)"
    assert str(facts.compute("model.mlp.layer.fc1.input_shape")) == "(N, 784)"
    assert str(facts.compute("model.mlp.output_shape")) == "(N, 10)"
    assert str(facts.compute("model.mlp.input_shape")) == "(N, 1, 28, 28)"
    assert facts.compute("model.mlp.params") == 78_500 + 1_000
    assert facts.compute("model.mlp.layers") == 4
    assert facts.compute("model.mlp.layer.0.type") == "Flatten"


def test_dataset_facts(facts: FactContext):
    assert facts.compute("dataset.fashion-mnist.class.0") == "T-shirt/top"
    assert facts.compute("dataset.fashion-mnist.num_classes") == 10
    assert facts.compute("dataset.cifar2.classes") == ["airplane", "bird"]
    assert facts.compute("dataset.cifar10.features") == 3072
    with pytest.raises(FactError, match="only known when it is loaded"):
        facts.compute("dataset.mnist.train_size")


def test_fill_formats_numbers_and_shapes(facts: FactContext):
    text = "W {{ model.mlp.layer.fc1.weight_shape }}, {{model.mlp.layer.fc1.params}} params"
    assert facts.fill(text) == "W (100, 784), 78,500 params"
    assert facts.fill("{{ model.mlp.layer.fc9.params }}").startswith("⟨")


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("__import__('os')", "is not a fact"),
        ("model.mlp.__class__", "has no fact"),
        ("model.mlp.paramz", "did you mean 'params'"),
        ("model.mlp.layer.fc1", "names no attribute"),
        ("model.mlp.layer.fc2.bias_shape", "has no bias"),
        ("model.cnn.params", "no model 'cnn'"),
        ("dataset.fashion.num_classes", "no dataset 'fashion'"),
        ("dataset.mnist.class.10", "has 10 classes"),
    ],
)
def test_bad_facts(facts: FactContext, ref: str, message: str):
    with pytest.raises(FactError, match=message.replace("(", r"\(")):
        facts.compute(parse_fact(ref) if "__" not in ref else ref)


def test_same_value_accepts_natural_spellings():
    shape = Shape((100,), batch=True)
    assert same_value(shape, ["N", 100]) and same_value(shape, "(N, 100)")
    assert not same_value(shape, [100])
    assert same_value(Shape((100, 784)), [100, 784])
    assert same_value(78500, 78500.0) and not same_value(78500, 78400)
