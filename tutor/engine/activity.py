"""How busy are the activation layers? Dead ReLUs and saturated tanh/sigmoid units.

:func:`activation_stats` runs a fixed probe batch through the model in eval mode and,
for every leaf activation layer, measures its outputs:

* ReLU (and ReLU6): the fraction of outputs that are exactly 0 (switched off) and the
  fraction of units that are 0 for every sample of the probe (dead: no gradient
  reaches their weights any more);
* tanh (and Hardtanh): the fraction with ``|a| > 0.99``; sigmoid (and Hardsigmoid):
  the fraction below 0.01 or above 0.99. There the slope f'(z) is almost 0, so almost
  no gradient flows back through them (saturation);
* every activation: the mean and standard deviation of its outputs.

The trainer calls it after each epoch when ``TrainConfig.track_activity`` is on. This
module imports torch only when measuring, so :class:`LayerActivity` (carried by
training events) can be imported without torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch
    import torch.nn as nn

#: |a| above this counts as saturated for tanh; below 1 − this or above this for sigmoid.
SATURATION = 0.99
#: Samples in the probe batch the trainer uses.
PROBE_SIZE = 256

_ZERO_KINDS = ("ReLU", "ReLU6")
_TANH_KINDS = ("Tanh", "Hardtanh")
_SIGMOID_KINDS = ("Sigmoid", "Hardsigmoid")
_ACTIVATIONS = (
    *_ZERO_KINDS,
    *_TANH_KINDS,
    *_SIGMOID_KINDS,
    "LeakyReLU",
    "ELU",
    "SELU",
    "CELU",
    "GELU",
    "SiLU",
    "Mish",
    "Softplus",
    "Hardswish",
    "PReLU",
)


@dataclass(frozen=True)
class LayerActivity:
    """One activation layer's outputs on the probe batch."""

    path: str
    type: str
    mean: float
    std: float
    zero_fraction: float | None
    """ReLU: share of outputs exactly 0; None for other activations."""
    dead_fraction: float | None
    """ReLU: share of units that are 0 for every probe sample; None otherwise."""
    saturated_fraction: float | None
    """tanh: share with |a| > 0.99; sigmoid: share below 0.01 or above 0.99; None
    for the others."""


def is_activation(module: Any) -> bool:
    """Whether a leaf layer is an activation function measured here."""
    return type(module).__name__ in _ACTIVATIONS


def activation_stats(model: nn.Module, x: torch.Tensor) -> list[LayerActivity]:
    """Measure every activation layer of ``model`` on the batch ``x`` (eval mode).

    Hooks are removed and the model's train/eval mode restored whatever happens; the
    numbers are summed on the device and read back once.
    """
    import torch

    from tutor.engine.trace import leaf_modules

    layers = [(path, m) for path, m in leaf_modules(model) if is_activation(m)]
    found: list[tuple[str, str, torch.Tensor]] = []
    handles = []

    def make_hook(path: str) -> Any:
        def hook(module: nn.Module, inputs: Any, output: Any) -> None:
            if isinstance(output, torch.Tensor):
                found.append((path, type(module).__name__, _measure(module, output)))

        return hook

    was_training = model.training
    try:
        for path, module in layers:
            handles.append(module.register_forward_hook(make_hook(path)))
        model.eval()
        with torch.no_grad():
            model(x)
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    if not found:
        return []
    table = torch.stack([row for _, _, row in found]).tolist()  # one device read
    out = []
    for (path, kind, _), (mean, std, zero, dead, sat) in zip(found, table, strict=True):
        out.append(
            LayerActivity(
                path=path,
                type=kind,
                mean=mean,
                std=std,
                zero_fraction=zero if kind in _ZERO_KINDS else None,
                dead_fraction=dead if kind in _ZERO_KINDS else None,
                saturated_fraction=sat if kind in _TANH_KINDS + _SIGMOID_KINDS else None,
            )
        )
    return out


def _measure(module: nn.Module, a: torch.Tensor) -> torch.Tensor:
    """(mean, std, zero share, dead-unit share, saturated share) as one tensor."""
    import torch

    a = a.detach().float()
    kind = type(module).__name__
    zero = (a == 0).float()
    # a unit is one feature (or one channel of a feature map) across the batch
    per_unit = zero.reshape(a.shape[0], a.shape[1], -1).amin(dim=(0, 2)) if a.dim() >= 2 else zero
    if kind in _SIGMOID_KINDS:
        sat = ((a < 1 - SATURATION) | (a > SATURATION)).float().mean()
    elif kind == "Hardtanh":
        low, high = float(module.min_val), float(module.max_val)
        sat = ((a <= low) | (a >= high)).float().mean()
    else:
        sat = (a.abs() > SATURATION).float().mean()
    return torch.stack([a.mean(), a.std(unbiased=False), zero.mean(), per_unit.mean(), sat])
