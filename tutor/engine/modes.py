"""``model.train()``, ``model.eval()`` and ``torch.no_grad()``: what each one changes.

:func:`mode_demo` runs one batch through a copy of a model several ways and reports:

* Dropout: in train mode each forward pass drops a fresh random set of units (and
  scales the survivors by 1/(1 − p)), so the same input gives two different outputs;
  in eval mode dropout does nothing and the outputs are identical.
* BatchNorm: a train-mode forward normalises with the batch's own mean and variance
  and moves the running statistics towards them
  (``running = (1 − momentum) · running + momentum · batch``); an eval-mode forward
  uses the running statistics and leaves them alone.
* ``torch.no_grad()``: the output has no ``grad_fn`` and ``requires_grad`` is False:
  no graph was recorded, which is why evaluation runs under it (less memory, faster).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
import torch.nn as nn

from tutor.engine.gradients import fixed_randomness

#: Output values and BatchNorm channels shown.
SHOWN = 6


@dataclass(frozen=True)
class DropoutDemo:
    """The same input twice in each mode."""

    layers: tuple[str, ...]
    """The model's Dropout layers (empty: then train and eval agree)."""
    train_first: tuple[float, ...]
    train_second: tuple[float, ...]
    train_diff: float
    """max |first − second| over the whole output in train mode: > 0 with dropout."""
    eval_first: tuple[float, ...]
    eval_second: tuple[float, ...]
    eval_diff: float
    """The same in eval mode: exactly 0."""


@dataclass(frozen=True)
class BatchNormDemo:
    """The first BatchNorm layer's running statistics through two forward passes."""

    layer: str
    channels: int
    mean_before: tuple[float, ...]
    var_before: tuple[float, ...]
    mean_after_train: tuple[float, ...]
    var_after_train: tuple[float, ...]
    mean_after_eval: tuple[float, ...]
    """After a further eval-mode forward: the same as after train."""
    var_after_eval: tuple[float, ...]
    batches_tracked: tuple[int, int, int]
    """``num_batches_tracked`` before, after the train forward and after the eval one."""
    train_moved: float
    """max |running_mean change| + max |running_var change| from the train forward."""
    eval_moved: float
    """The same for the eval forward: exactly 0."""


@dataclass(frozen=True)
class NoGradDemo:
    """The output's autograd bookkeeping with and without ``torch.no_grad()``."""

    requires_grad: bool
    grad_fn: str | None
    """The node that would start the backward pass, e.g. ``AddmmBackward0``."""
    no_grad_requires_grad: bool
    no_grad_grad_fn: str | None
    same_values: bool
    """no_grad changes the bookkeeping, never the numbers."""


@dataclass(frozen=True)
class ModeDemo:
    dropout: DropoutDemo
    batchnorm: BatchNormDemo | None
    """None when the model has no BatchNorm layer."""
    no_grad: NoGradDemo


def _values(t: torch.Tensor) -> tuple[float, ...]:
    return tuple(t.detach().flatten()[:SHOWN].float().cpu().tolist())


def mode_demo(model: nn.Module, x: torch.Tensor, seed: int = 0) -> ModeDemo:
    """Run batch ``x`` through a copy of ``model`` in train and eval mode, and under
    ``torch.no_grad()``. ``model`` itself (weights, running statistics, mode) is left
    as it was; ``seed`` fixes the dropout masks (the two train passes use different
    masks: the second continues the random stream, as a second training step would)."""
    clone = copy.deepcopy(model)
    names = {m: n for n, m in clone.named_modules()}
    dropouts = tuple(
        names[m] for m in clone.modules() if isinstance(m, nn.modules.dropout._DropoutNd)
    )
    clone.train()
    with torch.no_grad(), fixed_randomness(seed, x.device):
        t1 = clone(x)
        t2 = clone(x)
    clone.eval()
    with torch.no_grad():
        e1 = clone(x)
        e2 = clone(x)
    dropout = DropoutDemo(
        layers=dropouts,
        train_first=_values(t1),
        train_second=_values(t2),
        train_diff=float((t1 - t2).abs().max()),
        eval_first=_values(e1),
        eval_second=_values(e2),
        eval_diff=float((e1 - e2).abs().max()),
    )
    batchnorm = _batchnorm_demo(model, x, seed)
    out = clone(x)  # eval mode, gradients recorded
    with torch.no_grad():
        quiet = clone(x)
    no_grad = NoGradDemo(
        requires_grad=bool(out.requires_grad),
        grad_fn=type(out.grad_fn).__name__ if out.grad_fn is not None else None,
        no_grad_requires_grad=bool(quiet.requires_grad),
        no_grad_grad_fn=type(quiet.grad_fn).__name__ if quiet.grad_fn is not None else None,
        same_values=bool(torch.equal(out.detach(), quiet)),
    )
    return ModeDemo(dropout, batchnorm, no_grad)


def _batchnorm_demo(model: nn.Module, x: torch.Tensor, seed: int) -> BatchNormDemo | None:
    """One train-mode forward, then one eval-mode forward, on a fresh copy, watching
    the first BatchNorm layer that keeps running statistics."""
    clone = copy.deepcopy(model)
    names = {m: n for n, m in clone.named_modules()}
    norms = [
        m
        for m in clone.modules()
        if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.track_running_stats
    ]
    if not norms:
        return None
    bn = norms[0]

    def stats() -> tuple[torch.Tensor, torch.Tensor, int]:
        assert bn.running_mean is not None and bn.running_var is not None
        return bn.running_mean.clone(), bn.running_var.clone(), int(bn.num_batches_tracked)

    def moved(
        a: tuple[torch.Tensor, torch.Tensor, int], b: tuple[torch.Tensor, torch.Tensor, int]
    ) -> float:
        return float((a[0] - b[0]).abs().max() + (a[1] - b[1]).abs().max())

    before = stats()
    clone.train()
    with torch.no_grad(), fixed_randomness(seed, x.device):
        clone(x)  # normalises with this batch's statistics and updates the running ones
    after_train = stats()
    clone.eval()
    with torch.no_grad():
        clone(x)  # normalises with the running statistics and leaves them alone
    after_eval = stats()
    return BatchNormDemo(
        layer=names[bn],
        channels=int(bn.num_features),
        mean_before=_values(before[0]),
        var_before=_values(before[1]),
        mean_after_train=_values(after_train[0]),
        var_after_train=_values(after_train[1]),
        mean_after_eval=_values(after_eval[0]),
        var_after_eval=_values(after_eval[1]),
        batches_tracked=(before[2], after_train[2], after_eval[2]),
        train_moved=moved(before, after_train),
        eval_moved=moved(after_train, after_eval),
    )
