"""Generated PyTorch code builds the same model tutor builds."""

from __future__ import annotations

import ast

import torch

from tutor.engine.build import build_model
from tutor.engine.codegen import model_code, training_code
from tutor.engine.config import TrainConfig
from tutor.engine.spec import parse_spec

SPEC = parse_spec(
    {
        "input": [1, 28, 28],
        "layers": [
            {"Conv2d": {"in_channels": 1, "out_channels": 4, "kernel_size": 3, "padding": 1}},
            "ReLU",
            {"MaxPool2d": [2]},
            "Flatten",
            {"name": "fc1", "Linear": {"in_features": 784, "out_features": 10}},
        ],
    },
    name="net",
)


def test_model_code_builds_the_same_parameters():
    code = model_code(SPEC)
    namespace: dict = {}
    exec(compile(code, "<generated>", "exec"), namespace)  # test only: our own generated code
    generated = namespace["model"]
    ours = build_model(SPEC)
    assert {k: v.shape for k, v in generated.state_dict().items()} == {
        k: v.shape for k, v in ours.state_dict().items()
    }
    generated.load_state_dict(ours.state_dict())
    x = torch.randn(2, 1, 28, 28)
    assert torch.allclose(generated(x), ours(x))
    assert "# (N, 4, 28, 28) -> (N, 4, 14, 14)" in code
    assert '("fc1", nn.Linear(784, 10)),' in code


def test_training_code_is_valid_python_with_the_settings():
    code = training_code(SPEC, "fashion-mnist", TrainConfig(lr=0.05, momentum=0.9, epochs=4))
    ast.parse(code)
    assert "datasets.FashionMNIST(" in code
    assert "torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)" in code
    assert "for epoch in range(4):" in code
    assert "nn.CrossEntropyLoss()" in code


def test_training_code_has_weight_decay_and_the_training_subset():
    config = TrainConfig(lr=0.05, momentum=0.9, weight_decay=0.01, train_subset=500)
    code = training_code(SPEC, "mnist", config)
    ast.parse(code)
    assert "torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=0.01)" in code
    assert "train_data = Subset(train_data, range(min(500, len(train_data))))" in code
    adam = training_code(SPEC, "mnist", TrainConfig(optimizer="adam", lr=1e-3, weight_decay=1e-4))
    assert "torch.optim.Adam(model.parameters(), lr=0.001, weight_decay=0.0001)" in adam
    assert "weight_decay" not in training_code(SPEC, "mnist", TrainConfig())
