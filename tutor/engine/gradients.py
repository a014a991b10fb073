"""Gradients of one batch as plain numbers, and the helpers every backward view shares.

:func:`batch_gradients` is what a notebook does: ``loss(model(x), y).backward()`` and a
look at every parameter's ``.grad``. :func:`gradient_summary` turns the ``.grad`` of a
model into a :class:`GradientSummary` (the loss, each parameter's shape, gradient shape
and norm, per-layer norms). :func:`working_copy` and :func:`fixed_randomness` let the
backward and optimizer-step views compute on a copy of a model with fixed dropout
masks, never touching the model itself.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.nn as nn

from tutor.engine.metrics import loss_function
from tutor.engine.rng import forked
from tutor.errors import TutorError


class BackwardError(TutorError):
    """The backward pass cannot be shown as asked; the message says what and where."""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ParamGrad:
    """One named parameter and its gradient after ``loss.backward()``."""

    name: str
    """``fc1.weight``, as ``model.named_parameters()`` calls it."""
    layer: str
    """The module that owns it (``fc1``); ``""`` for a bare layer used as the model."""
    kind: str
    """``weight``, ``bias``, ..."""
    shape: tuple[int, ...]
    grad_shape: tuple[int, ...] | None
    """Equal to ``shape``; None when no gradient reached it (frozen or unused)."""
    grad_norm: float | None
    """L2 norm of the gradient: sqrt of the sum of its squared entries."""
    weight_norm: float

    @property
    def ratio(self) -> float | None:
        """‖grad‖ / ‖weight‖: with learning rate ``lr`` a plain SGD step changes this
        parameter by ``lr × ratio`` of its own size."""
        if self.grad_norm is None or self.weight_norm == 0:
            return None
        return self.grad_norm / self.weight_norm


@dataclass(frozen=True)
class LayerGrad:
    """The gradient norm of one layer: all its parameters' gradients together."""

    path: str
    type: str
    norm: float
    """sqrt(Σ ‖grad‖²) over the layer's parameters."""
    params: tuple[str, ...]


@dataclass(frozen=True)
class GradientSummary:
    """The loss of one batch and every parameter's gradient."""

    loss: float
    """The batch loss (mean over the batch)."""
    batch_size: int
    params: tuple[ParamGrad, ...]
    layers: tuple[LayerGrad, ...]
    """Layers with parameters, in the model's order: the bars of the view."""

    def param(self, name: str) -> ParamGrad:
        """The record of parameter ``name`` (``fc1.weight``)."""
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)


def working_copy(model: nn.Module) -> nn.Module:
    """A deep copy to compute on: in-place layers switched off (so every layer's output
    stays a tensor of its own, whose gradient autograd can keep) and gradients cleared."""
    clone = copy.deepcopy(model)
    for module in clone.modules():
        if getattr(module, "inplace", False) is True:
            module.inplace = False
    for p in clone.parameters():
        p.grad = None
    return clone


@contextmanager
def fixed_randomness(seed: int, device: torch.device | None = None) -> Iterator[None]:
    """Seed the generators for one forward pass (dropout masks), then put them back as
    they were, so the caller's random numbers are not disturbed.

    ``device`` is where the pass runs (a CUDA device's generator is seeded and restored
    too). Dropout draws from PyTorch's global generators, so masks are only fixed when
    no other thread draws from them meanwhile (a training run with dropout): compute
    views while no such run is going.
    """
    cuda = device is not None and device.type == "cuda"
    index = (device.index if device.index is not None else 0) if cuda and device else 0
    with forked([index] if cuda else []):
        # Not torch.manual_seed: it also seeds every backend not yet started (XPU, MTIA
        # ...), recording a stack trace for each, about 1 ms per call.
        torch.default_generator.manual_seed(seed)
        if cuda:
            torch.cuda.manual_seed(seed)
        elif device is not None and device.type == "mps":
            torch.mps.manual_seed(seed)
        yield


