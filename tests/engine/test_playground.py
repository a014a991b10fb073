"""The playground config: its controls and their limits, the spec and training settings
it becomes, L2 regularization, a short training run, and `tutor train` on a 2-D set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.nn as nn

from tutor.cli import main
from tutor.engine import playground as pg
from tutor.engine.build import build_model
from tutor.engine.codegen import training_code
from tutor.engine.config import TrainConfig, TrainError
from tutor.engine.metrics import evaluate
from tutor.engine.plane import PlaneFeatures
from tutor.engine.playground import PlaygroundConfig, PlaygroundError
from tutor.engine.spec import parse_spec
from tutor.engine.tensordata import TensorData, TensorSplit
from tutor.engine.train import Trainer
from tutor.locales import t

FEATURES_SIN = ("x1", "x2", "sin(x1)", "sin(x2)")


def _key(call) -> str:
    with pytest.raises(PlaygroundError) as caught:
        call()
    assert caught.value.key is not None
    # The message is the catalog's English text, and Korean exists for it.
    assert caught.value.message == t(caught.value.key, "en", **caught.value.values)
    assert caught.value.localized("ko") != caught.value.message
    return caught.value.key


def test_defaults_are_playgrounds():
    c = PlaygroundConfig()
    assert (c.dataset, c.noise, c.features, c.hidden, c.activation) == (
        "circle",
        0.0,
        ("x1", "x2"),
        (4, 2),
        "tanh",
    )
    assert (c.lr, c.regularization, c.batch_size, c.optimizer) == (0.03, 0.0, 10, "sgd")
    assert c.layer_sizes == (2, 4, 2, 2)


def test_layers_are_added_and_removed_within_the_limits():
    c = PlaygroundConfig(hidden=(3,))
    c = pg.add_layer(c)
    assert c.hidden == (3, 3)  # as wide as the last
    for _ in range(4):
        c = pg.add_layer(c)
    assert len(c.hidden) == pg.MAX_HIDDEN_LAYERS == 6
    assert _key(lambda: pg.add_layer(c)) == "playground.layers_max"
    c = pg.set_width(c, 1, 7)
    assert pg.remove_layer(c, 1).hidden == (3, 3, 3, 3, 3)
    assert pg.remove_layer(c).hidden == (3, 7, 3, 3, 3)
    linear = PlaygroundConfig(hidden=())
    assert linear.layer_sizes == (2, 2)
    assert _key(lambda: pg.remove_layer(linear)) == "playground.layers_none"
    assert pg.add_layer(linear).hidden == (pg.NEW_LAYER_WIDTH,)
    assert _key(lambda: pg.remove_layer(c, 6)) == "playground.layer_missing"


def test_widths_activation_and_features():
    c = PlaygroundConfig(hidden=(8, 1))
    assert pg.change_width(c, 0, -3).hidden == (5, 1)
    assert _key(lambda: pg.change_width(c, 0, 1)) == "playground.width_range"
    assert _key(lambda: pg.change_width(c, 1, -1)) == "playground.width_range"
    assert _key(lambda: pg.set_width(c, 2, 3)) == "playground.layer_missing"
    assert _key(lambda: PlaygroundConfig(hidden=(9,))) == "playground.width_range"
    names = []
    for _ in range(4):
        c = pg.next_activation(c)
        names.append(c.activation)
    assert names == ["sigmoid", "linear", "relu", "tanh"]
    assert pg.set_activation(c, "ReLU").activation == "relu"
    assert _key(lambda: pg.set_activation(c, "softplus")) == "playground.activation_unknown"
    f = pg.toggle_feature(PlaygroundConfig(), "sin x2")
    f = pg.toggle_feature(f, "x1²")
    assert f.features == ("x1", "x2", "x1^2", "sin(x2)")  # Playground's order
    assert pg.toggle_feature(f, "x1").features == ("x2", "x1^2", "sin(x2)")
    only = PlaygroundConfig(features=("x2",))
    assert _key(lambda: pg.toggle_feature(only, "x2")) == "playground.feature_last"
    with pytest.raises(PlaygroundError, match="unknown input feature 'x5'"):
        pg.toggle_feature(only, "x5")


def test_rates_noise_and_dataset_step_through_playgrounds_choices():
    c = PlaygroundConfig()
    assert pg.step_lr(c).lr == 0.1 and pg.step_lr(c, -2).lr == 0.003
    assert _key(lambda: pg.step_lr(c.replace(lr=10.0))) == "playground.lr_range"
    assert _key(lambda: pg.step_lr(c.replace(lr=0.00001), -1)) == "playground.lr_range"
    assert pg.step_lr(c.replace(lr=0.02)).lr == 0.03  # between two: to the one above
    assert pg.step_regularization(c).regularization == 0.001
    assert _key(lambda: pg.step_regularization(c, -1)) == "playground.regularization_range"
    assert _key(lambda: c.replace(lr=0)) == "playground.lr_range"
    assert pg.step_noise(c, 2).noise == 0.1
    assert pg.step_noise(c.replace(noise=0.45)).noise == 0.5
    assert _key(lambda: pg.step_noise(c.replace(noise=0.5))) == "playground.noise_range"
    assert _key(lambda: pg.step_noise(c, -1)) == "playground.noise_range"
    assert pg.set_dataset(c, "Spirals").dataset == "spiral"
    assert _key(lambda: pg.set_dataset(c, "mnist")) == "playground.dataset_not_plane"
    # The batch size, epochs, seed and optimizer are TrainConfig's rules and messages.
    assert _key(lambda: c.replace(batch_size=0)) == "config.batch_size"
    assert _key(lambda: c.replace(epochs=0)) == "config.epochs"
    assert _key(lambda: c.replace(optimizer="rmsprop")) == "config.optimizer"
    assert _key(lambda: c.replace(seed=1.5)) == "config.seed"


def test_a_lessons_model_of_the_playgrounds_form_is_read_back_as_a_config():
    for config in (
        PlaygroundConfig(),
        PlaygroundConfig(hidden=(), features=("x1^2", "x2^2")),
        PlaygroundConfig(hidden=(8, 8, 8), activation="relu", features=FEATURES_SIN),
        PlaygroundConfig(hidden=(3,), activation="linear"),
    ):
        spec = pg.playground_spec(config)
        assert pg.config_from_spec(spec) == config.replace(activation=config.activation)
    # Written by hand: positional arguments, other names, no features layer (x1, x2).
    spec = parse_spec(
        {
            "name": "hand",
            "input": [2],
            "layers": [
                {"Linear": [2, 5]},
                "Sigmoid",
                {"Linear": {"in_features": 5, "out_features": 2}},
            ],
        }
    )
    read = pg.config_from_spec(spec, dataset="xor", lr=0.1, epochs=7)
    assert (read.features, read.hidden, read.activation) == (("x1", "x2"), (5,), "sigmoid")
    assert (read.dataset, read.lr, read.epochs) == ("xor", 0.1, 7)


@pytest.mark.parametrize(
    "layers",
    [
        [{"Linear": [2, 4]}, {"Linear": [4, 2]}],  # no activation between
        [{"Linear": [2, 4]}, "ReLU", {"Linear": [4, 4]}, "Tanh", {"Linear": [4, 2]}],  # mixed
        [{"Linear": [2, 3]}],  # three logits
        [{"Linear": {"in_features": 2, "out_features": 2, "bias": False}}],  # no bias
        [{"Linear": [2, 4]}, "GELU", {"Linear": [4, 2]}],  # not one of Playground's
    ],
)
def test_other_models_are_not_playground_networks(layers: list):
    spec = parse_spec({"name": "other", "input": [2], "layers": layers})
    assert _key(lambda: pg.config_from_spec(spec)) == "playground.not_a_network"


def test_spec_and_train_config_of_a_config():
    c = PlaygroundConfig(
        hidden=(8, 8),
        activation="relu",
        features=("x1", "x2", "sin(x1)"),
        regularization=0.003,
        lr=0.1,
    )
    spec = pg.playground_spec(c)
    assert spec.input == (2,) and spec.child_names() == [
        "features",
        "fc1",
        "act1",
        "fc2",
        "act2",
        "out",
    ]
    model = build_model(spec)
    assert isinstance(model.features, PlaneFeatures) and isinstance(model.act2, nn.ReLU)
    assert (model.fc1.in_features, model.out.out_features) == (3, 2)
    assert spec.description == "3-8-8-2 relu network on circle"
    train = pg.playground_train_config(c)
    assert (train.lr, train.weight_decay, train.batch_size, train.loss) == (
        0.1,
        0.003,
        10,
        "cross_entropy",
    )
    assert "weight_decay=0.003" in training_code(spec, "circle", train)
    linear = build_model(pg.playground_spec(c.replace(activation="linear", hidden=(2,))))
    assert isinstance(linear.act1, nn.Identity)


def test_weight_decay_is_l2_in_the_optimizer_step():
    torch.manual_seed(0)
    x, y = torch.randn(6, 2), torch.tensor([0, 1, 0, 1, 1, 0])
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 2))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    loss = nn.functional.cross_entropy(model(x), y)
    grads = torch.autograd.grad(loss, list(model.parameters()))
    data = TensorData(train=TensorSplit(x, y))
    config = TrainConfig(lr=0.5, weight_decay=0.2, epochs=1, full_batch=True, shuffle=False)
    Trainer(model, data, config, validate=False).run()
    for (name, p), g in zip(model.named_parameters(), grads, strict=True):
        expected = before[name] - 0.5 * (g + 0.2 * before[name])  # w -= lr (grad + wd w)
        torch.testing.assert_close(p.detach(), expected)
    with pytest.raises(TrainError, match="weight_decay"):
        TrainConfig(weight_decay=-0.1)
    adam = pg.build_playground(PlaygroundConfig(optimizer="adam", regularization=0.01))
    assert adam.trainer().optimizer.param_groups[0]["weight_decay"] == 0.01


def test_a_short_run_on_circle_learns_it():
    setup = pg.build_playground(PlaygroundConfig(hidden=(8, 8), epochs=5, lr=0.1, noise=0.1))
    assert setup.data.name == "circle" and "noise 0.1" in setup.data.notice
    events: list[object] = []
    result = setup.trainer(events.append).run()
    assert result.state == "finished" and result.epochs_done == 5
    # The test score is the engine's own evaluate() of the trained model.
    test = evaluate(setup.model, setup.data.test, "classification")
    assert result.test_metrics.accuracy == test.accuracy >= 0.9
    assert result.checkpoint is None  # a playground run is restarted, not resumed


def test_train_cli_defaults_a_2_input_model_to_circle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    path = tmp_path / "two.yaml"
    path.write_text(
        json.dumps({"input": [2], "layers": [{"Linear": {"in_features": 2, "out_features": 2}}]})
    )
    assert (
        main(["train", str(path), "--epochs", "2", "--json", "--no-checkpoint", "--noise", "0.25"])
        == 0
    )
    captured = capsys.readouterr()
    records = [json.loads(line) for line in captured.out.splitlines()]
    assert [r.get("epoch") for r in records[:-1]] == [1, 2]
    assert records[0]["lr"] == 0.03 and records[0]["batch_size"] == 10  # Playground's
    assert "Circle, noise 0.25 (circle)" in captured.err
    assert main(["train", str(path), "--dataset", "mnist", "--noise", "0.1"]) == 1
    assert "noise is a setting of the 2-D sets" in capsys.readouterr().err


def test_tutor_train_spec_on_circle_json(tmp_path: Path, isolated_env: dict):
    spec = {
        "name": "playground",
        "input": [2],
        "layers": [
            {"PlaneFeatures": {"features": ["x1", "x2", "x1^2", "x2^2"]}},
            {"Linear": {"in_features": 4, "out_features": 8}},
            "Tanh",
            {"Linear": {"in_features": 8, "out_features": 2}},
        ],
    }
    path = tmp_path / "spec.yaml"
    path.write_text(json.dumps(spec))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tutor",
            "train",
            str(path),
            "--dataset",
            "circle",
            "--json",
            "--epochs",
            "5",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=os.environ.copy(),
    )
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    epochs, final = records[:-1], records[-1]
    assert [r["epoch"] for r in epochs] == [1, 2, 3, 4, 5]
    for r in epochs:
        assert r["device"] == "cpu" and 0 <= r["val_accuracy"] <= 1 and r["train_loss"] > 0
    assert final["final"] is True and final["split"] == "test" and final["n"] == 250
    # x1² and x2² make the circle linearly separable: 5 epochs are plenty.
    assert final["accuracy"] >= 0.9
    assert "Circle, noise 0 (circle), 500 train, 250 val, 250 test" in done.stderr
    assert Path(final["checkpoint"]).is_file()


def test_playground_code_is_one_runnable_script(tmp_path: Path):
    config = PlaygroundConfig(
        dataset="xor", noise=0.1, features=("x1", "x2", "x1*x2"), hidden=(6,), regularization=0.001
    )
    script = pg.playground_code(config, epochs=2)
    assert 'PlaneFeatures(["x1", "x2", "x1*x2"])' in script and "SEED, NOISE, N = 15, 0.1" in script
    assert "weight_decay=0.001" in script and "for epoch in range(2):" in script
    (tmp_path / "playground.py").write_text(script)
    done = subprocess.run(
        [sys.executable, "playground.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    params = sum(p.numel() for p in pg.build_playground(config).model.parameters())
    lines = done.stdout.splitlines()
    assert lines[0] == str(params) == "38"  # 3·6 + 6 + 6·2 + 2
    assert [line.split(":")[0] for line in lines if line.startswith("epoch")] == [
        "epoch 1",
        "epoch 2",
    ]
    assert (tmp_path / "checkpoint.pt").is_file()


def test_config_and_controls_load_no_torch():
    """The app's key handlers use them; its modules must not import torch at the top."""
    script = (
        "import sys\n"
        "import tutor.engine.playground as pg\n"
        "c = pg.toggle_feature(pg.add_layer(pg.PlaygroundConfig()), 'sin x1')\n"
        "assert c.layer_sizes == (3, 4, 2, 2, 2), c\n"
        "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('torch.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
