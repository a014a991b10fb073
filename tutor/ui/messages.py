"""App-wide messages: small dataclasses named for what happened, or for what is asked.

Screens and views post the ``…Requested``/``…Chosen`` ones; they bubble up to the app,
which acts on them, so no screen or view needs to import the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.message import Message

from tutor.engine.events import StepFinished
from tutor.errors import TutorError


@dataclass
class EngineStarted(Message):
    """PyTorch is loaded and a device chosen; ``notice`` says why if it fell back."""

    device_label: str
    notice: TutorError | None = None


@dataclass
class EngineFailed(Message):
    """PyTorch could not be loaded at all."""

    error: TutorError


@dataclass
class LessonsDiscovered(Message):
    """The lesson files were read (schema only)."""

    entries: list[Any]


@dataclass
class LessonsChecked(Message):
    """Every lesson went through the engine checks (models dry-run, facts resolved)."""

    entries: list[Any]


@dataclass
class DataInUse(Message):
    """A view loaded a dataset; the header names the data actually used."""

    data: Any
    """The ``tutor.engine.data.Dataset`` (its name and, in any language, its notice)."""


@dataclass
class TrainerEvent(Message, bubble=False):
    """An event from the training thread (``tutor.engine.events``).

    It does not bubble: only the train view cares, and ten a second travelling up to
    the screen would keep the screen's queue busy and delay its repaints.
    """

    event: Any

    def can_replace(self, message: Message) -> bool:
        # Step progress is high-frequency: a newer StepFinished replaces an older one
        # still waiting in the queue. Epoch and end events are never dropped.
        return (
            isinstance(message, TrainerEvent)
            and isinstance(self.event, StepFinished)
            and isinstance(message.event, StepFinished)
        )


@dataclass
class DeviceFellBack(Message):
    """Work moved to another device (the GPU ran out of memory); ``notice`` says why."""

    device_label: str
    notice: str


@dataclass
class OpenLessonRequested(Message):
    """Open the lesson at ``path`` (at step ``index``, or where the learner left off)."""

    path: Path
    index: int | None = None


@dataclass
class LanguageChosen(Message):
    """Switch the interface and lessons to ``language``."""

    language: str


@dataclass
class DeviceSwitchRequested(Message):
    """Compute on ``device`` (``cpu``, ``cuda``, ``mps``, ``auto``) from now on."""

    device: str


@dataclass
class SandboxRequested(Message):
    """Open the model sandbox (from the command palette)."""


@dataclass
class QuitRequested(Message):
    """Quit (asking first while a model trains)."""
