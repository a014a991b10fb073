"""Plain PyTorch code for a model spec and a training configuration.

The code step shows what a learner would write in a notebook, with the shapes the
dry run computed as comments, so the YAML spec and the familiar ``nn.Sequential``
read side by side. The generated model has exactly the parameter names tutor uses.
"""

from __future__ import annotations

import inspect
from typing import Any

from tutor.engine.build import dry_run
from tutor.engine.config import TrainConfig
from tutor.engine.source import ModelSource
from tutor.engine.spec import ModelSpec
from tutor.text import shape_text


def torchvision_class(dataset: str | None) -> str | None:
    """The ``torchvision.datasets`` class a notebook would use for a registry dataset."""
    if dataset is None:
        return None
    from tutor.engine.data import DataError, dataset_info

    try:
        info = dataset_info(dataset)
    except DataError:
        return None
    if info.torchvision_class:
        return info.torchvision_class
    # mnist-5k holds real MNIST digits: a notebook would load MNIST itself.
    return "MNIST" if info.name == "mnist-5k" else None


def _plane_set(dataset: str | None) -> str | None:
    """The registry name when ``dataset`` is one of the generated 2-D sets."""
    if dataset is None:
        return None
    from tutor.engine.data import DataError, dataset_info

    try:
        info = dataset_info(dataset)
    except DataError:
        return None
    return info.name if info.noise is not None else None


