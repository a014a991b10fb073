"""Keys faster than the screen: a quiz's choices paged before they are laid out (the
monkey test at 120×40 found Textual 8.2's OptionList raising ``KeyError`` there)."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.widgets import OptionList

from tutor.ui.widgets.options import SafeOptionList


class _Choices(App[None]):
    def __init__(self, kind: type[OptionList]) -> None:
        super().__init__()
        self.kind = kind

    def compose(self) -> ComposeResult:
        yield self.kind("A. one", "B. two", id="choices")


@pytest.mark.parametrize("kind", [OptionList, SafeOptionList])
async def test_paging_choices_before_they_are_laid_out(kind: type[OptionList]):
    app = _Choices(kind)
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        choices = app.query_one("#choices", OptionList)
        choices.add_option("C. three")  # new lines, not laid out until the next refresh
        choices._index_to_line.clear()  # what Textual has before its first layout
        if kind is OptionList:  # the bug, so this test notices when Textual fixes it
            with pytest.raises(KeyError):
                choices.action_page_down()
        else:
            choices.action_page_down()
            choices.action_page_up()
            await pilot.press("pagedown", "pageup")
            assert app.is_running
