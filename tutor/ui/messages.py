"""App-wide messages: small dataclasses named for what already happened."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message


@dataclass
class EngineStarted(Message):
    """PyTorch is loaded and a device chosen; ``notice`` says if it fell back."""

    device_label: str
    notice: str | None = None


@dataclass
class EngineFailed(Message):
    """PyTorch could not be loaded at all."""

    message: str


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

    name: str
    notice: str


@dataclass
class TrainerEvent(Message, bubble=False):
    """An event from the training thread (StepFinished, EpochFinished, ...).

    It does not bubble: only the train view cares, and ten a second travelling up to
    the screen would keep the screen's queue busy and delay its repaints.
    """

    event: Any

    def can_replace(self, message: Message) -> bool:
        # Step progress is high-frequency: a newer StepFinished replaces an older one
        # still waiting in the queue. Epoch and end events are never dropped.
        return (
            isinstance(message, TrainerEvent)
            and type(self.event).__name__ == "StepFinished"
            and type(message.event).__name__ == "StepFinished"
        )


@dataclass
class DeviceFellBack(Message):
    """Work moved to another device (the GPU ran out of memory); ``notice`` says why."""

    device_label: str
    notice: str
