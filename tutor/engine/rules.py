"""Which model, data and loss go together: the rules, in one place. No torch here.

Lesson validation (before anything runs), ``tutor train`` and the app's training runs
all ask :func:`check_combination`, so a combination that validation accepts also
trains, and one it refuses is refused everywhere with the same words.

The rules are the classic beginner traps:

* the model must take one sample of the data as it is: a ``(784,)`` model does not take a
  ``(1, 28, 28)`` image until a ``Flatten`` layer makes it one (Keras' ``(None, 784)``
  is a flattened image too);
* a classifier needs one output (a logit) per class;
* ``cross_entropy`` applies log-softmax itself, so the model must end in raw logits;
  ``nll`` needs a model that ends in ``LogSoftmax``;
* ``mse`` is for numbers (regression) and for autoencoders, whose output must have the
  input's shape.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tutor.locales import DEFAULT_LANGUAGE, t


@dataclass(frozen=True)
class Mismatch:
    """One broken rule: which setting is wrong (``model`` or ``loss``) and why."""

    field: str
    """The setting to change: ``model`` or ``loss``."""
    key: str
    """The catalog key of the explanation."""
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The explanation in English."""
        return t(self.key, DEFAULT_LANGUAGE, **self.values)

    def localized(self, lang: str) -> str:
        return t(self.key, lang, **self.values)


@dataclass(frozen=True)
class ModelFacts:
    """What the rules need to know about a model (from a dry run or a real model)."""

    name: str
    input: tuple[int, ...]
    """One sample, without the batch dimension."""
    output: tuple[int, ...]
    """One sample's output, without the batch dimension."""
    last_layer: str
    """The type of the last layer that runs, e.g. ``Linear`` or ``LogSoftmax``."""


@dataclass(frozen=True)
class DataFacts:
    """What the rules need to know about a dataset (from the registry or loaded data)."""

    name: str
    sample_shape: tuple[int, ...]
    task: str
    """``classification`` or ``regression``."""
    num_classes: int = 0


def default_loss(last_layer: str, task: str) -> str:
    """The loss that fits a model ending in ``last_layer`` on a ``task``: MSE for
    regression, NLL after a final LogSoftmax, otherwise cross-entropy on the logits."""
    if task == "regression":
        return "mse"
    return "nll" if last_layer == "LogSoftmax" else "cross_entropy"


def takes_sample(model_input: Sequence[int], sample_shape: Sequence[int]) -> bool:
    """True when one sample of the data is exactly what the model takes."""
    return tuple(model_input) == tuple(sample_shape)


def check_combination(
    model: ModelFacts, data: DataFacts | None, loss: str | None = None, target: str = "labels"
) -> list[Mismatch]:
    """Every rule ``model`` × ``data`` × ``loss`` × ``target`` breaks (empty when fine).

    ``loss`` is None when nothing is trained (a forward or softmax step): then only the
    data must fit, and a model that ends in one value per feature must give one logit
    per class. ``data`` may be None when only the model and loss are known.
    """
    problems: list[Mismatch] = []
    if data is not None and not takes_sample(model.input, data.sample_shape):
        return [_sample_mismatch(model, data)]
    if target == "inputs":
        if tuple(model.output) != tuple(model.input):
            problems.append(
                Mismatch(
                    "model",
                    "rules.autoencoder_shape",
                    {
                        "model": model.name,
                        "input": list(model.input),
                        "output": list(model.output),
                        "size": math.prod(model.input),
                        "shape": tuple(model.input),
                    },
                )
            )
        if loss is not None and loss != "mse":
            problems.append(Mismatch("loss", "rules.autoencoder_loss"))
        return problems

    named = {"model": model.name, "last": model.last_layer}
    if loss == "cross_entropy" and model.last_layer in ("Softmax", "LogSoftmax"):
        problems.append(Mismatch("loss", "rules.ce_after_softmax", named))
    elif loss == "nll" and model.last_layer != "LogSoftmax":
        problems.append(Mismatch("loss", "rules.nll_needs_logsoftmax", named))
    if data is None:
        return problems
    if loss == "mse" and data.task == "classification":
        problems.append(Mismatch("loss", "rules.mse_for_classes", {"data": data.name}))
    elif loss is not None and loss != "mse" and data.task == "regression":
        problems.append(Mismatch("loss", "rules.classes_loss_for_numbers", {"data": data.name}))
    if data.task == "classification" and data.num_classes:
        k = data.num_classes
        values = {"model": model.name, "output": list(model.output), "data": data.name, "n": k}
        if len(model.output) == 1 and model.output[0] < k:
            values["count"] = model.output[0]
            problems.append(Mismatch("model", "rules.too_few_logits", values))
        elif len(model.output) != 1 and loss is not None:
            # Only a classifier being trained must end in logits; a forward step may
            # show an autoencoder's picture on the same data.
            problems.append(Mismatch("model", "rules.not_logits", values))
    return problems


def _sample_mismatch(model: ModelFacts, data: DataFacts) -> Mismatch:
    return Mismatch(
        "model",
        "rules.sample_shape",
        {
            "model": model.name,
            "input": list(model.input),
            "data": data.name,
            "sample": list(data.sample_shape),
        },
    )
