"""One lock for the code that seeds PyTorch's global random generator for a moment and
then puts it back (``torch.random.fork_rng``).

Building a model with a seed, the dry run's shape probe, ``tutor dissect --backward``
and the views' fixed dropout masks each set the global generator and restore it when
done. Two threads doing that at once undo each other's seed half-way: a lesson's model
built by a view while the lesson list dry-runs lessons in the background got other
biases than the same model built alone. So each of them holds :data:`GLOBAL_RNG`. A
training run's dropout masks come from the same generator without the lock: views that
fix masks should compute while no such run is going.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

GLOBAL_RNG = threading.RLock()
"""Held while the global generator is forked, seeded and restored."""


@contextmanager
def forked(devices: Sequence[int] = ()) -> Iterator[None]:
    """``torch.random.fork_rng(devices)``, holding :data:`GLOBAL_RNG` throughout."""
    import torch

    with GLOBAL_RNG, torch.random.fork_rng(devices=list(devices)):
        yield
