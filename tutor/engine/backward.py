"""One minibatch's backward pass, dissected: the loss and every parameter's gradient.

:class:`BackwardPass` runs a batch forward and backward once, on a copy of the model,
and keeps the tensors, so that looking at another layer, unit or sample afterwards is
only indexing (a view redraws within its 50 ms budget). What it hands out is plain data
(frozen dataclasses of floats, tuples and heatmaps, no tensors):

* :meth:`BackwardPass.summary`: the loss; for every named parameter its shape, its
  gradient's shape (always the same: one number of "which way is downhill" per weight)
  and L2 norm, the weight's norm; per-layer gradient norms, for bars;
* :meth:`BackwardPass.maps`: one layer's gradient as heatmaps (for a Linear layer that
  sees the image, each hidden unit's gradients drawn as the image);
* :meth:`BackwardPass.chain`: the chain rule for one neuron, written out with its
  numbers and checked against autograd (``tutor.engine.chain_rule``);
* :meth:`BackwardPass.zero_grad_demo`: what happens without ``optimizer.zero_grad()``.

The model itself is never touched: no weight, buffer (BatchNorm statistics), ``.grad``
or train/eval mode of it changes. Dropout masks are fixed by ``seed``, so the passes of
one :class:`BackwardPass` all see the same network.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn as nn

from tutor.engine.chain_rule import ChainRule, LeafCall, chain_rule
from tutor.engine.gradients import (
    BackwardError,
    GradientSummary,
    check_batch,
    fixed_randomness,
    gradient_summary,
    param_name,
    resolve_loss,
    unravel,
    working_copy,
)
from tutor.engine.images import Heatmap, tensor_maps
from tutor.text import suggest

#: Heatmaps drawn per layer (hidden units or filters).
MAX_MAPS = 8
#: Gradient entries shown by the zero_grad demonstration.
DEMO_ENTRIES = 4


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class GradientMaps:
    """One layer's gradient drawn as heatmaps (red up, blue down, shared scale)."""

    layer: str
    kind: str
    """``units`` (each hidden unit's gradients as the input image), ``matrix`` (the
    (out, in) gradient of a Linear layer) or ``filters`` (one map per conv filter,
    input channels averaged)."""
    grad_shape: tuple[int, ...]
    maps: tuple[Heatmap, ...]


@dataclass(frozen=True)
class ZeroGradDemo:
    """Gradients add up in ``.grad`` until something sets them back to zero.

    Three backward passes into the same parameters: batch 1 (``first``); batch 2 on top
    without ``zero_grad()`` (``accumulated`` = first + second); then ``zero_grad()`` and
    batch 2 alone (``after_zero``, which is batch 2's own gradient). With the same batch
    twice, ``accumulated`` is exactly twice ``first``.
    """

    param: str
    entries: tuple[tuple[int, ...], ...]
    """Indices of the entries shown, e.g. ``(3, 407)`` for ``fc1.weight[3, 407]``."""
    same_batch: bool
    first: tuple[float, ...]
    accumulated: tuple[float, ...]
    after_zero: tuple[float, ...]
    first_norm: float
    accumulated_norm: float
    after_zero_norm: float
    sum_error: float
    """max |accumulated − (first + after_zero)| over the whole tensor: 0 up to rounding."""


@dataclass(frozen=True)
class BackwardView:
    """Everything the backward view draws for one batch."""

    summary: GradientSummary
    maps: GradientMaps | None
    chain: ChainRule | None
    zero_grad: ZeroGradDemo | None
    train_mode: bool


def _leaf_paths(model: nn.Module) -> dict[nn.Module, str]:
    paths: dict[nn.Module, str] = {}
    for name, module in model.named_modules():
        if not any(True for _ in module.children()):
            paths.setdefault(module, name)
    return paths


# --------------------------------------------------------------------------- the pass


