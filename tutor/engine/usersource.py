"""The learner's own model as a lesson's model source (``tutor explore FILE.py:NAME``).

:func:`load_user_source` imports the learner's file and builds NAME through
:mod:`tutor.engine.usercode` (so their errors come back with their file and line), finds
the shape of one sample, and runs one forward pass to learn what the model × data ×
loss rules need: the output of one sample and the last layer that runs. All of that
happens on the command line, before the app starts: a broken file never opens the app.

Fresh weights for every run come from calling their class (or function) again with the
same ``--args`` under a fixed seed; a module built at the top of their file is copied
from the state it was loaded in.
"""

from __future__ import annotations

import copy
import keyword
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn

from tutor.engine.inputs import InputSpec, parse_input
from tutor.engine.rules import ModelFacts
from tutor.engine.script import Script
from tutor.engine.trace import TraceError, trace
from tutor.engine.usercode import (
    LearnerCodeError,
    UserModel,
    forward_error,
    learner_error,
    load_user_model,
)
from tutor.errors import TutorError
from tutor.text import shape_text


@dataclass(eq=False)  # compared by identity: one loaded file is one model
class UserSource:
    """A model from the learner's file, as a :class:`~tutor.engine.source.ModelSource`."""

    name: str
    """NAME as the learner wrote it (``SimpleLinearModel_01``): the lesson's model name."""
    input: tuple[int, ...]
    """One sample's shape, without the batch dimension."""
    path: Path
    """The learner's file, as they spelled it."""
    factory: Any
    """The class or function to call for fresh weights; None for a module built in the file."""
    args: dict[str, Any]
    facts: ModelFacts
    layers: list[str]
    """Leaf layer paths in call order (``linear_01``, ``relu``, ...)."""
    total_params: int
    pristine: nn.Module | None = field(default=None, repr=False)
    """For a module built in the file: a copy as it was loaded, to copy again."""

    # ----------------------------------------------------------------- ModelSource

    def build(self, device: Any = "cpu", seed: int | None = 0) -> nn.Module:
        """Call the learner's class (or function) again: fresh weights, seeded.

        With a seed, the global random generator is left as it was, as
        :func:`tutor.engine.build.build_model` does for specs.
        """
        if self.factory is None:
            assert self.pristine is not None
            return copy.deepcopy(self.pristine).to(device)
        try:
            if seed is None:
                model = self.factory(**self.args)
            else:
                with torch.random.fork_rng(devices=[]):
                    torch.manual_seed(seed)
                    model = self.factory(**self.args)
        except Exception as error:
            raise learner_error(error, self.path, f"while building {self.call()}") from None
        if not isinstance(model, nn.Module):
            raise LearnerCodeError(
                f"{self.label} returned {type(model).__name__}, not an nn.Module"
            )
        return model.to(device)

    def rule_facts(self) -> ModelFacts:
        return self.facts

    def child_names(self) -> list[str]:
        return list(self.layers)

    def code(self) -> Script:
        """How a notebook imports and builds this model, with its shapes as comments."""
        folder = str(self.path.parent)
        module = self.path.stem
        first = self.name.split(".")[0]
        imports = ["import torch", "from torch import nn"]
        setup: list[str] = []
        if folder not in ("", "."):
            imports.append("import sys")
            setup.append(f"sys.path.insert(0, {folder!r})  # the folder of {self.path.name}")
        if module.isidentifier() and not keyword.iskeyword(module):
            setup.append(f"from {module} import {first}  # your own code, {self.path.name}")
        else:  # a file name Python cannot import by name (my-model.py)
            imports.append("import importlib.util")
            setup += [
                f"spec = importlib.util.spec_from_file_location('learner_model', {str(self.path)!r})",
                "module = importlib.util.module_from_spec(spec)",
                "spec.loader.exec_module(module)",
                f"{first} = module.{first}  # your own code, {self.path.name}",
            ]
        output = self.facts.output
        lines = [
            f"model = {self.call()}",
            f"x = torch.randn(1, {', '.join(map(str, self.input))})  # one sample "
            f"{shape_text(self.input)}, in a batch of 1",
        ]
        if output:
            lines.append(f"print(model(x).shape)  # torch.Size([1, {', '.join(map(str, output))}])")
        lines += [
            f"print(sum(p.numel() for p in model.parameters()))  # {self.total_params:,} parameters",
            "for name, p in model.named_parameters():",
            "    print(name, tuple(p.shape))  # PyTorch stores a Linear weight as (out, in)",
        ]
        return Script(
            imports=imports,
            setup={f"learner:{self.label}": "\n".join(setup)},
            body=["\n".join(lines)],
        )

    # ----------------------------------------------------------------- errors

    @property
    def label(self) -> str:
        """``model.py:NAME``."""
        return f"{self.path.name}:{self.name}"

    def call(self) -> str:
        """``Net(hidden=64)``; NAME alone for a module built in the file."""
        if self.factory is None:
            return self.name
        return f"{self.name}({', '.join(f'{k}={v!r}' for k, v in self.args.items())})"

    def explain(self, error: Exception) -> TutorError:
        """A failure while running the learner's model, located in their file."""
        if isinstance(error, TraceError):
            return forward_error(error, self.path, self.label)
        if isinstance(error, TutorError):
            return error
        return learner_error(error, self.path, f"while running {self.label}")


