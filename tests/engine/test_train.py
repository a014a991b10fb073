"""The trainer: the thermometer fit, learning, divergence, pause/stop, events, settings.

Most tests train on small synthetic "blobs" (four classes of 1×8×8 images) shaped like
``tutor.engine.data.Dataset``, so they take milliseconds; the thermometer test uses the
book's 11 points. Nothing sleeps: threads are synchronised with events.
"""

from __future__ import annotations

import math
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn

from tutor.engine.checkpoint import load_checkpoint
from tutor.engine.config import TrainConfig, TrainError
from tutor.engine.events import (
    EpochFinished,
    StepFinished,
    TrainingDiverged,
    TrainingFinished,
    TrainingPaused,
    TrainingResumed,
    TrainingStopped,
)
from tutor.engine.fits import fit_tensors
from tutor.engine.preflight import last_layer_type
from tutor.engine.rules import default_loss
from tutor.engine.tensordata import TensorData, TensorSplit
from tutor.engine.train import Trainer

# The thermometer readings of Stevens, Antiga & Viehmann, "Deep Learning with PyTorch", ch. 5.
T_C = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0]
T_U = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]
# Least squares on the scaled input 0.1 * t_u (solved exactly with numpy/torch lstsq).
W_LS, B_LS = 5.3677, -17.3048


@dataclass
class FakeSplit:
    x: torch.Tensor
    y: torch.Tensor


def blobs(n: int = 512, classes: int = 4, seed: int = 0) -> SimpleNamespace:
    """A Dataset-shaped object: ``classes`` separable clusters of 1×8×8 images."""
    g = torch.Generator().manual_seed(seed)
    centres = torch.randn(classes, 1, 8, 8, generator=g) * 1.5

    def split(count: int) -> FakeSplit:
        y = torch.randint(0, classes, (count,), generator=g)
        x = centres[y] + torch.randn(count, 1, 8, 8, generator=g)
        return FakeSplit(x, y)

    return SimpleNamespace(
        name="blobs", requested="blobs", title="Blobs", task="classification",
        classes=tuple(f"c{i}" for i in range(classes)), sample_shape=(1, 8, 8),
        train=split(n), val=split(128), test=split(128), mean=(0.0,), std=(1.0,),
        device=torch.device("cpu"), fallback_reason=None, how_to_get=None, notice="",
    )


def mlp(seed: int = 0, classes: int = 4) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, classes))


