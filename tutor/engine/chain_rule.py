"""The chain rule for one neuron, written out with its numbers and checked against autograd.

Unit ``k`` of a Linear layer, followed by an activation ``f``, in a batch of ``B``
samples whose loss is the mean of the samples' own losses, ``L = (1/B) Σ_b ℓ_b``::

    z_b = Σ_j w_kj · x_bj + b_k        the layer, for sample b
    a_b = f(z_b)                        the activation
    ∂L/∂z_b  = ∂L/∂a_b · ∂a/∂z          ∂a/∂z = f'(z_b), by hand (e.g. 1 if z > 0 for ReLU)
    ∂z_b/∂w_kj = x_bj                   the input that the weight multiplies
    ∂L/∂w_kj = Σ_b ∂L/∂a_b · ∂a/∂z · x_bj   one term per sample: the batch sum
    ∂L/∂b_k  = Σ_b ∂L/∂a_b · ∂a/∂z

``∂L/∂a_b`` is what the rest of the network sends back; autograd computes it, and it
already holds the ``1/B`` of the mean (it is ``(1/B) · ∂ℓ_b/∂a_b`` when the samples do
not interact). Everything else is computed here by hand, in float64, and compared with
what autograd put in ``weight.grad`` and ``bias.grad``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
import torch.nn as nn

from tutor.engine.gradients import BackwardError

#: Inputs x_bj shown by default (the sample's largest, so the chain is not all zeros).
SHOWN_INPUTS = 4
#: Samples whose terms ∂L/∂z_b are listed (the batch sum adds them all).
MAX_TERMS = 64


class ChainRuleError(BackwardError):
    """The chain rule cannot be shown for the layer, unit or sample asked for."""


@dataclass
class LeafCall:
    """One call of a leaf layer during the kept forward pass (tensors, engine only)."""

    path: str
    module: nn.Module
    input: torch.Tensor | None
    output: torch.Tensor
    grad: torch.Tensor | None = None
    """∂loss/∂output after the first backward pass, when it was kept (a copy: later
    passes through the same graph would add to ``output.grad``)."""


@dataclass(frozen=True)
class ChainRule:
    """One neuron's chain rule with its numbers (plain floats)."""

    layer: str
    activation: str
    """The activation's type (``ReLU``), or ``none`` when no elementwise activation
    follows the layer (then ``a = z``)."""
    formula: str
    """∂a/∂z as a formula, e.g. ``1 if z > 0, else 0`` or ``a · (1 − a)``."""
    unit: int
    sample: int
    batch_size: int
    loss: float
    """The batch loss L (the mean of the samples' losses)."""
    sample_loss: float | None
    """ℓ_b, this sample's own loss (None for a custom loss function)."""
    in_features: int
    x_nonzero: int
    """How many of this sample's inputs are not 0."""
    x_min: float
    x_max: float
    x_mean: float
    inputs: tuple[int, ...]
    """The indices j shown."""
    x: tuple[float, ...]
    """x_bj for the j shown; also ∂z_b/∂w_kj."""
    w: tuple[float, ...]
    """w_kj for the j shown."""
    b: float
    z: float
    """Σ_j w_kj · x_bj + b_k, by hand."""
    z_model: float
    """What the layer produced: equal to ``z`` up to rounding."""
    a: float
    dl_da: float
    """∂L/∂a_b from autograd (includes the 1/B of the mean)."""
    da_dz: float
    """f'(z_b) by hand."""
    da_dz_autograd: float
    dl_dz: float
    """∂L/∂a_b · ∂a/∂z, by hand."""
    dl_dz_autograd: float
    sample_dl_dw: tuple[float, ...]
    """∂L/∂z_b · x_bj: this sample's term of the sum, for the j shown."""
    dl_dw: tuple[float, ...]
    """Σ_b ∂L/∂z_b · x_bj by hand, for the j shown."""
    dl_dw_autograd: tuple[float, ...]
    """``weight.grad[k, j]`` for the j shown."""
    dl_db: float
    dl_db_autograd: float | None
    """``bias.grad[k]``; None without a bias."""
    terms: tuple[float, ...]
    """∂L/∂z_b for the first samples of the batch: the terms each x_bj is weighted by."""
    max_abs_diff: float
    """The largest difference between a hand value and autograd's, over z, ∂a/∂z,
    ∂L/∂z for every sample, the whole row ∂L/∂w_k· and ∂L/∂b_k."""


Derivative = Callable[[torch.Tensor, torch.Tensor, nn.Module], torch.Tensor]


def _relu(z: torch.Tensor, a: torch.Tensor, m: nn.Module) -> torch.Tensor:
    return (z > 0).to(z.dtype)


def _leaky(z: torch.Tensor, a: torch.Tensor, m: nn.Module) -> torch.Tensor:
    return torch.where(z > 0, 1.0, float(m.negative_slope)).to(z.dtype)


