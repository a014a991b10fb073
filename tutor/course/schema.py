"""The lesson format, as pydantic models.

A lesson is a YAML module::

    id: 05-fashion-mlp
    title: {en: The FashionMNIST MLP, ko: FashionMNIST 다층 퍼셉트론}
    languages: [en, ko]          # every text must then exist in both
    dataset: fashion-mnist       # default for steps that need data
    models:
      mlp: {input: [1, 28, 28], layers: [Flatten, {Linear: [784, 100]}, ReLU, {Linear: [100, 10]}]}
    steps:
      - kind: text
        body: {en: "...", ko: "..."}
      - kind: dissect
        model: mlp

Every step kind has its own fields; unknown fields are errors. Models stay plain data
here and are checked by the engine (``tutor.engine.spec``) during validation, so this
module imports no torch.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, field_validator, model_validator

from tutor.locales import LANGUAGES

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def _check_local_text(value: Any) -> str | dict[str, str]:
    """Accept ``"text"`` or ``{en: "...", ko: "..."}``, with one clear message otherwise."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if not value:
            raise ValueError("empty text: give at least one language")
        for key, text in value.items():
            if key not in LANGUAGES:
                raise ValueError(f"unknown language '{key}': use {' or '.join(LANGUAGES)} as keys")
            if not isinstance(text, str):
                raise ValueError(f"the '{key}' text must be a string, not {type(text).__name__}")
        return value
    raise ValueError(
        f"expected text, or text per language such as {{en: ..., ko: ...}}, "
        f"not {type(value).__name__}"
    )


LocalText = Annotated[str | dict[str, str], PlainValidator(_check_local_text)]
"""Text in one language (a plain string) or per language: ``{en: ..., ko: ...}``."""


def localize(text: str | dict[str, str] | None, lang: str) -> str:
    """The text in ``lang``, falling back to English, then to any language given."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    return text.get(lang) or text.get("en") or next(iter(text.values()), "")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class TrainSettings(_Strict):
    """How to train: shared by the train step and the plot step's fits."""

    optimizer: Literal["sgd", "adam"] = "sgd"
    lr: float = Field(0.01, gt=0, le=1000)
    momentum: float = Field(0.0, ge=0, lt=1)
    batch_size: int = Field(64, ge=1, le=65536)
    epochs: int = Field(3, ge=1, le=100000)
    loss: Literal["cross_entropy", "nll", "mse"] = "cross_entropy"
    input_scale: float = Field(1.0, gt=0)
    """Multiply inputs by this first (the thermometer lesson scales t_u by 0.1)."""
    full_batch: bool = False
    """One step per epoch on the whole training split, as the thermometer fit does."""
    target: Literal["labels", "inputs"] = "labels"
    """What the model should output: the labels, or its own inputs (an autoencoder)."""
    seed: int = 0

    def config(self, **overrides: Any) -> Any:
        """These settings as the engine's ``TrainConfig`` (imports torch), with changes."""
        from tutor.engine.train import TrainConfig

        fields = {name: getattr(self, name) for name in TrainSettings.model_fields}
        return TrainConfig(**{**fields, **overrides})


class StepBase(_Strict):
    """Fields every step has."""

    id: str | None = None
    """Optional, unique within the lesson: progress and quiz answers are keyed by it."""
    title: LocalText | None = None
    text: LocalText | None = None
    """Markdown shown above the step's view: what to look at."""
    expect: dict[str, Any] | None = None
    """Computed facts this step relies on, checked at validation: ``{fact: value}``."""

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str | None) -> str | None:
        if value is not None and not ID_PATTERN.match(value):
            raise ValueError(
                f"step id {value!r} must be lowercase letters, digits, '-' or '_' "
                "(e.g. first-forward)"
            )
        return value


class TextStep(StepBase):
    """Markdown, with computed facts such as ``{{ model.mlp.params }}`` filled in."""

    kind: Literal["text"]
    body: LocalText | None = None
    include: str | None = None
    """A Markdown file beside the lesson, used as the body (``{en: a.md, ko: a.ko.md}``)."""

    @model_validator(mode="after")
    def _body_or_include(self) -> TextStep:
        if self.body is None and self.include is None and self.text is None:
            raise ValueError("a text step needs 'body' (Markdown) or 'include' (a file)")
        return self


class SamplesStep(StepBase):
    """A grid of dataset images with their labels and class names."""

    kind: Literal["samples"]
    dataset: str | None = None
    split: Literal["train", "val", "test"] = "train"
    count: int = Field(12, ge=1, le=64)
    start: int = Field(0, ge=0)


class DissectStep(StepBase):
    """A model's layer table: shapes with the batch dimension, weights, counts."""

    kind: Literal["dissect"]
    model: str
    batch: int = Field(32, ge=1, le=4096)
    layer: str | int | None = None
    """The layer selected at first (name or index)."""


class ForwardStep(StepBase):
    """One sample through a model: every layer's output, down to the logits."""

    kind: Literal["forward"]
    model: str
    dataset: str | None = None
    split: Literal["train", "val", "test"] = "test"
    sample: int = Field(0, ge=0)
    shift: int = Field(0, ge=-8, le=8)
    """Shift the image this many pixels right (the translation experiment)."""


