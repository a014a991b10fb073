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
from tutor.engine.script import Script
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


def model_code(spec: ModelSpec, seed: int | None = 0) -> str:
    """An ``nn.Sequential`` equal to the spec, each line commented with its shapes.

    With a ``seed`` the code seeds torch first, so its initial weights are tutor's
    (``build_model(spec, seed=seed)`` builds the same layers in the same order)."""
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
    if seed is not None:
        lines.append(f"torch.manual_seed({seed})  # the same initial weights as tutor's")
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


def model_script(spec: ModelSpec, seed: int | None = 0) -> Script:
    """:func:`model_code` as a :class:`Script` part (imports and classes kept apart, so a
    lesson's script defines them once)."""
    lines = model_code(spec, seed).rstrip("\n").split("\n")
    imports = [line for line in lines if line.startswith(("import ", "from "))]
    body = "\n".join(line for line in lines if line not in imports).strip("\n")
    setup: dict[str, str] = {}
    marker = "\n\n# one sample is"
    if body.startswith("class ") and marker in body:
        # tutor's own layer classes (PlaneFeatures): defined once per script
        classes, rest = body.split(marker, 1)
        setup["classes:" + ",".join(sorted(_own_names(spec)))] = classes
        body = "# one sample is" + rest
    return Script(imports=imports, setup=setup, body=[body])


def _own_names(spec: ModelSpec) -> set[str]:
    return {layer.type for layer in spec.layers if _own_class(layer.layer_class)}


_LOSSES = {
    "cross_entropy": "nn.CrossEntropyLoss()  # log-softmax + NLL, on raw logits",
    "nll": "nn.NLLLoss()  # expects log-probabilities (model ends in LogSoftmax)",
    "mse": "nn.MSELoss()",
}
#: What ``optimizer.step()`` does, written so that it is true for each optimizer.
_STEP_COMMENTS = {
    "sgd": "# w <- w - lr * grad",
    "momentum": "# v <- momentum * v + grad; w <- w - lr * v",
    "adam": "# Adam: each w moves by lr * m̂ / (√v̂ + eps), m and v running averages of grad and grad²",
}


def training_script(
    spec: ModelSource, dataset: str | None, train: TrainConfig, noise: float | None = None
) -> Script:
    """The notebook training loop for ``model`` (defined by :func:`model_script` before
    it) on the lesson's data (:func:`tutor.engine.codegen_data.data_script`), with a
    validation pass after every epoch and the test scores at the end, as the app does.

    ``spec`` is a model spec or any :class:`~tutor.engine.source.ModelSource` (the
    learner's own model): the loop only needs its output shape."""
    from tutor.engine.codegen_data import data_script

    out = (1, *spec.rule_facts().output)
    data = data_script(dataset, noise)
    decay = f", weight_decay={train.weight_decay!r}" if train.weight_decay else ""
    if train.optimizer == "adam":
        opt = f"torch.optim.Adam(model.parameters(), lr={train.lr!r}{decay})"
        kind = "adam"
    elif train.momentum:
        opt = f"torch.optim.SGD(model.parameters(), lr={train.lr!r}, momentum={train.momentum!r}{decay})"
        kind = "momentum"
    else:
        opt = f"torch.optim.SGD(model.parameters(), lr={train.lr!r}{decay})"
        kind = "sgd"
    scale = f" * {train.input_scale!r}" if train.input_scale != 1.0 else ""
    classify = train.loss != "mse"
    autoencode = train.target == "inputs"
    wanted = "inputs" if autoencode else "targets"
    lines = []
    if train.train_subset is not None:
        n = train.train_subset
        lines.append(
            f"train_data = Subset(train_data, range(min({n}, len(train_data))))  # the first {n} only"
        )
    every = max(1, train.epochs // 10)
    report = f"    if (epoch + 1) % {every} == 0 or epoch == 0:\n    " if every > 1 else ""
    if classify:
        report += (
            "    val_loss, val_accuracy = evaluate(val_loader)\n"
            + ("    " if every > 1 else "")
            + '    print(f"epoch {epoch + 1}: train loss {loss.item():.4f}, val loss {val_loss:.4f}, '
            'val accuracy {val_accuracy:.1%}")'
        )
    else:
        report += (
            "    val_loss = evaluate(val_loader)\n"
            + ("    " if every > 1 else "")
            + '    print(f"epoch {epoch + 1}: train loss {loss.item():.4f}, val loss {val_loss:.4f}")'
        )
    if train.full_batch:
        # One step per epoch on the whole training set (the thermometer fit): the data is
        # one batch, taken once, as the book's loop does.
        loading = [
            "inputs, targets = next(iter(DataLoader(train_data, batch_size=len(train_data))))",
            "val_loader = [next(iter(DataLoader(val_data, batch_size=len(val_data))))]",
        ]
        batches = ["    batches = [(inputs, targets)]  # one step per epoch: all of it"]
    else:
        loading = [
            f"train_loader = DataLoader(train_data, batch_size={train.batch_size}, shuffle=True)",
            "val_loader = DataLoader(val_data, batch_size=1024)",
        ]
        batches = ["    batches = train_loader"]
    lines += [
        *loading,
        f"loss_fn = {_LOSSES[train.loss]}",
        f"optimizer = {opt}",
        "",
        "",
        "def evaluate(loader):",
        '    """Mean loss per sample'
        + (" and accuracy" if classify else "")
        + ' on a split, without learning."""',
        "    model.eval()  # dropout off, batch norm uses its running statistics",
        "    total, right, n = 0.0, 0, 0",
        "    with torch.no_grad():",
        "        for inputs, targets in loader:",
        f"            outputs = model(inputs{scale})",
        f"            total += loss_fn(outputs, {wanted}).item() * len(inputs)",
        *(
            ["            right += (outputs.argmax(dim=1) == targets).sum().item()"]
            if classify
            else []
        ),
        "            n += len(inputs)",
        "    return total / n" + (", right / n" if classify else ""),
        "",
        "",
        f"for epoch in range({train.epochs}):",
        "    model.train()",
        *batches,
        "    for inputs, targets in batches:",
        f"        outputs = model(inputs{scale})  # {shape_text(out, 'B')}: "
        + (
            "logits, one per class"
            if classify
            else "reconstructions"
            if autoencode
            else "predictions"
        ),
        f"        loss = loss_fn(outputs, {wanted})"
        + ("  # the input is its own target" if autoencode else ""),
        "        optimizer.zero_grad()  # gradients add up unless cleared",
        "        loss.backward()        # autograd: d loss / d every weight and bias",
        f"        optimizer.step()       {_STEP_COMMENTS[kind]}",
        report,
        "",
        "if test_data is not None:",
        '    print("test:", evaluate(DataLoader(test_data, batch_size=1024)))',
        "",
        "# A checkpoint to resume from: the weights and the optimizer's own state (momentum,",
        "# Adam's averages), and how far training got. tutor's checkpoints hold the same keys.",
        "torch.save(",
        '    {"epoch": epoch + 1, "model_state": model.state_dict(), "optimizer_state": optimizer.state_dict()},',
        '    "checkpoint.pt",',
        ")",
    ]
    loop = Script(
        imports=[
            "import torch",
            "from torch import nn",
            "from torch.utils.data import DataLoader, Subset",
        ],
        body=["\n".join(lines)],
    )
    return data + loop


def training_code(
    spec: ModelSource, dataset: str | None, train: TrainConfig, noise: float | None = None
) -> str:
    """:func:`training_script` as text (it uses the ``model`` defined before it)."""
    return training_script(spec, dataset, train, noise).text()
