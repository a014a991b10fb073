"""The output shape of one layer for an input shape, without the cost of the meta device.

The dry run builds layers on the meta device so that no weight memory is allocated. But
the first forward call of a matrix product on meta tensors imports ``torch._dynamo``
and sympy (their decompositions are wrapped in ``torch._disable_dynamo``): about 150 MB
resident and a second of CPU in every process, which is what an idle served learner
paid just for the lesson list's check (measured by ``bench/serve_memory.py``).

So a Linear layer's shape follows from its rule, and any other layer whose weights and
output are small runs once on the CPU instead, on zeros, with uninitialised weights
(only the shape is read). Anything large, or a layer type
whose output size is not bounded by its input (upsampling, transposed convolutions),
still runs on the meta device. Both raise the same errors for the same shapes, so the
dry run's explanations do not change.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn

from tutor.engine.plane import PlaneFeatures
from tutor.engine.rng import forked

CPU_PROBE_PARAMS = 8_000_000
"""Largest parameter count probed on the CPU (32 MB of float32, freed at once)."""
CPU_PROBE_ELEMENTS = 4_000_000
"""Largest input, and bound on the output, probed on the CPU (16 MB of float32)."""
CPU_PROBE_MACS = 100_000_000
"""Most multiply-adds a convolution may cost to be probed on the CPU (tens of ms)."""

# Layers whose output has at most a bounded multiple of the input's elements (or, for
# Linear, out_features per row), so a small input cannot produce a huge output.
_BOUNDED = (
    nn.Flatten,
    nn.Unflatten,
    nn.Identity,
    nn.Dropout,
    nn.BatchNorm1d,
    nn.BatchNorm2d,
    nn.MaxPool1d,
    nn.MaxPool2d,
    nn.AvgPool1d,
    nn.AvgPool2d,
    nn.ReLU,
    nn.LeakyReLU,
    nn.Sigmoid,
    nn.Tanh,
    nn.Hardtanh,
    nn.GELU,
    nn.ELU,
    nn.SiLU,
    nn.Softmax,
    nn.LogSoftmax,
    PlaneFeatures,  # (N, 2) -> (N, F), F at most the 7 features
)


def _conv_output_bound(module: nn.Conv1d | nn.Conv2d, x_shape: tuple[int, ...]) -> int:
    """An upper bound on a convolution's output elements (stride 1, full padding)."""
    spatial = x_shape[2:] if len(x_shape) >= 3 else x_shape[-1:]
    padding = module.padding
    pads = (0,) * len(spatial) if isinstance(padding, str) else tuple(padding)
    if len(pads) != len(spatial):
        pads = (max(pads, default=0),) * len(spatial)
    grown = [s + 2 * p for s, p in zip(spatial, pads, strict=True)]
    return x_shape[0] * module.out_channels * math.prod(grown)


def _cheap_on_cpu(module: nn.Module, x_shape: tuple[int, ...]) -> bool:
    if type(module) not in (*_BOUNDED, nn.Conv1d, nn.Conv2d):
        return False
    params = sum(p.numel() for p in module.parameters())
    if params > CPU_PROBE_PARAMS or math.prod(x_shape) > CPU_PROBE_ELEMENTS:
        return False
    if isinstance(module, nn.Conv1d | nn.Conv2d):
        if len(x_shape) < 2:
            return False
        outputs = _conv_output_bound(module, x_shape)
        per_output = module.in_channels // module.groups * math.prod(module.kernel_size)
        return outputs <= CPU_PROBE_ELEMENTS and outputs * per_output <= CPU_PROBE_MACS
    return True


def _linear_shape(module: nn.Linear, x_shape: tuple[int, ...]) -> tuple[int, ...]:
    """A Linear layer's output shape by its rule, so even a huge one needs no forward:
    ``(*, in_features) -> (*, out_features)``; raises as ``F.linear`` does otherwise."""
    if not x_shape or x_shape[-1] != module.in_features:
        rows = math.prod(x_shape[:-1]) if len(x_shape) > 1 else 1
        got = x_shape[-1] if x_shape else 0
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{got} and "
            f"{module.in_features}x{module.out_features})"
        )
    return (*x_shape[:-1], module.out_features)


def output_shape(module: nn.Module, x_shape: tuple[int, ...]) -> tuple[int, ...]:
    """``module(x).shape`` for an ``x`` of ``x_shape``; raises what the forward raises.

    ``module`` may be on the meta device; when it is probed on the CPU it is moved
    there first (uninitialised), so use it for shapes only afterwards.
    """
    if type(module) is nn.Linear:
        return _linear_shape(module, x_shape)
    # Call this outside any ``torch.device("meta")`` block: inside one, even the CPU
    # probe's tensor factories go through the Python reference path and import sympy.
    with torch.no_grad():
        if _cheap_on_cpu(module, x_shape):
            # What to_empty(device="cpu") does, but from shapes: empty_like on a meta
            # tensor takes the reference path (and imports sympy), torch.empty does not.
            module._apply(lambda t: torch.empty(t.shape, dtype=t.dtype))
            # Eval mode: the shape is the same, and BatchNorm in train mode refuses a
            # batch of one sample (the facts' dry run uses batch 1).
            module.eval()
            # A layer such as Dropout draws random numbers in forward: the probe must not
            # move the global generator (``torch.manual_seed(S)`` then building a model
            # must give plain PyTorch's weights, and its next numbers after).
            with forked():
                return tuple(module(torch.zeros(x_shape)).shape)
        with torch.device("meta"):  # tensors a layer makes inside forward stay on meta too
            module.to_empty(device="meta")
            return tuple(module(torch.empty(x_shape)).shape)
