"""Dissection: a model's leaf layers with shapes, parameter formulas and shape arithmetic.

This is what ``tutor dissect`` prints and what the dissect step shows. The notes turn
each number into the calculation a learner would do by hand:

* a Linear layer's parameters: ``in × out + out`` (784 × 100 + 100 = 78,500);
* a convolution's: ``FN × C × FH × FW + FN``;
* conv and pooling output sizes: ``(H + 2P − FH) / S + 1``;
* the weight layout: PyTorch stores ``(out, in)`` and computes ``x @ W.T``; a Keras
  kernel is ``(in, out)`` with ``x @ W``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn as nn

from tutor.engine.device import DeviceInfo
from tutor.engine.inputs import InputSpec, ModelInputs
from tutor.engine.trace import LayerRecord, Trace, trace
from tutor.errors import TutorError
from tutor.locales import Joined, Phrase
from tutor.text import shape_text

#: Default input size (one sample) of torchvision classification models.
TORCHVISION_INPUT = (3, 224, 224)
_TORCHVISION_SPECIAL_INPUT = {"inception_v3": (3, 299, 299)}


class ModelNotFound(TutorError):
    """The model name or file does not name anything tutor can build."""


@dataclass(frozen=True)
class LayerNotes:
    """Hand calculations that explain one layer's numbers."""

    formula: str | None = None
    """Parameter count with numbers substituted, e.g. ``784 × 100 + 100 = 78,500``."""
    arithmetic: str | None = None
    """Output size arithmetic, e.g. ``H: (28 + 2×0 − 5) / 1 + 1 = 24``."""
    layout: str | None = None
    """Weight layout and matmul shape algebra for Linear layers."""


@dataclass
class Dissection:
    """A traced model with per-layer notes, ready to print or to serialise."""

    model_name: str
    device: str
    batch_size: int
    trace: Trace
    notes: list[LayerNotes] = field(default_factory=list)
    inputs: list[dict[str, Any]] | None = None
    """Every tensor input (name, shape, dtype) when the model takes more than one
    float tensor; None for the classic ``model(x)``."""

    @property
    def layers(self) -> list[LayerRecord]:
        return self.trace.layers

    def as_json(self) -> dict[str, Any]:
        """The object of DESIGN.md's ``tutor dissect --json`` contract.

        Beyond torchinfo's numbers: ``total_flops`` (operator FLOPs of the forward pass,
        ``torch.utils.flop_counter``), per layer ``flops`` and ``note`` (when there is
        one), ``flops_by_module`` (FLOPs that non-leaf modules ran themselves, such as
        attention's matmuls: with the layers' ``flops`` they add up to ``total_flops``),
        and ``inputs`` when the model takes several or non-float inputs.
        """
        data: dict[str, Any] = {
            "model": self.model_name,
            "device": self.device,
            "batch_size": self.batch_size,
            "input_shape": _jsonable(self.trace.input_shape),
            "layers": [layer.as_dict() for layer in self.trace.layers],
            "total_params": self.trace.total_params,
            "trainable_params": self.trace.trainable_params,
            "total_mult_adds": self.trace.total_mult_adds,
        }
        if self.inputs is not None:
            data["inputs"] = self.inputs
        if self.trace.total_flops is not None:
            data["total_flops"] = self.trace.total_flops
            data["flops_by_module"] = [m.as_dict() for m in self.trace.flops_by_module]
        return data


def _jsonable(shape: Any) -> list[Any]:
    if isinstance(shape, list):
        return [list(s) for s in shape]
    return list(shape)


def _n(value: int) -> str:
    return f"{value:,}"


def _pair(value: Any, n: int) -> tuple[int, ...]:
    if isinstance(value, tuple | list):
        return tuple(int(v) for v in value)
    return (int(value),) * n


def _size_lines(
    in_shape: tuple[int, ...],
    out_shape: tuple[int, ...],
    kernel: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
) -> str:
    spatial = in_shape[2:]
    n = len(spatial)
    k = _pair(kernel, n)
    s = _pair(stride, n)
    p = _pair(padding, n) if not isinstance(padding, str) else None
    d = _pair(dilation, n)
    names = ("H", "W") if n == 2 else ("L",) if n == 1 else tuple(f"D{i}" for i in range(n))
    lines = []
    for i in range(n):
        out = out_shape[2 + i] if len(out_shape) > 2 + i else "?"
        if p is None:
            lines.append(
                Phrase("dissect.padding_keeps", axis=names[i], padding=padding, size=spatial[i], out=out)
            )
            continue
        fk = f"{k[i]}" if d[i] == 1 else f"{d[i]}×({k[i]}−1)+1"
        lines.append(f"{names[i]}: ({spatial[i]} + 2×{p[i]} − {fk}) / {s[i]} + 1 = {out}")
    return Joined(lines)


