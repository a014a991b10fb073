"""Learners of a served class: their names and their own folders under ``TUTOR_HOME``.

No torch and no Textual here. ``tutor serve`` starts one app process per browser tab;
in served mode (``TUTOR_SERVED=1`` in that process's environment) the app first asks
the learner's name, then :func:`enter_learner` points ``TUTOR_HOME`` at
``TUTOR_HOME/learners/FOLDER/`` for the rest of that process. Everything that reads
:func:`tutor.config.tutor_home` afterwards (progress, checkpoints, settings) is then the
learner's own, and the engine never needs to know about learners.

The name rules, and why:

- letters are the ASCII letters and Hangul (syllables and jamo), digits are 0-9, and
  ``-`` and ``_`` are allowed. Other scripts' letters are not: look-alike letters
  (Latin ``a`` and Cyrillic ``а``) would make two learners that read the same, and the
  name becomes a folder name that every file system and terminal font must show;
- at most 40 characters, counted after Unicode NFC normalisation (a Korean name typed
  as decomposed jamo, as macOS may send it, is the same learner as the composed one);
- nothing else: no spaces, dots, slashes or control characters, so a name can never
  be ``.``, ``..``, a path or hidden; Windows' reserved device names (``con``,
  ``nul``, ``com1`` ...) are refused too;
- the folder is the name in lower case, so ``Kim`` and ``kim`` are one learner on
  every file system (Hangul has no case).
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

from tutor.config import tutor_home
from tutor.errors import TutorError

NAME_MAX = 40
LEARNERS_FOLDER = "learners"
SERVED_ENV = "TUTOR_SERVED"
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {
    f"{kind}{n}" for kind in ("com", "lpt") for n in range(1, 10)
}


class LearnerNameError(TutorError):
    """A learner name that cannot be used; the key says why, in the learner's language."""


def _allowed(char: str) -> bool:
    code = ord(char)
    return (
        ("a" <= char <= "z")
        or ("A" <= char <= "Z")
        or ("0" <= char <= "9")
        or char in "-_"
        or 0xAC00 <= code <= 0xD7A3  # Hangul syllables
        or 0x1100 <= code <= 0x11FF  # Hangul jamo
        or 0x3131 <= code <= 0x318E  # Hangul compatibility jamo
    )


def check_learner_name(name: str) -> str:
    """The name as it will be used (NFC, surrounding whitespace removed), or raise
    :class:`LearnerNameError` saying what is wrong."""
    cleaned = unicodedata.normalize("NFC", name).strip()
    if not cleaned:
        raise LearnerNameError(key="learner.empty")
    if len(cleaned) > NAME_MAX:
        raise LearnerNameError(key="learner.too_long", limit=NAME_MAX, length=len(cleaned))
    for char in cleaned:
        if not _allowed(char):
            shown = repr(char) if char.isprintable() else f"U+{ord(char):04X}"
            raise LearnerNameError(key="learner.bad_char", char=shown)
    if cleaned.lower() in _WINDOWS_RESERVED:
        raise LearnerNameError(key="learner.reserved", name=cleaned)
    return cleaned


def learner_folder(name: str) -> str:
    """The folder name of a (valid) learner: the checked name in lower case."""
    return check_learner_name(name).lower()


def learner_home(name: str, home: Path | None = None) -> Path:
    """``HOME/learners/FOLDER``: where this learner's progress and checkpoints live."""
    base = home if home is not None else tutor_home()
    return base / LEARNERS_FOLDER / learner_folder(name)


def served_mode() -> bool:
    """True in an app process that ``tutor serve`` started for a browser tab."""
    return os.environ.get(SERVED_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def enter_learner(name: str) -> Path:
    """Make this process the learner's: ``TUTOR_HOME`` becomes their folder (created).

    Only for served app processes, one per learner, where the process-wide environment
    is that learner's alone. Returns the folder.
    """
    folder = learner_home(name)
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["TUTOR_HOME"] = str(folder)
    return folder
