"""Quiz: choose an answer, or type a number checked against the computed value."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tutor.course.steps import quiz as kind
from tutor.course.steps.quiz import QuizStep, QuizTexts
from tutor.text import literal
from tutor.ui.views.base import StepView
from tutor.ui.widgets.options import SafeOptionList


class NumberInput(Input):
    """An input that only takes the keys a number needs, so n/p still change the step."""

    ALLOWED = "0123456789.,-+eE_"

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character is not None and character in self.ALLOWED

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable and (event.character or "") not in self.ALLOWED:
            # Skip Input's handler, which would swallow the key; let it reach the bindings.
            event.prevent_default()


class QuizView(StepView):
    """Choices (↑/↓, Enter) or a numeric answer (type, Enter). Answers go to progress."""

    BINDINGS = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.texts: QuizTexts | None = None

    @property
    def quiz(self) -> QuizStep:
        step = self.step
        assert isinstance(step, QuizStep)
        return step

    def compose(self) -> ComposeResult:
        yield Static(self.tr("player.working"), id="quiz-question")
        yield Vertical(id="quiz-answer")
        yield Static(id="quiz-feedback")

    def on_focus(self) -> None:
        target = self.query("#quiz-choices, #quiz-input")
        if target:
            target.first().focus()

    def compute(self) -> QuizTexts:
        return kind.compute(self.work_context())

    def show(self, result: QuizTexts) -> None:
        self.texts = result
        self.query_one("#quiz-question", Static).update(Text(result.question, style="bold"))
        box = self.query_one("#quiz-answer", Vertical)
        box.remove_children()
        if result.choices is not None:
            widget: Any = SafeOptionList(
                *[
                    # Choices are lesson text: shown as written, never read as markup.
                    Option(literal(f"{chr(65 + i)}. {c}"), id=str(i))
                    for i, c in enumerate(result.choices)
                ],
                id="quiz-choices",
            )
        else:
            widget = NumberInput(placeholder=self.tr("quiz.answer"), type="number", id="quiz-input")
        box.mount(widget)
        if self.has_focus or self.screen.focused is None:
            widget.focus()
        previous = self.ctx.progress.get(self.lesson_id).quiz.get(self.step_key)
        if previous is not None:
            self.feedback(previous.correct, previous.answer, remembered=True)

    @property
    def step_key(self) -> str:
        lesson = self.lesson_file.lesson
        assert lesson is not None
        return lesson.step_key(self.index)

    @on(OptionList.OptionSelected, "#quiz-choices")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        choice = int(event.option.id or 0)
        self.record(choice, choice == self.quiz.correct)

    @on(Input.Submitted, "#quiz-input")
    def _typed(self, event: Input.Submitted) -> None:
        try:
            value = float(event.value.replace(",", "").replace("_", "").strip())
        except ValueError:
            self.query_one("#quiz-feedback", Static).update(
                Text(self.tr("quiz.not_number"), style="yellow")
            )
            return
        if self.texts is None or self.texts.expected is None:
            return
        self.record(value, kind.is_right(self.quiz, self.texts, value))

    def record(self, answer: Any, correct: bool) -> None:
        self.ctx.progress.answer(self.lesson_id, self.step_key, answer, correct)
        self.feedback(correct, answer)

    def _format(self, answer: Any) -> str:
        choices = self.texts.choices if self.texts else None
        if choices is not None and isinstance(answer, int) and 0 <= answer < len(choices):
            return f"{chr(65 + answer)}. {choices[answer]}"
        if isinstance(answer, float) and answer.is_integer():
            return f"{int(answer):,}"
        return str(answer)

    def feedback(self, correct: bool, answer: Any, remembered: bool = False) -> None:
        quiz = self.quiz
        text = Text()
        if remembered:
            text.append(self.tr("quiz.previous", answer=self._format(answer)) + "\n", style="dim")
        text.append(
            self.tr("quiz.correct" if correct else "quiz.wrong") + " ",
            style="bold green" if correct else "bold red",
        )
        if quiz.choices is not None and quiz.correct is not None:
            text.append(self.tr("quiz.expected", value=self._format(quiz.correct)))
        elif self.texts is not None and self.texts.expected is not None:
            text.append(self.tr("quiz.expected", value=self._format(float(self.texts.expected))))
        if self.texts is not None and self.texts.explanation:
            text.append("\n" + self.texts.explanation)
        self.query_one("#quiz-feedback", Static).update(text)


VIEW = QuizView
