"""Learner names of a served class and their folders: the rules in tutor.learners."""

from __future__ import annotations

import os
import unicodedata

import pytest

from tutor.config import tutor_home
from tutor.learners import (
    NAME_MAX,
    LearnerNameError,
    check_learner_name,
    enter_learner,
    learner_folder,
    learner_home,
    served_mode,
)


@pytest.mark.parametrize(
    ("name", "folder"),
    [
        ("김민지", "김민지"),
        ("Kim", "kim"),
        ("kim_2-b", "kim_2-b"),
        ("  lee  ", "lee"),  # surrounding spaces are not part of the name
        ("ㅎㅎ", "ㅎㅎ"),  # compatibility jamo
        ("a" * NAME_MAX, "a" * NAME_MAX),
        ("한" * NAME_MAX, "한" * NAME_MAX),
    ],
)
def test_good_names(name: str, folder: str, tmp_path):
    assert learner_folder(name) == folder
    assert learner_home(name, tmp_path) == tmp_path / "learners" / folder


def test_decomposed_hangul_is_the_same_learner():
    decomposed = unicodedata.normalize("NFD", "김민지")
    assert len(decomposed) == 8 and decomposed != "김민지"
    assert learner_folder(decomposed) == "김민지"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("", "learner.empty"),
        ("   ", "learner.empty"),
        ("a" * (NAME_MAX + 1), "learner.too_long"),
        ("../x", "learner.bad_char"),
        ("..", "learner.bad_char"),
        (".", "learner.bad_char"),
        ("a/b", "learner.bad_char"),
        ("a\\b", "learner.bad_char"),
        ("kim lee", "learner.bad_char"),
        ("tab\there", "learner.bad_char"),
        ("nul\x00byte", "learner.bad_char"),
        ("esc\x1b[31m", "learner.bad_char"),
        (".hidden", "learner.bad_char"),
        ("josé", "learner.bad_char"),  # Latin letters beyond ASCII
        ("аdmin", "learner.bad_char"),  # Cyrillic а, a look-alike of Latin a
        ("ＡＢ", "learner.bad_char"),  # full-width letters
        ("١٢", "learner.bad_char"),  # Arabic-Indic digits
        ("漢字", "learner.bad_char"),
        ("CON", "learner.reserved"),
        ("com1", "learner.reserved"),
    ],
)
def test_bad_names_say_why(name: str, key: str):
    with pytest.raises(LearnerNameError) as info:
        check_learner_name(name)
    assert info.value.key == key
    assert info.value.localized("ko") != info.value.message  # there is a Korean message


def test_bad_character_is_named_in_the_message():
    with pytest.raises(LearnerNameError, match=r"cannot contain '/'"):
        check_learner_name("a/b")
    with pytest.raises(LearnerNameError, match=r"U\+0000"):
        check_learner_name("a\x00")
    with pytest.raises(LearnerNameError) as info:
        check_learner_name("a" * 41)
    assert "41" in info.value.message and "40" in info.value.message


def test_entering_a_learner_moves_tutor_home(isolated_env, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(isolated_env["home"]))
    folder = enter_learner("박서준")
    assert folder == isolated_env["home"] / "learners" / "박서준" and folder.is_dir()
    assert tutor_home() == folder
    assert os.environ["TUTOR_HOME"] == str(folder)
    from tutor.engine.checkpoint import checkpoint_dir

    assert checkpoint_dir("m").is_relative_to(folder)  # checkpoints follow, unchanged code


def test_served_mode_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("TUTOR_SERVED", raising=False)
    assert not served_mode()
    monkeypatch.setenv("TUTOR_SERVED", "1")
    assert served_mode()
