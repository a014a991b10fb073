"""Command palette (ctrl+p): jump to a lesson or a step, switch language or device."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tutor.course.schema import localize
from tutor.locales import t

if TYPE_CHECKING:
    from tutor.ui.app import TutorApp


class TutorCommands(Provider):
    """Lessons, steps of the open lesson, languages and devices."""

    def _commands(self) -> list[tuple[str, object, str]]:
        app: TutorApp = self.app  # type: ignore[assignment]
        lang = app.language
        commands: list[tuple[str, object, str]] = []
        screen = self.screen  # the screen the palette was opened from
        current = getattr(screen, "lesson_file", None)
        if current is not None and current.lesson is not None:
            for i, step in enumerate(current.lesson.steps):
                title = localize(step.title, lang) if step.title else step.kind
                commands.append(
                    (
                        t("palette.step", lang, i=i + 1, title=title),
                        partial(screen.go, i),
                        step.kind,
                    )
                )
        for lesson_file in getattr(app, "lesson_index", {}).values():
            if lesson_file.ok and lesson_file.lesson is not None:
                title = localize(lesson_file.lesson.title, lang)
                commands.append(
                    (
                        t("palette.open", lang, title=title),
                        partial(app.open_lesson, lesson_file.path),
                        lesson_file.id,
                    )
                )
        commands.append(
            (
                t("palette.language", lang, name="English"),
                partial(setattr, app, "language", "en"),
                "en",
            )
        )
        commands.append(
            (
                t("palette.language", lang, name="한국어"),
                partial(setattr, app, "language", "ko"),
                "ko",
            )
        )
        for device in ("cpu", "cuda", "mps", "auto"):
            commands.append(
                (t("palette.device", lang, device=device), partial(app.set_device, device), device)
            )
        return commands

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)  # type: ignore[arg-type]
