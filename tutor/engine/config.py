"""How to train: :class:`TrainConfig`, its checks and defaults. No torch here.

The app, the lessons' schema and ``tutor train`` all take their defaults from
:class:`TrainConfig`, so there is one default learning rate, one default number of
epochs and one default momentum everywhere.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from tutor.errors import TutorError

OPTIMIZERS = ("sgd", "adam")
TARGETS = ("labels", "inputs")
TASKS = ("classification", "regression")
LOSSES = ("cross_entropy", "nll", "mse")
#: A loss this many times the first step's loss means training has blown up.
EXPLOSION_FACTOR = 1e4
#: Epochs without a new lowest validation loss after which early stopping stops.
EARLY_STOP_PATIENCE = 3
STATES = ("idle", "running", "paused", "stopped", "finished", "diverged", "failed")


class TrainError(TutorError):
    """Training cannot start or go on; the message is written for the learner."""


class OutOfMemory(TrainError):
    """The device ran out of memory; a caller may retry on the CPU or with a smaller batch."""


@dataclass(frozen=True)
class TrainConfig:
    """How to train. Every value is checked on creation (:class:`TrainError` if wrong)."""

    optimizer: str = "sgd"
    """``sgd`` (plain, or with momentum) or ``adam``."""
    lr: float = 0.01
    """Learning rate: how far each step moves the weights along the gradient."""
    momentum: float = 0.0
    """SGD momentum (0 is plain SGD); ignored by Adam."""
    weight_decay: float = 0.0
    """L2 regularisation: ``weight_decay × w`` is added to every gradient, pulling the
    weights towards 0 (``weight_decay=`` of ``torch.optim.SGD`` and ``Adam``)."""
    batch_size: int = 64
    epochs: int = 5
    loss: str = "cross_entropy"
    """``cross_entropy`` (on logits), ``nll`` (model ends in LogSoftmax) or ``mse``."""
    seed: int = 0
    """Seeds the shuffling order and dropout, so two runs with the same seed are the same."""
    shuffle: bool = True
    input_scale: float = 1.0
    """Inputs are multiplied by this (the thermometer lesson scales t_u by 0.1)."""
    full_batch: bool = False
    """One step per epoch on the whole training split (the thermometer fit)."""
    target: str = "labels"
    """``labels``: learn the dataset's targets. ``inputs``: reproduce the input itself
    (an autoencoder), scored by MSE per pixel."""
    train_subset: int | None = None
    """Train on only the first N samples of the training split (None: all of them).
    The split's order is fixed, so every run sees the same N samples; a few hundred
    make a wide network overfit within seconds."""
    track_activity: bool = False
    """After each epoch, measure every activation layer on a fixed probe batch (dead
    ReLUs, saturated tanh/sigmoid units: ``tutor.engine.activity``) and put it on
    ``EpochFinished.activity``."""

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise TrainError(
                key="config.optimizer", value=repr(self.optimizer), choices=" or ".join(OPTIMIZERS)
            )
        if self.loss not in LOSSES:
            raise TrainError(key="config.loss", value=repr(self.loss), choices=", ".join(LOSSES))
        check_lr(self.lr)
        check_batch_size(self.batch_size)
        if isinstance(self.epochs, bool) or not isinstance(self.epochs, int) or self.epochs < 1:
            raise TrainError(key="config.epochs", value=repr(self.epochs))
        if not _is_number(self.momentum) or not 0 <= self.momentum < 1:
            raise TrainError(key="config.momentum", value=repr(self.momentum))
        if (
            not _is_number(self.input_scale)
            or self.input_scale == 0
            or not math.isfinite(self.input_scale)
        ):
            raise TrainError(key="config.input_scale", value=repr(self.input_scale))
        if self.target not in TARGETS:
            raise TrainError(key="config.target", value=repr(self.target))
        if self.target == "inputs" and self.loss != "mse":
            raise TrainError(key="config.target_loss")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise TrainError(key="config.seed", value=repr(self.seed))
        if (
            not _is_number(self.weight_decay)
            or not math.isfinite(self.weight_decay)
            or self.weight_decay < 0
        ):
            raise TrainError(key="config.weight_decay", value=repr(self.weight_decay))
        if self.train_subset is not None and (
            isinstance(self.train_subset, bool)
            or not isinstance(self.train_subset, int)
            or self.train_subset < 1
        ):
            raise TrainError(key="config.train_subset", value=repr(self.train_subset))

    def replace(self, **changes: Any) -> TrainConfig:
        """A copy with some fields changed (and checked again)."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_lr(lr: Any) -> float:
    if not _is_number(lr) or not math.isfinite(lr) or lr <= 0:
        raise TrainError(key="config.lr", value=repr(lr))
    return float(lr)


def check_batch_size(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise TrainError(key="config.batch_size", value=repr(n))
    return n
