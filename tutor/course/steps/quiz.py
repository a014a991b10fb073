"""``quiz``: choices, or a number checked against the computed value."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, model_validator

from tutor.course.facts import FactError, same_value
from tutor.course.schema import MAX_ANSWER, Index, LocalText, StepBase
from tutor.course.steps.base import CheckContext, ComputeContext, StepKind


class QuizStep(StepBase):
    """A question with choices, or with a numeric answer that may be computed."""

    kind: Literal["quiz"]
    question: LocalText
    choices: list[LocalText] | None = None
    correct: Index | None = None
    """Index of the right choice."""
    answer: float | None = Field(None, ge=-MAX_ANSWER, le=MAX_ANSWER)
    """A numeric answer typed by the author (prefer answer_fact)."""
    answer_fact: str | None = None
    """A computed fact as the answer, e.g. ``model.mlp.layer.fc1.params``."""
    tolerance: float = Field(0.0, ge=0, le=MAX_ANSWER)
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

    def texts(self) -> Iterator[tuple[tuple[str | int, ...], str | dict[str, str]]]:
        yield from super().texts()
        yield ("question",), self.question
        if self.explanation is not None:
            yield ("explanation",), self.explanation
        for j, choice in enumerate(self.choices or []):
            yield ("choices", j), choice


@dataclass(frozen=True)
class QuizTexts:
    """The quiz in the learner's language, facts filled in, and the numeric answer."""

    question: str
    choices: list[str] | None
    explanation: str
    expected: float | None


def check(step: QuizStep, ctx: CheckContext) -> None:
    if step.answer_fact is None:
        return
    try:
        value = ctx.facts.compute(step.answer_fact)
    except FactError as error:
        ctx.problem("answer_fact", error.message)
        return
    if not isinstance(value, int | float) or isinstance(value, bool):
        ctx.problem(
            "answer_fact",
            f"'{step.answer_fact}' is {value}, not a number; a numeric quiz needs a number",
        )
    elif step.answer is not None and not same_value(value, step.answer):
        ctx.problem(
            "answer", f"'answer' is {step.answer} but {step.answer_fact} is computed as {value}"
        )


def compute(ctx: ComputeContext) -> QuizTexts:
    """Fill facts into every text, and compute the answer when it is a fact."""
    step: QuizStep = ctx.step
    raw = [step.question, step.explanation, *(step.choices or [])]
    facts = ctx.facts(*[ctx.text(r) for r in raw if r])

    def text(value: Any) -> str:
        return facts.fill(ctx.text(value)) if value else ""

    expected = step.answer
    if step.answer_fact is not None:
        expected = float(facts.compute(step.answer_fact))
    choices = [text(c) for c in step.choices] if step.choices is not None else None
    return QuizTexts(text(step.question), choices, text(step.explanation), expected)


def is_right(step: QuizStep, texts: QuizTexts, answer: float) -> bool:
    """A typed number is right within the step's tolerance (or a hair of rounding)."""
    if texts.expected is None:
        return False
    tolerance = step.tolerance or 1e-9 * max(1.0, abs(texts.expected))
    return abs(answer - texts.expected) <= tolerance


KIND = StepKind("quiz", QuizStep, check=check)
