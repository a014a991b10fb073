"""Logits -> probabilities -> loss, every intermediate number kept for display."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn as nn


@dataclass(frozen=True)
class SoftmaxBreakdown:
    """Softmax by hand, and the same loss three ways (they must agree)."""

    logits: list[float]
    exps: list[float]
    """``exp(z - shift)`` for each logit (``shift`` keeps exp from overflowing)."""
    shift: float
    """The largest logit when it had to be subtracted first, else 0."""
    total: float
    """Sum of ``exps``: the denominator."""
    probs: list[float]
    argmax: int
    label: int | None
    loss: float | None
    """``−log p[label]``: the cross-entropy loss of this one sample."""
    log_probs: list[float]
    """``nn.LogSoftmax(dim=1)`` of the logits."""
    nll: float | None
    """``nn.NLLLoss()`` of ``log_probs`` and the label."""
    cross_entropy: float | None
    """``nn.CrossEntropyLoss()`` of the raw logits and the label."""


def softmax_breakdown(
    logits: Sequence[float] | torch.Tensor, label: int | None = None
) -> SoftmaxBreakdown:
    """Compute softmax step by step for one sample's logits.

    Exponentials are shown as ``exp(z)`` when that is safe; with logits above 60 they
    are ``exp(z − max z)``, which changes nothing after dividing by the sum.
    """
    z = torch.as_tensor(logits, dtype=torch.float64).detach().cpu().flatten()  # (K,)
    shift = float(z.max()) if float(z.max()) > 60 else 0.0
    exps = torch.exp(z - shift)  # (K,)
    total = exps.sum()
    probs = exps / total  # softmax: each exp over the sum, so they add up to 1
    log_probs = nn.LogSoftmax(dim=1)(z.unsqueeze(0))  # (1, K)
    loss = nll = ce = None
    if label is not None:
        target = torch.tensor([label])
        loss = float(-torch.log(probs[label]))
        nll = float(nn.NLLLoss()(log_probs, target))
        ce = float(nn.CrossEntropyLoss()(z.unsqueeze(0), target))
    return SoftmaxBreakdown(
        logits=z.tolist(),
        exps=exps.tolist(),
        shift=shift,
        total=float(total),
        probs=probs.tolist(),
        argmax=int(probs.argmax()),
        label=label,
        loss=loss,
        log_probs=log_probs.squeeze(0).tolist(),
        nll=nll,
        cross_entropy=ce,
    )


def sample_logits(model: nn.Module, x: torch.Tensor) -> list[float]:
    """The logits a model gives one sample ``x`` (no batch dimension), in eval mode."""
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            out = model(x.unsqueeze(0).to(device))  # (1, ...) -> (1, K)
    finally:
        model.train(was_training)
    return out.reshape(-1).float().cpu().tolist()
