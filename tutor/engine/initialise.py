"""Initial weights matter: PyTorch's default, all zeros (symmetry) and too large (saturation).

* ``default``: each layer's own ``reset_parameters()``, what ``nn.Linear(...)`` does
  when it is built: weights uniform in ±1/sqrt(fan_in) (Kaiming-uniform with a = √5),
  biases likewise. Small enough that tanh and sigmoid start in their steep middle, and
  different for every unit, so units can learn different things.
* ``zeros``: every weight and bias of the Linear and convolution layers is 0. All
  hidden units of a layer then compute the same number, receive the same gradient and
  change the same way: they stay identical forever (symmetry), so a layer of 100 units
  is no better than one unit. With ReLU or tanh the hidden outputs are 0 and no gradient
  reaches the first layers at all; with sigmoid they are 0.5 and learn, in lockstep.
* ``large``: weights drawn from N(0, 1) (``std``), biases 0. With 784 inputs a unit's
  z is then dozens large: tanh and sigmoid sit flat at ±1 or 0/1, where their slope,
  and so the gradient, is almost 0 (saturation); ReLU outputs become huge.

Normalisation layers (BatchNorm, LayerNorm) are put back to their defaults (scale 1,
shift 0) by every scheme.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn as nn

from tutor.engine.gradients import fixed_randomness
from tutor.errors import TutorError

SCHEMES = ("default", "zeros", "large")


class InitError(TutorError):
    """An unknown scheme or a layer that cannot be measured."""


def _has_weights(module: nn.Module) -> bool:
    return isinstance(module, nn.Linear | nn.Conv1d | nn.Conv2d | nn.Conv3d)


def reinitialise(
    model: nn.Module, scheme: str = "default", *, std: float = 1.0, seed: int | None = None
) -> nn.Module:
    """Set ``model``'s initial weights by ``scheme`` in place, and return it.

    Args:
        scheme: ``default``, ``zeros`` or ``large`` (see the module docstring).
        std: the standard deviation of ``large`` weights.
        seed: seeds ``default`` and ``large`` (the global generator is left as it
            was); None draws from the global generator as a notebook would.
    """
    if scheme not in SCHEMES:
        from tutor.text import suggest

        raise InitError(
            key="init.unknown",
            scheme=scheme,
            hint=suggest(scheme, SCHEMES),
            choices=", ".join(SCHEMES),
        )

    def apply() -> None:
        with torch.no_grad():
            for module in model.modules():
                if _has_weights(module):
                    if scheme == "default":
                        module.reset_parameters()
                    elif scheme == "zeros":
                        module.weight.zero_()
                    else:
                        module.weight.normal_(0.0, std)
                    if scheme != "default" and module.bias is not None:
                        module.bias.zero_()
                elif isinstance(module, nn.modules.batchnorm._NormBase | nn.LayerNorm):
                    module.reset_parameters()

    if seed is None:
        apply()
    else:
        device = next((p.device for p in model.parameters()), None)
        with fixed_randomness(seed, device):
            apply()
    return model


def unit_spread(weight: torch.Tensor) -> float:
    """How different a layer's units are: the largest difference between two units'
    weights for the same input, ``max_j (max_k w_kj − min_k w_kj)``. 0 means every unit
    (row of an (out, in) weight, filter of a conv weight) is the same."""
    w = weight.detach().reshape(weight.shape[0], -1)  # (units, inputs)
    if w.shape[0] < 2:
        return 0.0
    return float((w.amax(dim=0) - w.amin(dim=0)).max())


@dataclass(frozen=True)
class SymmetryReport:
    """A few SGD steps from one initialisation, watching one layer's units."""

    layer: str
    scheme: str
    spreads: tuple[float, ...]
    """:func:`unit_spread` of the layer's weight before the first step and after each."""
    weight_norms: tuple[float, ...]
    """The layer weight's norm at the same moments: it may grow while the spread stays 0."""
    losses: tuple[float, ...]
    """The batch loss before each step."""


def symmetry_demo(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    layer: str,
    *,
    scheme: str = "zeros",
    steps: int = 5,
    lr: float = 0.5,
    loss: str | Callable[..., torch.Tensor] = "cross_entropy",
    seed: int = 0,
) -> SymmetryReport:
    """Train a copy of ``model``, initialised by ``scheme``, for ``steps`` SGD steps on
    one batch and report how different ``layer``'s units are after each step.

    From ``zeros`` the spread stays exactly 0: the units never tell themselves apart.
    """
    from tutor.engine.gradients import check_batch, resolve_loss

    check_batch(x, y)
    fn = resolve_loss(loss)
    clone = reinitialise(copy.deepcopy(model), scheme, seed=seed)
    modules = dict(clone.named_modules())
    if layer not in modules or not isinstance(
        getattr(modules[layer], "weight", None), torch.Tensor
    ):
        from tutor.text import suggest

        names = [n for n, m in modules.items() if _has_weights(m)]
        raise InitError(key="backward.no_layer", layer=layer, hint=suggest(layer, names))
    weight = modules[layer].weight
    optimizer = torch.optim.SGD(clone.parameters(), lr=lr)
    spreads, norms, losses = [unit_spread(weight)], [float(weight.detach().norm())], []
    clone.train()
    for _ in range(steps):
        optimizer.zero_grad(set_to_none=True)
        value = fn(clone(x), y)
        losses.append(float(value.detach()))
        value.backward()
        optimizer.step()
        spreads.append(unit_spread(weight))
        norms.append(float(weight.detach().norm()))
    return SymmetryReport(layer, scheme, tuple(spreads), tuple(norms), tuple(losses))