class SoftmaxStep(StepBase):
    """Logits -> exp -> sum -> probabilities -> argmax -> loss for the true label."""

    kind: Literal["softmax"]
    logits: list[float] | None = None
    """Example logits, or leave out and name a model and a sample."""
    label: int | None = Field(None, ge=0)
    classes: list[LocalText] | None = None
    model: str | None = None
    dataset: str | None = None
    split: Literal["train", "val", "test"] = "test"
    sample: int = Field(0, ge=0)

    @model_validator(mode="after")
    def _source(self) -> SoftmaxStep:
        if (self.logits is None) == (self.model is None):
            raise ValueError("a softmax step needs either 'logits' (with 'label') or 'model'")
        if self.logits is not None:
            if len(self.logits) < 2 or len(self.logits) > 100:
                raise ValueError("'logits' needs between 2 and 100 numbers")
            if self.label is None:
                raise ValueError("with 'logits', give 'label': the index of the true class")
            if self.label >= len(self.logits):
                raise ValueError(
                    f"'label' {self.label} is not an index of the {len(self.logits)} logits"
                )
            if self.classes is not None and len(self.classes) != len(self.logits):
                raise ValueError(
                    f"'classes' has {len(self.classes)} names for {len(self.logits)} logits"
                )
        return self


class TrainStep(StepBase, TrainSettings):
    """Live training: curves, accuracy, speed; then metrics and the trained model."""

    kind: Literal["train"]
    model: str
    dataset: str | None = None


class Term(_Strict):
    """One unit of a composed curve: ``a · fn(w · x + b)``."""

    fn: Literal["tanh", "hardtanh", "sigmoid", "relu", "leaky_relu", "identity", "step"]
    w: float = 1.0
    b: float = 0.0
    a: float = 1.0


class Curve(_Strict):
    """A sum of units, each an activation of a shifted, scaled input."""

    label: LocalText | None = None
    terms: list[Term] = Field(min_length=1, max_length=32)
    c: float = 0.0


class Fit(TrainSettings):
    """A model trained on a regression dataset and drawn over its points."""

    model: str
    label: LocalText | None = None
    optimizer: Literal["sgd", "adam"] = "sgd"
    loss: Literal["cross_entropy", "nll", "mse"] = "mse"
    full_batch: bool = True
    epochs: int = Field(1000, ge=1, le=100000)
    """A full-batch fit takes one step per epoch, so it needs many."""


FUNCTIONS = ("tanh", "hardtanh", "sigmoid", "relu", "leaky_relu", "softmax", "identity", "step")


class PlotStep(StepBase):
    """Activation functions and their sums, or models fitted to a regression dataset."""

    kind: Literal["plot"]
    functions: list[Literal[FUNCTIONS]] = Field(default_factory=list)  # type: ignore[valid-type]
    curves: list[Curve] = Field(default_factory=list)
    x: tuple[float, float] = (-4.0, 4.0)
    dataset: str | None = None
    fits: list[Fit] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something(self) -> PlotStep:
        if not (self.functions or self.curves or self.fits):
            raise ValueError("a plot step needs 'functions', 'curves' or 'fits'")
        if self.x[0] >= self.x[1]:
            raise ValueError(f"'x' must be [low, high] with low < high, got {list(self.x)}")
        return self


class QuizStep(StepBase):
    """A question with choices, or with a numeric answer that may be computed."""

    kind: Literal["quiz"]
    question: LocalText
    choices: list[LocalText] | None = None
    correct: int | None = Field(None, ge=0)
    """Index of the right choice."""
    answer: float | None = None
    """A numeric answer typed by the author (prefer answer_fact)."""
    answer_fact: str | None = None
    """A computed fact as the answer, e.g. ``model.mlp.layer.fc1.params``."""
    tolerance: float = Field(0.0, ge=0)
    explanation: LocalText | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> QuizStep:
        numeric = self.answer is not None or self.answer_fact is not None
        if self.choices is not None:
            if numeric:
                raise ValueError("a quiz has either 'choices' or a numeric answer, not both")
            if len(self.choices) < 2:
                raise ValueError("a quiz needs at least two choices")
            if self.correct is None:
                raise ValueError("give 'correct': the index of the right choice (0 is the first)")
            if self.correct >= len(self.choices):
                raise ValueError(
                    f"'correct' is {self.correct} but there are only {len(self.choices)} "
                    f"choices (0 to {len(self.choices) - 1})"
                )
        elif not numeric:
            raise ValueError(
                "a quiz needs 'choices' with 'correct', or 'answer'/'answer_fact' for a number"
            )
        return self


class CodeStep(StepBase):
    """The plain PyTorch code of a model, and of its training when settings are given."""

    kind: Literal["code"]
    model: str
    dataset: str | None = None
    train: TrainSettings | None = None


Step = Annotated[
    TextStep
    | SamplesStep
    | DissectStep
    | ForwardStep
    | SoftmaxStep
    | TrainStep
    | PlotStep
    | QuizStep
    | CodeStep,
    Field(discriminator="kind"),
]

STEP_TYPES: dict[str, type[StepBase]] = {
    "text": TextStep,
    "samples": SamplesStep,
    "dissect": DissectStep,
    "forward": ForwardStep,
    "softmax": SoftmaxStep,
    "train": TrainStep,
    "plot": PlotStep,
    "quiz": QuizStep,
    "code": CodeStep,
}
STEP_KINDS = tuple(STEP_TYPES)


class Lesson(_Strict):
    """A lesson module: metadata, named models (plain spec data) and ordered steps."""

    id: str
    title: LocalText
    summary: LocalText | None = None
    languages: list[Literal["en", "ko"]] = Field(default_factory=lambda: ["en"])
    """Languages every text must be given in (``[en, ko]`` for the bundled lessons)."""
    dataset: str | None = None
    models: dict[str, Any] = Field(default_factory=dict)
    steps: list[Step] = Field(min_length=1)
    order: int | None = None
    """Position in the lesson list; by default the order of file names."""

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError(
                f"lesson id {value!r} must be lowercase letters, digits, '-' or '_' "
                "(e.g. 04-fashion-mlp)"
            )
        return value

    def step_key(self, index: int) -> str:
        """The key progress uses for a step: its id, or its position."""
        step = self.steps[index]
        return step.id or str(index)
