"""A plot's fit is made once per process: coming back to the step reuses it, and the
model handed in ends with the fitted weights either way."""

from __future__ import annotations

import torch
from torch import nn

from tutor.engine.config import TrainConfig
from tutor.engine.fits import fit_regression
from tutor.engine.tensordata import TensorSplit


def _line() -> nn.Module:
    torch.manual_seed(0)
    return nn.Linear(1, 1)


def test_the_same_fit_is_reused_and_a_changed_one_is_not():
    x = torch.linspace(-1, 1, 8).reshape(-1, 1)  # (8, 1)
    train = TensorSplit(x, 3 * x + 1)
    config = TrainConfig(optimizer="sgd", lr=0.1, epochs=50, full_batch=True, loss="mse")
    first_model, again_model = _line(), _line()
    first = fit_regression(first_model, train, config)
    again = fit_regression(again_model, train, config)
    assert again is first
    for a, b in zip(first_model.parameters(), again_model.parameters(), strict=True):
        assert torch.equal(a, b)
    assert again_model.weight.item() != _line().weight.item()  # trained, not fresh
    other = fit_regression(_line(), train, TrainConfig(**{**config.__dict__, "lr": 0.05}))
    assert other is not first and other.loss != first.loss
