"""What every step kind is made of, and the contexts its functions receive.

A step kind is one module under ``tutor/course/steps/`` that defines:

* its schema: a :class:`~tutor.course.schema.StepBase` subclass with a ``kind`` literal;
* ``check(step, ctx)``: what validation checks through the engine (models, datasets,
  facts), reported with :meth:`CheckContext.problem`;
* ``code(step, ctx)``: the plain PyTorch code behind the step (``c`` in the app,
  ``tutor code``), or None;
* ``compute(...)`` functions that call the engine and return plain results for the view
  to draw. They run in worker threads and never touch Textual.

and registers itself with one line in ``tutor/course/steps/__init__.py``. Only the schema
part may be imported before torch is loaded: engine imports stay inside functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tutor.course.schema import StepBase, localize
from tutor.course.yamlsafe import DataPath, Locator, Problem
from tutor.errors import TutorError

if TYPE_CHECKING:
    from tutor.course.facts import FactContext
    from tutor.course.lesson import LessonFile
    from tutor.engine.datasets.registry import DatasetInfo
    from tutor.engine.script import Script
    from tutor.engine.session import ModelState, Session
    from tutor.engine.source import ModelSource


@dataclass(frozen=True)
class StepKind:
    """A step kind: its name, schema and the functions validation and code export call."""

    name: str
    schema: type[StepBase]
    check: Callable[[Any, CheckContext], None] | None = None
    code: Callable[[Any, CodeContext], Script | None] | None = None


# ----------------------------------------------------------------------------- checking


@dataclass
class CheckContext:
    """What a step's ``check`` sees: the lesson, its checked models, facts and a locator.

    The helpers report problems at the step's own fields, so every kind words the same
    situation (an unknown model, a missing dataset) the same way.
    """

    lesson_file: LessonFile
    index: int
    specs: dict[str, ModelSource]
    """The lesson's models: specs, or the learner's own model in ``tutor explore``."""
    broken: set[str]
    """Models that failed their own checks: steps naming them add no second problem."""
    facts: FactContext
    locator: Locator
    problems: list[Problem] = field(default_factory=list)

    @property
    def base(self) -> DataPath:
        return ("steps", self.index)

    def problem(self, where: DataPath | str, message: str, key: bool = False) -> None:
        """Report ``message`` at a field of this step (``"model"``) or at a full path."""
        path = (*self.base, where) if isinstance(where, str) else where
        self.problems.append(self.locator.problem(path, message, key=key))

    def model(self, name: str, where: DataPath | str = "model") -> ModelSource | None:
        """The lesson's checked model ``name``, or None after reporting why not."""
        from tutor.text import suggest

        if name in self.specs:
            return self.specs[name]
        if name not in self.broken:
            lesson = self.lesson_file.lesson
            names = list(lesson.models) if lesson is not None else []
            more = f"; its models: {', '.join(names)}" if names else "; add it under 'models:'"
            self.problem(where, f"this lesson has no model '{name}'{suggest(name, names)}{more}")
        return None

    def dataset(
        self, step: StepBase, field_name: str = "dataset", required: bool = True
    ) -> DatasetInfo | None:
        """The registry record of the step's dataset (or the lesson's), or None."""
        from tutor.engine.data import dataset_info, dataset_names
        from tutor.text import suggest

        own = getattr(step, field_name, None)
        lesson = self.lesson_file.lesson
        name = own or (lesson.dataset if lesson is not None else None)
        if name is None:
            if required:
                self.problem(
                    self.base,
                    f"this {step.kind} step needs a dataset: set 'dataset' on the step "
                    "or on the lesson",
                )
            return None
        if name not in dataset_names():
            if own:  # the lesson's own 'dataset' is reported once, not per step
                self.problem(
                    field_name,
                    f"unknown dataset '{name}'{suggest(name, dataset_names())}; "
                    f"datasets: {', '.join(dataset_names())}",
                )
            return None
        return dataset_info(name)

    def combination(
        self,
        model: str,
        info: DatasetInfo | None,
        loss: str | None = None,
        target: str = "labels",
        where: DataPath | str = "model",
    ) -> None:
        """Report every model × data × loss rule the step breaks (engine rules)."""
        from tutor.engine.rules import check_combination

        facts = self.model_facts(model)
        data = data_facts(info) if info is not None else None
        for mismatch in check_combination(facts, data, loss, target):
            self.problem(where if mismatch.field == "model" else mismatch.field, mismatch.message)

    def model_facts(self, model: str) -> Any:
        """The rules' view of a checked model: a spec's from its dry run (cached in the
        fact context), the learner's own model's from the pass made when it was loaded."""
        from tutor.engine.rules import ModelFacts
        from tutor.engine.spec import ModelSpec

        spec = self.specs[model]
        if not isinstance(spec, ModelSpec):
            return spec.rule_facts()
        run = self.facts.dry_run(model)
        return ModelFacts(
            name=model,
            input=tuple(spec.input),
            output=tuple(run.output_shape[1:]),
            last_layer=spec.layers[-1].type if spec.layers else "",
        )


