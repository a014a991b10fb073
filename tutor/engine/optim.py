"""Optimizers, and what to tell the learner when a step fails on the device."""

from __future__ import annotations

import torch
import torch.nn as nn

from tutor.engine.config import OutOfMemory, TrainConfig, TrainError


def make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    """SGD (with ``config.momentum``) or Adam over the model's trainable parameters."""
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise TrainError(key="train.no_params")
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    return torch.optim.SGD(
        params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay
    )


def explain_runtime_error(error: RuntimeError, device: torch.device, batch_size: int) -> TrainError:
    text = str(error).strip()
    first = text.splitlines()[0] if text else type(error).__name__
    if "out of memory" in text.lower() or isinstance(error, torch.OutOfMemoryError):
        return OutOfMemory(
            key="train.out_of_memory",
            device=str(device),
            batch=batch_size,
            smaller=max(1, batch_size // 4),
            error=first,
        )
    return TrainError(key="train.failed", error=first)
