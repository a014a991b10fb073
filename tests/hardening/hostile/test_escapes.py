"""Class 2: escape codes never reach the terminal; control characters other than newline
and tab are removed wherever outside text enters (issue 13, item 2)."""

from __future__ import annotations

from pathlib import Path

from tests.hardening.hostile.lessons import rendered, run_tutor, write_lesson
from tests.ui.helpers import settle
from tutor.text import clean
from tutor.ui.app import TutorApp

CONTROL = [chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0))]


def test_clean_removes_every_control_character_but_newline_and_tab():
    text = "a\x1b[2Jb\x1b]0;title\x07c\x00d\re\x9bf\tg\nh 한국어 ✔"
    assert clean(text) == "a[2Jb]0;titlecdef\tg\nh 한국어 ✔"
    assert not any(c in clean("".join(CONTROL)) for c in CONTROL)


async def test_an_escape_in_a_lesson_title_does_not_wipe_the_list(tmp_path: Path):
    folder = tmp_path / "l"
    write_lesson(folder, title="Evil\\e[2J\\e[H title\\a")
    app = TutorApp(lesson_dirs=[folder])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = rendered(app)
        assert "Evil[2J[H title" in screen  # the text stays, the escape is gone
        assert not any(c in screen for c in CONTROL)
        assert "The artificial neuron" in screen  # the rest of the list is there


def test_validate_does_not_echo_escape_codes_from_a_field_name(tmp_path: Path):
    path = tmp_path / "l.yaml"
    path.write_text(
        'id: x\ntitle: x\nsteps:\n  - kind: text\n    body: hi\n    "\\e]0;pwned\\a\\e[2J": 1\n'
    )
    result = run_tutor("validate", str(path))
    assert result.returncode == 1
    assert "unknown field ']0;pwned[2J'" in result.stdout
    assert not any(c in result.stdout + result.stderr for c in CONTROL)


def test_validate_cleans_a_file_name_with_escape_codes(tmp_path: Path):
    path = tmp_path / "a\x1b[2Jb.yaml"
    path.write_text("id: x\n")
    result = run_tutor("validate", str(path))
    assert result.returncode == 1 and "a[2Jb.yaml:1:1: error:" in result.stdout
    assert "\x1b" not in result.stdout + result.stderr


def test_dissect_does_not_print_escape_codes_from_a_model_name(tmp_path: Path):
    path = tmp_path / "spec.yaml"
    path.write_text('name: "a\\e]0;pwn\\a\\e[2Jb"\ninput: [2]\nlayers: [{Linear: [2, 2]}]\n')
    result = run_tutor("dissect", str(path))
    assert result.returncode == 0, result.stderr
    assert "a]0;pwn[2Jb on " in result.stdout
    assert not any(c in result.stdout + result.stderr for c in CONTROL)
