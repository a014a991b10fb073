"""The lesson list: bundled and user lessons, their progress, and broken lessons' errors."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Static

from tutor.course.schema import localize
from tutor.locales import t
from tutor.text import clean, literal
from tutor.ui.context import TutorContext, tutor_context
from tutor.ui.messages import LessonsChecked, LessonsDiscovered, OpenLessonRequested
from tutor.ui.widgets.footer import TutorFooter

if TYPE_CHECKING:
    from tutor.course.catalog import LessonEntry


class LessonListScreen(Screen[None]):
    """Every lesson found, with title, summary, step count, progress and problems."""

    BINDINGS = [
        Binding("enter", "open", "key.open", show=True),
        Binding("ctrl+l", "app.toggle_language", "key.language"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[LessonEntry] = []
        self.checked = False

    @property
    def ctx(self) -> TutorContext:
        return tutor_context(self)

    def compose(self) -> ComposeResult:
        lang = self.ctx.language
        yield Static(id="list-title", classes="screen-title")
        yield Static(t("list.loading", lang), id="list-status")
        table: DataTable[Any] = DataTable(id="lessons", cursor_type="row", zebra_stripes=True)
        yield table
        with VerticalScroll(id="lesson-detail-box"):
            yield Static(id="lesson-detail")
        yield TutorFooter()

    def on_mount(self) -> None:
        self._title()
        self.discover()

    def _title(self) -> None:
        if not self.query("#list-title"):
            return
        lang = self.ctx.language
        self.query_one("#list-title", Static).update(
            Text.assemble(
                ("tutor", "bold"),
                "  ·  ",
                t("list.title", lang),
                "   ",
                (t("list.hint", lang), "dim"),
            )
        )

    # ----------------------------------------------------------------- workers

    @work(thread=True, exclusive=True, group="discover", exit_on_error=False)
    def discover(self) -> None:
        """Read the lessons without torch, so the list fills before PyTorch is loaded."""
        self.post_message(LessonsDiscovered(self.ctx.catalog.discover()))

    @work(thread=True, exclusive=True, group="check", exit_on_error=False)
    def check(self, entries: list[LessonEntry]) -> None:
        """Dry-run every lesson's models and resolve its facts (needs torch)."""
        self.ctx.engine.wait()
        self.ctx.catalog.check_all()
        self.post_message(LessonsChecked(entries))

    def on_lessons_discovered(self, message: LessonsDiscovered) -> None:
        self.entries = list(message.entries)
        self.fill()
        self.check(self.entries)
        self.open_initial()

    def on_lessons_checked(self, message: LessonsChecked) -> None:
        self.checked = True
        self.fill()

    # ----------------------------------------------------------------- display

    def fill(self) -> None:
        if not self.is_attached or not self.query("#lessons"):
            return  # a late message, or a key while the screen is being replaced
        lang = self.ctx.language
        table = self.query_one("#lessons", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        table.add_column("#", key="n")
        table.add_column(t("list.col.lesson", lang), key="title")
        table.add_column(t("list.col.steps", lang), key="steps")
        table.add_column(t("list.col.progress", lang), key="progress")
        for i, entry in enumerate(self.entries):
            lesson = entry.file.lesson
            if lesson is None or entry.file.problems:
                title = literal(localize(lesson.title, lang) if lesson else entry.file.path.name)
                title.append("  " + t("list.broken", lang), style="bold red")
                steps = str(len(lesson.steps)) if lesson else "—"
                progress = ""
            else:
                title = literal(localize(lesson.title, lang))
                if entry.origin != "bundled":
                    title.append(f"  ({entry.origin})", style="dim")
                steps = str(len(lesson.steps))
                progress = self._progress(entry)
            table.add_row(str(i + 1), title, steps, progress, key=str(i))
        status = self.query_one("#list-status", Static)
        if not self.entries:
            from tutor.config import tutor_home

            status.update(literal(t("list.none", lang, folder=tutor_home() / "lessons")))
            status.display = True
        else:
            status.display = False
        if self.entries:
            table.move_cursor(row=min(max(row, 0), len(self.entries) - 1))
            self.show_detail(table.cursor_row)
        table.focus()

    def _progress(self, entry: LessonEntry) -> str:
        lang = self.ctx.language
        lesson = entry.file.lesson
        assert lesson is not None
        record = self.ctx.progress.lessons.get(lesson.id)
        if record is None:
            return t("list.new", lang)
        done = len(
            [
                k
                for k in record.completed
                if k in {lesson.step_key(i) for i in range(len(lesson.steps))}
            ]
        )
        return t("list.progress", lang, done=done, total=len(lesson.steps)) + (
            f" · {record.current + 1}"
        )

    def show_detail(self, row: int) -> None:
        if not self.query("#lesson-detail"):
            return
        detail = self.query_one("#lesson-detail", Static)
        if not 0 <= row < len(self.entries):
            detail.update("")
            return
        lang = self.ctx.language
        entry = self.entries[row]
        lesson = entry.file.lesson
        text = Text()
        if lesson is not None:
            text.append(localize(lesson.title, lang) + "\n", style="bold")
            if lesson.summary:
                text.append(localize(lesson.summary, lang) + "\n")
        text.append(clean(entry.file.path) + "\n", style="dim")
        if entry.file.problems:
            text.append(
                "\n" + t("list.errors", lang, path=clean(entry.file.path.name)) + "\n",
                style="bold red",
            )
            for problem in entry.file.problems:
                text.append(f"{problem}\n", style="red")
        detail.update(text)

    @on(DataTable.RowHighlighted, "#lessons")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail(event.cursor_row)

    @on(DataTable.RowSelected, "#lessons")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.open_row(event.cursor_row)

    def action_open(self) -> None:
        if self.query("#lessons"):
            self.open_row(self.query_one("#lessons", DataTable).cursor_row)

    def open_row(self, row: int) -> None:
        if not 0 <= row < len(self.entries):
            return
        entry = self.entries[row]
        if not entry.file.ok:
            self.notify(t("list.cannot_open", self.ctx.language), severity="warning")
            return
        self.post_message(OpenLessonRequested(entry.file.path))

    def open_initial(self) -> None:
        """``tutor LESSON``: open it once the list is known."""
        name = self.ctx.initial_lesson
        if not name:
            return
        self.ctx.initial_lesson = None
        path = self.ctx.catalog.find(name)
        if path is None:
            self.notify(
                t("list.no_such_lesson", self.ctx.language, name=name), severity="error", timeout=10
            )
            return
        self.post_message(OpenLessonRequested(Path(path)))

    def on_screen_resume(self) -> None:
        # Coming back from a lesson: progress changed.
        if self.entries:
            self.fill()

    def language_changed(self) -> None:
        self._title()
        self.fill()
