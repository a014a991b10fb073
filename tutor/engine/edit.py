"""Changing a model spec the way the "try it" steps do: one layer wider or narrower.

Making ``fc1`` wider changes how many features the next layer receives, so its input
size follows automatically; everything else stays as written.
"""

from __future__ import annotations

from dataclasses import replace

from tutor.engine.build import dry_run
from tutor.engine.spec import LayerSpec, ModelSpec, SpecError
from tutor.errors import TutorError

#: The argument that sets each resizable layer's width, and the one that reads it.
WIDTH_ARG = {"Linear": "out_features", "Conv1d": "out_channels", "Conv2d": "out_channels"}
INPUT_ARG = {
    "Linear": "in_features",
    "Conv1d": "in_channels",
    "Conv2d": "in_channels",
    "BatchNorm1d": "num_features",
    "BatchNorm2d": "num_features",
}
_POSITIONS = {
    "in_features": 0,
    "out_features": 1,
    "in_channels": 0,
    "out_channels": 1,
    "num_features": 0,
}


class EditError(TutorError):
    """The layer cannot be resized (not a Linear/Conv layer, or the result breaks)."""


def _get(layer: LayerSpec, arg: str) -> int:
    if arg in layer.kwargs:
        return int(layer.kwargs[arg])
    return int(layer.args[_POSITIONS[arg]])


def _set(layer: LayerSpec, arg: str, value: int) -> LayerSpec:
    if arg in layer.kwargs or len(layer.args) <= _POSITIONS[arg]:
        return replace(layer, kwargs={**layer.kwargs, arg: value})
    args = list(layer.args)
    args[_POSITIONS[arg]] = value
    return replace(layer, args=tuple(args))


def width(spec: ModelSpec, index: int) -> int | None:
    """The width of layer ``index`` (out_features or out_channels), or None."""
    layer = spec.layers[index]
    arg = WIDTH_ARG.get(layer.type)
    return _get(layer, arg) if arg else None


def resize_layer(
    spec: ModelSpec, index: int, new_width: int, allow_last: bool = False
) -> ModelSpec:
    """A copy of ``spec`` with layer ``index`` given ``new_width`` outputs.

    The layers that read those outputs (the next Linear or Conv, and any BatchNorm in
    between) get matching input sizes, computed from the dry run's shapes, so that a
    Flatten in between is handled too (16 channels of 5×5 become 400 features).

    Raises:
        EditError: when the layer has no width or the resized model cannot run
            (the last layer's width is fixed by the number of classes, for instance).
    """
    layer = spec.layers[index]
    arg = WIDTH_ARG.get(layer.type)
    if arg is None:
        raise EditError(
            f"{spec.layer_label(index)} has no width to change; choose a Linear or Conv layer"
        )
    if new_width < 1:
        raise EditError("a layer needs at least one output")
    later = [other.type for other in spec.layers[index + 1 :] if other.type in WIDTH_ARG]
    if not later and not allow_last:
        raise EditError(
            f"{spec.layer_label(index)} is the output layer: its width is fixed by what the "
            "model must predict (one logit per class)"
        )
    layers = list(spec.layers)
    layers[index] = _set(layer, arg, new_width)
    edited = replace(spec, layers=tuple(layers))
    shapes = dry_run_shapes(edited, upto=len(layers))
    for j in range(index + 1, len(layers)):
        reader = INPUT_ARG.get(layers[j].type)
        if reader is None:
            continue
        incoming = shapes[j]
        size = incoming[-1] if layers[j].type == "Linear" else incoming[1]
        layers[j] = _set(layers[j], reader, size)
        edited = replace(spec, layers=tuple(layers))
        shapes = dry_run_shapes(edited, upto=len(layers))
        if layers[j].type in WIDTH_ARG:
            break  # the next layer with a width of its own ends the chain
    try:
        dry_run(edited)
    except SpecError as error:
        raise EditError(error.issues[0].message) from None
    return edited


def dry_run_shapes(spec: ModelSpec, upto: int) -> list[tuple[int, ...]]:
    """Input shape (batch 1) of each layer, repairing size mismatches on the way."""
    import torch

    from tutor.engine.build import make_layer

    shapes = []
    x_shape: tuple[int, ...] = (1, *spec.input)
    with torch.device("meta"):
        for layer in spec.layers[:upto]:
            shapes.append(x_shape)
            module = make_layer(layer)
            reader = INPUT_ARG.get(layer.type)
            try:
                x_shape = tuple(module(torch.empty(x_shape)).shape)
            except RuntimeError:
                if reader is None:
                    raise
                # A reader whose size is about to be fixed: assume it gets what it wants.
                want = _get(layer, reader)
                fixed = (
                    (*x_shape[:-1], want)
                    if layer.type == "Linear"
                    else (x_shape[0], want, *x_shape[2:])
                )
                x_shape = tuple(module(torch.empty(fixed)).shape)
    return shapes


def parameter_count(spec: ModelSpec) -> int:
    """Total parameters, from a meta-device dry run (nothing allocated)."""
    return dry_run(spec).total_params


def with_dropout(spec: ModelSpec, on: bool) -> ModelSpec:
    """``spec`` as written (``on``), or with every Dropout layer's ``p`` set to 0.

    The layers stay (same names and positions, same parameters), so a run with the
    switch off differs from one with it on only in what dropout does.
    """
    if on:
        return spec
    layers = tuple(
        replace(layer, args=(), kwargs={**layer.kwargs, "p": 0.0})
        if layer.type == "Dropout"
        else layer
        for layer in spec.layers
    )
    return replace(spec, layers=layers)
