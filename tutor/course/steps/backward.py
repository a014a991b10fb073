"""``backward``: one minibatch forward and backward, every ``.grad`` laid open.

The loss; each parameter's gradient beside its weight (same shape); per-layer gradient
norms; one layer's gradient as heatmaps; the chain rule for one neuron with its numbers,
checked against autograd; what ``.grad`` holds without ``zero_grad()``; the activation
layers' statistics; and, for ``init: zeros``, whether the units ever tell themselves
apart. The engine's :class:`~tutor.engine.backward.BackwardPass` keeps the tensors, so
another layer, unit or sample of the same batch is only indexing (:func:`look`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Literal

from pydantic import field_validator

from tutor.course.schema import Index
from tutor.course.steps.base import CheckContext, CodeContext, ComputeContext, StepKind
from tutor.course.steps.batches import (
    WEIGHT_LAYERS,
    BatchStep,
    batch_script,
    check_batch_step,
    check_layer,
    check_sample,
    lesson_model,
    minibatch,
    weight_layers,
)
from tutor.course.steps.claims import ViewClaim, ViewVerdict, check_claims, judge_claims
from tutor.engine.script import Script
from tutor.errors import TutorError

#: Units whose gradient pictures are drawn at once (the chosen one among them).
UNIT_MAPS = 4
#: Convolution filters drawn at once.
FILTER_MAPS = 8
#: SGD steps of the symmetry demonstration (``init: zeros``).
SYMMETRY_STEPS = 5


class BackwardStep(BatchStep):
    """One minibatch forward and backward: the loss, every gradient, the chain rule."""

    kind: Literal["backward"]
    layer: str | None = None
    """The layer chosen at first (heatmap and chain rule); default: the first Linear
    layer that sees the whole image, else the first layer with a weight."""
    unit: Index = 0
    """The unit (output) of that layer whose chain rule is written out."""
    sample: Index = 0
    """The sample of the batch the chain rule follows."""
    train_mode: bool = True
    """``model.train()`` (dropout on, BatchNorm on batch statistics) or ``model.eval()``."""
    init: Literal["default", "zeros", "large"] = "default"
    """Start from other initial weights: all zeros (symmetry) or N(0, 1) (saturation)."""
    outcome: dict[str, Any] | None = None
    """What the text says the view shows, checked on the computed numbers: see
    :data:`CLAIMS`."""

    @field_validator("outcome")
    @classmethod
    def _check_outcome(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        check_claims(value, CLAIMS)
        return value


@dataclass
class _Kept:
    """Engine objects kept between keys (tensors: the engine's to read)."""

    run: Any
    """The :class:`~tutor.engine.backward.BackwardPass`."""
    model: Any
    x: Any
    y: Any
    loss: str
    init: str


@dataclass(frozen=True)
class BackwardResult:
    """Everything the backward view draws, as plain numbers (and the kept pass)."""

    kept: Any
    summary: Any
    """``tutor.engine.gradients.GradientSummary``: the loss, every parameter's gradient."""
    layers: tuple[str, ...]
    """Layers with a weight, in call order (what ↑/↓ choose from)."""
    layer: str | None
    units: int
    """Units (or filters) of the chosen layer."""
    unit: int
    sample: int
    maps: Any
    """``GradientMaps`` of the chosen layer, units ``maps_first`` onwards (or None)."""
    maps_first: int
    chain: Any
    """``ChainRule`` of the chosen unit, or None when ``chain_error`` says why not."""
    chain_error: TutorError | None
    zero_grad: Any
    """``ZeroGradDemo``: batch 1, then batch 2 without and with ``zero_grad()``."""
    activity: tuple[Any, ...]
    """``LayerActivity`` of each activation layer on this batch."""
    symmetry: Any
    """``SymmetryReport`` of the chosen layer for ``init: zeros``, else None."""
    batch: int
    batches: int
    batch_size: int
    split: str
    first: int
    train_mode: bool
    init: str
    verdicts: tuple[ViewVerdict, ...] = ()


# --------------------------------------------------------------------------- claims


def _weight_norms(result: BackwardResult) -> list[float]:
    return [layer.norm for layer in result.summary.layers if layer.type in WEIGHT_LAYERS]


def _grad_ratio_below(result: BackwardResult, value: float) -> bool | None:
    norms = _weight_norms(result)
    if len(norms) < 2 or norms[-1] == 0:
        return None
    return norms[0] / norms[-1] < value


def _saturated_at_least(result: BackwardResult, value: float) -> bool | None:
    shares = [a.saturated_fraction for a in result.activity if a.saturated_fraction is not None]
    return max(shares) >= value if shares else None


def _grad_zero(result: BackwardResult, names: list[str]) -> bool | None:
    params = {p.name: p for p in result.summary.params}
    if any(name not in params for name in names):
        return False
    return all((params[name].grad_norm or 0.0) == 0.0 for name in names)


def _units_stay_identical(result: BackwardResult, expected: bool) -> bool | None:
    if result.symmetry is None:
        return None
    return all(s == 0.0 for s in result.symmetry.spreads) == expected


CLAIMS: dict[str, ViewClaim] = {
    "grad_ratio_below": ViewClaim("positive", _grad_ratio_below, "claim.grad_ratio_below"),
    "saturated_at_least": ViewClaim("share", _saturated_at_least, "claim.saturated_at_least"),
    "grad_zero": ViewClaim("names", _grad_zero, "claim.grad_zero"),
    "units_stay_identical": ViewClaim("bool", _units_stay_identical, "claim.units_identical"),
}
"""What a backward step's text may state about its numbers (``outcome:``)."""


# --------------------------------------------------------------------------- checks


def check(step: BackwardStep, ctx: CheckContext) -> None:
    spec = check_batch_step(step, ctx)
    if spec is None:
        return
    if step.layer is not None:
        check_layer(spec, ctx, step.layer, unit=step.unit)
    check_sample(step, ctx, step.sample)
    names = {f"{name}.{kind}" for name in spec.child_names() for kind in ("weight", "bias")}
    for name in (step.outcome or {}).get("grad_zero", []):
        if name not in names:
            from tutor.text import suggest

            ctx.problem(
                ("steps", ctx.index, "outcome", "grad_zero"),
                f"model '{step.model}' has no parameter '{name}'{suggest(name, sorted(names))}",
            )
    if "units_stay_identical" in (step.outcome or {}) and step.init != "zeros":
        ctx.problem(
            "outcome", "units_stay_identical is shown for init: zeros only: add init: zeros"
        )


_INIT_CODE = {
    "zeros": [
        "with torch.no_grad():  # all zeros: every unit of a layer starts the same",
        "    for m in model.modules():",
        "        if isinstance(m, (nn.Linear, nn.Conv2d)):",
        "            m.weight.zero_()",
        "            if m.bias is not None:",
        "                m.bias.zero_()",
    ],
    "large": [
        "with torch.no_grad():  # too large: N(0, 1) weights, so z is dozens large",
        "    for m in model.modules():",
        "        if isinstance(m, (nn.Linear, nn.Conv2d)):",
        "            m.weight.normal_(0.0, 1.0)",
        "            if m.bias is not None:",
        "                m.bias.zero_()",
    ],
}

_LOSS_CODE = {
    "cross_entropy": "nn.CrossEntropyLoss()  # log-softmax + NLL, the batch mean",
    "nll": "nn.NLLLoss()  # after LogSoftmax, the batch mean",
    "mse": "nn.MSELoss()  # the mean squared error",
}


def code(step: BackwardStep, ctx: CodeContext) -> Script | None:
    spec = ctx.specs.get(step.model)
    if spec is None:
        return None
    layers = weight_layers(spec)
    layer = step.layer if step.layer in layers else (layers[0] if layers else None)
    data = batch_script(
        ctx.dataset(step), step.split, step.batch_size, second=True, skip=step.batch
    )
    lines: list[str] = []
    if step.init in _INIT_CODE:
        lines += [*_INIT_CODE[step.init], ""]
    mode = (
        "model.train()  # as in training: dropout on, BatchNorm on the batch's statistics"
        if step.train_mode
        else "model.eval()  # dropout off, BatchNorm on its running statistics"
    )
    lines += [
        mode,
        f"loss_fn = {_LOSS_CODE[step.loss]}",
        "loss = loss_fn(model(inputs), targets)",
        "loss.backward()  # ∂loss/∂p for every parameter p, kept in p.grad",
        'print(f"loss {loss.item():.4f}")',
        "for name, p in model.named_parameters():",
        "    # p.grad has p's own shape: one number per weight, 'which way is uphill'",
        '    print(name, tuple(p.shape), tuple(p.grad.shape), f"norm {p.grad.norm():.4g}")',
    ]
    if layer is not None:
        lines += [
            "",
            "# Gradients add up in .grad until something clears them.",
            f'w = dict(model.named_parameters())["{layer}.weight"]',
            "g1 = w.grad.clone()",
            "loss_fn(model(inputs2), targets2).backward()  # no zero_grad(): .grad += g2",
            "summed = w.grad.clone()",
            "model.zero_grad()  # optimizer.zero_grad() does this for its parameters",
            "loss_fn(model(inputs2), targets2).backward()",
            "g2 = w.grad.clone()",
            "print(torch.allclose(summed, g1 + g2))  # True",
        ]
    own = Script(imports=["import torch", "from torch import nn"], body=["\n".join(lines)])
    return spec.code() + data + own


# --------------------------------------------------------------------------- compute


def compute(
    ctx: ComputeContext,
    batch: int | None = None,
    train_mode: bool | None = None,
    layer: str | None = None,
    unit: int | None = None,
    sample: int | None = None,
) -> BackwardResult:
    """Batch ``batch`` forward and backward (the step's own settings by default), with
    the chain rule of ``unit`` of ``layer`` for ``sample`` and every demonstration."""
    from tutor.engine.activity import activation_stats
    from tutor.engine.backward import BackwardPass

    step: BackwardStep = ctx.step
    mb = minibatch(ctx, step, step.batch if batch is None else batch)
    model = lesson_model(ctx, step.model, step.init, step.seed)
    mode = step.train_mode if train_mode is None else train_mode
    # The zero_grad demonstration adds the next batch's gradient to this one's.
    second = minibatch(ctx, step, mb.index + 1) if mb.count > 1 else None
    run = BackwardPass(
        model,
        mb.x,
        mb.y,
        step.loss,
        train_mode=mode,
        seed=step.seed,
        x2=second.x if second else None,
        y2=second.y if second else None,
    )
    kept = _Kept(run, model, mb.x, mb.y, step.loss, step.init)
    base = BackwardResult(
        kept=kept,
        summary=run.summary(),
        layers=tuple(run.layer_names()),
        layer=None,
        units=0,
        unit=0,
        sample=0,
        maps=None,
        maps_first=0,
        chain=None,
        chain_error=None,
        zero_grad=run.zero_grad_demo(),
        activity=tuple(activation_stats(model, mb.x)),
        symmetry=None,
        batch=mb.index,
        batches=mb.count,
        batch_size=mb.size,
        split=mb.split,
        first=mb.first,
        train_mode=mode,
        init=step.init,
    )
    chosen = layer or step.layer or run.default_layer()
    result = look(
        base,
        chosen,
        step.unit if unit is None else unit,
        step.sample if sample is None else sample,
    )
    return replace(result, verdicts=judge_claims(step.outcome, CLAIMS, result))


def look(result: BackwardResult, layer: str | None, unit: int, sample: int) -> BackwardResult:
    """Another layer, unit or sample of the same batch: indexing into the kept pass
    (and, for ``init: zeros``, a few SGD steps on a copy to watch the units)."""
    from tutor.engine.gradients import BackwardError

    kept: _Kept = result.kept
    run = kept.run
    if layer is None or layer not in result.layers:
        return replace(result, layer=None, chain=None, maps=None)
    grad = result.summary.param(f"{layer}.weight")
    units = grad.shape[0] if grad.shape else 1
    unit %= max(units, 1)
    sample %= max(result.batch_size, 1)
    image = tuple(kept.x.shape[1:])
    sees_image = len(image) >= 2 and len(grad.shape) == 2 and grad.shape[1] == math.prod(image)
    # A window of pictures around the chosen unit (or filter); a matrix is one picture.
    count = UNIT_MAPS if sees_image else FILTER_MAPS if len(grad.shape) == 4 else 0
    first = unit - unit % count if count else 0
    maps = run.maps(layer, count=count or 1, first=first)
    chain, error = None, None
    try:
        chain = run.chain(layer, unit, sample)
    except BackwardError as problem:  # a convolution: the chain is written for Linear
        error = problem
    symmetry = None
    if kept.init == "zeros":
        from tutor.engine.initialise import symmetry_demo

        symmetry = symmetry_demo(
            kept.model,
            kept.x,
            kept.y,
            layer,
            scheme="zeros",
            steps=SYMMETRY_STEPS,
            loss=kept.loss,
        )
    return replace(
        result,
        layer=layer,
        units=units,
        unit=unit,
        sample=sample,
        maps=maps,
        maps_first=first,
        chain=chain,
        chain_error=error,
        symmetry=symmetry,
    )


KIND = StepKind("backward", BackwardStep, check=check, code=code)
