"""Sandbox: a model spec in an editor; the layer table follows as the learner types.

``e`` starts editing (the editor then takes every printable key, so the player's n/p
and the app's q type letters instead), Escape stops; ``ctrl+r`` goes back to the start.
Each edit is read, dry-run and traced in a thread worker 300 ms after the last key
(exclusive: a newer text cancels the older run, and a result for a text that is no
longer in the editor is dropped), so the UI never waits. Problems are shown beside the
editor as ``LINE:COL: message``; the table keeps the last model that built. Goals are
ticked on the computed model; meeting them all is recorded in progress like a quiz.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Static, TextArea

from tutor.course.steps import sandbox as kind
from tutor.course.steps.sandbox import SandboxResult, SandboxStep
from tutor.locales import localized
from tutor.ui.views.base import StepView
from tutor.ui.widgets.layers import LayerTable

#: Seconds after the last key before the text is read again.
DEBOUNCE = 0.3
#: Below this width the problems sit under the editor instead of beside it (spec lines
#: run to 90 columns, and the editor needs them more than the problems do).
NARROW = 140


class SpecEditor(TextArea):
    """The spec's text. Escape gives the keyboard back to the lesson player."""

    BINDINGS = [Binding("escape", "done", "key.stop_editing", priority=True)]

    def on_mount(self) -> None:
        self.indent_width = 2  # YAML: tab indents by two spaces

    def action_done(self) -> None:
        view = next((a for a in self.ancestors if isinstance(a, SandboxView)), None)
        if view is not None:
            view.stop_editing()


class SandboxView(StepView):
    """Edit a model spec; see its problems, its goals and its layer table."""

    BINDINGS = [
        Binding("e", "edit", "key.edit"),
        Binding("ctrl+r", "reset", "key.reset"),
    ]

    DEFAULT_CSS = f"""
    SandboxView #sandbox-top {{ height: auto; }}
    SandboxView #sandbox-editor {{ width: 3fr; height: auto; max-height: 24; min-width: 30; }}
    SandboxView #sandbox-side {{ width: 2fr; height: auto; padding: 0 1; }}
    SandboxView.-narrow #sandbox-top {{ layout: vertical; }}
    SandboxView.-narrow #sandbox-editor {{ width: 100%; max-height: 18; }}
    SandboxView.-narrow #sandbox-side {{ width: 100%; padding: 0; }}
    /* under {NARROW} columns the editor and its problems stack */
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        step = self.step
        assert isinstance(step, SandboxStep)
        self.start = kind.initial_text(step, self.lesson_file)
        self.text = self.start
        """The text in the editor (kept here: workers must not read widgets)."""
        self.result: SandboxResult | None = None
        self.built: Any = None
        """The last layer table that built (shown while the text has problems)."""
        self.solved = False
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="sandbox-top"):
            yield SpecEditor(
                self.start,
                id="sandbox-editor",
                show_line_numbers=True,
                soft_wrap=False,
                tab_behavior="indent",
            )
            with Vertical(id="sandbox-side"):
                yield Static(Text(self.tr("sandbox.keys"), style="dim"), id="sandbox-hint")
                yield Static(self.tr("player.working"), id="sandbox-problems")
                yield Static(id="sandbox-goals")
        yield LayerTable(keys="sandbox.table_keys")

    def on_focus(self) -> None:
        tables = self.query(LayerTable)
        if tables:
            tables.first().focus_table()

    def width_changed(self) -> None:
        self.set_class(self.size.width < NARROW, "-narrow")

    @property
    def editor(self) -> SpecEditor:
        return self.query_one(SpecEditor)

    # ----------------------------------------------------------------- editing

    def action_edit(self) -> None:
        if self.has_parts("#sandbox-editor"):
            self.editor.focus()

    def stop_editing(self) -> None:
        self.on_focus()

    def on_descendant_focus(self) -> None:
        self.draw_hint()  # editing or not: the hint says which keys do what now

    def action_reset(self) -> None:
        if self.has_parts("#sandbox-editor"):
            self.editor.load_text(self.start)  # posts Changed: the table follows

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area.id != "sandbox-editor":
            return
        self.text = event.text_area.text
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, self.recompute)

    # ----------------------------------------------------------------- engine work

    def recompute(self) -> None:
        text = self.text
        self.in_thread(
            lambda: kind.compute(self.work_context(), text), "view", name="SandboxView.compute"
        )

    # ----------------------------------------------------------------- display

    def show(self, result: SandboxResult) -> None:
        if result.text != self.text:
            return  # typed since: the newer text's run is on its way
        self.result = result
        if result.table is not None:
            self.built = result.table
            self.query_one(LayerTable).show(result.table)
        self.draw_problems()
        self.draw_goals()
        if result.solved and not self.solved:
            self.solved = True
            self.ctx.progress.answer(self.lesson_id, self.step_key, result.text, True)

    @property
    def step_key(self) -> str:
        lesson = self.lesson_file.lesson
        assert lesson is not None
        return lesson.step_key(self.index)

    def draw_hint(self) -> None:
        if not self.has_parts("#sandbox-hint"):
            return
        editing = self.screen.focused is self.editor
        key = "sandbox.editing" if editing else "sandbox.keys"
        self.query_one("#sandbox-hint", Static).update(
            Text(self.tr(key), style="bold yellow" if editing else "dim")
        )

    def draw_problems(self) -> None:
        result = self.result
        if result is None or not self.has_parts("#sandbox-problems"):
            return
        text = Text()
        if not result.problems:
            params = result.table.total_params if result.table is not None else 0
            text.append("✔ " + self.tr("sandbox.builds", params=f"{params:,}"), style="green")
        for problem in result.problems:
            text.append("✘ ", style="bold red")
            text.append(f"{problem.line}:{problem.column}: ", style="bold")
            text.append(problem.message + "\n", style="red")
            if problem.source:
                # The line itself and a caret under the column, as a compiler shows it.
                number = f"{problem.line:>3} │ "
                text.append(number + problem.source + "\n", style="dim")
                text.append(" " * (len(number) + problem.column - 1) + "^\n", style="bold red")
        if result.problems and self.built is not None:
            text.append(self.tr("sandbox.stale"), style="dim italic")
        self.query_one("#sandbox-problems", Static).update(text)

    def draw_goals(self) -> None:
        result = self.result
        if result is None or not self.has_parts("#sandbox-goals"):
            return
        if not result.goals:
            self.query_one("#sandbox-goals", Static).update("")
            return
        parts: list[Any] = [Text(self.tr("sandbox.goals"), style="bold")]
        for goal in result.goals:
            line = Text()
            line.append("✔ " if goal.met else "✘ ", style="bold green" if goal.met else "bold red")
            line.append(localized(goal.what, self.lang))
            if not goal.met and goal.now is not None:
                now = self.tr("sandbox.now", value=localized(goal.now, self.lang))
                line.append("  " + now, style="dim")
            parts.append(line)
        if result.solved:
            parts.append(Text(self.tr("sandbox.solved"), style="bold green"))
        else:
            previous = self.ctx.progress.get(self.lesson_id).quiz.get(self.step_key)
            if previous is not None and previous.correct:
                parts.append(Text(self.tr("sandbox.solved_before"), style="dim"))
        self.query_one("#sandbox-goals", Static).update(Group(*parts))

    def language_changed(self) -> None:
        self.draw_hint()
        self.recompute()


VIEW = SandboxView
