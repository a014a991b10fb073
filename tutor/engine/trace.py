"""Forward tracing with hooks: what every leaf layer received, produced, holds and costs.

Modelled on torchinfo, with its failures fixed: hooks are removed in ``finally`` and the
model's train/eval mode is restored whatever happens, so tracing never leaves a model
changed; a hook never raises into the forward pass (a layer it cannot describe gets a
``note`` instead); inputs and outputs may be tuples, dicts, packed sequences or
non-tensors; TorchScript modules are recorded from the outside as one layer; pruned
parameters count as PyTorch stores them; and, on request, every call's operator FLOPs
are counted by ``torch.utils.flop_counter`` during the same forward pass.

The hooks are global module hooks filtered to this model's modules and this thread:
unlike per-module hooks they also fire for a TorchScript module called from Python,
and a training thread using the same model elsewhere is never recorded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn as nn
from torch.nn.modules.module import register_module_forward_hook, register_module_forward_pre_hook
from torch.utils.hooks import RemovableHandle

from tutor.engine.flops import FlopMeter, attention_unfused, no_formula_note
from tutor.engine.inputs import ModelInputs
from tutor.engine.records import (
    LayerRecord,
    ModuleFlops,
    TensorStats,
    Trace,
    mult_adds,
    pruned_base,
    type_name,
)
from tutor.engine.structure import Shape, first_tensor, shapes_of
from tutor.text import shape_text

__all__ = [
    "LayerRecord",
    "ModuleFlops",
    "TensorStats",
    "Trace",
    "TraceError",
    "leaf_modules",
    "mult_adds",
    "trace",
    "type_name",
]


class TraceError(RuntimeError):
    """The forward pass failed; the message names the layers that did run.

    ``layer`` is the innermost module that was running when it failed, as
    ``(path, type, input shape)`` (path ``""`` for the model's own forward), and
    ``ran`` the layers that finished before.
    """

    def __init__(
        self,
        message: str,
        layer: tuple[str, str, Shape | list[Shape]] | None = None,
        ran: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.layer = layer
        self.ran = ran or []


def _walk(model: nn.Module) -> tuple[list[tuple[str, nn.Module]], list[tuple[str, nn.Module]]]:
    """(layers, containers): modules without children and TorchScript modules (whose
    insides run as compiled code) are layers; every other module is a container.
    A module reachable by two paths keeps the first, as ``named_modules`` does."""
    layers: list[tuple[str, nn.Module]] = []
    containers: list[tuple[str, nn.Module]] = []
    seen: set[int] = set()

    def visit(path: str, module: nn.Module) -> None:
        if id(module) in seen:
            return
        seen.add(id(module))
        children = [(n, m) for n, m in module.named_children() if m is not None]
        if not children or isinstance(module, torch.jit.ScriptModule):
            layers.append((path, module))
            return
        containers.append((path, module))
        for name, child in children:
            visit(f"{path}.{name}" if path else name, child)

    visit("", model)
    return layers, containers


def leaf_modules(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """Named modules whose calls are recorded: modules without children and TorchScript
    modules. A bare leaf model is its own single layer, with path ``""``."""
    return _walk(model)[0]


@dataclass
class _Frame:
    """A module that is running: what it got and the FLOPs it ran itself so far."""

    path: str
    module: nn.Module
    is_layer: bool
    input_shape: Shape | list[Shape]
    own_flops: int = 0


class _Recorder:
    """The hook pair's shared state: the stack of running modules and the records."""

    def __init__(self, model: nn.Module, meter: FlopMeter, keep_outputs: bool) -> None:
        layers, containers = _walk(model)
        self.roles: dict[int, tuple[str, nn.Module, bool]] = {}
        for path, module in containers:
            self.roles[id(module)] = (path, module, False)
        for path, module in layers:
            self.roles[id(module)] = (path, module, True)
        # Which layer holds each parameter first: a second holder is a tied weight.
        self.owner: dict[int, str] = {}
        for path, module in layers:
            try:
                params = self._params(module)
            except Exception:  # reported on the layer when it runs
                continue
            for name, p in params.items():
                self.owner.setdefault(id(p), f"{path}.{name}" if path else name)
        self.model = model
        self.meter = meter
        self.keep_outputs = keep_outputs
        self.thread = threading.get_ident()
        self.stack: list[_Frame] = []
        self.records: list[LayerRecord] = []
        self.module_flops: dict[str, int] = {}
        self.types: dict[str, str] = {}
        self.seen = 0

    @staticmethod
    def _params(module: nn.Module) -> dict[str, nn.Parameter]:
        # A TorchScript layer stands for everything inside it.
        recurse = isinstance(module, torch.jit.ScriptModule)
        return dict(module.named_parameters(recurse=recurse))

    def _mine(self, module: nn.Module) -> tuple[str, nn.Module, bool] | None:
        if threading.get_ident() != self.thread:
            return None
        role = self.roles.get(id(module))
        return role if role is not None and role[1] is module else None

    def _credit(self) -> None:
        """Give the FLOPs counted since the last hook to the module running now."""
        now = self.meter.total()
        if self.stack:
            self.stack[-1].own_flops += now - self.seen
        self.seen = now

    def pre(self, module: nn.Module, args: Any) -> None:
        role = self._mine(module)
        if role is None:
            return
        self._credit()
        try:
            shape, _ = shapes_of(args)
        except Exception:  # never raise into the forward pass
            shape = []
        self.stack.append(_Frame(role[0], module, role[2], shape))

    def post(self, module: nn.Module, args: Any, kwargs: Any, output: Any) -> None:
        role = self._mine(module)
        if role is None:
            return
        self._credit()
        depth = next(
            (i for i in range(len(self.stack) - 1, -1, -1) if self.stack[i].module is module),
            None,
        )
        if depth is None:
            return
        # Frames above it never ended: their forward raised and the model caught it.
        while len(self.stack) > depth + 1:
            self._close(self.stack.pop(), None, None, None, caught=True)
        self._close(self.stack.pop(), args, kwargs, output)

    def _close(
        self, frame: _Frame, args: Any, kwargs: Any, output: Any, caught: bool = False
    ) -> None:
        if not frame.is_layer:
            name = frame.path
            self.module_flops[name] = self.module_flops.get(name, 0) + frame.own_flops
            self.types[name] = type_name(frame.module)
            return
        if caught:
            note = "raised an error that the model caught: no output"
            self.records.append(self._bare_record(frame, note))
            return
        try:
            record = self._record(frame, args, kwargs, output)
        except Exception as error:  # a layer we cannot describe still gets its row
            record = self._bare_record(
                frame, f"not fully recorded: {type(error).__name__}: {_first_line(error)}"
            )
        self.records.append(record)

    def _bare_record(self, frame: _Frame, note: str) -> LayerRecord:
        module = frame.module
        return LayerRecord(
            path=frame.path or type_name(module),
            type=type_name(module),
            depth=frame.path.count(".") + 1 if frame.path else 0,
            input_shape=frame.input_shape,
            output_shape=[],
            param_shapes={},
            num_params=0,
            trainable_params=0,
            mult_adds=0,
            module=module,
            flops=frame.own_flops if self.meter.enabled else None,
            note=note,
        )

    def _record(self, frame: _Frame, args: Any, kwargs: Any, output: Any) -> LayerRecord:
        module = frame.module
        params = self._params(module)
        in_shape, _ = shapes_of([args, kwargs] if kwargs else args)
        out_shape, out_note = shapes_of(output)
        notes = [out_note] if out_note else []
        notes += self._param_notes(frame.path, module, params)
        record = LayerRecord(
            path=frame.path or type_name(module),
            type=type_name(module),
            depth=frame.path.count(".") + 1 if frame.path else 0,
            input_shape=in_shape,
            output_shape=out_shape,
            param_shapes={k: tuple(p.shape) for k, p in params.items()},
            num_params=sum(p.numel() for p in params.values()),
            trainable_params=sum(p.numel() for p in params.values() if p.requires_grad),
            mult_adds=mult_adds(module, out_shape),
            module=module,
            flops=frame.own_flops if self.meter.enabled else None,
        )
        if self.meter.enabled and isinstance(module, nn.RNNBase) and not record.flops:
            notes.append(no_formula_note(record.type))
        if self.keep_outputs:
            try:
                tensor = first_tensor(output)
                if tensor is not None:
                    record.output = tensor.detach().clone()
                    record.stats = TensorStats.of(record.output)
            except Exception as error:  # e.g. a sparse output has no min()
                record.output = None
                notes.append(
                    f"output values not kept: {type(error).__name__}: {_first_line(error)}"
                )
        record.note = "; ".join(notes) or None
        return record

    def _param_notes(self, path: str, module: nn.Module, params: dict[str, Any]) -> list[str]:
        notes = []
        if isinstance(module, torch.jit.ScriptModule):
            inner = sum(1 for _ in module.modules()) - 1
            if inner:
                notes.append(
                    f"TorchScript: PyTorch allows no hooks inside compiled code, so its "
                    f"{inner} inner modules show as one layer; mult-adds are not counted, "
                    "FLOPs are"
                )
            else:
                notes.append(f"TorchScript {type_name(module)}, recorded from the outside")
        for name, p in params.items():
            base = pruned_base(module, name)
            if base is not None:
                mask = getattr(module, f"{base}_mask")
                zeros = int((mask == 0).sum())
                notes.append(
                    f"pruned: {base} = {name} × {base}_mask, {zeros:,} of {mask.numel():,} "
                    "masked to zero; parameters and mult-adds count it dense, as PyTorch "
                    "stores it"
                )
            here = f"{path}.{name}" if path else name
            owner = self.owner.get(id(p), here)
            if owner.rsplit(".", 1)[0] != here.rsplit(".", 1)[0]:
                notes.append(
                    f"{name} is the same tensor as {owner} (tied): counted once in the total"
                )
        return notes

    def flops_by_module(self) -> list[ModuleFlops]:
        return [
            ModuleFlops(path, self.types[path], flops)
            for path, flops in self.module_flops.items()
            if flops
        ]


def trace(
    model: nn.Module,
    x: Any,
    keep_outputs: bool = False,
    train_mode: bool = False,
    on_layer: Callable[[LayerRecord], None] | None = None,
    count_flops: bool = False,
) -> Trace:
    """Run the model once on ``x`` and record every leaf call.

    Args:
        model: any ``nn.Module``; a bare leaf module is traced as its own single layer.
        x: the inputs, already on the model's device: a tensor, a tuple or list of
            positional inputs, a dict of keyword inputs, or :class:`ModelInputs`.
        keep_outputs: keep a detached copy of every layer's output and its statistics.
            Copies are needed because in-place layers (``ReLU(inplace=True)``) would
            otherwise overwrite the previous layer's recorded output.
        train_mode: trace in training mode (dropout active) instead of eval mode.
        on_layer: called with each record as soon as its layer has run.
        count_flops: count operator FLOPs with ``torch.utils.flop_counter`` during the
            same forward pass, per layer call and in total.

    Raises:
        TraceError: when the forward pass fails, naming the layers that did run.
    """
    inputs = ModelInputs.of(x)
    meter = FlopMeter(enabled=count_flops)
    recorder = _Recorder(model, meter, keep_outputs)
    handles: list[RemovableHandle] = []
    was_training = model.training

    def on_post(module: nn.Module, args: Any, kwargs: Any, output: Any) -> None:
        before = len(recorder.records)
        recorder.post(module, args, kwargs, output)
        if on_layer is not None and len(recorder.records) > before:
            on_layer(recorder.records[-1])

    try:
        handles.append(register_module_forward_pre_hook(recorder.pre))
        handles.append(register_module_forward_hook(on_post, with_kwargs=True))
        model.train(train_mode)
        # Unfused attention: its layers are called as modules and its FLOPs are counted.
        with torch.no_grad(), attention_unfused(), meter:
            try:
                output = inputs.call(model)
            except Exception as error:
                raise _failure(error, inputs, recorder) from error
        total_flops = meter.total() if count_flops else None
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)

    by_module = recorder.flops_by_module()
    if total_flops is not None:
        # FLOPs outside every hooked module (none in practice) belong to the model itself.
        counted = sum(r.flops or 0 for r in recorder.records) + sum(m.flops for m in by_module)
        if total_flops > counted:
            by_module.append(ModuleFlops("", type_name(model), total_flops - counted))
    # model.parameters() yields a shared parameter once, so totals count it once.
    unique = list(model.parameters())
    return Trace(
        layers=recorder.records,
        input_shape=inputs.shape,
        output=output.detach() if isinstance(output, torch.Tensor) else output,
        total_params=sum(p.numel() for p in unique),
        trainable_params=sum(p.numel() for p in unique if p.requires_grad),
        total_flops=total_flops,
        flops_by_module=by_module,
    )


def _failure(error: Exception, inputs: ModelInputs, recorder: _Recorder) -> TraceError:
    ran = [r.path for r in recorder.records]
    layer = None
    where = ""
    if recorder.stack:
        frame = recorder.stack[-1]
        kind = type_name(frame.module)
        layer = (frame.path, kind, frame.input_shape)
        where = f" in {describe_layer(frame.path, kind, frame.input_shape)}"
    return TraceError(
        f"the forward pass failed on input {inputs.text()}{where}: {_first_line(error)} "
        f"(layers that ran: {', '.join(ran) or 'none'})",
        layer=layer,
        ran=ran,
    )


def describe_layer(path: str, kind: str, shape: Shape | list[Shape]) -> str:
    """``linear_03 (Linear) on input (1, 50)``; the model itself (path ``""``) is
    ``Net.forward``, since the failing code is its own forward."""
    shown = shape_text(shape)
    where = f"{path} ({kind})" if path else f"{kind}.forward"
    return f"{where} on input {shown}"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
