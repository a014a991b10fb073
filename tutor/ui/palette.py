"""Command palette (ctrl+p): jump to a lesson or a step, open the model sandbox, switch
language or device."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.message import Message

from tutor.course.schema import localize
from tutor.locales import LANGUAGES, NATIVE_NAMES, t
from tutor.ui.context import tutor_context
from tutor.ui.messages import (
    DeviceSwitchRequested,
    LanguageChosen,
    OpenLessonRequested,
    SandboxRequested,
)

DEVICES = ("cpu", "cuda", "mps", "auto")


class TutorCommands(Provider):
    """Lessons, steps of the open lesson, the model sandbox, languages and devices."""

    def _post(self, message: Message) -> Callable[[], None]:
        return partial(self.app.post_message, message)

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        ctx = tutor_context(self.app)
        lang = ctx.language
        commands: list[tuple[str, Callable[[], object], str]] = []
        screen = self.screen  # the screen the palette was opened from
        current = getattr(screen, "lesson_file", None)
        go = getattr(screen, "go", None)
        if current is not None and current.lesson is not None and go is not None:
            for i, step in enumerate(current.lesson.steps):
                title = localize(step.title, lang) if step.title else t(f"kind.{step.kind}", lang)
                commands.append(
                    (t("palette.step", lang, i=i + 1, title=title), partial(go, i), step.kind)
                )
        for lesson_file in ctx.catalog.openable():
            assert lesson_file.lesson is not None
            title = localize(lesson_file.lesson.title, lang)
            commands.append(
                (
                    t("palette.open", lang, title=title),
                    self._post(OpenLessonRequested(lesson_file.path)),
                    lesson_file.id,
                )
            )
        commands.append(
            (
                t("palette.sandbox", lang),
                self._post(SandboxRequested()),
                t("palette.sandbox.help", lang),
            )
        )
        for code in LANGUAGES:
            commands.append(
                (
                    t("palette.language", lang, name=NATIVE_NAMES[code]),
                    self._post(LanguageChosen(code)),
                    code,
                )
            )
        for device in DEVICES:
            commands.append(
                (
                    t("palette.device", lang, device=device),
                    self._post(DeviceSwitchRequested(device)),
                    device,
                )
            )
        return commands

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
