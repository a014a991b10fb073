"""Where a lesson's model comes from: a model spec, or the learner's own Python code.

Every step kind that uses a model asks only for what :class:`ModelSource` offers, so a
lesson generated for ``tutor explore FILE.py:NAME`` plays with the same steps (dissect,
forward, softmax, train, code) as a YAML lesson:

* ``name`` and ``input``, one sample's shape without the batch dimension;
* ``build(device, seed)``: a freshly initialised ``nn.Module`` on ``device``;
* ``rule_facts()``: what the model × data × loss rules need (:mod:`tutor.engine.rules`);
* ``child_names()``: the layer names a step may select;
* ``code()``: the plain PyTorch code that makes the model, as a
  :class:`~tutor.engine.script.Script` (a lesson's steps join into one runnable file).

:class:`tutor.engine.spec.ModelSpec` is one (built by :func:`tutor.engine.build.build_model`),
:class:`tutor.engine.usersource.UserSource` the other (built by calling the learner's
class or function again).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import torch.nn as nn

    from tutor.engine.rules import ModelFacts
    from tutor.engine.script import Script


@runtime_checkable
class ModelSource(Protocol):
    """What lessons, the engine session and training runs need of a model."""

    name: str
    input: tuple[int, ...]

    def build(self, device: Any = "cpu", seed: int | None = 0) -> nn.Module:
        """A newly initialised model on ``device``; the same weights for the same seed."""
        ...

    def rule_facts(self) -> ModelFacts:
        """The rules' view of the model: input, output of one sample, last layer."""
        ...

    def child_names(self) -> list[str]:
        """Names a step may select a layer by."""
        ...

    def code(self) -> Script:
        """Plain PyTorch code that makes this model, with its shapes as comments."""
        ...


@contextmanager
def explained(source: Any) -> Iterator[None]:
    """Run the source's model; a failure is explained by the source when it can.

    The learner's own code fails in their own file, so a :class:`UserSource` turns the
    exception into their file and line; a spec's errors pass through unchanged.
    """
    try:
        yield
    except Exception as error:
        explain = getattr(source, "explain", None)
        if explain is None:
            raise
        raise explain(error) from None