def resolve_loss(loss: str | Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
    if callable(loss):
        return loss
    try:
        return loss_function(loss)
    except ValueError as error:
        raise BackwardError(str(error)) from None


def check_batch(x: torch.Tensor, y: torch.Tensor) -> None:
    """Inputs and targets of one batch: same count, finite numbers."""
    if x.dim() == 0 or y.dim() == 0 or x.shape[0] != y.shape[0]:
        raise BackwardError(
            key="backward.batch_mismatch", inputs=tuple(x.shape), targets=tuple(y.shape)
        )
    if x.shape[0] == 0:
        raise BackwardError(key="backward.empty_batch")
    if x.is_floating_point() and not bool(torch.isfinite(x).all()):
        raise BackwardError(key="backward.inputs_not_finite")


def gradient_summary(model: nn.Module, loss: float, batch_size: int) -> GradientSummary:
    """Read every parameter's ``.grad`` (after ``loss.backward()``) as plain numbers."""
    named = list(model.named_parameters())
    norms: list[torch.Tensor] = []
    for _, p in named:
        norms.append(torch.linalg.vector_norm(p.detach().float()))
        if p.grad is not None:
            norms.append(torch.linalg.vector_norm(p.grad.detach().float()))
    # One read from the device for all of them, not one per parameter.
    values = torch.stack(norms).tolist() if norms else []
    params: list[ParamGrad] = []
    it = iter(values)
    for name, p in named:
        weight_norm = next(it)
        grad_norm = next(it) if p.grad is not None else None
        layer, _, kind = name.rpartition(".")
        params.append(
            ParamGrad(
                name=name,
                layer=layer,
                kind=kind,
                shape=tuple(p.shape),
                grad_shape=tuple(p.grad.shape) if p.grad is not None else None,
                grad_norm=grad_norm,
                weight_norm=weight_norm,
            )
        )
    by_layer: dict[str, list[ParamGrad]] = {}
    for record in params:
        by_layer.setdefault(record.layer, []).append(record)
    modules = dict(model.named_modules())
    layers = tuple(
        LayerGrad(
            path=path,
            type=type(modules[path]).__name__ if path in modules else "?",
            norm=math.sqrt(sum((r.grad_norm or 0.0) ** 2 for r in records)),
            params=tuple(r.name for r in records),
        )
        for path, records in by_layer.items()
    )
    return GradientSummary(float(loss), batch_size, tuple(params), layers)


def batch_gradients(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    loss: str | Callable[..., torch.Tensor] = "cross_entropy",
) -> GradientSummary:
    """``loss(model(x), y).backward()`` on ``model`` itself, in its current mode.

    This is what a notebook does (``tutor dissect --backward`` uses it on a freshly built
    model): the model's ``.grad`` are set (cleared first), and a train-mode forward
    updates BatchNorm's running statistics. Use :class:`BackwardPass` to leave a model
    as it was.
    """
    check_batch(x, y)
    fn = resolve_loss(loss)
    for p in model.parameters():
        p.grad = None
    value = fn(model(x), y)  # mean over the batch, a 0-d tensor
    number = float(value.detach())
    if not math.isfinite(number):
        raise BackwardError(key="backward.loss_not_finite")
    value.backward()
    return gradient_summary(model, number, int(x.shape[0]))


def unravel(flat: int, shape: Sequence[int]) -> tuple[int, ...]:
    """The position of entry ``flat`` of a flattened tensor of ``shape``, in plain Python:
    ``torch.unravel_index`` imports sympy on first use (seconds, 150 MB)."""
    position = []
    for size in reversed(tuple(shape)):
        flat, rest = divmod(flat, size)
        position.append(rest)
    return tuple(reversed(position))


def param_name(layer: str, kind: str) -> str:
    return f"{layer}.{kind}" if layer else kind


def class_targets(output: torch.Tensor) -> torch.Tensor:
    """``torch.arange(N) % K`` for (N, K) logits: sample ``i`` belongs to class ``i % K``.

    Raises:
        BackwardError: when the output is not (N, K) logits with K ≥ 2 (an autoencoder's
            image, or one number per sample, has no classes to aim at).
    """
    if output.dim() != 2 or output.shape[1] < 2:
        raise BackwardError(key="backward.not_logits", shape=tuple(output.shape))
    n, k = output.shape
    return torch.arange(n, device=output.device) % k  # (N,) class indices


@dataclass(frozen=True)
class SeededBackward:
    """A model built after ``torch.manual_seed(seed)``, its batch and its gradients."""

    model: nn.Module
    x: torch.Tensor
    """The batch ``torch.randn(N, *input)``, on the CPU where it was drawn."""
    targets: torch.Tensor
    classes: int
    """K, the number of logits per sample: the targets are ``arange(N) % K``."""
    summary: GradientSummary
    seed: int


def seeded_backward(
    build: Callable[[], nn.Module],
    input_shape: tuple[int, ...],
    batch_size: int,
    seed: int,
    device: torch.device | str = "cpu",
) -> SeededBackward:
    """The batch of ``tutor dissect --backward``, as a notebook would make it::

        torch.manual_seed(seed)
        model = ...                        # the same layers, built in the same order
        x = torch.randn(batch_size, *input_shape)
        loss = F.cross_entropy(model(x), torch.arange(batch_size) % num_classes)
        loss.backward()

    ``build`` must draw its initial weights from the global generator
    (``build_model(spec, seed=None)``, ``torchvision_model(name, seed=None)``). The
    model stays in train mode, as a freshly built module is (dropout active, BatchNorm
    on batch statistics); the caller's random numbers are left as they were.
    """
    with forked():
        torch.manual_seed(seed)
        model = build()
        x = torch.randn(batch_size, *input_shape)  # (N, *input) drawn right after the weights
        model = model.to(device)
        model.train()
        try:
            out = model(x.to(device))  # dropout draws its masks next, as in the notebook
        except (RuntimeError, ValueError) as error:  # BatchNorm on one sample: ValueError
            first = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise BackwardError(
                key="backward.forward_failed", shape=(batch_size, *input_shape), reason=first
            ) from None
        targets = class_targets(out)
        loss = torch.nn.functional.cross_entropy(out, targets)  # mean over the batch
        number = float(loss.detach())
        if not math.isfinite(number):
            raise BackwardError(key="backward.loss_not_finite")
        loss.backward()
    summary = gradient_summary(model, number, batch_size)
    return SeededBackward(model, x, targets, int(out.shape[1]), summary, seed)


def layer_grads(summary: GradientSummary, layer: str) -> dict[str, dict[str, object]]:
    """``{"weight": {"shape": [...], "norm": float}, ...}`` for the parameters of
    ``layer`` (the ``grads`` of a ``tutor dissect --backward --json`` layer record);
    a parameter no gradient reached has ``"shape": null, "norm": null``."""
    out: dict[str, dict[str, object]] = {}
    for p in summary.params:
        if p.layer == layer:
            shape = list(p.grad_shape) if p.grad_shape is not None else None
            out[p.kind] = {"shape": shape, "norm": p.grad_norm}
    return out
