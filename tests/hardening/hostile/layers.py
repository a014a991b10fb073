"""A small valid model around each allow-listed layer, for feeding its arguments."""

from __future__ import annotations

import copy
from typing import Any

#: (one sample's input, the layer's arguments) for each layer in ALLOWED_LAYERS. A layer
#: added later without an entry is built without arguments on a (4,) input.
LAYER_BASES: dict[str, tuple[list[int], dict[str, Any]]] = {
    "Linear": ([4], {"in_features": 4, "out_features": 3}),
    "Conv1d": ([1, 16], {"in_channels": 1, "out_channels": 2, "kernel_size": 3}),
    "Conv2d": ([1, 8, 8], {"in_channels": 1, "out_channels": 2, "kernel_size": 3}),
    "MaxPool1d": ([1, 16], {"kernel_size": 2}),
    "MaxPool2d": ([1, 8, 8], {"kernel_size": 2}),
    "AvgPool1d": ([1, 16], {"kernel_size": 2}),
    "AvgPool2d": ([1, 8, 8], {"kernel_size": 2}),
    "AdaptiveAvgPool1d": ([1, 16], {"output_size": 4}),
    "AdaptiveAvgPool2d": ([1, 8, 8], {"output_size": 4}),
    "Flatten": ([1, 8, 8], {}),
    "Unflatten": ([16], {"dim": 1, "unflattened_size": [4, 4]}),
    "Softmax": ([4], {"dim": 1}),
    "LogSoftmax": ([4], {"dim": 1}),
    "BatchNorm1d": ([4], {"num_features": 4}),
    "BatchNorm2d": ([2, 4, 4], {"num_features": 2}),
    "PlaneFeatures": ([2], {}),
}


def layer_spec(layer: str, arg: str | None = None, value: Any = None) -> dict[str, Any]:
    """A model spec with ``layer`` alone, ``arg`` set to ``value``."""
    shape, args = copy.deepcopy(LAYER_BASES.get(layer, ([4], {})))
    if arg is not None:
        args[arg] = value
    return {"input": shape, "layers": [{layer: args} if args else layer]}
