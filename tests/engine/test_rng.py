"""Seeded model building and other threads that fork the global generator do not undo
each other's seeds (``tutor.engine.rng``)."""

from __future__ import annotations

import threading

import torch

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
