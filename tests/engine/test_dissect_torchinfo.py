"""`tutor dissect --json` agrees with torchinfo 1.8 layer by layer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import torchinfo
import torchvision.models as tvm

from tutor.cli import main
from tutor.course.modelfile import load_model_file
from tutor.engine.build import build_model

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _dissect_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    code = main(["dissect", *args, "--json", "--device", "cpu"])
    out = capsys.readouterr().out
    assert code == 0
    return json.loads(out)


def _reference(model: torch.nn.Module, input_shape: tuple[int, ...]):
    stats = torchinfo.summary(
        model, input_size=(1, *input_shape), verbose=0, device="cpu", depth=50, mode="eval"
    )
    leaves = [layer for layer in stats.summary_list if layer.is_leaf_layer]
    return stats, leaves


def _compare(ours: dict, stats, leaves) -> None:
    assert [layer["type"] for layer in ours["layers"]] == [leaf.class_name for leaf in leaves]
    for mine, ref in zip(ours["layers"], leaves, strict=True):
        assert mine["output_shape"] == list(ref.output_size), mine["path"]
        assert mine["num_params"] == ref.num_params, mine["path"]
        if mine["type"] in ("Linear", "Conv2d"):
            assert mine["mult_adds"] == ref.macs, mine["path"]
    assert ours["total_params"] == stats.total_params
    assert ours["trainable_params"] == stats.trainable_params
    assert ours["total_mult_adds"] == stats.total_mult_adds


@pytest.mark.parametrize("name", ["resnet18", "vgg11", "mobilenet_v2"])
def test_torchvision_models_match_torchinfo(name: str, capsys: pytest.CaptureFixture[str]):
    ours = _dissect_json(capsys, f"torchvision:{name}")
    assert ours["model"] == f"torchvision:{name}"
    assert ours["input_shape"] == [1, 3, 224, 224]
    assert ours["batch_size"] == 1
    assert ours["device"].startswith("cpu")
    model = tvm.get_model(name, weights=None)
    _compare(ours, *_reference(model, (3, 224, 224)))


def test_lenet_spec_matches_torchinfo(capsys: pytest.CaptureFixture[str]):
    ours = _dissect_json(capsys, str(FIXTURES / "lenet.yaml"))
    spec = load_model_file(FIXTURES / "lenet.yaml")
    _compare(ours, *_reference(build_model(spec), spec.input))
    by_path = {layer["path"]: layer for layer in ours["layers"]}
    # The numbers the convolution lesson teaches.
    assert by_path["conv1"]["param_shapes"] == {"weight": [6, 1, 5, 5], "bias": [6]}
    assert by_path["conv2"]["output_shape"] == [1, 16, 10, 10]
    assert by_path["fc1"]["input_shape"] == [1, 400]
    assert by_path["fc1"]["num_params"] == 400 * 120 + 120
    assert ours["total_params"] == 61706


def test_batch_changes_activations_not_weights(capsys: pytest.CaptureFixture[str]):
    one = _dissect_json(capsys, str(FIXTURES / "lenet.yaml"), "--batch", "1")
    many = _dissect_json(capsys, str(FIXTURES / "lenet.yaml"), "--batch", "32")
    for a, b in zip(one["layers"], many["layers"], strict=True):
        assert b["output_shape"][0] == 32 and a["output_shape"][0] == 1
        assert a["output_shape"][1:] == b["output_shape"][1:]
        assert a["param_shapes"] == b["param_shapes"]
        assert b["mult_adds"] == 32 * a["mult_adds"]


def test_input_option_overrides_default(capsys: pytest.CaptureFixture[str]):
    ours = _dissect_json(capsys, "torchvision:resnet18", "--input", "3,64,64", "--batch", "2")
    assert ours["input_shape"] == [2, 3, 64, 64]
    assert ours["layers"][-1]["output_shape"] == [2, 1000]
