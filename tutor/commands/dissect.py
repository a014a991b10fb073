"""``tutor dissect MODEL``: every leaf layer's shapes, weights, parameter formula and cost."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tutor.errors import TutorError, UsageError

#: torch.manual_seed takes a signed 64-bit integer (kept here: the parser loads no torch).
MAX_SEED = 2**63 - 1
#: A traced batch larger than this is a typo: a dissection needs one sample.
MAX_BATCH = 1_000_000

EPILOG = """\
MODEL
  torchvision:NAME     a torchvision classifier, architecture only, nothing downloaded
  SPEC.yaml            a model spec file, or a lesson file with --model NAME
  FILE.py:NAME         your own PyTorch code: NAME is an nn.Module subclass (built with
                       --args as keyword arguments), a function returning a module, or a
                       module built in the file (model = Net()). This imports and runs
                       your Python file (top-level code too; code under
                       `if __name__ == "__main__":` does not run). Only the command line
                       can do this: a lesson never runs Python.

--input (one sample, the batch dimension is added to each input)
  1,28,28              one input
  1,28,28;10           two positional inputs: forward(x1, x2)
  10:int  10:int:100   integer ids, e.g. for nn.Embedding: 0..HIGH-1, HIGH from the
                       smallest nn.Embedding (10 without one) or written after the type
  '[[3,32,32],[10]]'   JSON list: positional inputs
  '{"x":[1,28,28],"lengths":{"shape":[],"dtype":"long","fill":5}}'
                       JSON object: keyword inputs forward(x=..., lengths=...); a value is
                       a shape, a tensor description (shape, dtype, low, high, fill,
                       batch), or a number/string/true/false/null passed as it is
  '[{"image":[3,32,32],"mask":[32,32]}]'
                       an object inside the list: one dict argument forward(batch)
  Without --input, FILE.py models use their example_input (tensors, used as they
  are) or input_shape (one sample, e.g. (1, 28, 28)) attribute if they define one.

JSON adds "total_flops" (torch.utils.flop_counter, attention matmuls included), per
layer "flops" and "note", and "flops_by_module" for FLOPs that non-leaf modules run
themselves.
"""


def add_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "dissect",
        parents=parents,
        help="take a model apart layer by layer",
        # Wrapped here: the raw formatter that keeps the epilog's columns keeps this too.
        description=textwrap.fill(
            "Trace one forward pass and show, per layer, input and output shapes with "
            "the batch dimension, weight and bias shapes, parameter counts with their "
            "formula, output-size arithmetic, mult-adds and FLOPs. MODEL is torchvision:NAME "
            "(architecture only, nothing downloaded), a model spec YAML file, a lesson file "
            "with --model NAME, or FILE.py:NAME from your own code (this runs your Python "
            "file; only the command line can, never a lesson).",
            width=88,
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("model", metavar="MODEL")
    p.add_argument(
        "--model", dest="model_name", metavar="NAME", help="which of a lesson file's models"
    )
    p.add_argument(
        "--input",
        metavar="SHAPE",
        help="one sample's shape without the batch (C,H,W); several inputs, integer ids "
        "and keyword inputs as below",
    )
    p.add_argument(
        "--args",
        dest="build_args",
        metavar="JSON",
        help="keyword arguments for FILE.py:NAME, e.g. '{\"hidden\": 64}'",
    )
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
    """One sample's shape from ``--input`` (``3,224,224``) for callers that need one."""
    from tutor.engine.inputs import parse_input as parse

    spec = parse(text)
    shape = spec.sample_shape()
    if shape is None:
        raise TutorError(f"--input {text!r} describes more than one plain input")
    return shape


def is_user_file(source: str) -> bool:
    """``FILE.py:NAME`` (or a bare ``FILE.py``, which then asks for its NAME)."""
    return source.endswith(".py") or ".py:" in source


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
            "a model spec YAML file, a lesson file with --model NAME, or FILE.py:NAME"
        )
    from tutor.course.modelfile import load_model_file
    from tutor.engine.build import build_model

    spec = load_model_file(path, model_name)
    return (lambda seed: build_model(spec, seed=seed)), spec.input, spec.name


def _dissect_user_file(args: argparse.Namespace, device: Any) -> Any:
    """Load, build and trace the learner's FILE.py:NAME; their errors are theirs."""
    from tutor.engine.dissect import dissect
    from tutor.engine.inputs import parse_input as parse
    from tutor.engine.trace import TraceError
    from tutor.engine.usercode import LearnerCodeError, forward_error, load_user_model

    user = load_user_model(args.model, args.build_args)
    spec, example = user.input_spec, user.example
    if args.input:
        spec, example = parse(args.input), None
    if spec is None and example is None:
        raise LearnerCodeError(
            f"{user.name}: give the input with --input, such as --input 1,28,28 (one sample, "
            "without the batch), or set input_shape = (1, 28, 28) in the class"
        )
    try:
        return dissect(
            user.model,
            spec,
            batch_size=args.batch,
            device=device,
            model_name=user.name,
            x=example,
        )
    except TraceError as error:
        raise forward_error(error, user.path, user.name) from None


def run(args: argparse.Namespace) -> int:
    from tutor.config import device_request
    from tutor.engine.device import resolve_device
    from tutor.engine.dissect import dissect
    from tutor.engine.inputs import parse_input as parse

    if not 1 <= args.batch <= MAX_BATCH:
        raise TutorError(f"--batch must be from 1 to {MAX_BATCH:,}, got {args.batch}")
    user_file = is_user_file(args.model)
    if args.build_args is not None and not user_file:
        raise UsageError("--args builds a model from your own FILE.py:NAME; MODEL is not one")
    if user_file and args.model_name:
        raise UsageError("--model chooses a lesson's model; for FILE.py write FILE.py:NAME")
    if args.model.startswith("torchvision:") and args.model_name:
        raise UsageError(
            "--model chooses one of a lesson file's models; torchvision:NAME already names "
            "the model"
        )
    if args.backward and not 0 <= args.seed <= MAX_SEED:
        raise UsageError(f"--seed must be a whole number from 0 to {MAX_SEED:,}, got {args.seed}")
    device = resolve_device(getattr(args, "device", None) or device_request())
    if user_file:
        if args.backward:
            raise UsageError(
                "--backward works on torchvision:NAME, a model spec or a lesson's model, "
                "whose weights can be rebuilt from a seed; not yet on FILE.py:NAME"
            )
        # The learner's prints (common in forward while debugging) must not mix into
        # the table or the JSON: they go to stderr.
        with contextlib.redirect_stdout(sys.stderr):
            result = _dissect_user_file(args, device)
    else:
        build, shape, name = model_builder(args.model, args.model_name)
        if args.backward:
            return _run_backward(
                args, build, parse_input(args.input) if args.input else shape, name, device
            )
        spec = parse(args.input) if args.input else shape
        try:
            result = dissect(build(0), spec, batch_size=args.batch, device=device, model_name=name)
        except RuntimeError as error:
            raise TutorError(f"{name} cannot run: {str(error).splitlines()[0]}") from None
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