class CountingFlatten(nn.Flatten):
    """Counts training-mode forward passes: one per optimizer step."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            self.calls += 1
        return super().forward(x)


def counting_mlp() -> tuple[nn.Sequential, CountingFlatten]:
    model = mlp()
    counter = CountingFlatten()
    model[0] = counter
    return model, counter


# ----------------------------------------------------------------- the thermometer


def test_thermometer_fit_reaches_least_squares_within_half_a_percent():
    x = torch.tensor(T_U).unsqueeze(1)  # (11,) -> (11, 1)
    y = torch.tensor(T_C).unsqueeze(1)
    model = nn.Linear(1, 1)
    config = TrainConfig(optimizer="sgd", lr=1e-2, epochs=5000, loss="mse",
                         input_scale=0.1, full_batch=True)
    result = fit_tensors(model, x, y, config)  # all 11 points, one step per epoch
    assert result.state == "finished" and result.epochs_done == 5000
    assert result.steps_done == 5000
    w, b = model.weight.item(), model.bias.item()
    assert w == pytest.approx(W_LS, rel=0.005)
    assert b == pytest.approx(B_LS, rel=0.005)
    # the book's figures after the same 5000 epochs: w = 5.3671, b = -17.3012
    assert w == pytest.approx(5.3671, abs=2e-3) and b == pytest.approx(-17.3012, abs=1e-2)
    assert result.history[-1].train_loss == pytest.approx(2.9276, abs=1e-3)


def test_unscaled_thermometer_inputs_blow_up_into_a_diverged_event():
    x = torch.tensor(T_U).unsqueeze(1)
    y = torch.tensor(T_C).unsqueeze(1)
    events: list[object] = []
    result = fit_tensors(nn.Linear(1, 1), x, y, TrainConfig(lr=1e-2, epochs=200, loss="mse",
                                                           full_batch=True),
                         on_event=events.append)
    assert result.state == "diverged"
    diverged = [e for e in events if isinstance(e, TrainingDiverged)]
    assert len(diverged) == 1 and diverged[0].epoch < 200
    assert "learning rate (0.01) is probably too large" in diverged[0].explanation
    assert "lr = 0.001" in diverged[0].explanation


# ----------------------------------------------------------------- learning


def test_a_short_run_learns_and_reports_every_epoch():
    data = blobs()
    events: list[object] = []
    result = Trainer(mlp(), data, TrainConfig(lr=0.05, epochs=3), on_event=events.append,
                     progress_interval=0).run()
    steps = [e for e in events if isinstance(e, StepFinished)]
    epochs = [e for e in events if isinstance(e, EpochFinished)]
    assert result.state == "finished" and len(epochs) == 3
    assert isinstance(events[-1], TrainingFinished) and events[-1].result is result
    # 512 samples at batch 64: 8 steps per epoch, each reported (interval 0)
    assert len(steps) == 24 and steps[-1].samples_seen == 3 * 512
    assert [s.step for s in steps[:8]] == list(range(1, 9))
    assert steps[7].epoch_progress == 1.0
    # the loss falls by more than half from the first step to the last epoch
    assert epochs[-1].train_loss < 0.5 * steps[0].loss
    assert result.val_metrics.accuracy > 0.9 and result.test_metrics.accuracy > 0.9
    e = epochs[0]
    assert (e.epoch, e.epochs, e.lr, e.batch_size, e.device, e.steps) == (1, 3, 0.05, 64, "cpu", 8)
    assert e.samples_per_s > 0 and e.val_accuracy == result.history[0].val_accuracy
    assert math.isfinite(e.val_loss)


def test_step_events_are_coalesced():
    events: list[object] = []
    # With a 1-hour interval only the first step of each epoch is reported.
    Trainer(mlp(), blobs(), TrainConfig(epochs=2), on_event=events.append,
            progress_interval=3600).run()
    steps = [e for e in events if isinstance(e, StepFinished)]
    assert [(s.epoch, s.step) for s in steps] == [(1, 1), (2, 1)]


def test_the_same_seed_gives_the_same_weights():
    def train(seed: int) -> torch.Tensor:
        model = mlp()
        Trainer(model, blobs(), TrainConfig(epochs=1, seed=seed)).run()
        return model[1].weight.detach().clone()

    assert torch.equal(train(3), train(3))
    assert not torch.equal(train(3), train(4))


def test_adam_and_nll_after_logsoftmax():
    model = nn.Sequential(*mlp(), nn.LogSoftmax(dim=1))
    assert default_loss(last_layer_type(model), "classification") == "nll"
    result = Trainer(model, blobs(), TrainConfig(optimizer="adam", lr=1e-2, loss="nll",
                                                epochs=2)).run()
    assert result.val_metrics.accuracy > 0.9


def test_mnist_5k_short_run_learns():
    data_module = pytest.importorskip("tutor.engine.data")
    data = data_module.load_dataset("mnist-5k")
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 200), nn.ReLU(), nn.Linear(200, 100),
                          nn.ReLU(), nn.Linear(100, 10))
    events: list[object] = []
    result = Trainer(model, data, TrainConfig(lr=0.05, momentum=0.9, epochs=1),
                     on_event=events.append).run()
    first = next(e for e in events if isinstance(e, StepFinished))
    # One epoch: the loss falls from ~2.3 (chance over 10 digits) to under a third of it.
    assert first.loss > 2.0
    assert result.history[-1].val_loss < first.loss / 3
    assert result.history[-1].val_accuracy > 0.8


# ----------------------------------------------------------------- divergence


def test_lr_10_ends_with_a_diverged_event_not_an_exception():
    events: list[object] = []
    trainer = Trainer(mlp(), blobs(), TrainConfig(lr=10.0, epochs=5), on_event=events.append)
    result = trainer.run()
    assert result.state == "diverged" and trainer.state == "diverged"
    diverged = [e for e in events if isinstance(e, TrainingDiverged)]
    assert len(diverged) == 1 and events[-1] is diverged[0] is result.diverged
    d = diverged[0]
    assert d.epoch >= 1 and d.step >= 1
    assert not math.isfinite(d.loss) or d.loss > 1e4
    assert "learning rate (10) is probably too large" in d.explanation
    assert "overshoots" in d.explanation and "lr = 1" in d.explanation
    assert not any(isinstance(e, TrainingFinished) for e in events)


# ----------------------------------------------------------------- control


def test_stop_during_an_epoch_ends_within_one_step():
    model, counter = counting_mlp()
    events: list[object] = []
    trainer: Trainer

    def on_event(event: object) -> None:
        events.append(event)
        if isinstance(event, StepFinished) and event.step == 1:
            trainer.stop()

    trainer = Trainer(model, blobs(), TrainConfig(epochs=3), on_event=on_event,
                      progress_interval=0)
    result = trainer.run()
    assert result.state == "stopped" and trainer.state == "stopped"
    assert events[-1] == TrainingStopped(epoch=1, step=1) == result.stopped
    # stop() came during step 1's report: not one more step ran after it
    assert counter.calls == 1 and result.steps_done == 1
    assert not any(isinstance(e, EpochFinished) for e in events)


def test_pause_blocks_until_resume_and_stop_ends_a_pause():
    model, counter = counting_mlp()
    paused = threading.Event()
    events: list[object] = []
    trainer: Trainer

    def on_event(event: object) -> None:
        events.append(event)
        if isinstance(event, StepFinished) and (event.epoch, event.step) == (1, 2):
            trainer.pause()
        if isinstance(event, TrainingPaused):
            paused.set()

    trainer = Trainer(model, blobs(), TrainConfig(epochs=2), on_event=on_event,
                      progress_interval=0)
    box: dict[str, object] = {}
    thread = threading.Thread(target=lambda: box.update(result=trainer.run()))
    thread.start()
    try:
        assert paused.wait(30), "the trainer never paused"
        assert trainer.state == "paused"
        assert events[-1] == TrainingPaused(epoch=1, step=2)
        calls_at_pause = counter.calls
        assert calls_at_pause == 2  # paused before step 3, within one step of the request
        trainer.resume()
    finally:
        trainer.resume()
        thread.join(60)
    result = box["result"]
    assert result.state == "finished" and result.steps_done == 16 == counter.calls
    assert TrainingResumed(epoch=1, step=2) in events


def test_stop_while_paused_ends_the_run():
    paused = threading.Event()
    trainer: Trainer

    def on_event(event: object) -> None:
        if isinstance(event, StepFinished):
            trainer.pause()
        if isinstance(event, TrainingPaused):
            paused.set()

    trainer = Trainer(mlp(), blobs(), TrainConfig(epochs=2), on_event=on_event,
                      progress_interval=0)
    box: dict[str, object] = {}
    thread = threading.Thread(target=lambda: box.update(result=trainer.run()))
    thread.start()
    assert paused.wait(30)
    trainer.stop()
    thread.join(60)
    assert not thread.is_alive()
    assert box["result"].state == "stopped" and box["result"].stopped == TrainingStopped(1, 1)


def test_lr_and_batch_size_change_at_the_next_epoch():
    trainer: Trainer

    def on_event(event: object) -> None:
        if isinstance(event, StepFinished) and (event.epoch, event.step) == (1, 1):
            trainer.set_lr(0.2)
            trainer.set_batch_size(100)

    trainer = Trainer(mlp(), blobs(), TrainConfig(lr=0.05, epochs=2), on_event=on_event,
                      progress_interval=0)
    result = trainer.run()
    first, second = result.history
    assert (first.lr, first.batch_size, first.steps) == (0.05, 64, 8)
    assert (second.lr, second.batch_size, second.steps) == (0.2, 100, 6)  # ceil(512 / 100)
    assert trainer.optimizer.param_groups[0]["lr"] == 0.2
    with pytest.raises(TrainError, match="learning rate must be a positive"):
        trainer.set_lr(-1)
    with pytest.raises(TrainError, match="batch size"):
        trainer.set_batch_size(0)


def test_reserve_core_leaves_one_core_and_always_restores_threads():
    before = torch.get_num_threads()
    seen: list[int] = []

    def on_event(event: object) -> None:
        seen.append(torch.get_num_threads())
        raise RuntimeError("callback failed")  # the run ends with an error...

    trainer = Trainer(mlp(), blobs(), TrainConfig(epochs=1), on_event=on_event,
                      reserve_core=True)
    with pytest.raises(TrainError, match="callback failed"):
        trainer.run()
    cores = os.cpu_count() or 1
    assert seen[0] == (max(1, min(before, cores - 1)) if cores > 1 else before)
    assert torch.get_num_threads() == before  # ...and the thread count is restored
    assert trainer.state == "failed"
    with pytest.raises(TrainError, match="already run"):
        trainer.run()


def test_checkpoints_every_epoch_restore_the_trained_weights(tmp_path: Path):
    model = mlp()
    result = Trainer(model, blobs(), TrainConfig(epochs=2), checkpoint_dir=tmp_path).run()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["epoch-1.pt", "epoch-2.pt"]
    assert result.checkpoint == tmp_path / "epoch-2.pt"
    fresh = mlp(seed=99)
    ckpt = load_checkpoint(result.checkpoint, fresh)
    x = torch.randn(5, 1, 8, 8)
    assert torch.equal(fresh(x), model(x))
    assert ckpt.epoch == 2 and ckpt.extra["dataset"] == "blobs"
    assert ckpt.extra["val_accuracy"] == result.history[-1].val_accuracy


# ----------------------------------------------------------------- checks


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lr": 0}, "learning rate must be a positive number"),
        ({"lr": float("nan")}, "learning rate must be a positive number"),
        ({"batch_size": 0}, "batch size must be a whole number of at least 1"),
        ({"epochs": 0}, "epochs must be a whole number of at least 1"),
        ({"optimizer": "rmsprop"}, "unknown optimizer 'rmsprop': choose sgd or adam"),
        ({"loss": "bce"}, "unknown loss 'bce'"),
        ({"momentum": 1.5}, "momentum must be between 0"),
        ({"input_scale": 0}, "input_scale must be a non-zero number"),
    ],
)
def test_config_is_checked_with_learner_messages(changes: dict, message: str):
    with pytest.raises(TrainError, match=message):
        TrainConfig(**changes)


def test_models_that_do_not_fit_the_data_fail_before_training():
    data = blobs()
    with pytest.raises(TrainError, match="its last layer needs out_features: 4"):
        Trainer(nn.Sequential(nn.Flatten(), nn.Linear(64, 3)), data, TrainConfig())
    with pytest.raises(TrainError, match="cannot take this data"):
        Trainer(nn.Sequential(nn.Flatten(), nn.Linear(784, 4)), data, TrainConfig())
    with pytest.raises(TrainError, match="must end in LogSoftmax"):
        Trainer(mlp(), data, TrainConfig(loss="nll"))
    with pytest.raises(TrainError, match="is a classification dataset: use cross_entropy"):
        Trainer(mlp(), data, TrainConfig(loss="mse"))
    regression = TensorData(TensorSplit(torch.randn(8, 1), torch.randn(8, 1)), task="regression")
    with pytest.raises(TrainError, match="must match"):
        Trainer(nn.Linear(1, 2), regression, TrainConfig(loss="mse"))


def test_an_autoencoder_learns_to_reproduce_its_input():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 64),
                          nn.Unflatten(1, (1, 8, 8)))
    config = TrainConfig(optimizer="adam", lr=1e-2, loss="mse", target="inputs", epochs=4)
    result = Trainer(model, blobs(), config).run()
    first, last = result.history[0], result.history[-1]
    assert last.val_loss < 0.8 * first.val_loss and last.val_accuracy is None
    assert result.test_metrics.mse == pytest.approx(result.test_metrics.loss)
    with pytest.raises(TrainError, match="the loss is mse"):
        TrainConfig(target="inputs")
    with pytest.raises(TrainError, match="must output its input's shape"):
        Trainer(mlp(), blobs(), config)