def _literal(value: Any) -> str:
    if isinstance(value, tuple):
        inner = ", ".join(_literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


#: Arguments that course notebooks write positionally, as in ``nn.Linear(784, 100)``.
_POSITIONAL_STYLE = {"in_features", "out_features", "in_channels", "out_channels", "kernel_size"}


def layer_call(layer: Any) -> str:
    """``nn.Linear(784, 100)``: sizes positionally, as notebooks write them; the rest by name."""
    if _own_class(layer.layer_class):
        # tutor's own layers (PlaneFeatures) are written out as classes above the model.
        return layer.layer_class.export_call(*layer.args, **dict(layer.kwargs))
    order = [
        name
        for name, p in inspect.signature(layer.layer_class.__init__).parameters.items()
        if name != "self" and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    parts = [_literal(a) for a in layer.args]
    kwargs = dict(layer.kwargs)
    # Continue positionally while the next parameter in signature order is a given size.
    while len(parts) < len(order) and order[len(parts)] in kwargs:
        name = order[len(parts)]
        if name not in _POSITIONAL_STYLE:
            break
        parts.append(_literal(kwargs.pop(name)))
    parts += [f"{k}={_literal(v)}" for k, v in kwargs.items()]
    return f"nn.{layer.type}({', '.join(parts)})"


def _own_class(cls: type) -> bool:
    return hasattr(cls, "export_code")


def model_code(spec: ModelSpec) -> str:
    """An ``nn.Sequential`` equal to the spec, each line commented with its shapes."""
    shapes = dry_run(spec, batch_size=1).layers
    named = any(layer.name for layer in spec.layers)
    calls = [layer_call(layer) for layer in spec.layers]
    width = max(len(c) for c in calls) + (12 if named else 4)
    lines = [
        "import torch",
        "from torch import nn",
    ]
    if named:
        lines.append("from collections import OrderedDict")
    own = {layer.type: layer.layer_class for layer in spec.layers if _own_class(layer.layer_class)}
    for cls in own.values():
        lines += ["", "", cls.export_code().rstrip("\n"), ""]  # type: ignore[attr-defined]
    lines += [
        "",
        f"# one sample is {shape_text(spec.input)}; a batch of N is "
        f"{shape_text((1, *spec.input), 'N')}",
    ]
    lines.append("model = nn.Sequential(OrderedDict([" if named else "model = nn.Sequential(")
    for name, call, shape in zip(spec.child_names(), calls, shapes, strict=True):
        code = f'("{name}", {call}),' if named else f"{call},"
        comment = f"# {shape_text(shape.input_shape, 'N')} -> {shape_text(shape.output_shape, 'N')}"
        lines.append(f"    {code:<{width}} {comment}")
    lines.append("]))" if named else ")")
    total = sum(s.num_params for s in shapes)
    lines += [
        "",
        f"print(sum(p.numel() for p in model.parameters()))  # {total:,} parameters",
        "for name, p in model.named_parameters():",
        "    print(name, tuple(p.shape))  # PyTorch stores a Linear weight as (out, in)",
    ]
    return "\n".join(lines) + "\n"


def training_code(
    spec: ModelSource, dataset: str | None, train: TrainConfig, noise: float | None = None
) -> str:
    """The notebook training loop for this model and these settings; for a generated
    2-D set (circle, xor, gauss, spiral) with the code making its points at ``noise``.

    ``spec`` is a model spec or any :class:`~tutor.engine.source.ModelSource` (the
    learner's own model): the loop only needs its input and output shapes."""
    out = (1, *spec.rule_facts().output)
    lines = ["from torch.utils.data import DataLoader"]
    tv = torchvision_class(dataset)
    plane = _plane_set(dataset)
    if plane is not None:
        from tutor.engine.datasets.plane_code import plane_data_code

        lines += ["", *plane_data_code(plane, noise).rstrip("\n").split("\n")]
    elif tv:
        lines += [
            "from torchvision import datasets",
            "from torchvision.transforms import ToTensor",
            "",
            f'train_data = datasets.{tv}(root="data", train=True, download=True, '
            "transform=ToTensor())",
            f"image, label = train_data[0]  # image {shape_text(spec.input)}, label an int",
        ]
    else:
        lines += ["", "train_data = ...  # a Dataset of (input, target) pairs"]
    loss = {
        "cross_entropy": "nn.CrossEntropyLoss()  # log-softmax + NLL, on raw logits",
        "nll": "nn.NLLLoss()  # expects log-probabilities (model ends in LogSoftmax)",
        "mse": "nn.MSELoss()",
    }[train.loss]
    decay = f", weight_decay={train.weight_decay!r}" if train.weight_decay else ""
    if train.optimizer == "adam":
        opt = f"torch.optim.Adam(model.parameters(), lr={train.lr!r}{decay})"
    elif train.momentum:
        opt = (
            f"torch.optim.SGD(model.parameters(), lr={train.lr!r}, "
            f"momentum={train.momentum!r}{decay})"
        )
    else:
        opt = f"torch.optim.SGD(model.parameters(), lr={train.lr!r}{decay})"
    if train.train_subset is not None:
        n = train.train_subset
        lines.append(
            f"train_data = torch.utils.data.Subset(train_data, range({n}))  # the first {n} only"
        )
    scale = f" * {train.input_scale!r}" if train.input_scale != 1.0 else ""
    batch = "len(train_data)" if train.full_batch else str(train.batch_size)
    wanted = "inputs" if train.target == "inputs" else "targets"
    lines += [
        (
            f"train_loader = DataLoader(train_data, batch_size={batch})  # one batch: all of it"
            if train.full_batch
            else f"train_loader = DataLoader(train_data, batch_size={batch}, shuffle=True)"
        ),
        "",
        f"loss_fn = {loss}",
        f"optimizer = {opt}",
        "",
        f"for epoch in range({train.epochs}):",
        "    model.train()",
        "    for inputs, targets in train_loader:",
        f"        outputs = model(inputs{scale})  # {shape_text(out, 'B')}: "
        + (
            "logits, one per class"
            if train.loss != "mse"
            else "reconstructions"
            if train.target == "inputs"
            else "predictions"
        ),
        f"        loss = loss_fn(outputs, {wanted})"
        + ("  # the input is its own target" if train.target == "inputs" else ""),
        "        optimizer.zero_grad()  # gradients add up unless cleared",
        "        loss.backward()        # d loss / d every weight and bias",
        "        optimizer.step()       # w <- w - lr * grad",
        '    print(f"epoch {epoch + 1}: loss {loss.item():.4f}")',
        "",
        'torch.save(model.state_dict(), "checkpoint.pt")  # the weights and biases',
    ]
    return "\n".join(lines) + "\n"