def sample_shape(user: UserModel, input_text: str | None = None) -> tuple[int, ...]:
    """One sample's shape: from ``--input``, the model's ``input_shape``, or its
    ``example_input`` (one tensor, batch first).

    Raises:
        LearnerCodeError: none is given, or the model takes more than one plain tensor.
    """
    spec: InputSpec | None = parse_input(input_text) if input_text else user.input_spec
    several = (
        f"{user.name}: tutor explore shows models that take one tensor, and this one takes "
        "several inputs; `tutor dissect` takes it apart"
    )
    if spec is not None:
        shape = spec.sample_shape()
        if shape is None:
            raise LearnerCodeError(several)
        return tuple(shape)
    example = user.example
    if example is not None:
        tensor = example.args[0] if example.is_single_tensor else None
        if tensor is None or not tensor.is_floating_point() or tensor.dim() < 2:
            raise LearnerCodeError(several)
        return tuple(int(d) for d in tensor.shape[1:])
    raise LearnerCodeError(
        f"{user.name}: give the shape of one sample with --input, such as --input 1,28,28 "
        "(without the batch), or set input_shape = (1, 28, 28) in the class"
    )


def load_user_source(
    target: str, args_json: str | None = None, input_text: str | None = None
) -> UserSource:
    """Import ``path/file.py``, build NAME and run it once on a batch of two.

    Raises:
        LearnerCodeError: their file, line and message for anything that fails in their
            code; what is missing when the input cannot be known.
    """
    user = load_user_model(target, args_json)
    shape = sample_shape(user, input_text)
    name = user.name.split(":", 1)[1]
    pristine = copy.deepcopy(user.model) if user.factory is None else None
    model = user.model
    if math.prod(shape) > 50_000_000:
        raise LearnerCodeError(f"{user.name}: one sample of {shape_text(shape)} is too large")
    x = InputSpec.single(shape).make(2, model)  # seeded: two samples, so BatchNorm runs
    try:
        result = trace(model, x)
    except TraceError as error:
        raise forward_error(error, user.path, user.name) from None
    out = result.output
    output = tuple(int(d) for d in out.shape[1:]) if isinstance(out, torch.Tensor) else ()
    last = result.layers[-1].type if result.layers else type(model).__name__
    layers = list(dict.fromkeys(record.path for record in result.layers))
    return UserSource(
        name=name,
        input=shape,
        path=user.path,
        factory=user.factory,
        args=dict(user.args or {}),
        facts=ModelFacts(name=name, input=shape, output=output, last_layer=last),
        layers=layers,
        total_params=result.total_params,
        pristine=pristine,
    )
