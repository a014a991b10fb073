"""How good is a model? Accuracy, precision, recall, F1, the confusion matrix, and MSE.

Everything is computed with PyTorch on the device the data lives on; only the final
numbers (a few floats and a ``C × C`` table of counts) come back to Python. The
definitions are the textbook ones, with the confusion matrix laid out as most course
notebooks (and scikit-learn) do: **rows are the true class, columns the predicted
class**, so for class ``c``::

    precision[c] = C[c, c] / C[:, c].sum()    # of everything predicted c, how much was c
    recall[c]    = C[c, c] / C[c, :].sum()    # of everything that was c, how much was found
    f1[c]        = 2 · P · R / (P + R)

A class that is never predicted (or never present) gets 0.0 instead of a division by
zero, as scikit-learn does with ``zero_division=0``. Macro averages are the plain mean
over all classes, each class weighing the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

from tutor.engine.config import LOSSES, TASKS
from tutor.engine.events import Metrics


def confusion_matrix(y_true: torch.Tensor, y_pred: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Counts as a ``(num_classes, num_classes)`` int64 tensor, rows = true class.

    One ``bincount`` over ``true * C + pred`` instead of a Python loop over samples.
    """
    y_true = y_true.reshape(-1).long()
    y_pred = y_pred.reshape(-1).long()
    flat = y_true * num_classes + y_pred  # (N,) -> a cell index in the C × C table
    counts = torch.bincount(flat, minlength=num_classes * num_classes)
    return counts[: num_classes * num_classes].reshape(num_classes, num_classes)


def _safe_div(num: torch.Tensor, den: torch.Tensor) -> torch.Tensor:
    """``num / den`` with 0 where ``den`` is 0 (a class never predicted or never present)."""
    safe = torch.where(den > 0, den, torch.ones_like(den))  # avoid 0/0 before selecting
    return torch.where(den > 0, num / safe, torch.zeros_like(num))


def metrics_from_confusion(
    confusion: torch.Tensor | Sequence[Sequence[int]],
    classes: Sequence[str] | None = None,
    loss: float | None = None,
) -> Metrics:
    """Accuracy, per-class precision/recall/F1 and macro averages from a confusion matrix.

    Args:
        confusion: ``confusion[true][predicted]`` counts, square.
        classes: class names, one per row; ``"0"``, ``"1"`` ... when left out.
        loss: the mean loss to record alongside, if known.
    """
    c = torch.as_tensor(confusion, dtype=torch.float64).cpu()
    if c.ndim != 2 or c.shape[0] != c.shape[1]:
        raise ValueError(f"a confusion matrix must be square, got shape {tuple(c.shape)}")
    k = c.shape[0]
    names = tuple(classes) if classes is not None else tuple(str(i) for i in range(k))
    if len(names) != k:
        raise ValueError(f"{len(names)} class names for a {k} × {k} confusion matrix")
    tp = c.diagonal()
    predicted = c.sum(dim=0)  # column sums: how often each class was predicted
    actual = c.sum(dim=1)  # row sums: how often each class is the truth
    precision = _safe_div(tp, predicted)
    recall = _safe_div(tp, actual)
    f1 = _safe_div(2 * precision * recall, precision + recall)
    total = float(c.sum())
    return Metrics(
        task="classification",
        n=int(total),
        loss=loss,
        accuracy=float(tp.sum()) / total if total else 0.0,
        classes=names,
        precision=tuple(precision.tolist()),
        recall=tuple(recall.tolist()),
        f1=tuple(f1.tolist()),
        support=tuple(int(v) for v in actual.tolist()),
        macro_precision=float(precision.mean()) if k else 0.0,
        macro_recall=float(recall.mean()) if k else 0.0,
        macro_f1=float(f1.mean()) if k else 0.0,
        confusion=tuple(tuple(int(v) for v in row) for row in c.long().tolist()),
    )


def loss_function(name: str) -> Any:
    """The ``torch.nn.functional`` loss for a loss name (mean over the batch)."""
    if name == "cross_entropy":
        return F.cross_entropy
    if name == "nll":
        return F.nll_loss
    if name == "mse":
        return F.mse_loss
    raise ValueError(f"unknown loss {name!r}: choose one of {', '.join(LOSSES)}")


def accumulator_dtype(device: torch.device) -> torch.dtype:
    """float64 for running sums (thousands of float32 losses add up without drift),
    except on Apple's MPS, which has no float64."""
    return torch.float32 if device.type == "mps" else torch.float64


