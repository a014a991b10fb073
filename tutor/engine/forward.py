"""One sample through a model: every layer's output as numbers and pictures.

This is the data behind the forward view: the input image, each leaf layer's output
(feature maps as heatmaps, vectors as values), statistics, the logits with their
probabilities, and for the first Linear layer that sees an image, each hidden unit's
weights drawn as an image ("what this unit looks for").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
import torch.nn as nn

from tutor.engine.images import Heatmap, Picture, heatmap, normalized_picture, picture
from tutor.engine.trace import TensorStats, trace

#: Feature maps shown per conv layer, and values shown per vector.
MAX_MAPS = 8
MAX_VALUES = 256


@dataclass(frozen=True)
class LayerOutput:
    """What one leaf layer produced for the sample."""

    path: str
    type: str
    shape: tuple[int, ...]
    """Output shape with the batch dimension (1)."""
    stats: TensorStats
    maps: list[Heatmap] = field(default_factory=list)
    """For (1, C, H, W) outputs: the first channels as heatmaps."""
    values: list[float] = field(default_factory=list)
    """For (1, F) outputs: the first values."""
    picture: Picture | None = None
    """When the output has the input's image shape (an autoencoder's reconstruction)."""


@dataclass(frozen=True)
class ForwardView:
    """A forward pass of one sample, ready to draw."""

    image: Picture | None
    """The input as a picture (None when samples are numbers, not images)."""
    input_values: list[float]
    """The input's first values (all of them for a thermometer reading)."""
    input_shape: tuple[int, ...]
    layers: list[LayerOutput]
    label: int | None
    classes: tuple[str, ...]
    logits: list[float] | None
    """The model's output per class, whatever it is (see ``output_kind``)."""
    output_kind: str | None
    """What the output per class is, from the model's last layer: ``logits`` (turned
    into probabilities by softmax here), ``log_probs`` (after LogSoftmax: probabilities
    are exp of them) or ``probs`` (after Softmax: already probabilities, no softmax
    again). None when the output is not one value per class."""
    probs: list[float] | None
    predicted: int | None
    units: list[Heatmap]
    """Weights of the first Linear layer's units, as pictures of the input."""
    units_layer: str | None
    output_picture: Picture | None


def shift_image(x: torch.Tensor, pixels: int) -> torch.Tensor:
    """Move a (C, H, W) image ``pixels`` to the right (left if negative), filling with
    the background value, as in the translation experiment of the CIFAR lesson."""
    if pixels == 0:
        return x
    background = float(x.min())
    shifted = torch.full_like(x, background)
    if pixels > 0:
        shifted[..., pixels:] = x[..., :-pixels]
    else:
        shifted[..., :pixels] = x[..., -pixels:]
    return shifted


def _first_unit_layer(
    model: nn.Module, input_shape: tuple[int, ...]
) -> tuple[str, nn.Linear] | None:
    """The first Linear layer whose inputs are the image's pixels, flattened."""
    features = math.prod(input_shape)
    if len(input_shape) < 2:
        return None
    for name, module in model.named_modules():
        if isinstance(module, nn.Linear):
            return (name, module) if module.in_features == features else None
    return None


def unit_pictures(
    model: nn.Module, input_shape: tuple[int, ...], count: int = MAX_MAPS
) -> tuple[str | None, list[Heatmap]]:
    """Each of the first ``count`` hidden units' weights, reshaped to the input image."""
    found = _first_unit_layer(model, input_shape)
    if found is None:
        return None, []
    name, layer = found
    return name, unit_maps(layer.weight, input_shape, count)


