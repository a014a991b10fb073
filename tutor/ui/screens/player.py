"""The lesson player: a header, the step's text and live view, and the keys in the footer."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import LoadingIndicator, Markdown, Static
from textual.worker import Worker, WorkerState

from tutor.course.schema import localize
from tutor.locales import t
from tutor.ui.context import TutorContext, tutor_context
from tutor.ui.messages import DataInUse
from tutor.ui.views.base import describe_error
from tutor.ui.widgets.footer import TutorFooter

if TYPE_CHECKING:
    from tutor.course.lesson import LessonFile
    from tutor.ui.views.base import StepView


class LessonScreen(Screen[None]):
    """Plays one lesson, one step at a time, remembering where the learner is."""

    BINDINGS = [
        Binding("right,n", "next", "key.next"),
        Binding("left,p", "previous", "key.prev"),
        Binding("home", "first", "key.first", show=False),
        Binding("end", "last", "key.last", show=False),
        Binding("escape", "back", "key.back"),
        Binding("c", "code", "key.code"),
        Binding("ctrl+l", "app.toggle_language", "key.language", show=False),
    ]

    def __init__(
        self, path: Path, index: int | None = None, lesson_file: LessonFile | None = None
    ) -> None:
        """
        Args:
            path: the lesson file (read and checked through the catalog).
            index: the step to open; by default where the learner left off.
            lesson_file: a lesson made in memory (``tutor explore``), played as it is.
        """
        super().__init__()
        self.path = path
        self.requested_index = index
        self.given = lesson_file
        self.lesson_file: LessonFile | None = None
        self.index = 0
        self.data: Any = None
        """The dataset the current step's view uses (named in the header)."""
        self.view: StepView | None = None

    @property
    def ctx(self) -> TutorContext:
        return tutor_context(self)

    def compose(self) -> ComposeResult:
        yield Static(id="lesson-header")
        with VerticalScroll(id="step-body"):
            yield Static(id="step-title")
            yield Static(id="step-standin", classes="standin")
            yield Markdown(id="step-text")
            yield LoadingIndicator(id="step-loading")
        yield TutorFooter()

    def on_mount(self) -> None:
        self.update_header()
        self.prepare()

    # ----------------------------------------------------------------- loading

    @work(thread=True, exclusive=True, group="prepare", exit_on_error=False, name="prepare")
    def prepare(self) -> LessonFile:
        """Load and check the lesson (models dry-run, facts resolved): needs torch."""
        self.ctx.engine.wait()
        if self.given is not None:
            return self.given
        return self.ctx.catalog.load(self.path)

    @work(thread=True, exclusive=True, group="text", exit_on_error=False, name="fill-text")
    def fill_text(self, index: int, title: str, text: str) -> tuple[int, str, str]:
        """Fill the step's computed facts ({{ model.mlp.params }}) through the engine."""
        from tutor.course.steps.base import ComputeContext

        assert self.lesson_file is not None
        ctx = ComputeContext(self.lesson_file, index, self.ctx.engine.wait(), self.ctx.language)
        facts = ctx.facts(title, text)
        return index, facts.fill(title), facts.fill(text)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.name == "prepare":
            if event.state == WorkerState.SUCCESS:
                self.opened(worker.result)
            elif event.state == WorkerState.ERROR:
                self.query_one("#step-loading").display = False
                self.query_one("#step-title", Static).update(
                    Text("⚠ " + describe_error(worker.error), style="bold red")
                )
        elif worker.name == "fill-text" and event.state == WorkerState.SUCCESS:
            index, title, text = worker.result
            if index == self.index:
                self.query_one("#step-title", Static).update(Text(title, style="bold"))
                self.query_one("#step-text", Markdown).update(text)

    def opened(self, lesson_file: LessonFile) -> None:
        if not self.is_attached or not self.query("#step-loading"):
            return
        self.query_one("#step-loading").display = False
        if not lesson_file.ok:
            text = Text("⚠ " + t("list.cannot_open", self.ctx.language) + "\n", style="bold red")
            for problem in lesson_file.problems:
                text.append(f"{problem}\n", style="red")
            self.query_one("#step-title", Static).update(text)
            return
        self.lesson_file = lesson_file
        assert lesson_file.lesson is not None
        record = self.ctx.progress.get(lesson_file.id)
        start = self.requested_index if self.requested_index is not None else record.current
        self.go(min(max(start, 0), len(lesson_file.lesson.steps) - 1))

    # ----------------------------------------------------------------- steps

    @property
    def step_count(self) -> int:
        if self.lesson_file is None or self.lesson_file.lesson is None:
            return 0
        return len(self.lesson_file.lesson.steps)

    def go(self, index: int) -> None:
        """Show step ``index``: its title, its text (facts filled) and its live view."""
        from tutor.ui.views import view_class

        if self.lesson_file is None or self.lesson_file.lesson is None:
            return
        if not self.is_attached or not self.query("#step-title"):
            return  # the screen was closed meanwhile (a late palette command, a fast Escape)
        lesson = self.lesson_file.lesson
        index = min(max(index, 0), len(lesson.steps) - 1)
        progress = self.ctx.progress
        if self.view is not None and index != self.index:
            progress.complete(lesson.id, lesson.step_key(self.index))
        self.index = index
        self.data = None  # the new step's view names its own data
        self.show_standin()
        progress.visit(lesson.id, index)
        if progress.save_error:
            self.notify(progress.save_error, severity="warning")
        step = lesson.steps[index]
        self.show_text()
        if self.view is not None:
            self.view.remove()
        self.view = view_class(step.kind)(self.lesson_file, index)
        body = self.query_one("#step-body", VerticalScroll)
        body.mount(self.view)
        body.scroll_home(animate=False)
        self.view.focus()
        self.update_header()

    def show_text(self) -> None:
        """The current step's title and text in the current language, facts filled in."""
        assert self.lesson_file is not None and self.lesson_file.lesson is not None
        step = self.lesson_file.lesson.steps[self.index]
        lang = self.ctx.language
        title = localize(step.title, lang) if step.title else t(f"kind.{step.kind}", lang)
        self.query_one("#step-title", Static).update(Text(title, style="bold"))
        text = self.query_one("#step-text", Markdown)
        raw = localize(step.text, lang) if step.text else ""
        text.update("")
        text.display = bool(raw)
        if raw or "{{" in title:
            self.fill_text(self.index, title, raw)

    def reload_step(self) -> None:
        if self.lesson_file is not None and self.lesson_file.lesson is not None:
            self.go(self.index)

    def action_next(self) -> None:
        if self.index + 1 < self.step_count:
            self.go(self.index + 1)
        elif self.lesson_file is not None and self.lesson_file.lesson is not None:
            lesson = self.lesson_file.lesson
            self.ctx.progress.complete(lesson.id, lesson.step_key(self.index))
            self.notify(t("player.end", self.ctx.language))

    def action_previous(self) -> None:
        if self.index > 0:
            self.go(self.index - 1)

    def action_first(self) -> None:
        self.go(0)

    def action_last(self) -> None:
        self.go(self.step_count - 1)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_code(self) -> None:
        from tutor.ui.screens.code import CodeScreen

        if self.lesson_file is not None and self.lesson_file.lesson is not None:
            # The code of what the view shows now, with the learner's changes.
            state = self.view.code_state() if self.view is not None else None
            self.app.push_screen(CodeScreen(self.lesson_file, self.index, state))

    # ----------------------------------------------------------------- header

    def on_data_in_use(self, message: DataInUse) -> None:
        old, new = self.data, message.data
        # Views report their data at every compute (a new batch, say); updating the same
        # header costs a layout on the UI thread while that compute runs in its worker.
        if old is not None and (old.name, old.requested, old.fallback_reason) == (
            new.name,
            new.requested,
            new.fallback_reason,
        ):
            self.data = new
            return
        self.data = new
        self.update_header()
        self.show_standin()

    def show_standin(self) -> None:
        """When the data in use stands in for the lesson's (offline), say so above the
        text: the text may name coats and sneakers while the pictures show digits."""
        if not self.query("#step-standin"):
            return
        banner = self.query_one("#step-standin", Static)
        data = self.data
        if data is None or not data.is_fallback:
            banner.display = False
            return
        from tutor.engine.datasets.registry import dataset_info

        wanted = dataset_info(data.requested)
        text = t(
            "player.standin",
            self.ctx.language,
            requested=wanted.title,
            requested_classes=", ".join(wanted.classes[:4])
            + (" …" if len(wanted.classes) > 4 else ""),
            used=data.title,
            used_classes=", ".join(data.classes[:4]) + (" …" if len(data.classes) > 4 else ""),
            name=wanted.name,
        )
        banner.update(Text("ⓘ " + text, style="yellow"))
        banner.display = True

    def device_changed(self) -> None:
        """The app's device changed (loaded, switched, fell back): name it."""
        self.update_header()

    def update_header(self) -> None:
        """Step counter first: on a narrow terminal the title is what gets cut."""
        if not self.query("#lesson-header"):
            return
        lang = self.ctx.language
        header = Text()
        lesson = self.lesson_file.lesson if self.lesson_file else None
        if lesson is not None:
            header.append(
                t("player.step", lang, i=self.index + 1, n=self.step_count) + "  ",
                style="bold reverse",
            )
            header.append(" ")
        header.append(localize(lesson.title, lang) if lesson else self.path.stem, style="bold")
        header.append("  ·  " + t("player.device", lang, name=self.ctx.device_label), style="dim")
        if self.data is not None:
            header.append("  ·  " + t("player.data", lang, name=self.data.name), style="dim")
        self.query_one("#lesson-header", Static).update(header)

    def on_screen_resume(self) -> None:
        self.update_header()

    def language_changed(self) -> None:
        """New language: texts and the view redraw in place (a training run goes on)."""
        if self.lesson_file is not None and self.lesson_file.lesson is not None:
            if self.query("#step-title"):
                self.show_text()
            if self.view is not None:
                self.view.language_changed()
        self.update_header()

    def view_bindings(self) -> list[tuple[str, str]]:
        """(keys, description) of the current view, for the help screen."""
        if self.view is None:
            return []
        out = []
        for binding in type(self.view).BINDINGS:
            if isinstance(binding, Binding):
                out.append((binding.key, binding.description))
        return out
