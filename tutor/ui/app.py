"""The Textual app: lesson list, lesson player, help, code and the command palette.

Importing this module loads no torch: the first frame is drawn at once, while a thread
worker imports PyTorch and picks the device in the background. Views that need the
engine wait for it inside their own workers (``tutor_context(view).engine.wait()``),
never on the UI thread.

Screens and views never import this module: they share a :class:`TutorContext` and ask
the app for things with messages (``tutor.ui.messages``), handled here.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import App, SystemCommand
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.command import CommandPalette
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.theme import Theme
from textual.worker import Worker, WorkerState

from tutor.config import Settings
from tutor.course.catalog import LessonCatalog
from tutor.course.progress import ProgressStore
from tutor.errors import TutorError
from tutor.locales import DEFAULT_LANGUAGE, next_language, t
from tutor.preferences import load_preferences, remember, settings_path
from tutor.text import clean
from tutor.ui.context import TutorContext
from tutor.ui.messages import (
    DeviceFellBack,
    DeviceSwitchRequested,
    EngineFailed,
    EngineStarted,
    HomeChanged,
    LanguageChosen,
    OpenLessonRequested,
    QuitRequested,
    SandboxRequested,
)
from tutor.ui.palette import TutorCommands, TutorPalette

#: The id Textual gives its command palette screen (``App.action_command_palette``).
PALETTE_ID = "--command-palette"

if TYPE_CHECKING:
    from tutor.course.lesson import LessonFile


class TutorApp(App[None]):
    """The tutor. ``TutorApp()`` reads everything from the environment (see ``tutor.config``)."""

    CSS_PATH = "tutor.tcss"
    TITLE = "tutor"
    COMMANDS = App.COMMANDS | {TutorCommands}
    BINDINGS = [
        Binding("q", "quit_app", "key.quit"),
        Binding("ctrl+q", "quit_app", "key.quit", show=False, priority=True),
        Binding("question_mark,f1", "help", "key.help"),
        Binding("ctrl+p", "command_palette", "key.commands", show=False),
        Binding("ctrl+l", "toggle_language", "key.language", show=False),
    ]

    language: reactive[str] = reactive(DEFAULT_LANGUAGE, init=False)
    """``en`` or ``ko``: the interface and lesson language."""
    device_label: reactive[str] = reactive("…", init=False)
    """The device every number is computed on, once PyTorch is loaded."""

    def __init__(
        self,
        lesson: str | None = None,
        lesson_dirs: Iterable[str | Path] = (),
        settings: Settings | None = None,
        lesson_file: LessonFile | None = None,
    ) -> None:
        """
        Args:
            lesson: a lesson id or path to open first (``tutor LESSON``).
            lesson_dirs: more folders of lessons (``--lessons DIR``).
            settings: instead of the environment's.
            lesson_file: a lesson made in memory to open first (``tutor explore``).
        """
        super().__init__()
        settings = settings or Settings.from_env()
        self.context = TutorContext(
            settings=settings,
            progress=ProgressStore(settings.home / "progress.json"),
            catalog=LessonCatalog(lesson_dirs),
            language=settings.language,
            initial_lesson=lesson,
        )
        """What screens and views share (see ``tutor.ui.context``)."""
        self.set_reactive(TutorApp.language, settings.language)
        self._restoring = False  # True while remembered preferences are applied
        self._last_input = time.monotonic()
        self._first_lesson = lesson_file

    # ----------------------------------------------------------------- start-up

    def on_mount(self) -> None:
        from tutor.learners import served_mode
        from tutor.ui.screens.lessons import LessonListScreen

        if served_mode():  # `tutor serve`: the learner names themself first (issue 17)
            from tutor.ui.screens.learner import LearnerScreen

            self.push_screen(LearnerScreen())
        else:
            self.push_screen(LessonListScreen())
            if self._first_lesson is not None:  # `tutor explore`: the learner's own model
                from tutor.ui.screens.player import LessonScreen

                first = self._first_lesson
                self.push_screen(LessonScreen(first.path, 0, lesson_file=first))
        self.start_engine()
        if self.context.progress.warning:
            self.notify(self.context.progress.warning, severity="warning", timeout=15)
        self.apply_preferences()
        # From now on a theme chosen (the palette's Theme) is remembered.
        self.theme_changed_signal.subscribe(self, self._theme_chosen)

    @work(thread=True, exit_on_error=False, group="engine", name="start-engine")
    def start_engine(self) -> None:
        """Import torch and choose the device, off the UI thread."""
        engine = self.context.engine
        engine.start(self.context.settings.device)
        if engine.session is None:
            assert engine.error is not None
            self.post_message(EngineFailed(engine.error))
        else:
            self.post_message(EngineStarted(engine.session.device.label, engine.notice))

    def on_engine_started(self, message: EngineStarted) -> None:
        # torch brings hundreds of thousands of long-lived objects. Freezing them keeps
        # the collector from walking them on every full collection, which otherwise
        # stalls a frame for ~150 ms now and then (measured in bench/ui_latency.py).
        gc.freeze()
        # Full collections are also made ten times rarer (they still come, so cyclic
        # garbage of a long session is bounded) and run early when the learner is idle.
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, 100)
        self.set_interval(15, self._collect_when_idle)
        self.device_label = message.device_label
        if message.notice is not None:
            notice = t(
                "engine.device_fallback",
                self.language,
                message=message.notice.localized(self.language),
                device=message.device_label,
            )
            self.notify(notice, severity="warning", timeout=10)

    def _collect_when_idle(self) -> None:
        quiet = time.monotonic() - self._last_input > 5
        if quiet and not self.context.engine.training:
            gc.collect()

    async def on_event(self, event: events.Event) -> None:
        # Every key passes here first, whichever widget or binding then handles it.
        if isinstance(event, events.Key | events.MouseDown):
            if not self.screen_stack:
                return  # typed while the app closes: there is nothing left to act on
            self._last_input = time.monotonic()
        await super().on_event(event)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Textual's notice, but never read as markup and cleaned of control characters:
        notices quote file names, lesson text and error messages (the one notice path
        of every screen and view, which call ``self.notify`` and arrive here)."""
        super().notify(
            clean(message), title=clean(title), severity=severity, timeout=timeout, markup=False
        )

    def on_engine_failed(self, message: EngineFailed) -> None:
        self.notify(message.error.localized(self.language), severity="error", timeout=30)

    # ----------------------------------------------------------------- state

    def watch_language(self, language: str) -> None:
        self.context.language = language
        for screen in self.screen_stack:
            changed = getattr(screen, "language_changed", None)
            if changed is not None:
                changed()
            # The footer shows key names in the language: redraw it.
            screen.refresh_bindings()

    def watch_device_label(self, label: str) -> None:
        self.context.device_label = label
        for screen in self.screen_stack:
            changed = getattr(screen, "device_changed", None)
            if changed is not None:
                changed()

    # ----------------------------------------------------------------- actions

    def action_help(self) -> None:
        from tutor.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_language(self) -> None:
        self.language = next_language(self.language)
        self._remember(language=self.language)

    def action_quit_app(self) -> None:
        """Quit, asking first while a model is training (every way out comes here)."""
        if self.context.engine.training:
            from tutor.ui.screens.confirm import ConfirmScreen

            if isinstance(self.screen, ConfirmScreen):
                return

            def answer(yes: bool | None) -> None:
                if yes:
                    self.shutdown()

            self.push_screen(ConfirmScreen(t("quit.training", self.language)), answer)
            return
        self.shutdown()

    async def action_quit(self) -> None:
        """Textual's own quit (the palette's Quit, ctrl+q) asks too while training."""
        self.action_quit_app()

    def shutdown(self) -> None:
        """Stop training (each run ends within one step) and exit."""
        session = self.context.engine.session
        if session is not None:
            session.stop_all()
        self.exit()

    def action_command_palette(self) -> None:
        """Open the command palette, unless one is open, under another screen, or still
        being removed: Textual gives every palette the same id, so a second one pushed
        meanwhile raises ``DuplicateIds`` (fast ctrl+p, Escape, ctrl+p; issue 13)."""
        if not self.use_command_palette or not self.screen_stack:
            return
        # ``App.children`` is only the current screen; the id clash is checked against
        # every screen the app still holds (one being removed included), so look there.
        if any(node.id == PALETTE_ID for node in self._nodes):
            return
        self.push_screen(TutorPalette(id=PALETTE_ID))

    def pop_screen(self) -> AwaitComplete:
        """Pop the top screen, but never the lesson list: it is the app's home.

        Textual's command palette dismisses whatever screen is on top, so two Enters in
        quick succession could otherwise pop the palette and then the screen under it.
        """
        from tutor.ui.screens.lessons import LessonListScreen

        if len(self.screen_stack) <= 2 and isinstance(self.screen, LessonListScreen):
            return AwaitComplete()
        return super().pop_screen()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's palette commands, in the learner's language; Quit asks while training."""
        lang = self.language
        yield SystemCommand(
            t("palette.theme", lang), t("palette.theme.help", lang), self.action_change_theme
        )
        yield SystemCommand(
            t("palette.quit", lang), t("palette.quit.help", lang), self.action_quit_app
        )
        yield SystemCommand(t("palette.keys", lang), t("palette.keys.help", lang), self.action_help)

    # ----------------------------------------------------------------- requests

    @on(OpenLessonRequested)
    def open_lesson(self, message: OpenLessonRequested) -> None:
        """Open a lesson file in the player (at the learner's last step by default)."""
        from tutor.ui.screens.player import LessonScreen

        if not self.screen_stack:
            return  # asked for while the app closes
        # A lesson asked for just before ctrl+p (Enter on the list, then ctrl+p) arrives
        # while the palette is open: close it first, or it stays under the lesson and a
        # second ctrl+p pushes another palette with the same id (issue 13).
        while CommandPalette.is_open(self) and len(self.screen_stack) > 1:
            self.pop_screen()
        if isinstance(self.screen, LessonScreen):
            self.pop_screen()
        self.push_screen(LessonScreen(message.path, message.index))

    @on(SandboxRequested)
    def open_sandbox(self) -> None:
        """The model sandbox (from the command palette), over whatever screen is open."""
        from tutor.ui.screens.sandbox import SandboxScreen

        if self.screen_stack and not isinstance(self.screen, SandboxScreen):
            self.push_screen(SandboxScreen())

    @on(LanguageChosen)
    def choose_language(self, message: LanguageChosen) -> None:
        self.language = message.language
        self._remember(language=self.language)

    # ----------------------------------------------------------------- preferences

    @property
    def settings_file(self) -> Path:
        """This home's ``settings.json`` (a served learner's own, once named)."""
        return settings_path(self.context.settings.home)

    def apply_preferences(self) -> None:
        """The theme and language remembered in this home's settings file.

        The language only when the environment does not choose one (``TUTOR_LANG``,
        ``--lang``): what the learner asked for on the command line wins.
        """
        preferences, warning = load_preferences(self.settings_file)
        self._restoring = True
        try:
            if preferences.theme is not None and preferences.theme in self.available_themes:
                self.theme = preferences.theme
            if preferences.language is not None and not os.environ.get("TUTOR_LANG", "").strip():
                self.language = preferences.language
        finally:
            self._restoring = False
        if warning:
            self.notify(warning, severity="warning", timeout=15)

    def _theme_chosen(self, theme: Theme) -> None:
        if not self._restoring:
            self._remember(theme=theme.name)

    def _remember(self, **changes: str) -> None:
        """Save a choice in the settings file; a failure is said once, the app goes on."""
        try:
            remember(self.settings_file, **changes)
        except ValueError:
            pass  # a theme name the file format does not take (a custom theme): not kept
        except OSError as error:
            self.notify(
                t(
                    "settings.not_saved",
                    self.language,
                    path=self.settings_file,
                    reason=error.strerror or error,
                ),
                severity="warning",
            )

    @on(HomeChanged)
    def home_changed(self, message: HomeChanged) -> None:
        self.apply_preferences()

    @on(QuitRequested)
    def quit_requested(self) -> None:
        self.action_quit_app()

    @on(DeviceSwitchRequested)
    def switch_device(self, message: DeviceSwitchRequested) -> None:
        """Switch the compute device (from the command palette)."""
        request = message.device
        self.run_worker(
            lambda: self._switch_device(request),
            thread=True,
            group="engine",
            exit_on_error=False,
            name="switch-device",
        )

    def _switch_device(self, request: str) -> str:
        session = self.context.engine.wait()
        if session.training:
            raise TutorError(key="device.busy")
        return session.set_device(request).label

    @on(DeviceFellBack)
    def device_fell_back(self, message: DeviceFellBack) -> None:
        self.device_label = message.device_label
        self.notify(message.notice, severity="warning", timeout=15)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.name != "switch-device":
            return
        if event.state == WorkerState.SUCCESS:
            self.device_label = worker.result
            self.notify(t("device.switched", self.language, device=worker.result))
            refresh = getattr(self.screen, "reload_step", None)
            if refresh is not None:
                refresh()
        elif event.state == WorkerState.ERROR:
            error = worker.error
            message = (
                error.localized(self.language) if isinstance(error, TutorError) else str(error)
            )
            self.notify(message, severity="error")