def _default_loss(task: str) -> str:
    return "mse" if task == "regression" else "cross_entropy"


def evaluate(
    model: nn.Module,
    split: Any,
    task: str,
    batch_size: int = 1024,
    classes: Sequence[str] | None = None,
    loss: str | None = None,
    input_scale: float = 1.0,
) -> Metrics:
    """Score ``model`` on ``split`` (an object with tensors ``x`` and ``y``).

    Args:
        model: the network; put in eval mode for the pass and restored afterwards.
        split: ``split.x`` inputs and ``split.y`` targets, on the model's device.
        task: ``"classification"`` (``y`` holds class indices) or ``"regression"``.
        batch_size: how many samples per forward pass (memory, not results).
        classes: class names for the per-class lists; ``"0"``, ``"1"`` ... by default.
        loss: the loss to average (``cross_entropy``, ``nll`` or ``mse``); by default
            cross-entropy for classification and MSE for regression.
        input_scale: inputs are multiplied by this, as during training.
    """
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}: choose one of {', '.join(TASKS)}")
    loss_name = loss or _default_loss(task)
    loss_fn = loss_function(loss_name)
    x, y = split.x, split.y
    n = int(x.shape[0])
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            # Sums stay on the device as tensors; one read at the end, not one per batch.
            acc = accumulator_dtype(x.device)
            loss_sum = torch.zeros((), dtype=acc, device=x.device)
            abs_sum = torch.zeros((), dtype=acc, device=x.device)
            sq_sum = torch.zeros((), dtype=acc, device=x.device)
            preds: list[torch.Tensor] = []
            out_dim = None
            for start in range(0, n, batch_size):
                xb = x[start : start + batch_size]
                yb = y[start : start + batch_size]
                if input_scale != 1.0:
                    xb = xb * input_scale
                out = model(xb)  # (B, C) logits / log-probs, or (B, 1) for regression
                loss_sum += loss_fn(out, yb, reduction="sum").to(acc)
                if task == "classification":
                    out_dim = out.shape[-1]
                    preds.append(out.argmax(dim=-1))  # (B, C) -> (B,) predicted class
                else:
                    err = out - yb  # (B, 1) - (B, 1) -> (B, 1)
                    abs_sum += err.abs().sum().to(acc)
                    sq_sum += err.square().sum().to(acc)
    finally:
        model.train(was_training)
    if not n:
        return Metrics(task=task, n=0, classes=tuple(classes or ()))
    if task == "regression":
        # F.mse_loss(reduction="sum") sums every output element: divide by all of them,
        # which for (N, 1) targets is the number of samples.
        per = n * int(y[0].numel())
        return Metrics(
            task=task,
            n=n,
            loss=float(loss_sum) / per,
            mse=float(sq_sum) / per,
            mae=float(abs_sum) / per,
        )
    mean_loss = float(loss_sum) / n
    k = len(classes) if classes else int(out_dim or 0)
    if out_dim is not None and out_dim > k:
        k = int(out_dim)
    k = max(k, int(y.max()) + 1)
    names = list(classes or ())
    names += [str(i) for i in range(len(names), k)]
    pred = torch.cat(preds)
    table = confusion_matrix(y, pred, k)
    return metrics_from_confusion(table, names, loss=mean_loss)


def fit_curve(
    model: nn.Module, xs: torch.Tensor | Sequence[float], input_scale: float = 1.0
) -> list[float]:
    """The model's predictions at ``xs``, for drawing the fitted line of a regression.

    ``xs`` are raw (unscaled) inputs, e.g. thermometer readings ``t_u``; they are scaled
    by ``input_scale`` exactly as during training, so the curve is drawn in the units the
    learner sees. Use :func:`curve_xs` for evenly spaced points over the data's range.
    """
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    x = torch.as_tensor(xs, dtype=torch.float32, device=device).reshape(-1, 1)  # (P,) -> (P, 1)
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            out = model(x * input_scale)  # (P, 1) -> (P, 1)
    finally:
        model.train(was_training)
    return out.reshape(-1).float().cpu().tolist()


def curve_xs(x: torch.Tensor, points: int = 100, margin: float = 0.05) -> list[float]:
    """``points`` evenly spaced values spanning ``x``'s range, widened by ``margin`` on each side."""
    lo, hi = float(x.min()), float(x.max())
    pad = (hi - lo) * margin
    return torch.linspace(lo - pad, hi + pad, points).tolist()
