"""Regression fits for the plot step: train on the training points, score the validation
points, then sample the fitted curve over all of them."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
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
    """A fitted model as plain numbers: its curve, final losses and parameters."""

    xs: list[float]
    ys: list[float]
    loss: float
    """The training loss after the last epoch."""
    val_loss: float | None
    """The validation loss after the last epoch (None without validation points)."""
    parameters: dict[str, list[float]]
    """Each named parameter's values, e.g. ``{"0.weight": [5.36], "0.bias": [-17.3]}``."""
    result: TrainResult


def fit_regression(
    model: nn.Module,
    train: TensorSplit,
    config: TrainConfig,
    val: TensorSplit | None = None,
    device: torch.device | str = "cpu",
    span: torch.Tensor | None = None,
) -> Fit:
    """Train ``model`` on the ``train`` points (x and y each (N, 1)), score ``val``
    after every epoch, and sample the fitted curve over ``span`` (default: the training
    points' range).

    A fit is a function of its inputs (the model's architecture and initial weights, the
    points, the settings), so one already made in this process is reused: coming back to
    a plot step does not train its thousands of epochs again."""
    key = _fit_key(model, train, config, val, device, span)
    known = _FITS.get(key)
    if known is not None:
        _FITS.move_to_end(key)
        state, fit = known
        model.load_state_dict(state)
        return fit
    fit = _fit_regression(model, train, config, val, device, span)
    _FITS[key] = ({k: v.detach().clone() for k, v in model.state_dict().items()}, fit)
    while len(_FITS) > _FITS_KEPT:
        _FITS.popitem(last=False)
    return fit


_FITS_KEPT = 32
_FITS: OrderedDict[str, tuple[dict[str, torch.Tensor], Fit]] = OrderedDict()


def _fit_key(model: nn.Module, *inputs: Any) -> str:
    """What a fit depends on, hashed: the model's structure and weights, and the rest."""
    digest = hashlib.sha256(repr(model).encode())
    for tensor in model.state_dict().values():
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    for item in inputs:
        if isinstance(item, TensorSplit):
            item = (item.x, item.y)
        for part in item if isinstance(item, tuple) else (item,):
            if isinstance(part, torch.Tensor):
                digest.update(part.detach().cpu().contiguous().numpy().tobytes())
            else:
                digest.update(repr(part).encode())
    return digest.hexdigest()


def _fit_regression(
    model: nn.Module,
    train: TensorSplit,
    config: TrainConfig,
    val: TensorSplit | None,
    device: torch.device | str,
    span: torch.Tensor | None,
) -> Fit:
    val_pair = (val.x, val.y) if val is not None and len(val.x) else None
    result = fit_tensors(
        model, train.x, train.y, config, val=val_pair, task="regression", device=device
    )
    xs = curve_xs(span if span is not None else train.x)
    ys = fit_curve(model, xs, config.input_scale)
    last = result.history[-1] if result.history else None
    loss = last.train_loss if last is not None else float("nan")
    val_loss = last.val_loss if last is not None else None
    parameters = {name: p.detach().flatten().cpu().tolist() for name, p in model.named_parameters()}
    return Fit(xs, ys, loss, val_loss, parameters, result)


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
