"""Seeded model building and other threads that fork the global generator do not undo
each other's seeds (``tutor.engine.rng``)."""

from __future__ import annotations

import threading

import torch
from torch import nn

from tutor.engine.backward import BackwardPass
from tutor.engine.build import build_model
from tutor.engine.rng import forked
from tutor.engine.spec import parse_spec

SPEC = parse_spec(
    {
        "input": [1, 28, 28],
        "layers": ["Flatten", {"Linear": [784, 64]}, "ReLU", {"Linear": [64, 10]}],
    },
    name="mlp",
)


def test_a_seeded_build_is_the_same_while_another_thread_forks_the_generator():
    expected = build_model(SPEC, seed=0).state_dict()
    stop = threading.Event()

    def other() -> None:  # as the shape probe and the views' fixed dropout masks do
        while not stop.is_set():
            with forked():
                torch.manual_seed(123)
                torch.rand(100)

    thread = threading.Thread(target=other)
    thread.start()
    try:
        for _ in range(30):
            got = build_model(SPEC, seed=0).state_dict()
            assert all(torch.equal(got[name], expected[name]) for name in expected)
    finally:
        stop.set()
        thread.join()


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Flatten(), nn.Linear(256, 1024), nn.ReLU(), nn.Dropout(0.5), nn.Linear(1024, 4)
    )


def _losses(model: nn.Module, batches: list[tuple[torch.Tensor, torch.Tensor]]) -> list[float]:
    return [BackwardPass(model, x, y, seed=7).summary().loss for x, y in batches]


def test_concurrent_passes_keep_their_masks():
    """Views compute the next batch ahead in one thread while a key's pass runs in
    another: each pass's dropout masks are its seed's, as if it ran alone."""
    model = _model()
    gen = torch.Generator().manual_seed(1)
    batches = [
        (torch.randn(128, 256, generator=gen), torch.randint(0, 4, (128,), generator=gen))
        for _ in range(12)
    ]
    alone = _losses(model, batches)
    results: dict[int, list[float]] = {}

    def work(i: int) -> None:
        results[i] = _losses(model, batches)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for i in range(3):
        assert results[i] == alone, f"thread {i} drew other dropout masks"
