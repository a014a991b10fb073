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
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, field_validator

from tutor.engine.config import MAX_INPUT_SCALE, MAX_SEED, TrainConfig
from tutor.locales import DEFAULT_LANGUAGE, LANGUAGES

_DEFAULTS = TrainConfig()

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

# Every number a lesson may write is finite (``allow_inf_nan=False`` on every model
# below) and within a range a view can draw: validation refuses what a view cannot show.
#: Largest magnitude of a free number a view computes with and draws: logits, a plot's
#: range and coefficients. Beyond it float32 overflows (exp, products) or a plot's ticks
#: lose every digit.
MAX_DRAWN = 1e6
#: Largest magnitude of a number a learner types or reads as an answer (parameter counts
#: of big models go past MAX_DRAWN).
MAX_ANSWER = 1e15
#: Largest index of a sample, a step or a list position: far beyond any dataset here.
MAX_INDEX = 10**9

Drawn = Annotated[float, Field(ge=-MAX_DRAWN, le=MAX_DRAWN)]
"""A finite number a view draws or computes with, at most :data:`MAX_DRAWN` in size."""
Index = Annotated[int, Field(ge=0, le=MAX_INDEX)]
"""A position from 0 (a sample, a choice, a label)."""
Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]
"""A random seed, as ``torch.manual_seed`` takes it."""


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
    return text.get(lang) or text.get(DEFAULT_LANGUAGE) or next(iter(text.values()), "")


class _Strict(BaseModel):
    # allow_inf_nan=False: ".nan" and ".inf" are refused, with their location, in every
    # float field of every step kind and setting.
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=False, allow_inf_nan=False
    )


class TrainSettings(_Strict):
    """How to train: shared by the train step, the code step and the plot step's fits.

    The defaults are the engine's (:class:`tutor.engine.config.TrainConfig`), so a
    lesson, the app and ``tutor train`` never disagree on them.
    """

    optimizer: Literal["sgd", "adam"] = _DEFAULTS.optimizer  # type: ignore[assignment]
    lr: float = Field(_DEFAULTS.lr, gt=0, le=1000)
    momentum: float = Field(_DEFAULTS.momentum, ge=0, lt=1)
    batch_size: int = Field(_DEFAULTS.batch_size, ge=1, le=65536)
    epochs: int = Field(_DEFAULTS.epochs, ge=1, le=100000)
    loss: Literal["cross_entropy", "nll", "mse"] = _DEFAULTS.loss  # type: ignore[assignment]
    input_scale: float = Field(_DEFAULTS.input_scale, gt=0, le=MAX_INPUT_SCALE)
    """Multiply inputs by this first (the thermometer lesson scales t_u by 0.1)."""
    full_batch: bool = _DEFAULTS.full_batch
    """One step per epoch on the whole training split, as the thermometer fit does."""
    target: Literal["labels", "inputs"] = _DEFAULTS.target  # type: ignore[assignment]
    """What the model should output: the labels, or its own inputs (an autoencoder)."""
    seed: Seed = _DEFAULTS.seed
    weight_decay: float = Field(_DEFAULTS.weight_decay, ge=0, le=10)
    """L2 regularisation, passed to the optimizer (``weight_decay=``)."""
    train_subset: int | None = Field(_DEFAULTS.train_subset, ge=1, le=MAX_INDEX)
    """Train on only the first N training samples (a run that overfits quickly)."""
    track_activity: bool = _DEFAULTS.track_activity
    """Measure each activation layer after every epoch (dead ReLUs, saturated units)."""

    def config(self, **overrides: Any) -> TrainConfig:
        """These settings as the engine's :class:`TrainConfig`, with changes."""
        fields = {name: getattr(self, name) for name in TrainSettings.model_fields}
        return TrainConfig(**{**fields, **overrides})


class StepBase(_Strict):
    """Fields every step has. Each step kind subclasses it (``tutor/course/steps/``)."""

    kind: str

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

    def texts(self) -> Iterator[tuple[tuple[str | int, ...], str | dict[str, str]]]:
        """Every text of the step that a learner reads, with its path inside the step.

        Translations and placeholders are checked over these; kinds with more texts
        (a quiz's choices) extend it.
        """
        for name in ("title", "text"):
            value = getattr(self, name)
            if value is not None:
                yield (name,), value


class Lesson(_Strict):
    """A lesson module: metadata, named models (plain spec data) and ordered steps."""

    id: str
    title: LocalText
    summary: LocalText | None = None
    languages: list[str] = Field(default_factory=lambda: [DEFAULT_LANGUAGE])
    """Languages every text must be given in (``[en, ko]`` for the bundled lessons)."""
    dataset: str | None = None
    models: dict[str, Any] = Field(default_factory=dict)
    steps: list[StepBase] = Field(min_length=1)
    """Each step is an instance of its kind's schema (``tutor.course.steps``); they are
    validated one by one when the lesson is read, each with its own location."""
    order: int | None = Field(None, ge=-MAX_INDEX, le=MAX_INDEX)
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

    @field_validator("languages")
    @classmethod
    def _check_languages(cls, value: list[str]) -> list[str]:
        for code in value:
            if code not in LANGUAGES:
                raise ValueError(
                    f"unknown language '{code}' in 'languages': use {' or '.join(LANGUAGES)}"
                )
        return value

    def step_key(self, index: int) -> str:
        """The key progress uses for a step: its id, or its position."""
        step = self.steps[index]
        return step.id or str(index)
