"""Playground's input features: the values, the PlaneFeatures layer in specs, dissect,
checkpoints, and its exported code running in a fresh Python with the same numbers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tutor.cli import main
from tutor.engine.build import build_model, dry_run
from tutor.engine.checkpoint import spec_from_data, spec_to_data
from tutor.engine.codegen import model_code
from tutor.engine.plane import (
    FEATURE_IDS,
    FeatureError,
    PlaneFeatures,
    feature_ids,
    feature_label,
    plane_features,
)
from tutor.engine.spec import SpecError, parse_spec

ALL = list(FEATURE_IDS)


def _spec(features: list[str], hidden: int = 5) -> dict:
    return {
        "name": "pf",
        "input": [2],
        "layers": [
            {"name": "features", "PlaneFeatures": {"features": features}},
            {"name": "fc1", "Linear": {"in_features": len(features), "out_features": hidden}},
            "Tanh",
            {"name": "out", "Linear": {"in_features": hidden, "out_features": 2}},
        ],
    }


def test_features_equal_hand_computed_values():
    points = torch.tensor([[1.5, -2.0], [0.0, 3.0], [-4.0, 0.5]])
    out = plane_features(points, ALL)  # (3, 7)
    for row, (a, b) in zip(out.tolist(), points.tolist(), strict=True):
        expected = [
            a,
            b,
            a * a,
            b * b,
            a * b,
            torch.sin(torch.tensor(a)).item(),
            torch.sin(torch.tensor(b)).item(),
        ]
        assert row == pytest.approx(expected, abs=1e-6)
    assert out[0, 5].item() == pytest.approx(0.997494987, abs=1e-7)  # sin 1.5
    # A subset keeps the order asked for.
    torch.testing.assert_close(plane_features(points, ["sin(x2)", "x1"]), out[:, [6, 0]])


def test_feature_spellings_and_errors():
    assert feature_ids(["x1**2", "SIN X2", "x2·x1", "sin(x1)"]) == (
        "x1^2",
        "sin(x2)",
        "x1*x2",
        "sin(x1)",
    )
    assert feature_ids(["x1²", "x2 ^ 2", "x1 * x2", "sinx2"]) == (
        "x1^2",
        "x2^2",
        "x1*x2",
        "sin(x2)",
    )
    assert feature_ids("x2") == ("x2",)
    assert [feature_label(f) for f in ALL] == [
        "x1",
        "x2",
        "x1²",
        "x2²",
        "x1·x2",
        "sin x1",
        "sin x2",
    ]
    with pytest.raises(FeatureError, match=r"unknown input feature 'x1\^3' \(did you mean 'x1\^2'"):
        feature_ids(["x1^3"])
    with pytest.raises(FeatureError, match=r"unknown input feature 'x3'; the features are x1, x2"):
        feature_ids(["x3"])
    with pytest.raises(FeatureError, match="listed twice"):
        feature_ids(["x1", "x1"])
    with pytest.raises(FeatureError, match="at least one"):
        feature_ids([])
    with pytest.raises(FeatureError, match="list of names"):
        feature_ids(3)  # type: ignore[arg-type]
    with pytest.raises(FeatureError, match=r"as \(N, 2\), got \(N, 3\)"):
        PlaneFeatures()(torch.zeros(4, 3))


def test_plane_features_layer_in_a_spec_builds_and_dry_runs():
    spec = parse_spec(_spec(["x1", "x2", "sin x1"]))
    run = dry_run(spec, batch_size=4)
    assert [layer.output_shape for layer in run.layers] == [(4, 3), (4, 5), (4, 5), (4, 2)]
    model = build_model(spec)
    assert isinstance(model.features, PlaneFeatures)
    assert model.features.features == ("x1", "x2", "sin(x1)")
    assert [name for name, _ in model.named_parameters()] == [
        "fc1.weight",
        "fc1.bias",
        "out.weight",
        "out.bias",
    ]


def test_spec_problems_are_explained():
    with pytest.raises(
        SpecError, match=r"cannot be built from PlaneFeatures.*did you mean 'sin\(x"
    ):
        dry_run(parse_spec(_spec(["x1", "sin(x3)"])))
    wrong_input = _spec(["x1"]) | {"input": [3]}
    with pytest.raises(SpecError, match=r"PlaneFeatures\).*\(N, 2\), got \(N, 3\)"):
        dry_run(parse_spec(wrong_input))
    with pytest.raises(SpecError, match="PlaneFeatures has no argument 'feature'"):
        parse_spec({"input": [2], "layers": [{"PlaneFeatures": {"feature": ["x1"]}}]})


def test_checkpoint_spec_round_trip_keeps_the_features():
    spec = parse_spec(_spec(["x1^2", "x1*x2"]))
    again = spec_from_data(spec_to_data(spec))
    model = build_model(again)
    assert model.features.features == ("x1^2", "x1*x2")


def test_dissect_json_of_a_features_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    path = tmp_path / "pf.yaml"
    path.write_text(json.dumps(_spec(["x1", "x2", "x1^2", "x2^2"])))  # JSON is YAML
    assert main(["dissect", str(path), "--json", "--device", "cpu", "--batch", "3"]) == 0
    report = json.loads(capsys.readouterr().out)
    first = report["layers"][0]
    assert first["type"] == "PlaneFeatures" and first["num_params"] == 0
    assert first["input_shape"] == [3, 2] and first["output_shape"] == [3, 4]
    assert report["total_params"] == 4 * 5 + 5 + 5 * 2 + 2


def test_exported_code_runs_alone_and_gives_the_engine_numbers(tmp_path: Path):
    spec = parse_spec(_spec(["x1", "x2", "x1²", "x2^2", "x1*x2", "sin x1", "sin(x2)"][::-1]))
    model = build_model(spec, seed=3)
    points = torch.randn(64, 2) * 4
    with torch.no_grad():
        expected = model(points)
    torch.save(model.state_dict(), tmp_path / "weights.pt")
    torch.save(points, tmp_path / "points.pt")
    script = model_code(spec) + (
        "\n"
        'model.load_state_dict(torch.load("weights.pt", weights_only=True))\n'
        "with torch.no_grad():\n"
        '    torch.save(model(torch.load("points.pt")), "out.pt")\n'
    )
    assert 'PlaneFeatures(["sin(x2)", "sin(x1)", "x1*x2", "x2^2", "x1^2", "x2", "x1"])' in script
    (tmp_path / "export.py").write_text(script)
    done = subprocess.run(
        [sys.executable, "export.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    got = torch.load(tmp_path / "out.pt", weights_only=True)
    torch.testing.assert_close(got, expected, rtol=0, atol=0)  # bit for bit
