"""Regression fits for the plot step: train on all points, then sample the fitted curve."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn as nn

from tutor.engine.config import TrainConfig
from tutor.engine.events import TrainResult
from tutor.engine.metrics import curve_xs, fit_curve
from tutor.engine.tensordata import TensorData, TensorSplit
from tutor.engine.train import Trainer


@dataclass(frozen=True)
class Fit:
    """A fitted model as plain numbers: its curve, final loss and parameters."""

    xs: list[float]
    ys: list[float]
    loss: float
    parameters: dict[str, list[float]]
    """Each named parameter's values, e.g. ``{"0.weight": [5.36], "0.bias": [-17.3]}``."""
    result: TrainResult


def fit_regression(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    config: TrainConfig,
    device: torch.device | str = "cpu",
) -> Fit:
    """Train ``model`` on the points ``(x, y)`` (each (N, 1)) and sample its curve."""
    result = fit_tensors(model, x, y, config, task="regression", device=device)
    xs = curve_xs(x)
    ys = fit_curve(model, xs, config.input_scale)
    loss = result.history[-1].train_loss if result.history else float("nan")
    parameters = {name: p.detach().flatten().cpu().tolist() for name, p in model.named_parameters()}
    return Fit(xs, ys, loss, parameters, result)


def points(x: torch.Tensor, y: Any) -> tuple[list[float], list[float]]:
    """The data points as two lists, for a scatter plot."""
    return x.reshape(-1).cpu().tolist(), y.reshape(-1).cpu().tolist()


def fit_tensors(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    config: TrainConfig,
    *,
    val: tuple[torch.Tensor, torch.Tensor] | None = None,
    task: str | None = None,
    device: torch.device | str | None = None,
    on_event: Callable[[object], None] | None = None,
    progress_interval: float = 0.1,
) -> TrainResult:
    """Train ``model`` on the tensors ``x`` and ``y`` directly (a notebook helper).

    ``task`` defaults to classification for integer targets and regression otherwise;
    ``device`` defaults to where ``x`` is.
    """
    if task is None:
        task = "regression" if y.is_floating_point() else "classification"
    data = TensorData(
        train=TensorSplit(x, y),
        val=TensorSplit(*val) if val is not None else None,
        task=task,
    )
    trainer = Trainer(
        model,
        data,
        config,
        device=device or x.device,
        on_event=on_event,
        progress_interval=progress_interval,
    )
    return trainer.run()