def data_facts(info: DatasetInfo) -> Any:
    """The rules' view of a registry record."""
    from tutor.engine.rules import DataFacts

    return DataFacts(
        name=info.name,
        sample_shape=tuple(info.sample_shape),
        task=info.task,
        num_classes=len(info.classes) if info.task == "classification" else 0,
    )


# ----------------------------------------------------------------------------- code


@dataclass
class CodeContext:
    """What a step's ``code`` sees: the lesson, its models and the step's dataset, and
    the learner's live changes to the step when the app asks (``c`` on a step whose
    view lets the learner change it: the code of what is on screen now)."""

    lesson_file: LessonFile
    index: int
    state: Any = None
    """What the step's view holds now (its kind decides the type), or None: the step
    as the lesson wrote it (``tutor code`` and views without live changes)."""

    @property
    def specs(self) -> dict[str, ModelSource]:
        return self.lesson_file.specs

    def dataset(self, step: StepBase) -> str | None:
        lesson = self.lesson_file.lesson
        return getattr(step, "dataset", None) or (lesson.dataset if lesson else None)


# ----------------------------------------------------------------------------- compute


@dataclass
class ComputeContext:
    """What a step's compute functions see, in a worker thread: the lesson, the engine
    session, the learner's language, and where to report the data in use.

    Args:
        on_data: called with each dataset loaded, so the screen can name the data
            actually in use (an offline stand-in, say).
    """

    lesson_file: LessonFile
    index: int
    session: Session
    language: str
    on_data: Callable[[Any], None] = lambda data: None

    @property
    def step(self) -> Any:
        assert self.lesson_file.lesson is not None
        return self.lesson_file.lesson.steps[self.index]

    @property
    def lesson_id(self) -> str:
        return self.lesson_file.id

    def text(self, value: Any) -> str:
        """Lesson text in the learner's language."""
        return localize(value, self.language)

    def dataset_name(self, name: str | None = None) -> str:
        lesson = self.lesson_file.lesson
        chosen = name or getattr(self.step, "dataset", None) or (lesson.dataset if lesson else None)
        if chosen is None:
            raise TutorError(key="step.no_dataset")
        return chosen

    def dataset(self, name: str | None = None) -> Any:
        """A dataset on the session's device, loaded once; reported to ``on_data``."""
        data = self.session.dataset(self.dataset_name(name))
        self.on_data(data)
        return data

    def model_state(self, name: str) -> ModelState:
        """The lesson's model ``name`` (trained if a train step trained it)."""
        return self.session.model((self.lesson_id, name), self.lesson_file.specs[name])

    def facts(self, *texts: str) -> FactContext:
        """A fact context for ``texts``; datasets whose sizes they mention are loaded."""
        from tutor.course.facts import datasets_for_sizes

        for name in datasets_for_sizes(*texts):
            self.session.dataset(name)
        return self.lesson_file.facts(self.session.loaded_datasets())