def notes_for(record: LayerRecord) -> LayerNotes:
    """The hand calculations for one traced layer (empty notes for simple layers)."""
    m = record.module
    in_shape = record.input_shape if isinstance(record.input_shape, tuple) else ()
    out_shape = record.output_shape if isinstance(record.output_shape, tuple) else ()
    if isinstance(m, nn.Linear):
        i, o = m.in_features, m.out_features
        formula = f"{_n(i)} × {_n(o)}" + (f" + {_n(o)}" if m.bias is not None else "")
        formula += f" = {_n(record.num_params)}"
        x = shape_text(in_shape, "B") if in_shape else f"(B, {i})"
        y = shape_text(out_shape, "B") if out_shape else f"(B, {o})"
        layout = Phrase(
            "dissect.layout",
            weight=shape_text((o, i)),
            kernel=shape_text((i, o)),
            x=x,
            y=y,
            i=i,
            o=o,
        )
        return LayerNotes(formula=formula, layout=layout)
    if isinstance(m, nn.Conv1d | nn.Conv2d | nn.Conv3d):
        fn, c = m.out_channels, m.in_channels // m.groups
        ks = list(m.kernel_size)
        dims = " × ".join(_n(v) for v in (fn, c, *ks))
        formula = (
            dims + (f" + {_n(fn)}" if m.bias is not None else "") + f" = {_n(record.num_params)}"
        )
        arithmetic = None
        if len(in_shape) >= 3:
            arithmetic = _size_lines(
                in_shape, out_shape, m.kernel_size, m.stride, m.padding, m.dilation
            )
        return LayerNotes(formula=formula, arithmetic=arithmetic)
    if isinstance(m, nn.MaxPool1d | nn.MaxPool2d | nn.AvgPool1d | nn.AvgPool2d):
        stride = m.stride if m.stride not in (None, ()) else m.kernel_size
        dilation = getattr(m, "dilation", 1)
        arithmetic = None
        if len(in_shape) >= 3:
            arithmetic = _size_lines(
                in_shape, out_shape, m.kernel_size, stride, m.padding, dilation
            )
        return LayerNotes(arithmetic=arithmetic)
    if isinstance(m, nn.BatchNorm1d | nn.BatchNorm2d) and m.affine:
        return LayerNotes(
            formula=f"γ {_n(m.num_features)} + β {_n(m.num_features)} = {_n(record.num_params)}"
        )
    if isinstance(m, nn.Flatten) and len(in_shape) > 2 and out_shape:
        dims = " × ".join(_n(v) for v in in_shape[1:])
        return LayerNotes(
            arithmetic=Phrase("dissect.flatten", dims=dims, n=_n(math.prod(in_shape[1:])))
        )
    return LayerNotes()


def dissect(
    model: nn.Module,
    input_shape: tuple[int, ...] | InputSpec | None,
    batch_size: int = 1,
    device: DeviceInfo | None = None,
    model_name: str = "model",
    keep_outputs: bool = False,
    x: Any = None,
    count_flops: bool = True,
) -> Dissection:
    """Trace ``model`` on a batch and attach notes to every leaf layer.

    Args:
        input_shape: one sample's shape, without the batch dimension, or an
            :class:`InputSpec` for several, keyword or integer inputs.
        batch_size: how many samples the traced batch holds.
        device: where to run; the model is moved there. ``None`` keeps the model's device.
        x: real inputs to use instead of a seeded random batch (the forward view passes
            samples): a tensor, a tuple/list of positional inputs, a dict of keyword
            inputs or :class:`ModelInputs`; nested tensors are moved to the device too.
        count_flops: also count operator FLOPs (``torch.utils.flop_counter``) in the
            same forward pass.
    """
    if batch_size < 1:
        raise TutorError(f"the batch size must be at least 1, got {batch_size}")
    if device is not None:
        model = model.to(device.torch_device)
    try:
        where = next(model.parameters()).device
    except StopIteration:
        where = device.torch_device if device else torch.device("cpu")
    if x is None:
        if input_shape is None:
            raise TutorError("no input to trace with: give an input shape or an example input")
        spec = input_shape if isinstance(input_shape, InputSpec) else InputSpec.single(input_shape)
        # Random rather than zeros, so statistics look like a real forward pass.
        inputs = spec.make(batch_size, model)
    else:
        inputs = ModelInputs.of(x)
    inputs = inputs.to(where)
    result = trace(model, inputs, keep_outputs=keep_outputs, count_flops=count_flops)
    simple = inputs.is_single_tensor and inputs.args[0].is_floating_point()
    return Dissection(
        model_name=model_name,
        device=device.label if device else str(where),
        batch_size=inputs.batch_size,
        trace=result,
        notes=[notes_for(record) for record in result.layers],
        inputs=None if simple else inputs.describe(),
    )


def torchvision_model(name: str, seed: int | None = 0) -> tuple[nn.Module, tuple[int, ...]]:
    """A torchvision classification model by name, random weights, nothing downloaded.

    ``seed`` fixes the weights without touching the global generator; ``None`` builds
    from the global generator as ``torchvision.models.get_model(name, weights=None)``
    would in a notebook (``tutor dissect --backward`` relies on that)."""
    try:
        import torchvision.models as tvm
    except Exception as error:  # pragma: no cover - torchvision is a dependency
        raise ModelNotFound(f"torchvision is not available: {error}") from None
    names = tvm.list_models(module=tvm)
    if name not in names:
        from tutor.text import suggest

        raise ModelNotFound(
            f"torchvision has no classification model '{name}'{suggest(name, names)}; "
            f"for example: {', '.join(sorted(names)[:12])} ..."
        )
    # weights=None builds the architecture only; nothing is downloaded. Some models
    # want aux_logits off to behave like a plain classifier in eval mode.
    kwargs: dict[str, Any] = {"weights": None}
    if name in ("inception_v3", "googlenet"):
        kwargs.update(aux_logits=False, init_weights=False)
    if seed is None:
        model = tvm.get_model(name, **kwargs)
    else:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = tvm.get_model(name, **kwargs)
    return model, torchvision_input(name)


def torchvision_input(name: str) -> tuple[int, ...]:
    """One sample's input shape for a torchvision classification model (3×224×224,
    3×299×299 for inception_v3)."""
    return _TORCHVISION_SPECIAL_INPUT.get(name, TORCHVISION_INPUT)
