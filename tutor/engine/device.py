"""Picking the device every number is computed on: CUDA, then MPS, then CPU."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch

from tutor.errors import TutorError
from tutor.locales import Phrase

CHOICES = ("auto", "cpu", "cuda", "mps")


class DeviceUnavailable(TutorError):
    """The requested device does not exist on this machine."""


@dataclass(frozen=True)
class DeviceInfo:
    """The chosen device and how to describe it to a learner."""

    type: str
    """``cuda``, ``mps`` or ``cpu``."""
    index: int | None
    name: str
    """GPU model, or ``CPU`` with the number of threads torch uses."""
    requested: str

    @property
    def torch_device(self) -> torch.device:
        return (
            torch.device(self.type, self.index)
            if self.index is not None
            else torch.device(self.type)
        )

    @property
    def label(self) -> str:
        """Short text for headers and tables, e.g. ``cuda:0 (NVIDIA H100)``: a
        :class:`~tutor.locales.Phrase`, so the app can show it in the learner's language."""
        where = self.type if self.index is None else f"{self.type}:{self.index}"
        return Phrase("device.label", where=where, name=self.name)

    def as_dict(self) -> dict[str, object]:
        return {"type": self.type, "index": self.index, "name": self.name, "label": self.label}


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def _cpu_name() -> str:
    threads = torch.get_num_threads()
    cores = os.cpu_count() or threads
    return Phrase("device.cpu" if threads != 1 else "device.cpu_one", threads=threads, cores=cores)


def _describe(kind: str, index: int | None, requested: str) -> DeviceInfo:
    if kind == "cuda":
        idx = index if index is not None else torch.cuda.current_device()
        return DeviceInfo("cuda", idx, torch.cuda.get_device_name(idx), requested)
    if kind == "mps":
        return DeviceInfo("mps", None, Phrase("device.apple"), requested)
    return DeviceInfo("cpu", None, _cpu_name(), requested)


def resolve_device(requested: str | None = None) -> DeviceInfo:
    """Turn ``auto``, ``cpu``, ``cuda``, ``cuda:1`` or ``mps`` into a device that exists.

    ``None`` or ``auto`` picks CUDA when available, then MPS, then the CPU. Asking for a
    device that is not there raises :class:`DeviceUnavailable` with what is available.
    """
    text = (requested or "auto").strip().lower()
    kind, _, index_text = text.partition(":")
    if kind not in CHOICES:
        raise DeviceUnavailable(
            key="device.unknown", value=repr(requested), choices=", ".join(CHOICES)
        )
    index: int | None = None
    if index_text:
        if kind != "cuda" or not index_text.isdigit():
            raise DeviceUnavailable(key="device.index", value=repr(requested))
        index = int(index_text)

    if kind == "auto":
        if torch.cuda.is_available():
            return _describe("cuda", None, text)
        if _mps_available():
            return _describe("mps", None, text)
        return _describe("cpu", None, text)
    if kind == "cuda":
        if not torch.cuda.is_available():
            raise DeviceUnavailable(key="device.no_cuda", available=", ".join(available_devices()))
        count = torch.cuda.device_count()
        if index is not None and index >= count:
            raise DeviceUnavailable(
                key="device.no_such_cuda", index=index, count=count, last=count - 1
            )
        return _describe("cuda", index, text)
    if kind == "mps":
        if not _mps_available():
            raise DeviceUnavailable(key="device.no_mps", available=", ".join(available_devices()))
        return _describe("mps", None, text)
    return _describe("cpu", None, text)


def available_devices() -> list[str]:
    """Names of the devices this machine offers, best first."""
    found = []
    if torch.cuda.is_available():
        found.extend(f"cuda:{i}" for i in range(torch.cuda.device_count()))
    if _mps_available():
        found.append("mps")
    found.append("cpu")
    return found


@contextmanager
def single_thread() -> Iterator[None]:
    """Run the block's CPU tensor work on one thread, then restore the thread count.

    For the small tensors of the playground (thousands of numbers, not millions) a
    second OpenMP thread gains nothing, and on a busy 2-core machine waiting for it
    turned microseconds into milliseconds (``torch.sin`` of 5,000 numbers: 3.5 ms with
    two threads, 0.03 ms with one). With OpenMP the setting belongs to the calling
    thread, so a trainer in another thread keeps its own.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
