"""Model specs: allow-listed layers, argument checks, dry runs and learner-facing errors."""

from __future__ import annotations

import resource

import pytest
import torch
import torch.nn as nn

from tutor.engine.build import MAX_PARAMS, build_model, dry_run
from tutor.engine.spec import ALLOWED_LAYERS, SpecError, parse_spec

MLP = {
    "name": "mlp",
    "input": [1, 28, 28],
    "layers": [
        "Flatten",
        {"name": "fc1", "Linear": {"in_features": 784, "out_features": 100}},
        "ReLU",
        {"Linear": [100, 10]},
    ],
}


def _issues(data: dict) -> list[tuple[tuple, str]]:
    with pytest.raises(SpecError) as caught:
        dry_run(parse_spec(data))
    return [(issue.path, issue.message) for issue in caught.value.issues]


def test_required_layers_are_allowed():
    required = {
        "Linear",
        "Conv2d",
        "MaxPool2d",
        "AvgPool2d",
        "AdaptiveAvgPool2d",
        "Flatten",
        "Unflatten",
        "ReLU",
        "LeakyReLU",
        "Tanh",
        "Hardtanh",
        "Sigmoid",
        "Softmax",
        "LogSoftmax",
        "Dropout",
        "BatchNorm1d",
        "BatchNorm2d",
        "Identity",
    }
    assert required <= set(ALLOWED_LAYERS)
    assert all(issubclass(cls, nn.Module) for cls in ALLOWED_LAYERS.values())


def test_all_layer_forms_build_a_named_sequential():
    model = build_model(parse_spec(MLP))
    assert [name for name, _ in model.named_children()] == ["0", "fc1", "2", "3"]
    shapes = {name: tuple(p.shape) for name, p in model.named_parameters()}
    assert shapes == {
        "fc1.weight": (100, 784),
        "fc1.bias": (100,),
        "3.weight": (10, 100),
        "3.bias": (10,),
    }
    assert model(torch.zeros(5, 1, 28, 28)).shape == (5, 10)


def test_same_seed_same_weights():
    a, b = build_model(parse_spec(MLP), seed=3), build_model(parse_spec(MLP), seed=3)
    assert torch.equal(a.fc1.weight, b.fc1.weight)
    assert not torch.equal(a.fc1.weight, build_model(parse_spec(MLP), seed=4).fc1.weight)


def test_list_arguments_become_tuples():
    spec = parse_spec(
        {
            "input": [1, 28, 28],
            "layers": [
                {"Conv2d": {"in_channels": 1, "out_channels": 2, "kernel_size": [3, 5]}},
                {"Unflatten": {"dim": 1, "unflattened_size": [2, 1]}},
            ],
        }
    )
    assert spec.layers[0].kwargs["kernel_size"] == (3, 5)


def test_unknown_layer_suggests_the_right_name():
    issues = _issues({"input": [4], "layers": ["Relu", {"nn.Linear": [4, 2]}]})
    assert issues[0] == (("layers", 0), issues[0][1])
    assert "unknown layer type 'Relu' (did you mean 'ReLU'?)" in issues[0][1]
    assert issues[1][0] == ("layers", 1, "nn.Linear")
    assert "did you mean 'Linear'?" in issues[1][1]


def test_python_names_are_not_layers():
    for name in ("eval", "__import__", "os.system", "Module", "Sequential", "LSTM"):
        issues = _issues({"input": [4], "layers": [{name: None}]})
        assert f"unknown layer type '{name}'" in issues[0][1]


def test_bad_argument_names_point_at_the_key():
    issues = _issues({"input": [4], "layers": [{"Linear": {"in_featurs": 4, "out_features": 2}}]})
    assert issues == [
        (
            ("layers", 0, "Linear", "in_featurs"),
            "Linear has no argument 'in_featurs' (did you mean 'in_features'?); "
            "it takes: in_features, out_features, bias",
        )
    ]


def test_missing_wrong_type_and_forbidden_arguments():
    issues = _issues(
        {
            "input": [4],
            "layers": [
                {"Linear": {"in_features": 4}},
                {"Linear": {"in_features": "four", "out_features": 2}},
                {"Linear": {"in_features": 4, "out_features": 0}},
                {"Linear": {"in_features": 4, "out_features": 2, "device": "cuda"}},
                {"Dropout": {"p": "half"}},
                {"ReLU": {"inplace": "yes"}},
            ],
        }
    )
    messages = [m for _, m in issues]
    assert "Linear needs 'out_features'" in messages[0]
    assert "'in_features' must be a whole number, not text ('four')" in messages[1]
    assert "'out_features' must be at least 1, got 0" in messages[2]
    assert "'device' cannot be set" in messages[3]
    assert "'p' must be a number" in messages[4]
    assert "'inplace' must be true or false" in messages[5]


