"""Specs -> ``nn.Sequential``, with a dry run on the meta device first.

The dry run builds every layer on PyTorch's ``meta`` device, where tensors have shapes
but no memory, and pushes a batch through layer by layer. It finds every size mismatch
and counts the parameters before a single weight is allocated, so a lesson asking for
``Linear(100000, 100000)`` is refused without touching RAM.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn as nn

from tutor.engine.rng import forked
from tutor.engine.shape_probe import output_shape
from tutor.engine.spec import LayerSpec, ModelSpec, SpecError, SpecIssue
from tutor.text import shape_text

#: Default refusal threshold for parameters (a learner's laptop, not a datacentre).
MAX_PARAMS = 200_000_000
#: Largest output of any one layer for one sample, in elements (about 400 MB in float32).
MAX_ACTIVATION = 100_000_000

Shape = tuple[int, ...]


@dataclass(frozen=True)
class LayerShape:
    """What the dry run learned about one layer."""

    index: int
    label: str
    input_shape: Shape
    output_shape: Shape
    num_params: int


@dataclass(frozen=True)
class DryRun:
    """The result of a successful dry run: shapes with a batch and parameter counts."""

    spec: ModelSpec
    batch_size: int
    layers: tuple[LayerShape, ...]
    total_params: int

    @property
    def output_shape(self) -> Shape:
        return self.layers[-1].output_shape if self.layers else (self.batch_size, *self.spec.input)


def make_layer(layer: LayerSpec) -> nn.Module:
    """Construct one layer from its spec, on whatever default device is active."""
    return layer.layer_class(*layer.args, **dict(layer.kwargs))


def _count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def _source_of(spec: ModelSpec, index: int, shapes: list[Shape], x_shape: Shape) -> str:
    """Where the input of layer ``index`` comes from, in words."""
    if index == 0:
        return f"the model input is {shape_text(x_shape, 'N')}"
    prev = spec.layers[index - 1]
    prev_label = spec.layer_label(index - 1)
    if prev.type == "Flatten" and len(shapes[index - 1]) > 2:
        return (
            f"{shape_text(shapes[index - 1], 'N')} flattens to {math.prod(shapes[index - 1][1:])}"
        )
    return f"the previous layer, {prev_label}, gives {shape_text(x_shape, 'N')}"


def _explain(
    spec: ModelSpec,
    index: int,
    module: nn.Module,
    x_shape: Shape,
    shapes: list[Shape],
    error: Exception,
) -> tuple[str, Shape | None]:
    """A learner-facing reason why layer ``index`` failed, and a repaired input shape.

    The repaired shape lets the dry run continue past this layer so that every
    mismatch in the model is reported, not only the first.
    """
    layer = spec.layers[index]
    label = spec.layer_label(index)
    source = _source_of(spec, index, shapes, x_shape)
    if isinstance(module, nn.Linear):
        want, got = module.in_features, x_shape[-1]
        if len(x_shape) > 2 and got != want and math.prod(x_shape[1:]) == want:
            return (
                f"{label} expects {want} input features but gets {shape_text(x_shape, 'N')}: "
                f"add a Flatten before it, which turns {shape_text(x_shape, 'N')} into "
                f"{shape_text((x_shape[0], want), 'N')}",
                (x_shape[0], want),
            )
        return (
            f"{label} expects {want} input features but {source}"
            + ("" if "flattens to" in source else f", whose last dimension is {got}")
            + f"; set in_features: {got}",
            (*x_shape[:-1], want),
        )
    if isinstance(module, nn.Conv1d | nn.Conv2d):
        dims = 3 if isinstance(module, nn.Conv1d) else 4
        if len(x_shape) != dims:
            kind = "(N, C, L)" if dims == 3 else "(N, C, H, W)"
            return (f"{label} expects a {dims}-dimensional input {kind} but {source}", None)
        want, got = module.in_channels, x_shape[1]
        if got != want:
            return (
                f"{label} expects {want} input channels but {source}, which has {got} channels"
                f"; set in_channels: {got}",
                (x_shape[0], want, *x_shape[2:]),
            )
        return (
            f"{label} cannot process {shape_text(x_shape, 'N')}: {_conv_too_small(module, x_shape)}",
            None,
        )
    if isinstance(module, nn.BatchNorm1d | nn.BatchNorm2d) and (
        len(x_shape) < 2 or x_shape[1] != module.num_features
    ):
        want, got = module.num_features, x_shape[1] if len(x_shape) > 1 else None
        return (
            f"{label} expects {want} features (channels) but {source}, which has {got}"
            f"; set num_features: {got}",
            (x_shape[0], want, *x_shape[2:]) if len(x_shape) > 1 else None,
        )
    if isinstance(module, nn.MaxPool2d | nn.AvgPool2d | nn.MaxPool1d | nn.AvgPool1d):
        return (
            f"{label} cannot process {shape_text(x_shape, 'N')}: {_conv_too_small(module, x_shape)}",
            None,
        )
    if isinstance(module, nn.Unflatten):
        return (
            f"{label} cannot reshape {shape_text(x_shape, 'N')} into {tuple(module.unflattened_size)}: "
            f"the sizes must multiply to {x_shape[module.dim] if -len(x_shape) <= module.dim < len(x_shape) else '?'}",
            None,
        )
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return (
        f"{label} fails on input {shape_text(x_shape, 'N')} ({layer.describe()}): {first_line}",
        None,
    )


def _conv_too_small(module: nn.Module, x_shape: Shape) -> str:
    """Explain with the output-size formula why a kernel does not fit."""

    def pair(v: object, n: int) -> tuple[int, ...]:
        return tuple(v) if isinstance(v, tuple | list) else (v,) * n  # type: ignore[arg-type]

    spatial = x_shape[2:]
    n = len(spatial)
    if n == 0:
        return "it needs spatial dimensions (H, W)"
    k = pair(module.kernel_size, n)
    s = pair(module.stride if module.stride is not None else module.kernel_size, n)
    p = pair(module.padding if not isinstance(module.padding, str) else 0, n)
    parts = []
    for size, kk, ss, pp in zip(spatial, k, s, p, strict=False):
        out = (size + 2 * pp - kk) // ss + 1
        parts.append(f"({size} + 2×{pp} − {kk}) / {ss} + 1 = {out}")
    return "the output size would be " + "; ".join(parts) + ", and it must be at least 1"


#: Arguments that name a dimension of the layer's input, which includes the batch.
_DIM_ARGS = {"Softmax": "dim", "LogSoftmax": "dim", "Flatten": "start_dim", "Unflatten": "dim"}


def _batch_dim_issue(label: str, layer: Any, ndim: int) -> str | None:
    """Why ``layer`` must not work along dimension 0, the batch (N), or None.

    Softmax over dim 0 mixes the samples of a batch, and Flatten from dim 0 merges them:
    both run, and every number they give is wrong for a single sample.
    """
    arg = _DIM_ARGS.get(layer.type)
    if arg is None:
        return None
    # The dimension is the first positional argument of all four layers.
    value = dict(layer.kwargs).get(arg, layer.args[0] if layer.args else None)
    if not isinstance(value, int) or isinstance(value, bool) or not -ndim <= value < ndim:
        return None  # absent, or out of range: the probe says so in torch's words
    if value % ndim != 0:
        return None
    return (
        f"{label} works along dimension {value}, which is the batch (N): each sample must be "
        f"handled on its own; use {arg}: 1 (the first dimension after the batch)"
    )


def dry_run(spec: ModelSpec, batch_size: int = 2, max_params: int = MAX_PARAMS) -> DryRun:
    """Build ``spec`` on the meta device and check every shape and the parameter count.

    Raises:
        SpecError: listing every mismatch, each at the path of the layer that fails.
    """
    issues: list[SpecIssue] = []
    shapes: list[Shape] = []
    records: list[LayerShape] = []
    total = 0
    x_shape: Shape = (batch_size, *spec.input)
    blocked = False
    for i, layer in enumerate(spec.layers):
        label = spec.layer_label(i)
        try:
            with torch.device("meta"):  # no weight memory; the probe picks where to run
                module = make_layer(layer)
        except Exception as error:  # torch raises ValueError, TypeError, RuntimeError...
            issues.append(
                SpecIssue(layer.path, f"{label} cannot be built from {layer.describe()}: {error}")
            )
            blocked = True
            continue
        count = _count(module)
        total += count
        if blocked:
            continue
        batch_issue = _batch_dim_issue(label, layer, len(x_shape))
        if batch_issue is not None:
            issues.append(SpecIssue(layer.path, batch_issue))
            blocked = True
            continue
        try:
            out_shape = output_shape(module, x_shape)  # CPU when small: see shape_probe
        except Exception as error:
            message, repaired = _explain(spec, i, module, x_shape, shapes, error)
            issues.append(SpecIssue(layer.path, message))
            if repaired is None:
                blocked = True
                continue
            try:  # past the mismatch, so later layers are checked too
                out_shape = output_shape(module, repaired)
            except Exception:  # it fails for another reason as well: stop here
                blocked = True
                continue
        if 0 in out_shape[1:]:
            issues.append(
                SpecIssue(
                    layer.path,
                    f"{label} would output {shape_text(out_shape, 'N')}: an empty tensor, "
                    "with no numbers to pass on; every size after the batch must be at least 1",
                )
            )
            blocked = True
        elif math.prod(out_shape[1:]) > MAX_ACTIVATION:
            issues.append(
                SpecIssue(
                    layer.path,
                    f"{label} would output {shape_text(out_shape, 'N')}"
                    f", {math.prod(out_shape[1:]):,} numbers per sample: "
                    "too large to compute here",
                )
            )
            blocked = True
        records.append(LayerShape(i, label, x_shape, out_shape, count))
        shapes.append(x_shape)
        x_shape = out_shape
    if total > max_params:
        gib = total * 4 / 2**30
        issues.append(
            SpecIssue(
                spec.path,
                f"model '{spec.name}' has {total:,} parameters "
                f"({gib:,.1f} GiB as float32), above the limit of {max_params:,}; "
                "it was not built",
            )
        )
    if issues:
        raise SpecError(issues)
    return DryRun(spec, batch_size, tuple(records), total)


_PASSED: OrderedDict[tuple[str, int], None] = OrderedDict()
"""Specs whose dry run passed (by their repr, which holds every layer and argument):
the playground builds the same few networks again at every key."""


def _checked(spec: ModelSpec, max_params: int) -> None:
    """:func:`dry_run` ``spec``, unless the same spec passed it recently."""
    key = (repr(spec), max_params)
    if key in _PASSED:
        _PASSED.move_to_end(key)
        return
    dry_run(spec, max_params=max_params)
    _PASSED[key] = None
    if len(_PASSED) > 64:
        _PASSED.popitem(last=False)


def build_model(
    spec: ModelSpec,
    device: torch.device | str = "cpu",
    seed: int | None = 0,
    max_params: int = MAX_PARAMS,
) -> nn.Sequential:
    """Dry-run ``spec``, then build it for real as an ``nn.Sequential`` on ``device``.

    Layers are named as written (``fc1``) or by position (``0``, ``1`` ...), exactly as
    ``nn.Sequential`` names them, so ``model.named_parameters()`` gives ``fc1.weight``.
    With a ``seed`` the initial weights are the same on every device, and the global
    random generator is left as it was. With ``seed=None`` the layers draw from the
    global generator and advance it exactly as the same ``torch.nn`` layers built in a
    notebook would: ``torch.manual_seed(S)`` followed by this call gives plain PyTorch's
    weights, and a ``torch.randn`` after it gives plain PyTorch's next numbers (the dry
    run on the meta device draws no random numbers).
    """
    _checked(spec, max_params)
    if seed is None:
        layers = [make_layer(layer) for layer in spec.layers]
    else:
        with forked():
            # The layers draw on the CPU: seeding its generator is what
            # torch.manual_seed does for them, without recording a stack trace for every
            # backend not yet started (2-3 ms a model: the playground builds one a key).
            torch.default_generator.manual_seed(seed)
            layers = [make_layer(layer) for layer in spec.layers]
    model = nn.Sequential(OrderedDict(zip(spec.child_names(), layers, strict=True)))
    return model.to(device)
