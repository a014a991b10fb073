"""The Textual app: lesson list, lesson player, help, code and the command palette.

Importing this module loads no torch: the first frame is drawn at once, while a thread
worker imports PyTorch and picks the device in the background (:meth:`start_engine`).
Views that need the engine wait for it inside their own workers
(:meth:`TutorApp.wait_session`), never on the UI thread.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, work
from textual.app import App
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.reactive import reactive
from textual.worker import Worker, WorkerState

from tutor.config import Settings
from tutor.course.progress import ProgressStore
from tutor.errors import TutorError
from tutor.locales import t
from tutor.ui.commands import TutorCommands
from tutor.ui.messages import DeviceFellBack, EngineFailed, EngineStarted

if TYPE_CHECKING:
    from tutor.course.lesson import LessonFile
    from tutor.engine.session import Session


class TutorApp(App[None]):
    """The tutor. ``TutorApp()`` reads everything from the environment (see ``tutor.config``)."""

    CSS_PATH = "tutor.tcss"
    TITLE = "tutor"
    COMMANDS = App.COMMANDS | {TutorCommands}
    BINDINGS = [
        Binding("q", "quit_app", "Quit"),
        Binding("question_mark", "help", "Help"),
        Binding("ctrl+p", "command_palette", "Commands", show=False),
        Binding("ctrl+l", "toggle_language", "한국어", show=False),
    ]

    language: reactive[str] = reactive("en", init=False)
    """``en`` or ``ko``: the interface and lesson language."""
    device_label: reactive[str] = reactive("…", init=False)
    """The device every number is computed on, once PyTorch is loaded."""

    def __init__(
        self,
        lesson: str | None = None,
        lesson_dirs: Iterable[str | Path] = (),
        settings: Settings | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings or Settings.from_env()
        self.set_reactive(TutorApp.language, self.settings.language)
        self.initial_lesson = lesson
        self.lesson_dirs = [Path(d) for d in lesson_dirs]
        self.progress = ProgressStore(self.settings.home / "progress.json")
        self._session: Session | None = None
        self._session_error: str | None = None
        self._session_ready = threading.Event()
        self._last_input = time.monotonic()
        self.lesson_index: dict[Path, LessonFile] = {}
        """Lessons read by the list screen, by resolved path (checked ones are reused)."""

    # ----------------------------------------------------------------- start-up

    def on_mount(self) -> None:
        from tutor.learners import served_mode
        from tutor.ui.screens.lessons import LessonListScreen

        if served_mode():  # `tutor serve`: the learner names themself first (issue 17)
            from tutor.ui.screens.learner import LearnerScreen

            self.push_screen(LearnerScreen())
        else:
            self.push_screen(LessonListScreen())
        self.start_engine()
        if self.progress.warning:
            self.notify(self.progress.warning, severity="warning", timeout=15)

    @work(thread=True, exit_on_error=False, group="engine", name="start-engine")
    def start_engine(self) -> None:
        """Import torch and choose the device, off the UI thread."""
        try:
            from tutor.engine.device import DeviceUnavailable
            from tutor.engine.session import Session

            notice = None
            try:
                session = Session(self.settings.device)
            except DeviceUnavailable as error:
                session = Session("auto")
                notice = t(
                    "engine.device_fallback",
                    self.language,
                    message=error.message,
                    device=session.device.label,
                )
        except Exception as error:
            self._session_error = str(error) or type(error).__name__
            self._session_ready.set()
            self.post_message(EngineFailed(self._session_error))
            return
        self._session = session
        self._session_ready.set()
        self.post_message(EngineStarted(session.device.label, notice))

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
        if message.notice:
            self.notify(message.notice, severity="warning", timeout=10)

    def _collect_when_idle(self) -> None:
        quiet = time.monotonic() - self._last_input > 5
        if quiet and not (self._session is not None and self._session.training):
            gc.collect()

    async def on_event(self, event: events.Event) -> None:
        # Every key passes here first, whichever widget or binding then handles it.
        if isinstance(event, events.Key | events.MouseDown):
            if not self.screen_stack:
                return  # typed while the app closes: there is nothing left to act on
            self._last_input = time.monotonic()
        await super().on_event(event)

    def on_device_fell_back(self, message: DeviceFellBack) -> None:
        self.device_label = message.device_label
        self.notify(message.notice, severity="warning", timeout=15)

    def on_engine_failed(self, message: EngineFailed) -> None:
        self.notify(
            t("engine.failed", self.language, message=message.message), severity="error", timeout=30
        )

    def wait_session(self, timeout: float | None = None) -> Session:
        """The engine session. Blocks until PyTorch is ready: call from worker threads."""
        self._session_ready.wait(timeout)
        if self._session is None:
            raise TutorError(
                t("engine.failed", self.language, message=self._session_error or "still loading")
            )
        return self._session

    @property
    def session(self) -> Session | None:
        """The engine session if it is ready, else None (never blocks)."""
        return self._session

    # ----------------------------------------------------------------- actions

    def action_help(self) -> None:
        from tutor.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_language(self) -> None:
        self.language = "ko" if self.language == "en" else "en"

    def watch_language(self, language: str) -> None:
        for screen in self.screen_stack:
            changed = getattr(screen, "language_changed", None)
            if changed is not None:
                changed()

    def action_quit_app(self) -> None:
        """Quit, asking first while a model is training."""
        if self._session is not None and self._session.training:
            from tutor.ui.screens.confirm import ConfirmScreen

            def answer(yes: bool | None) -> None:
                if yes:
                    self.shutdown()

            self.push_screen(ConfirmScreen(t("quit.training", self.language)), answer)
            return
        self.shutdown()

    def shutdown(self) -> None:
        """Stop training (each trainer ends within one step) and exit."""
        if self._session is not None:
            self._session.stop_all()
        self.exit()

    def pop_screen(self) -> AwaitComplete:
        """Pop the top screen, but never the lesson list: it is the app's home.

        Textual's command palette dismisses whatever screen is on top, so two Enters in
        quick succession could otherwise pop the palette and then the screen under it.
        """
        from tutor.ui.screens.lessons import LessonListScreen

        if len(self.screen_stack) <= 2 and isinstance(self.screen, LessonListScreen):
            return AwaitComplete()
        return super().pop_screen()

    def open_lesson(self, path: Path, index: int | None = None) -> None:
        """Open a lesson file in the player (at the learner's last step by default)."""
        from tutor.ui.screens.player import LessonScreen

        if isinstance(self.screen, LessonScreen):
            self.pop_screen()
        self.push_screen(LessonScreen(path, index))

    def set_device(self, request: str) -> None:
        """Switch the compute device (from the command palette)."""
        self.run_worker(
            lambda: self._switch_device(request),
            thread=True,
            group="engine",
            exit_on_error=False,
            name="switch-device",
        )

    def _switch_device(self, request: str) -> str:
        session = self.wait_session()
        if session.training:
            raise TutorError("stop training before switching the device")
        return session.set_device(request).label

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
            message = error.message if isinstance(error, TutorError) else str(error)
            self.notify(message, severity="error")