class BackwardPass:
    """One batch forward and backward through a copy of ``model``, kept for viewing.

    Args:
        model: any ``nn.Module``; only a deep copy is used.
        x: the input batch, on the model's device.
        y: the targets (class indices for ``cross_entropy``/``nll``, numbers for ``mse``).
        loss: ``cross_entropy``, ``nll``, ``mse``, or a function ``(output, y) -> loss``
            that averages over the batch.
        train_mode: run as training does (dropout active, BatchNorm on batch
            statistics); False runs as evaluation does.
        seed: fixes dropout's random masks, the same for every pass.
        x2, y2: a second batch for the ``zero_grad`` demonstration (default: the same).
    """

    def __init__(
        self,
        model: nn.Module,
        x: torch.Tensor,
        y: torch.Tensor,
        loss: str | Callable[..., torch.Tensor] = "cross_entropy",
        *,
        train_mode: bool = True,
        seed: int = 0,
        x2: torch.Tensor | None = None,
        y2: torch.Tensor | None = None,
    ) -> None:
        check_batch(x, y)
        if (x2 is None) != (y2 is None):
            raise BackwardError(key="backward.second_batch")
        if x2 is not None and y2 is not None:
            check_batch(x2, y2)
        self.train_mode = train_mode
        self.seed = seed
        self._fn = resolve_loss(loss)
        self._x, self._y = x, y
        self._second = (x2, y2) if x2 is not None else None
        self._input_shape = tuple(x.shape[1:])
        self.model = working_copy(model)
        self.model.train(train_mode)
        self._paths = _leaf_paths(self.model)
        self._calls: list[LeafCall] = []
        self._graph: torch.Tensor | None = None
        self._loss, self._per_sample = self._first_pass()
        self._grads = {
            name: p.grad.detach().clone()
            for name, p in self.model.named_parameters()
            if p.grad is not None
        }
        self._summary = gradient_summary(self.model, self._loss, int(x.shape[0]))
        self._demo: dict[str, dict[str, torch.Tensor]] | None = None
        # chain() and maps() only read; the zero_grad demonstration runs backward passes
        # once, on first use, and two threads must not both start them.
        self._demo_lock = threading.Lock()

    # ----------------------------------------------------------------- passes

    def _forward_loss(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(output, batch loss) with this pass's dropout masks."""
        with fixed_randomness(self.seed, x.device):
            out = self.model(x)
        try:
            return out, self._fn(out, y)
        except (RuntimeError, ValueError, IndexError) as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise BackwardError(
                key="backward.loss_failed",
                output=tuple(out.shape),
                targets=tuple(y.shape),
                reason=first,
            ) from None

    def _first_pass(self) -> tuple[float, torch.Tensor | None]:
        """Forward with hooks that keep each leaf call's input and output (references,
        not copies: in-place layers are off in the copy), then backward.

        Returns the batch loss and each sample's own loss ℓ_b (their mean is the batch
        loss), or None for a loss function without ``reduction="none"``.
        """
        calls = self._calls
        handles = []

        def hook(module: nn.Module, inputs: Any, output: Any) -> None:
            first = inputs[0] if inputs and isinstance(inputs[0], torch.Tensor) else None
            if not isinstance(output, torch.Tensor):
                return
            previous = calls[-1] if calls else None
            follows_linear = (
                previous is not None
                and isinstance(previous.module, nn.Linear)
                and first is previous.output
            )
            if output.requires_grad and (isinstance(module, nn.Linear) or follows_linear):
                output.retain_grad()  # autograd keeps ∂loss/∂(this output) for the chain
            calls.append(LeafCall(self._paths.get(module, ""), module, first, output))

        try:
            for module in self._paths:
                handles.append(module.register_forward_hook(hook))
            out, value = self._forward_loss(self._x, self._y)
        finally:
            for handle in handles:
                handle.remove()
        number = float(value.detach())
        if not math.isfinite(number):
            raise BackwardError(key="backward.loss_not_finite")
        if not value.requires_grad:
            raise BackwardError(key="backward.no_params")
        # The zero_grad demonstration on the same batch runs backward through this very
        # graph twice more, instead of two more forward passes.
        same_batch = self._second is None
        value.backward(retain_graph=same_batch)
        self._graph = value if same_batch else None
        for call in calls:
            if call.output.retains_grad and call.output.grad is not None:
                call.grad = call.output.grad.detach().clone()
        per_sample = None
        try:
            with torch.no_grad():
                losses = self._fn(out.detach(), self._y, reduction="none")
            per_sample = losses.reshape(losses.shape[0], -1).mean(dim=1)  # (B,)
        except (TypeError, RuntimeError, ValueError):
            pass  # a custom loss function: the chain shows the batch loss only
        return number, per_sample

    # ----------------------------------------------------------------- views

    def summary(self) -> GradientSummary:
        """The loss and every parameter's gradient shape and norm."""
        return self._summary

    def layer_names(self) -> list[str]:
        """Leaf layers with a weight, in call order: the layers a view can pick."""
        seen: list[str] = []
        for call in self._calls:
            has_weight = isinstance(getattr(call.module, "weight", None), torch.Tensor)
            if has_weight and call.path not in seen:
                seen.append(call.path)
        return seen

    def _module(self, layer: str) -> nn.Module:
        for call in self._calls:
            if call.path == layer:
                return call.module
        names = [c.path for c in self._calls]
        raise BackwardError(key="backward.no_layer", layer=layer, hint=suggest(layer, names))

    def default_layer(self) -> str | None:
        """The first Linear layer that sees the whole image, else the first layer with
        a weight (a convolution in LeNet)."""
        features = math.prod(self._input_shape) if self._input_shape else 0
        for call in self._calls:
            m = call.module
            if isinstance(m, nn.Linear) and m.in_features == features:
                return call.path
        names = self.layer_names()
        return names[0] if names else None

    def maps(
        self, layer: str | None = None, count: int = MAX_MAPS, first: int = 0
    ) -> GradientMaps | None:
        """``layer``'s weight gradient as heatmaps (None when it has no weight): units
        (or filters) ``first`` to ``first + count − 1``, on one shared scale."""
        layer = layer if layer is not None else self.default_layer()
        if layer is None:
            return None
        module = self._module(layer)
        grad = self._grads.get(param_name(layer, "weight"))
        if grad is None:
            return None
        shape = tuple(grad.shape)
        image = self._input_shape
        features = math.prod(image) if len(image) >= 2 else -1  # an image, not a vector
        if isinstance(module, nn.Linear) and module.in_features == features:
            from tutor.engine.forward import unit_maps

            # (out, C*H*W): each unit's gradients laid out as the picture it looks at
            window = grad[first : first + count]
            return GradientMaps(layer, "units", shape, tuple(unit_maps(window, image, count)))
        maps = tensor_maps(grad[first:] if grad.dim() == 4 else grad, filters=count)
        kind = "filters" if grad.dim() == 4 else "matrix"
        return GradientMaps(layer, kind, shape, tuple(maps)) if maps else None

    def chain(
        self,
        layer: str | None = None,
        unit: int = 0,
        sample: int = 0,
        inputs: Sequence[int] | None = None,
    ) -> ChainRule:
        """The chain rule for unit ``unit`` of Linear ``layer`` (default: the first
        Linear), for batch sample ``sample``, checked against autograd."""
        if layer is None:
            linear = [c.path for c in self._calls if isinstance(c.module, nn.Linear)]
            if not linear:
                raise BackwardError(key="backward.no_linear")
            layer = linear[0]
        index = next((i for i, c in enumerate(self._calls) if c.path == layer), None)
        if index is None:
            names = [c.path for c in self._calls]
            raise BackwardError(key="backward.no_layer", layer=layer, hint=suggest(layer, names))
        call = self._calls[index]
        following = self._calls[index + 1] if index + 1 < len(self._calls) else None
        return chain_rule(
            call,
            following,
            loss=self._loss,
            per_sample_loss=self._per_sample,
            weight_grad=self._grads.get(param_name(layer, "weight")),
            bias_grad=self._grads.get(param_name(layer, "bias")),
            unit=unit,
            sample=sample,
            inputs=inputs,
        )

    def zero_grad_demo(
        self, param: str | None = None, entries: Sequence[tuple[int, ...]] | None = None
    ) -> ZeroGradDemo | None:
        """What ``.grad`` holds after two backward passes without ``zero_grad()``."""
        params = dict(self.model.named_parameters())
        if param is None:
            names = [n for n in self._grads if params[n].dim() >= 2]
            if not names:
                return None
            param = names[0]
        if param not in params:
            raise BackwardError(
                key="backward.no_param", param=param, hint=suggest(param, list(params))
            )
        p = params[param]
        if param not in self._grads:  # frozen, or not used by the forward pass
            return None
        with self._demo_lock:
            if self._demo is None:
                self._demo = self._demo_passes()
        first, acc, after = (self._demo[k][param] for k in ("first", "acc", "after"))
        for entry in entries or ():
            fits = len(entry) == p.dim() and all(
                0 <= int(i) < n for i, n in zip(entry, p.shape, strict=False)
            )
            if not fits:
                raise BackwardError(
                    key="step.bad_index", param=param, index=tuple(entry), shape=tuple(p.shape)
                )
        if entries is None:  # the entries with the largest gradient: worth looking at
            top = first.abs().flatten().topk(min(DEMO_ENTRIES, first.numel())).indices
            entries = [unravel(int(i), p.shape) for i in top]
        picked = torch.stack([torch.stack([t[e] for e in entries]) for t in (first, acc, after)])
        norms = torch.stack([torch.linalg.vector_norm(t.float()) for t in (first, acc, after)])
        error = (acc - (first + after)).abs().max()
        rows = picked.tolist()
        n1, n2, n3 = norms.tolist()
        return ZeroGradDemo(
            param=param,
            entries=tuple(tuple(e) for e in entries),
            same_batch=self._second is None,
            first=tuple(rows[0]),
            accumulated=tuple(rows[1]),
            after_zero=tuple(rows[2]),
            first_norm=n1,
            accumulated_norm=n2,
            after_zero_norm=n3,
            sum_error=float(error),
        )

    def _demo_passes(self) -> dict[str, dict[str, torch.Tensor]]:
        """The three backward passes of the zero_grad demonstration."""
        named = [(n, p) for n, p in self.model.named_parameters() if n in self._grads]
        first: dict[str, torch.Tensor] = {}
        for name, p in named:
            p.grad = self._grads[name].clone()  # batch 1's gradient, from the first pass
            first[name] = self._grads[name]
        graph = self._graph
        if graph is not None:  # the same batch: its graph again, no new forward pass
            graph.backward(retain_graph=True)  # no zero_grad(): adds to .grad
        else:
            assert self._second is not None
            self._forward_loss(*self._second)[1].backward()
        acc = {name: p.grad.detach().clone() for name, p in named}
        for _, p in named:
            p.grad = None  # what optimizer.zero_grad() does (set_to_none=True)
        if graph is not None:
            graph.backward()  # the last pass through it: its memory is freed
            self._graph = None
        else:
            assert self._second is not None
            self._forward_loss(*self._second)[1].backward()
        after = {name: p.grad.detach().clone() for name, p in named}
        for name, p in named:
            p.grad = self._grads[name].clone()  # the first pass's gradient, as before
        return {"first": first, "acc": acc, "after": after}

    def view(
        self,
        layer: str | None = None,
        unit: int = 0,
        sample: int = 0,
        inputs: Sequence[int] | None = None,
        maps_layer: str | None = None,
    ) -> BackwardView:
        """Summary, heatmaps, chain rule and the zero_grad demonstration together.

        Without a ``layer`` the chain rule is that of the first Linear layer, or None
        when the model has none that it can be written out for (an error is raised only
        for a layer asked for by name)."""
        chain: ChainRule | None = None
        if layer is not None:
            chain = self.chain(layer, unit, sample, inputs)
        else:
            try:
                chain = self.chain(None, unit, sample, inputs)
            except BackwardError as error:
                if error.key not in ("backward.no_linear", "backward.chain_shape"):
                    raise  # a unit or sample out of range is the caller's to hear about
        return BackwardView(
            summary=self._summary,
            maps=self.maps(maps_layer),
            chain=chain,
            zero_grad=self.zero_grad_demo(),
            train_mode=self.train_mode,
        )


def backward_view(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    loss: str | Callable[..., torch.Tensor] = "cross_entropy",
    **options: Any,
) -> BackwardView:
    """:class:`BackwardPass` (``train_mode``, ``seed``, ``x2``, ``y2``) and its
    :meth:`BackwardPass.view` (``layer``, ``unit``, ``sample``, ``inputs``, ``maps_layer``)."""
    pass_keys = {"train_mode", "seed", "x2", "y2"}
    run = BackwardPass(model, x, y, loss, **{k: v for k, v in options.items() if k in pass_keys})
    return run.view(**{k: v for k, v in options.items() if k not in pass_keys})