def unit_maps(
    values: torch.Tensor, input_shape: tuple[int, ...], count: int = MAX_MAPS
) -> list[Heatmap]:
    """The first ``count`` rows of an (out, C*H*W) matrix (a Linear layer's weight or its
    gradient), each reshaped to the (C, H, W) input image, channels averaged."""
    w = values.detach().float().cpu()  # (out, C*H*W)
    c, h, wd = input_shape[0], input_shape[-2], input_shape[-1]
    scale = float(w[:count].abs().max()) or 1.0
    pictures = []
    for unit in w[:count]:
        image = unit.view(c, h, wd).mean(dim=0)  # (H, W): colour channels averaged
        pictures.append(heatmap(image, max_h=h, max_w=wd, scale=scale))
    return pictures


def output_kind(model: nn.Module) -> str:
    """``probs`` after a final Softmax, ``log_probs`` after LogSoftmax, else ``logits``."""
    leaves = [m for m in model.modules() if not list(m.children())]
    last = leaves[-1] if leaves else model
    if isinstance(last, nn.Softmax):
        return "probs"
    if isinstance(last, nn.LogSoftmax):
        return "log_probs"
    return "logits"


def forward_view(
    model: nn.Module,
    x: torch.Tensor,
    image: torch.Tensor | None = None,
    label: int | None = None,
    classes: Sequence[str] = (),
    max_maps: int = MAX_MAPS,
) -> ForwardView:
    """Run one normalized sample ``x`` (C, H, W) through ``model`` and describe each layer.

    Args:
        image: the same sample un-normalized, 0..1, for the picture (else ``x`` stretched).
        classes: class names; when the output has one logit per class, probabilities
            and the prediction are filled in.
    """
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    batch = x.unsqueeze(0).to(device)  # (C, H, W) -> (1, C, H, W)
    result = trace(model, batch, keep_outputs=True)
    input_shape = tuple(x.shape)
    layers = []
    for record in result.layers:
        out = record.output
        if out is None:
            continue
        maps: list[Heatmap] = []
        values: list[float] = []
        pic = None
        if out.dim() == 4:  # (1, C, H, W): feature maps
            shared = float(out[0, :max_maps].abs().max()) or 1.0
            maps = [heatmap(m, scale=shared) for m in out[0, :max_maps]]
            if tuple(out.shape[1:]) == input_shape:
                pic = normalized_picture(out[0])
        elif out.dim() == 2:  # (1, F): a vector of features or logits
            values = out[0, :MAX_VALUES].float().cpu().tolist()
        layers.append(
            LayerOutput(
                path=record.path,
                type=record.type,
                shape=tuple(out.shape),
                stats=record.stats or TensorStats.of(out),
                maps=maps,
                values=values,
                picture=pic,
            )
        )
    final = result.output
    logits = probs = None
    kind = None
    predicted = None
    output_picture = None
    if isinstance(final, torch.Tensor) and final.dim() == 2 and final.shape[1] == len(classes):
        # One output per class. What it is depends on the last layer: applying softmax to
        # a Softmax output would squash it towards even (the "double softmax" trap).
        kind = output_kind(model)
        out = final[0].float()  # (1, K) -> (K,)
        logits = out.cpu().tolist()
        if kind == "probs":
            p = out
        elif kind == "log_probs":
            p = out.exp()
        else:
            p = torch.softmax(out, dim=0)
        probs = p.cpu().tolist()
        predicted = int(p.argmax())
    elif isinstance(final, torch.Tensor) and tuple(final.shape[1:]) == input_shape:
        output_picture = normalized_picture(final[0])
    units_layer, units = unit_pictures(model, input_shape)
    if image is not None:
        shown: Picture | None = picture(image)
    else:
        shown = normalized_picture(x) if x.dim() >= 2 else None
    return ForwardView(
        image=shown,
        input_values=x.flatten()[:MAX_VALUES].float().cpu().tolist(),
        input_shape=input_shape,
        layers=layers,
        label=label,
        classes=tuple(classes),
        logits=logits,
        output_kind=kind,
        probs=probs,
        predicted=predicted,
        units=units,
        units_layer=units_layer,
        output_picture=output_picture,
    )