def _sigmoid(z: torch.Tensor, a: torch.Tensor, m: nn.Module) -> torch.Tensor:
    return a * (1 - a)


def _tanh(z: torch.Tensor, a: torch.Tensor, m: nn.Module) -> torch.Tensor:
    return 1 - a * a


def _hardtanh(z: torch.Tensor, a: torch.Tensor, m: nn.Module) -> torch.Tensor:
    return ((z > m.min_val) & (z < m.max_val)).to(z.dtype)


def _elu(z: torch.Tensor, a: torch.Tensor, m: nn.Module) -> torch.Tensor:
    return torch.where(z > 0, torch.ones_like(z), a + float(m.alpha))


def _silu(z: torch.Tensor, a: torch.Tensor, m: nn.Module) -> torch.Tensor:
    s = torch.sigmoid(z)
    return s * (1 + z * (1 - s))


def _gelu(z: torch.Tensor, a: torch.Tensor, m: nn.Module) -> torch.Tensor:
    phi = torch.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)  # the normal density
    cdf = 0.5 * (1 + torch.erf(z / math.sqrt(2)))  # the normal distribution function Φ
    return cdf + z * phi


def _softplus(z: torch.Tensor, a: torch.Tensor, m: nn.Module) -> torch.Tensor:
    bz = z * float(m.beta)
    return torch.where(bz > float(m.threshold), torch.ones_like(z), torch.sigmoid(bz))


def _formula(m: nn.Module | None, by_hand: bool = True) -> str:
    if m is None:
        return "1 (no activation follows: a = z)"
    if not by_hand:
        return "f′(z), from autograd"
    if isinstance(m, nn.ReLU):
        return "1 if z > 0, else 0"
    if isinstance(m, nn.LeakyReLU):
        return f"1 if z > 0, else {m.negative_slope:g}"
    if isinstance(m, nn.Sigmoid):
        return "a · (1 − a)"
    if isinstance(m, nn.Tanh):
        return "1 − a²"
    if isinstance(m, nn.Hardtanh):  # ReLU6 is a Hardtanh from 0 to 6
        return f"1 if {m.min_val:g} < z < {m.max_val:g}, else 0"
    if isinstance(m, nn.ELU):
        return f"1 if z > 0, else a + {m.alpha:g}"
    if isinstance(m, nn.SiLU):
        return "σ(z) · (1 + z · (1 − σ(z)))"
    if isinstance(m, nn.GELU):
        return "Φ(z) + z · φ(z)"
    if isinstance(m, nn.Softplus):
        return f"σ({m.beta:g} · z)"
    return "f′(z), from autograd"


def derivative_for(module: nn.Module | None) -> Derivative | None:
    """f'(z) by hand for an elementwise activation layer (None for anything else)."""
    if module is None:
        return None
    if isinstance(module, nn.GELU) and module.approximate != "none":
        return None  # the tanh approximation: not written out here
    table: list[tuple[type[nn.Module], Derivative]] = [
        (nn.ReLU, _relu),
        (nn.LeakyReLU, _leaky),
        (nn.Sigmoid, _sigmoid),
        (nn.Tanh, _tanh),
        (nn.Hardtanh, _hardtanh),
        (nn.ELU, _elu),
        (nn.SiLU, _silu),
        (nn.GELU, _gelu),
        (nn.Softplus, _softplus),
    ]
    for kind, fn in table:
        if isinstance(module, kind):
            return fn
    return None


