"""Command palette (ctrl+p): jump to a lesson or a step, open the model sandbox, switch
language or device."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import partial
from typing import Any

from textual.await_complete import AwaitComplete
from textual.command import CommandList, CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher
from textual.message import Message
from textual.widgets import LoadingIndicator

from tutor.course.schema import localize
from tutor.locales import LANGUAGES, NATIVE_NAMES, t
from tutor.text import clean
from tutor.ui.context import tutor_context
from tutor.ui.messages import (
    DeviceSwitchRequested,
    LanguageChosen,
    OpenLessonRequested,
    SandboxRequested,
)

DEVICES = ("cpu", "cuda", "mps", "auto")


class TutorPalette(CommandPalette):
    """Textual's command palette, safe under keys sent faster than it redraws.

    Textual 8.2 behaviours guarded here (all found by the monkey test, issue 13):

    * page up/down before the list has laid out its lines raise ``KeyError`` in its
      OptionList;
    * a second Escape or Enter that reaches the palette after it was dismissed
      dismisses it again, which pops the screen *under* it (leaving a lesson, and
      stopping its training);
    * the palette's search worker, still running when the palette is closed by a route
      that does not cancel it (a lesson opened under it), queries widgets already
      removed (``NoMatches``), and the worker's error ends the app.
    """

    def on_screen_suspend(self) -> None:
        # Closed or covered: its search has nothing to show any more.
        self._cancel_gather_commands()

    def _watch__list_visible(self) -> None:
        if self.query(CommandList):
            super()._watch__list_visible()
        elif self.is_attached:
            # Not composed yet: apply the flag once it is, or the hits found meanwhile
            # stay hidden for good (seen under load: a palette with no list).
            self.call_after_refresh(self._watch__list_visible)

    async def _watch__show_busy(self) -> None:
        if self.query(CommandList) and self.query(LoadingIndicator):
            await super()._watch__show_busy()
        elif self.is_attached:
            self.call_after_refresh(self._watch__show_busy)

    def _refresh_command_list(
        self, command_list: CommandList, commands: list[Any], clear_current: bool
    ) -> None:
        if command_list.is_attached:
            super()._refresh_command_list(command_list, commands, clear_current)

    def _action_command_list(self, action: str) -> None:
        # KeyError: the list has no lines yet, so there is nothing to move through.
        with contextlib.suppress(KeyError):
            super()._action_command_list(action)

    def dismiss(self, result: Any = None) -> AwaitComplete:
        if not self.is_attached or not self.app.screen_stack or self.app.screen is not self:
            return AwaitComplete()  # dismissed already; the screen below stays
        return super().dismiss(result)


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
                title = (
                    clean(localize(step.title, lang))
                    if step.title
                    else t(f"kind.{step.kind}", lang)
                )
                commands.append(
                    (t("palette.step", lang, i=i + 1, title=title), partial(go, i), step.kind)
                )
        for lesson_file in ctx.catalog.openable():
            assert lesson_file.lesson is not None
            title = clean(localize(lesson_file.lesson.title, lang))
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
            yield DiscoveryHit(Content(name), callback, text=name, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, highlight(matcher, name), callback, text=name, help=help_text)


def highlight(matcher: Matcher, name: str) -> Content:
    """``name`` with the letters the query matched highlighted, as ``Matcher.highlight``
    does, but never read as markup: lesson and step titles are the author's text, and a
    title such as ``[/]`` would make the palette raise while drawing."""
    content = Content(name)
    _, offsets = matcher.fuzzy_search.match(matcher.query, name)
    for offset in offsets:
        if not name[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content