def test_duplicate_names_and_bad_input():
    with pytest.raises(SpecError) as caught:
        parse_spec(
            {
                "input": [0, 28],
                "layers": [{"name": "a", "ReLU": None}, {"name": "a", "ReLU": None}],
                "inptu": 1,
            }
        )
    messages = " | ".join(i.message for i in caught.value.issues)
    assert "'input' must be a list of positive whole numbers" in messages
    assert "the layer name 'a' is used twice" in messages
    assert "unknown model field 'inptu' (did you mean 'input'?)" in messages


def test_shape_mismatch_names_layer_sizes_and_source():
    issues = _issues(
        {
            "name": "lenet",
            "input": [1, 32, 32],
            "layers": [
                {"Conv2d": {"in_channels": 1, "out_channels": 6, "kernel_size": 5}},
                {"MaxPool2d": 2},
                {"Conv2d": {"in_channels": 6, "out_channels": 16, "kernel_size": 5}},
                {"MaxPool2d": 2},
                "Flatten",
                {"name": "fc1", "Linear": {"in_features": 256, "out_features": 120}},
                {"name": "fc2", "Linear": {"in_features": 100, "out_features": 84}},
            ],
        }
    )
    assert issues[0] == (
        ("layers", 5),
        "fc1 (Linear) expects 256 input features but (N, 16, 5, 5) flattens "
        "to 400; set in_features: 400",
    )
    # The dry run carries on past the first mismatch and finds the second one too.
    assert issues[1][0] == ("layers", 6)
    assert "fc2 (Linear) expects 100 input features" in issues[1][1]
    assert "gives (N, 120)" in issues[1][1]


def test_missing_flatten_is_explained():
    issues = _issues({"input": [1, 28, 28], "layers": [{"Linear": [784, 10]}]})
    assert "add a Flatten before it" in issues[0][1]
    assert "(N, 1, 28, 28)" in issues[0][1]


def test_conv_channel_mismatch_and_too_small_input():
    issues = _issues(
        {
            "input": [3, 32, 32],
            "layers": [
                {
                    "name": "conv1",
                    "Conv2d": {"in_channels": 1, "out_channels": 4, "kernel_size": 3},
                },
            ],
        }
    )
    assert (
        "conv1 (Conv2d) expects 1 input channels but the model input is (N, 3, 32, 32)"
        in issues[0][1]
    )
    issues = _issues(
        {
            "input": [1, 4, 4],
            "layers": [
                {"Conv2d": {"in_channels": 1, "out_channels": 4, "kernel_size": 5}},
            ],
        }
    )
    assert "(4 + 2×0 − 5) / 1 + 1 = 0" in issues[0][1]


def test_too_many_parameters_refused_without_allocating():
    spec = parse_spec({"name": "huge", "input": [100000], "layers": [{"Linear": [100000, 100000]}]})
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(SpecError) as caught:
        build_model(spec)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert "model 'huge' has 10,000,100,000 parameters" in str(caught.value)
    assert f"above the limit of {MAX_PARAMS:,}" in str(caught.value)
    assert after - before < 200_000  # KiB: 40 GB of weights were never allocated


def test_dry_run_reports_shapes_with_batch():
    result = dry_run(parse_spec(MLP), batch_size=7)
    assert [layer.output_shape for layer in result.layers] == [
        (7, 784),
        (7, 100),
        (7, 100),
        (7, 10),
    ]
    assert result.total_params == 784 * 100 + 100 + 100 * 10 + 10


def test_with_dropout_off_keeps_the_layers_and_makes_dropout_do_nothing():
    from tutor.engine.edit import with_dropout

    spec = parse_spec(
        {"input": [8], "layers": [{"Linear": [8, 8]}, {"Dropout": [0.5]}, {"Linear": [8, 2]}]}
    )
    assert with_dropout(spec, True) is spec
    off = with_dropout(spec, False)
    assert [layer.type for layer in off.layers] == ["Linear", "Dropout", "Linear"]
    model = build_model(off, seed=0).train()  # train mode: dropout would be active
    x = torch.randn(4, 8)
    assert torch.equal(model(x), model(x))
    noisy = build_model(spec, seed=0).train()
    assert not torch.equal(noisy(x), noisy(x))
