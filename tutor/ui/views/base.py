"""The base of every step view: the kind's compute in a thread worker, drawing on the UI
thread.

A view implements :meth:`StepView.compute`, which runs in a thread worker (exclusive
per view, ``exit_on_error=False``) and calls its step kind's compute function in
``tutor/course/steps/<kind>.py`` with a :meth:`StepView.work_context`, and
:meth:`StepView.show`, which draws the result on the UI thread. Views do no tensor math.
Failures from any worker of the view are handled in one place,
:meth:`StepView.on_worker_state_changed`, and shown in the view; the app stays up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events
from textual.containers import Vertical
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from tutor.errors import TutorError
from tutor.locales import DEFAULT_LANGUAGE, t
from tutor.text import clean
from tutor.ui.context import TutorContext, tutor_context
from tutor.ui.messages import DataInUse

if TYPE_CHECKING:
    from tutor.course.lesson import LessonFile
    from tutor.course.schema import StepBase
    from tutor.course.steps.base import ComputeContext

AHEAD = "ahead"
"""The worker group of work done before its key (:meth:`StepView.work_ahead`)."""


def describe_error(error: BaseException | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """A one-paragraph message for the learner; the full traceback goes to the log.

    A :class:`TutorError` is already written for the learner. Anything else is a value
    no check foresaw: the learner is told so in their language, with Python's words in
    brackets for whoever reads the report.
    """
    if error is None:
        return t("error.unknown", lang)
    if isinstance(error, TutorError):
        return clean(error.localized(lang))
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    detail = f"{type(error).__name__}: {text[:200]}" if text else type(error).__name__
    return t("error.unexpected", lang, detail=clean(detail))


class StepView(Vertical):
    """A live view of one step. Subclasses set ``BINDINGS`` and implement compute/show."""

    DEFAULT_CSS = """
    StepView { height: auto; }
    StepView > .view-error { color: $error; padding: 1 0; }
    StepView > .view-status { color: $text-muted; }
    """
    can_focus = True

    def __init__(self, lesson_file: LessonFile, index: int, classes: str = "") -> None:
        super().__init__(classes=f"step-view {classes}".strip())
        self.lesson_file = lesson_file
        self.index = index
        self._error = Static(classes="view-error")
        self._error.display = False
        self.error_message: str | None = None
        """The failure shown in this view, if any (None when it works)."""
        self._laid_out_width = 0

    # ----------------------------------------------------------------- context

    @property
    def ctx(self) -> TutorContext:
        return tutor_context(self)

    @property
    def step(self) -> StepBase:
        assert self.lesson_file.lesson is not None
        return self.lesson_file.lesson.steps[self.index]

    @property
    def lang(self) -> str:
        return self.ctx.language

    @property
    def lesson_id(self) -> str:
        return self.lesson_file.id

    def tr(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)

    def work_context(self) -> ComputeContext:
        """What the step kind's compute functions need; blocks until PyTorch is loaded,
        so call it from a worker only. Datasets they load are named in the header."""
        from tutor.course.steps.base import ComputeContext

        return ComputeContext(
            self.lesson_file,
            self.index,
            self.ctx.engine.wait(),
            self.lang,
            on_data=lambda data: self.post_message(DataInUse(data)),
        )

    def has_parts(self, *selectors: str) -> bool:
        """True when the view's widgets exist: a key or a late result can arrive while
        the view is being removed (the learner already moved to the next step)."""
        return self.is_attached and all(self.query(selector) for selector in selectors)

    # ----------------------------------------------------------------- work

    def on_mount(self) -> None:
        if self._error.parent is None:
            self.mount(self._error)
        # Colours baked into prepared lines (heatmaps) follow a theme change.
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.theme_changed())
        self.recompute()

    def recompute(self) -> None:
        """Run :meth:`compute` again in a thread worker, replacing any running one."""
        self.in_thread(self.compute, "view", name=f"{type(self).__name__}.compute")

    def in_thread(self, work: Any, group: str, name: str | None = None) -> Worker[Any]:
        """Run ``work`` in a thread worker of ``group``, replacing the group's running one.

        ``exit_on_error=False``: a failure arrives in :meth:`on_worker_state_changed`
        and is shown in the view; the app stays up.
        """
        return self.run_worker(
            work, name=name or group, group=group, thread=True, exclusive=True, exit_on_error=False
        )

    def on_resize(self, event: events.Resize) -> None:
        # A view is as tall as what it draws (``height: auto``), so a new height is its
        # own drawing's doing: only a new width asks for the parts to be laid out again
        # (drawing for the height too drew every key's result twice).
        if event.size.width != self._laid_out_width:
            self._laid_out_width = event.size.width
            if self.is_attached:
                self.width_changed()

    def width_changed(self) -> None:
        """Lay out again what is drawn for the width; most views redraw."""

    def work_ahead(self, work: Any, name: str) -> None:
        """Start ``work``, which the learner will probably ask for next (the next batch,
        the next step), while they read what is shown: the key then finds it done.

        It runs in the ``ahead`` group (a newer one replaces it). Its result arrives in
        :meth:`ahead_done`; a failure is only logged, because the same work done on
        demand reports it where the learner sees it.
        """
        self.in_thread(work, AHEAD, name)

    def ahead_done(self, result: Any) -> None:
        """Receive the result of :meth:`work_ahead` on the UI thread: None when the work
        failed or a newer one replaced it."""

    def compute(self) -> Any:
        """Engine work for this view. Runs in a thread; must not touch widgets."""
        return None

    def show(self, result: Any) -> None:
        """Display ``compute``'s result. Runs on the UI thread."""

    def show_error(self, message: str) -> None:
        self.error_message = message
        self._error.update(Text("⚠ " + self.tr("error.view", message=message)))
        self._error.display = True

    def clear_error(self) -> None:
        self.error_message = None
        self._error.display = False

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place where this view's worker results and failures arrive."""
        worker = event.worker
        if not self.is_attached:
            return  # the learner moved on before the work finished
        if worker.group == AHEAD:
            if event.state == WorkerState.SUCCESS:
                self.ahead_done(worker.result)
            elif event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
                if event.state == WorkerState.ERROR:
                    self.log.warning(f"{worker.name} failed ahead of its key", worker.error)
                self.ahead_done(None)
            return
        if event.state == WorkerState.SUCCESS and worker.group == "view":
            self.clear_error()
            try:
                self.show(worker.result)
            except Exception as error:  # a drawing bug must not take the app down
                self.log.error("show failed", error)
                self.show_error(describe_error(error, self.lang))
        elif event.state == WorkerState.ERROR:
            self.log.error(f"{worker.name} failed", worker.error)
            self.show_error(describe_error(worker.error, self.lang))
            self.worker_failed(worker)

    def worker_failed(self, worker: Worker[Any]) -> None:
        """Hook for views that must reset state after a failure (training)."""

    def code_state(self) -> Any:
        """The learner's live changes to the step, for the code screen (``c``), which
        passes them to the step kind's ``code`` as ``CodeContext.state``. None (the
        default): the step as the lesson wrote it."""
        return None

    def theme_changed(self) -> None:
        """Redraw what holds the theme's colours; most views need nothing (Textual
        repaints their widgets with the new theme)."""

    def language_changed(self) -> None:
        """Redraw in the new language (recomputing is cheap for most views)."""
        self.recompute()
