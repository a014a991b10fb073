"""``tutor dissect MODEL``: every leaf layer's shapes, weights, parameter formula and cost."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tutor.errors import TutorError


def add_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "dissect",
        parents=parents,
        help="take a model apart layer by layer",
        description="Trace one forward pass and show, per layer, input and output shapes with "
        "the batch dimension, weight and bias shapes, parameter counts with their "
        "formula, output-size arithmetic and mult-adds. MODEL is torchvision:NAME "
        "(architecture only, nothing downloaded), a model spec YAML file, or a "
        "lesson file with --model NAME.",
    )
    p.add_argument("model", metavar="MODEL")
    p.add_argument(
        "--model", dest="model_name", metavar="NAME", help="which of a lesson file's models"
    )
    p.add_argument("--input", metavar="C,H,W", help="one sample's shape, without the batch")
    p.add_argument("--batch", type=int, default=1, metavar="N", help="batch size (default 1)")
    p.add_argument("--json", action="store_true", help="print only the JSON object")
    p.add_argument(
        "--backward",
        action="store_true",
        help="also run one batch backward: each parameter's gradient shape and L2 norm, and "
        "the loss. The batch, as in a notebook: torch.manual_seed(S), build the model, "
        "x = torch.randn(N, *input), targets torch.arange(N) %% K (K logits), mean "
        "F.cross_entropy, in train mode",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="S",
        help="with --backward: the seed set before the model is built (default 0)",
    )
    p.set_defaults(run=run)


def parse_input(text: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(part) for part in text.replace(" ", "").split(",") if part)
    except ValueError:
        raise TutorError(
            f"--input must be whole numbers separated by commas, such as 3,224,224; got {text!r}"
        ) from None
    if not shape or any(v < 1 for v in shape):
        raise TutorError(f"--input must be positive sizes such as 1,28,28; got {text!r}")
    return shape


def load_model(source: str, model_name: str | None) -> tuple[Any, tuple[int, ...], str]:
    """(module on CPU, default one-sample input shape, display name) for a MODEL argument."""
    build, shape, name = model_builder(source, model_name)
    return build(0), shape, name


def model_builder(
    source: str, model_name: str | None
) -> tuple[Callable[[int | None], Any], tuple[int, ...], str]:
    """(build, default one-sample input shape, display name) for a MODEL argument.

    ``build(seed)`` makes the module on the CPU; ``build(None)`` draws its weights from
    the global generator, as building the same layers in a notebook would.
    """
    from tutor.engine.dissect import ModelNotFound, torchvision_input, torchvision_model

    if source.startswith("torchvision:"):
        name = source.split(":", 1)[1]
        shape = torchvision_input(name)
        return (lambda seed: torchvision_model(name, seed=seed)[0]), shape, source
    path = Path(source)
    if not path.exists():
        raise ModelNotFound(
            f"{source}: no such file; MODEL is torchvision:NAME (e.g. torchvision:resnet18), "
            "a model spec YAML file, or a lesson file with --model NAME"
        )
    from tutor.course.modelfile import load_model_file
    from tutor.engine.build import build_model

    spec = load_model_file(path, model_name)
    return (lambda seed: build_model(spec, seed=seed)), spec.input, spec.name


def run(args: argparse.Namespace) -> int:
    from tutor.config import device_request
    from tutor.engine.device import resolve_device
    from tutor.engine.dissect import dissect

    if args.batch < 1:
        raise TutorError(f"--batch must be at least 1, got {args.batch}")
    device = resolve_device(getattr(args, "device", None) or device_request())
    build, shape, name = model_builder(args.model, args.model_name)
    if args.input:
        shape = parse_input(args.input)
    if args.backward:
        return _run_backward(args, build, shape, name, device)
    model = build(0)
    try:
        result = dissect(model, shape, batch_size=args.batch, device=device, model_name=name)
    except RuntimeError as error:
        raise TutorError(
            f"{name} cannot run on input {(args.batch, *shape)}: {str(error).splitlines()[0]}"
        ) from None
    if args.json:
        json.dump(result.as_json(), sys.stdout)
        sys.stdout.write("\n")
        return 0
    from tutor.commands.render import print_dissection

    print_dissection(result)
    return 0


def _run_backward(
    args: argparse.Namespace,
    build: Callable[[int | None], Any],
    shape: tuple[int, ...],
    name: str,
    device: Any,
) -> int:
    """``tutor dissect --backward``: the table or JSON with gradients and the loss."""
    from tutor.engine.dissect import dissect
    from tutor.engine.gradients import layer_grads, seeded_backward

    seeded = seeded_backward(lambda: build(None), shape, args.batch, args.seed, device.torch_device)
    try:
        result = dissect(
            seeded.model, shape, batch_size=args.batch, device=device, model_name=name, x=seeded.x
        )
    except RuntimeError as error:
        raise TutorError(
            f"{name} cannot run on input {(args.batch, *shape)}: {str(error).splitlines()[0]}"
        ) from None
    summary = seeded.summary
    if args.json:
        data = result.as_json()
        for record, layer in zip(data["layers"], result.layers, strict=True):
            record["grads"] = layer_grads(summary, layer.path)
        data["loss"] = summary.loss
        data["seed"] = args.seed
        json.dump(data, sys.stdout)
        sys.stdout.write("\n")
        return 0
    from tutor.commands.render import print_dissection

    print_dissection(result, gradients=summary, seed=args.seed, classes=seeded.classes)
    return 0