def _check_range(key: str, value: int, count: int, **names: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < count:
        raise ChainRuleError(key=key, value=value, count=count, last=count - 1, **names)


def chain_rule(
    call: LeafCall,
    following: LeafCall | None,
    *,
    loss: float,
    per_sample_loss: torch.Tensor | None,
    unit: int = 0,
    sample: int = 0,
    inputs: Sequence[int] | None = None,
    weight_grad: torch.Tensor | None = None,
    bias_grad: torch.Tensor | None = None,
) -> ChainRule:
    """Write out the chain rule for ``unit`` of the Linear layer of ``call``.

    Args:
        call: the Linear layer's call, with the gradient of its output (``grad``).
        following: the next leaf call; used as the activation when it is elementwise and
            takes this layer's output (its output's gradient was kept too).
        loss: the batch loss; ``per_sample_loss`` each sample's own loss, (B,).
        weight_grad, bias_grad: autograd's gradients of the layer (by default the
            layer's own ``.grad``).
    """
    module = call.module
    if not isinstance(module, nn.Linear):
        raise ChainRuleError(key="backward.not_linear", layer=call.path, type=type(module).__name__)
    x_in, z_out = call.input, call.output
    if x_in is None or x_in.dim() != 2 or call.grad is None:
        raise ChainRuleError(key="backward.chain_shape", layer=call.path)
    batch, features = int(x_in.shape[0]), int(x_in.shape[1])
    _check_range("backward.unit_range", unit, module.out_features, layer=call.path)
    _check_range("backward.sample_range", sample, batch)
    act: LeafCall | None = None
    derivative: Derivative | None = None
    if (
        following is not None
        and following.input is z_out
        and following.grad is not None
        and _is_elementwise(following.module)
    ):
        act = following
        derivative = derivative_for(act.module)  # None: autograd's f'(z) is shown

    k = unit
    f64 = torch.float64
    x = x_in.detach().to("cpu", f64)  # (B, in)
    z = z_out.detach()[:, k].to("cpu", f64)  # (B,)
    a_t = act.output if act is not None else z_out
    a = a_t.detach()[:, k].to("cpu", f64)
    a_grad = act.grad if act is not None else call.grad
    assert a_grad is not None and call.grad is not None
    dl_da = a_grad[:, k].to("cpu", f64)  # (B,) from autograd, with the 1/B of the mean
    dl_dz_auto = call.grad[:, k].to("cpu", f64)
    if act is None:
        da_dz = torch.ones_like(z)
        da_dz_auto = torch.ones_like(z)
    else:
        zz = z_out.detach()[:, k].clone().requires_grad_(True)
        (da_dz_auto,) = torch.autograd.grad(act.module(zz).sum(), zz)
        da_dz_auto = da_dz_auto.to("cpu", f64)
        da_dz = derivative(z, a, act.module) if derivative is not None else da_dz_auto
    w = module.weight.detach()[k].to("cpu", f64)  # (in,)
    has_bias = module.bias is not None
    bk = float(module.bias.detach()[k]) if has_bias else 0.0
    z_hand = float(x[sample] @ w) + bk  # (in,) · (in,) -> a number
    dl_dz = dl_da * da_dz  # (B,)
    dl_dw = dl_dz @ x  # (B,) @ (B, in) -> (in,): the batch sum for every j at once
    dl_db = float(dl_dz.sum())
    wg = weight_grad if weight_grad is not None else module.weight.grad
    if wg is None:
        raise ChainRuleError(key="backward.chain_shape", layer=call.path)
    auto_w = wg.detach()[k].to("cpu", f64)
    bg = bias_grad if bias_grad is not None else (module.bias.grad if has_bias else None)
    auto_b = float(bg.detach()[k]) if bg is not None else None
    diffs = [
        abs(z_hand - float(z[sample])),
        float((da_dz - da_dz_auto).abs().max()),
        float((dl_dz - dl_dz_auto).abs().max()),
        float((dl_dw - auto_w).abs().max()),
        abs(dl_db - auto_b) if auto_b is not None else 0.0,
    ]
    xs = x[sample]
    if inputs is None:
        top = xs.abs().topk(min(SHOWN_INPUTS, features)).indices
        shown = sorted(int(j) for j in top)
    else:
        shown = [int(j) for j in inputs]
        for j in shown:
            _check_range("backward.input_range", j, features, layer=call.path)
    idx = torch.tensor(shown, dtype=torch.long)
    return ChainRule(
        layer=call.path,
        activation=type(act.module).__name__ if act is not None else "none",
        formula=_formula(act.module if act is not None else None, derivative is not None),
        unit=k,
        sample=sample,
        batch_size=batch,
        loss=float(loss),
        sample_loss=float(per_sample_loss[sample]) if per_sample_loss is not None else None,
        in_features=features,
        x_nonzero=int((xs != 0).sum()),
        x_min=float(xs.min()),
        x_max=float(xs.max()),
        x_mean=float(xs.mean()),
        inputs=tuple(shown),
        x=tuple(xs[idx].tolist()),
        w=tuple(w[idx].tolist()),
        b=bk,
        z=z_hand,
        z_model=float(z[sample]),
        a=float(a[sample]),
        dl_da=float(dl_da[sample]),
        da_dz=float(da_dz[sample]),
        da_dz_autograd=float(da_dz_auto[sample]),
        dl_dz=float(dl_dz[sample]),
        dl_dz_autograd=float(dl_dz_auto[sample]),
        sample_dl_dw=tuple((dl_dz[sample] * xs[idx]).tolist()),
        dl_dw=tuple(dl_dw[idx].tolist()),
        dl_dw_autograd=tuple(auto_w[idx].tolist()),
        dl_db=dl_db,
        dl_db_autograd=auto_b,
        terms=tuple(dl_dz[:MAX_TERMS].tolist()),
        max_abs_diff=max(diffs),
    )


def _is_elementwise(module: nn.Module) -> bool:
    """Activation layers that act on each number alone (so ∂a/∂z is one number)."""
    return isinstance(
        module,
        nn.ReLU
        | nn.LeakyReLU
        | nn.Sigmoid
        | nn.Tanh
        | nn.Hardtanh
        | nn.ELU
        | nn.SiLU
        | nn.GELU
        | nn.Softplus
        | nn.Mish
        | nn.Hardswish
        | nn.Hardsigmoid
        | nn.SELU
        | nn.CELU,
    )
