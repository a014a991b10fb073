"""Tensors to train on: inputs and targets per split, already on the device.

The smallest thing the trainer takes; ``tutor.engine.data.Dataset`` has the same
attributes and more. Handy for training on tensors of your own in a notebook.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch


@dataclass
class TensorSplit:
    """Inputs and targets of one split, already on the device."""

    x: torch.Tensor
    y: torch.Tensor


@dataclass
class TensorData:
    """The smallest thing :class:`Trainer` trains on; ``tutor.engine.data.Dataset`` has
    the same attributes and more. Handy for training on tensors of your own."""

    train: TensorSplit
    val: TensorSplit | None = None
    test: TensorSplit | None = None
    task: str = "classification"
    classes: tuple[str, ...] = ()
    name: str = "tensors"


def split_on_device(split: Any, device: torch.device) -> Any:
    if split.x.device == device and split.y.device == device:
        return split
    return TensorSplit(split.x.to(device), split.y.to(device))
