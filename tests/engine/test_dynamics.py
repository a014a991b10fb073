"""Training dynamics: activation statistics, initialisation, train/eval modes, and the
trainer's train accuracy, weight decay, training subset, best epoch and activity."""

from __future__ import annotations

import copy
import math
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from tutor.engine.activity import activation_stats
from tutor.engine.config import TrainConfig, TrainError
from tutor.engine.events import EpochFinished, TrainResult, best_epoch, early_stop_epoch
from tutor.engine.initialise import InitError, reinitialise, symmetry_demo, unit_spread
from tutor.engine.metrics import evaluate
from tutor.engine.modes import mode_demo
from tutor.engine.optim import make_optimizer
from tutor.engine.tensordata import TensorData, TensorSplit
from tutor.engine.train import Trainer


@pytest.fixture(autouse=True)
def one_thread():
    """Small tensors: one thread is faster, and steady on a busy 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def blobs(n: int = 256, classes: int = 4, seed: int = 0) -> TensorData:
    """Four separable clusters of 1×8×8 images."""
    g = torch.Generator().manual_seed(seed)
    centres = torch.randn(classes, 1, 8, 8, generator=g) * 1.5

    def split(count: int) -> TensorSplit:
        y = torch.randint(0, classes, (count,), generator=g)
        return TensorSplit(centres[y] + torch.randn(count, 1, 8, 8, generator=g), y)

    return TensorData(
        split(n),
        split(64),
        split(64),
        "classification",
        tuple(f"c{i}" for i in range(classes)),
        "blobs",
    )


def mlp(activation: nn.Module | None = None, seed: int = 0, hidden: int = 16) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Flatten(), nn.Linear(64, hidden), activation or nn.ReLU(), nn.Linear(hidden, 4)
    )


# --------------------------------------------------------------------------- activity


def test_activation_stats_against_the_outputs_computed_by_hand():
    model = nn.Sequential(
        nn.Flatten(),
        nn.Linear(64, 16),
        nn.ReLU(),
        nn.Linear(16, 8),
        nn.Tanh(),
        nn.Linear(8, 4),
        nn.Sigmoid(),
    )
    reinitialise(model, "large", std=1.0, seed=0)
    x = blobs().train.x[:100]
    model.train()
    stats = activation_stats(model, x)
    assert model.training and all(not m._forward_hooks for m in model.modules())
    with torch.no_grad():
        h1 = torch.relu(model[1](x.flatten(1)))
        h2 = torch.tanh(model[3](h1))
        h3 = torch.sigmoid(model[5](h2))
    relu, tanh, sigmoid = stats
    assert [s.path for s in stats] == ["2", "4", "6"] and relu.type == "ReLU"
    assert relu.zero_fraction == pytest.approx(float((h1 == 0).float().mean()))
    assert relu.dead_fraction == pytest.approx(float((h1 == 0).all(dim=0).float().mean()))
    assert relu.mean == pytest.approx(float(h1.mean()), rel=1e-5)
    assert relu.std == pytest.approx(float(h1.std(unbiased=False)), rel=1e-5)
    assert relu.saturated_fraction is None and tanh.zero_fraction is None
    assert tanh.saturated_fraction == pytest.approx(float((h2.abs() > 0.99).float().mean()))
    assert sigmoid.saturated_fraction == pytest.approx(
        float(((h3 < 0.01) | (h3 > 0.99)).float().mean())
    )


def test_large_initial_weights_saturate_tanh_and_default_ones_do_not():
    x = torch.rand(128, 784)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 64), nn.Tanh(), nn.Linear(64, 10))
    default = activation_stats(model, x)[0].saturated_fraction
    reinitialise(model, "large", seed=0)
    large = activation_stats(model, x)[0].saturated_fraction
    assert default < 0.05 and large > 0.8
    assert float(model[0].weight.detach().std()) == pytest.approx(1.0, rel=0.02)
    assert float(model[0].bias.detach().abs().max()) == 0.0


# --------------------------------------------------------------------------- initialisation


def test_default_scheme_equals_fresh_pytorch_layers_after_the_same_seed():
    model = mlp(seed=5)
    reinitialise(model, "zeros")
    reinitialise(model, "default", seed=3)
    fresh = mlp(seed=3)
    for a, b in zip(model.parameters(), fresh.parameters(), strict=True):
        assert torch.equal(a, b)
    with pytest.raises(InitError, match="did you mean 'zeros'"):
        reinitialise(model, "zero")


def test_zeros_keep_every_hidden_unit_identical_symmetry():
    data = blobs()
    x, y = data.train.x[:64], data.train.y[:64]
    sigmoid = symmetry_demo(mlp(nn.Sigmoid()), x, y, "1", scheme="zeros", steps=5)
    assert sigmoid.spreads == (0.0,) * 6  # the units never tell themselves apart
    assert sigmoid.weight_norms[0] == 0 and sigmoid.weight_norms[-1] > 0  # yet they learn
    # with ReLU, relu(0) = 0: no gradient reaches the first layer at all
    relu = symmetry_demo(mlp(), x, y, "1", scheme="zeros", steps=3)
    assert relu.weight_norms == (0.0,) * 4
    default = symmetry_demo(mlp(), x, y, "1", scheme="default", steps=3)
    assert min(default.spreads) > 0.1
    assert unit_spread(torch.ones(5, 3)) == 0.0
    assert unit_spread(torch.tensor([[1.0, 2.0], [0.5, 2.0]])) == 0.5
    # plain PyTorch: the same five SGD steps from zeros
    ref = mlp(nn.Sigmoid())
    for p in ref.parameters():
        nn.init.zeros_(p)
    opt = torch.optim.SGD(ref.parameters(), lr=0.5)
    for _ in range(5):
        opt.zero_grad()
        F.cross_entropy(ref(x), y).backward()
        opt.step()
    assert sigmoid.weight_norms[-1] == pytest.approx(float(ref[1].weight.detach().norm()), rel=1e-5)


# --------------------------------------------------------------------------- modes


def test_dropout_differs_in_train_mode_and_not_in_eval_mode():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 3))
    model.eval()
    x = torch.randn(4, 8)
    demo = mode_demo(model, x, seed=1)
    assert demo.dropout.layers == ("2",)
    assert demo.dropout.train_diff > 0 and demo.dropout.train_first != demo.dropout.train_second
    assert demo.dropout.eval_diff == 0 and demo.dropout.eval_first == demo.dropout.eval_second
    with torch.no_grad():
        assert demo.dropout.eval_first == pytest.approx(model(x).flatten()[:6].tolist())
    assert demo.batchnorm is None and model.training is False


def test_batchnorm_running_statistics_move_in_train_mode_only():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    x = torch.randn(16, 5) * 3 + 2
    before = copy.deepcopy(model.state_dict())
    bn = mode_demo(model, x).batchnorm
    assert bn is not None and bn.layer == "1" and bn.channels == 4
    with torch.no_grad():
        h = model[0](x)  # (16, 4): what BatchNorm sees
    # running = (1 − 0.1) · running + 0.1 · batch statistic (unbiased variance)
    assert bn.mean_after_train == pytest.approx((0.1 * h.mean(0)).tolist(), rel=1e-5)
    expected_var = 0.9 * torch.ones(4) + 0.1 * h.var(0, unbiased=True)
    assert bn.var_after_train == pytest.approx(expected_var.tolist(), rel=1e-5)
    assert bn.mean_after_eval == bn.mean_after_train and bn.var_after_eval == bn.var_after_train
    assert bn.train_moved > 0 and bn.eval_moved == 0
    assert bn.batches_tracked == (0, 1, 1)
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key])  # the model itself did not move


def test_no_grad_records_no_graph():
    demo = mode_demo(nn.Sequential(nn.Linear(3, 2)), torch.randn(2, 3)).no_grad
    assert demo.requires_grad and demo.grad_fn == "AddmmBackward0"
    assert not demo.no_grad_requires_grad and demo.no_grad_grad_fn is None
    assert demo.same_values


# --------------------------------------------------------------------------- trainer


def test_train_accuracy_equals_evaluate_on_a_frozen_model():
    data = blobs()
    model = mlp()
    # lr 1e-30 leaves float32 weights exactly as they are: the model is frozen
    config = TrainConfig(lr=1e-30, epochs=2, batch_size=32, seed=3)
    result = Trainer(model, data, config).run()
    expected = evaluate(model, data.train, "classification").accuracy
    assert [e.train_accuracy for e in result.history] == [expected, expected]
    assert 0 < expected < 1


def test_train_accuracy_is_none_for_regression_and_counts_while_learning():
    x = torch.randn(64, 3)
    y = x.sum(dim=1, keepdim=True)
    data = TensorData(TensorSplit(x, y), TensorSplit(x, y), task="regression")
    result = Trainer(nn.Linear(3, 1), data, TrainConfig(loss="mse", epochs=1)).run()
    assert result.history[0].train_accuracy is None
    learning = Trainer(mlp(), blobs(), TrainConfig(lr=0.1, epochs=3)).run()
    accs = [e.train_accuracy for e in learning.history]
    assert accs[-1] > accs[0] and accs[-1] > 0.8


def test_weight_decay_reaches_both_optimizers_and_equals_torch():
    model = mlp()
    sgd = make_optimizer(model, TrainConfig(weight_decay=0.01, momentum=0.9))
    adam = make_optimizer(model, TrainConfig(optimizer="adam", weight_decay=0.02))
    assert sgd.param_groups[0]["weight_decay"] == 0.01
    assert adam.param_groups[0]["weight_decay"] == 0.02
    assert list(TrainConfig.__dataclass_fields__).index("weight_decay") == (
        list(TrainConfig.__dataclass_fields__).index("momentum") + 1
    )
    data = blobs(64)
    config = TrainConfig(lr=0.1, momentum=0.9, weight_decay=0.05, epochs=3, full_batch=True)
    trained = mlp()
    Trainer(trained, data, config).run()
    ref = mlp()
    opt = torch.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9, weight_decay=0.05)
    for _ in range(3):
        opt.zero_grad()
        F.cross_entropy(ref(data.train.x), data.train.y).backward()
        opt.step()
    for a, b in zip(trained.parameters(), ref.parameters(), strict=True):
        assert torch.allclose(a, b, atol=1e-6)
    with pytest.raises(TrainError, match="weight_decay must be 0"):
        TrainConfig(weight_decay=-1)


def test_train_subset_trains_on_the_first_n_samples():
    data = blobs()
    events: list[object] = []
    config = TrainConfig(epochs=1, batch_size=32, train_subset=70, shuffle=False)
    trainer = Trainer(mlp(), data, config, on_event=events.append)
    assert torch.equal(trainer._x, data.train.x[:70])
    result = trainer.run()
    assert result.history[0].steps == 3  # 32 + 32 + 6
    assert result.steps_done == 3
    with pytest.raises(TrainError, match="asks for 1,000 samples but blobs has 256"):
        Trainer(mlp(), data, TrainConfig(train_subset=1000))
    with pytest.raises(TrainError, match="train_subset must be a whole number"):
        TrainConfig(train_subset=0)


def _history(val_losses: list[float | None]) -> list[EpochFinished]:
    return [
        EpochFinished(i + 1, len(val_losses), 1.0, v, None, 1.0, 1.0, 0.1, 8, "cpu")
        for i, v in enumerate(val_losses)
    ]


def test_best_epoch_and_where_early_stopping_stops():
    history = _history([1.0, 0.8, 0.7, 0.72, 0.71, 0.75, 0.69, 0.9, 0.95, 1.0])
    assert best_epoch(history) == 7
    # patience 3: epochs 4, 5 and 6 bring no new lowest loss after epoch 3's 0.7
    assert early_stop_epoch(history, patience=3) == 6
    assert early_stop_epoch(history, patience=2) == 5
    assert early_stop_epoch(history, patience=4) is None  # epoch 7 improves in time
    assert early_stop_epoch(_history([0.5, 0.4, 0.45, 0.3, 0.35, 0.36]), patience=2) == 6
    assert best_epoch(_history([None, None])) is None
    assert best_epoch(_history([0.5, 0.5, float("nan")])) == 1  # the first on a tie
    result = TrainResult("finished", history=history)
    assert result.best_epoch == 7 and result.early_stop_epoch == 6


def test_activity_is_measured_after_each_epoch_when_asked():
    data = blobs()
    plain = Trainer(mlp(), data, TrainConfig(epochs=1)).run()
    assert plain.history[0].activity is None
    model = mlp(nn.Tanh())
    config = TrainConfig(epochs=2, lr=0.1, track_activity=True, input_scale=2.0)
    result = Trainer(model, data, config).run()
    activity = result.history[-1].activity
    assert activity is not None and [a.path for a in activity] == ["2"]
    probe = data.val.x * 2.0  # the first validation samples, scaled as in training
    assert activity == tuple(activation_stats(model, probe))
    assert not math.isnan(activity[0].saturated_fraction)


def test_checkpoint_extra_has_train_accuracy(tmp_path):
    from tutor.engine.checkpoint import load_checkpoint

    result = Trainer(mlp(), blobs(), TrainConfig(epochs=1), checkpoint_dir=tmp_path).run()
    ckpt = load_checkpoint(result.checkpoint, mlp())
    assert ckpt.extra["train_accuracy"] == result.history[0].train_accuracy
    assert ckpt.config["weight_decay"] == 0.0 and ckpt.config["train_subset"] is None


def test_config_round_trip_keeps_new_fields():
    config = TrainConfig(weight_decay=1e-4, train_subset=300, track_activity=True)
    assert TrainConfig(**config.as_dict()) == config
    assert SimpleNamespace(**config.as_dict()).train_subset == 300


def test_layer_activity_imports_without_torch():
    """Training events carry LayerActivity; the UI must name it without loading torch."""
    import subprocess
    import sys

    code = "import sys, tutor.engine.activity; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
