"""What screens and views share, passed as one small typed object instead of the App.

The app owns a :class:`TutorContext`; screens, views and widgets reach it with
:func:`tutor_context` and never import ``tutor.ui.app`` (so the UI has no import
circle). To ask the app to do something (open a lesson, switch the device, quit), they
post a message from ``tutor.ui.messages``.

The engine starts in the background: :class:`Engine` imports torch and picks the device
in a thread, and worker threads that need it wait with :meth:`Engine.wait`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from tutor.errors import TutorError
from tutor.locales import DEFAULT_LANGUAGE

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from tutor.config import Settings
    from tutor.course.catalog import LessonCatalog
    from tutor.course.progress import ProgressStore
    from tutor.engine.session import Session


class Engine:
    """The engine session, started in the background; safe to use from any thread."""

    def __init__(self) -> None:
        self._ready = threading.Event()
        self._session: Session | None = None
        self._error: TutorError | None = None
        self.notice: TutorError | None = None
        """Why the device asked for is not the one in use, if it is not."""

    def start(self, device_request: str) -> None:
        """Import torch and choose the device. Blocks: call from a worker thread."""
        try:
            from tutor.engine.device import DeviceUnavailable
            from tutor.engine.session import Session

            try:
                session = Session(device_request)
            except DeviceUnavailable as error:
                session = Session("auto")
                self.notice = error
        except Exception as error:  # torch itself could not load: say so, keep the app up
            problem = error if isinstance(error, TutorError) else None
            self._error = problem or TutorError(
                key="engine.failed", message=str(error) or type(error).__name__
            )
            self._ready.set()
            return
        self._session = session
        self._ready.set()

    def wait(self, timeout: float | None = None) -> Session:
        """The session; blocks until PyTorch is ready. Call from worker threads only."""
        self._ready.wait(timeout)
        if self._session is None:
            raise self._error or TutorError(key="engine.failed", message="still loading")
        return self._session

    @property
    def session(self) -> Session | None:
        """The session if it is ready, else None (never blocks)."""
        return self._session

    @property
    def error(self) -> TutorError | None:
        return self._error

    @property
    def training(self) -> bool:
        """True while a model trains (or is paused) in this session."""
        return self._session is not None and self._session.training


@dataclass
class TutorContext:
    """The app's shared state: settings, progress, lessons, the engine, the language."""

    settings: Settings
    progress: ProgressStore
    catalog: LessonCatalog
    engine: Engine = field(default_factory=Engine)
    language: str = DEFAULT_LANGUAGE
    """The interface and lesson language; the app keeps it in step with its reactive."""
    device_label: str = "…"
    """The device every number is computed on, once PyTorch is loaded."""
    initial_lesson: str | None = None
    """A lesson to open once the list is known (``tutor LESSON``)."""
    runs: dict[tuple[str, int], list[Any]] = field(default_factory=dict)
    """Finished training runs per (lesson, step), so a step's charts keep its earlier
    runs after the learner moves on and comes back."""


@runtime_checkable
class HasTutorContext(Protocol):
    """An app that carries a :class:`TutorContext` (``TutorApp`` does)."""

    context: TutorContext


def tutor_context(node: DOMNode) -> TutorContext:
    """The context of the app that ``node`` belongs to."""
    app = node.app
    if not isinstance(app, HasTutorContext):
        raise TypeError(f"{type(app).__name__} has no tutor context: run it inside TutorApp")
    return app.context
