"""Before the first step: does the model take the data, and do model, data and loss go
together? A failure here is a message for the learner, not an error deep in the loop."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
import torch.nn as nn

from tutor.engine.config import TrainError
from tutor.engine.rules import DataFacts, ModelFacts, check_combination

if TYPE_CHECKING:
    from tutor.engine.train import Trainer


def last_layer_type(model: nn.Module) -> str:
    """The type name of the model's last leaf layer (what its output comes out of)."""
    leaves = [m for m in model.modules() if not list(m.children())]
    return type(leaves[-1]).__name__ if leaves else type(model).__name__


def preflight(trainer: Trainer) -> None:
    """Push two samples through the model before training, so that a model that
    does not fit the data fails now, with a message, not deep in the loop.

    The rules themselves live in :mod:`tutor.engine.rules`, shared with lesson
    validation; this adds only what needs a real forward pass.
    """
    cfg, task = trainer.config, trainer.task
    x = trainer._x[:2]
    y = x if cfg.target == "inputs" else trainer._y[:2]
    was_training = trainer.model.training
    trainer.model.eval()
    try:
        with torch.inference_mode():
            out = trainer.model(x)
    except RuntimeError as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise TrainError(
            key="train.model_fails",
            sample=tuple(trainer._x.shape[1:]),
            error=first,
        ) from None
    finally:
        trainer.model.train(was_training)
    classes = len(getattr(trainer.data, "classes", ()) or ())
    if task == "classification" and not classes:
        classes = int(trainer._y.max()) + 1
    model = ModelFacts(
        name=trainer.spec.name if trainer.spec is not None else type(trainer.model).__name__,
        input=tuple(trainer._x.shape[1:]),
        output=tuple(out.shape[1:]),
        last_layer=last_layer_type(trainer.model),
    )
    data = DataFacts(
        name=getattr(trainer.data, "name", "data"),
        sample_shape=tuple(trainer._x.shape[1:]),
        task=trainer.data.task,
        num_classes=classes if trainer.data.task == "classification" else 0,
    )
    mismatches = check_combination(model, data, cfg.loss, cfg.target)
    if mismatches:
        first_problem = mismatches[0]
        raise TrainError(key=first_problem.key, **first_problem.values)
    if task == "regression" and out.shape[1:] != y.shape[1:]:
        raise TrainError(
            key="train.target_shape",
            output=tuple(out.shape[1:]),
            what="input" if cfg.target == "inputs" else "target",
            target=tuple(y.shape[1:]),
        )
