"""The decision-boundary map: every pixel, point and unit map checked against the model
run by hand, its speed-independent safety beside a training thread, and its errors."""

from __future__ import annotations

import threading

import pytest
import torch
import torch.nn as nn

from tutor.engine.boundary import CONFIDENCE_LEVELS, boundary_map, grid_points, unpack
from tutor.engine.build import build_model
from tutor.engine.metrics import evaluate
from tutor.engine.playground import PlaygroundConfig, build_playground, playground_spec
from tutor.errors import TutorError

W, H = 30, 20  # not square, so a swapped axis shows
UW, UH = 9, 6


def _centres(n: int, extent: float = 6.0) -> torch.Tensor:
    step = 2 * extent / n
    return torch.linspace(-extent + step / 2, extent - step / 2, n)  # (n,)


def _hand_grid(w: int, h: int) -> torch.Tensor:
    """Pixel centres row by row from the top-left, built without grid_points."""
    xs, ys = _centres(w), _centres(h).flip(0)  # the top row is x2 = +extent
    return torch.tensor([[float(x), float(y)] for y in ys for x in xs])  # (h·w, 2)


def _model(features=("x1", "x2", "x1^2", "sin(x2)"), seed: int = 2) -> nn.Sequential:
    spec = playground_spec(PlaygroundConfig(hidden=(5, 3), features=features))
    model = build_model(spec, seed=seed)
    with torch.no_grad():  # sharpen the output so both classes and many levels appear
        model.out.weight.mul_(4)
    return model


def test_grid_points_are_the_pixel_centres():
    torch.testing.assert_close(grid_points(W, H), _hand_grid(W, H))
    assert grid_points(2, 1, extent=1.0).tolist() == [[-0.5, 0.0], [0.5, 0.0]]


def test_pixels_are_the_models_argmax_and_softmax_confidence():
    model = _model()
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        m = boundary_map(model, size=(W, H), unit_size=(UW, UH))
        assert torch.get_num_threads() == 2  # it runs on one thread, then gives them back
    finally:
        torch.set_num_threads(threads)
    with torch.no_grad():
        probs = torch.softmax(model(_hand_grid(W, H)), dim=1)  # (h·w, 2)
    best, cls = probs.max(dim=1)
    levels = ((best - 0.5) / 0.5 * CONFIDENCE_LEVELS).round().long()
    assert (m.width, m.height, m.classes, m.extent) == (W, H, 2, 6.0)
    assert m.predicted == cls.view(H, W).tolist()
    assert m.confidence == levels.view(H, W).tolist()
    assert {v for row in m.predicted for v in row} == {0, 1}  # the boundary crosses the map
    assert len({v for row in m.confidence for v in row}) > 5
    assert unpack(m.rows[3][4]) == (m.predicted[3][4], m.confidence[3][4])


def test_unit_maps_are_the_hidden_activations_computed_by_hand():
    model = _model()
    m = boundary_map(model, size=(W, H), unit_size=(UW, UH))
    points = _hand_grid(UW, UH)  # (uh·uw, 2)
    x1, x2 = points[:, 0], points[:, 1]
    features = torch.stack([x1, x2, x1**2, torch.sin(x2)], dim=1)  # (P, 4)
    with torch.no_grad():
        h1 = torch.tanh(features @ model.fc1.weight.T + model.fc1.bias)  # (P, 4) @ (4, 5)
        h2 = torch.tanh(h1 @ model.fc2.weight.T + model.fc2.bias)  # (P, 5) @ (5, 3)

    def levels(values: torch.Tensor, scale: float) -> list[list[int]]:
        return (values / scale).clamp(-1, 1).mul(16).round().long().view(UH, UW).tolist()

    assert [u.name for u in m.inputs] == ["x1", "x2", "x1²", "sin x2"]
    for u, unit in enumerate(m.inputs):
        scale = float(features[:, u].abs().max())
        assert unit.heatmap.scale == pytest.approx(scale)
        assert unit.heatmap.rows == levels(features[:, u], scale), unit.name
    assert [len(layer) for layer in m.hidden] == [5, 3]
    for k, values in enumerate((h1, h2)):
        scale = float(values.abs().max())  # one scale for the layer
        for u, unit in enumerate(m.hidden[k]):
            assert (unit.layer, unit.unit, unit.name) == (k + 1, u, f"fc{k + 1}")
            assert (unit.heatmap.width, unit.heatmap.height) == (UW, UH)
            assert unit.heatmap.scale == pytest.approx(scale)
            assert unit.heatmap.rows == levels(values[:, u], scale)


def test_points_sit_on_their_pixels_and_accuracy_is_evaluates():
    setup = build_playground(PlaygroundConfig(hidden=(3,), noise=0.4, dataset="gauss"))
    m = boundary_map(setup.model, setup.data, size=(W, H), splits=("train", "val"))
    assert set(m.accuracy) == {"train", "val"}
    for split in ("train", "val"):
        part = getattr(setup.data, split)
        scored = evaluate(setup.model, part, "classification")
        assert m.accuracy[split] == pytest.approx(scored.accuracy)
        with torch.no_grad():
            right = (setup.model(part.x).argmax(1) == part.y).tolist()
        expected = []
        for (a, b), label, ok in zip(part.x.tolist(), part.y.tolist(), right, strict=True):
            col, row = int((a + 6) / 12 * W // 1), int((6 - b) / 12 * H // 1)
            if 0 <= col < W and 0 <= row < H:
                expected.append((col, row, label, split, ok))
        got = [(p.col, p.row, p.label, p.split, p.correct) for p in m.points if p.split == split]
        assert got == expected
    assert len(m.points) < 750  # noise 0.4 spreads some gauss points off the map
    assert {p.split for p in m.points} == {"train", "val"}


def test_the_map_changes_while_training_and_leaves_training_untouched():
    """Maps drawn from another thread during a run neither change its numbers (no hooks,
    no train/eval switching) nor fail, and they show the model learning."""
    config = PlaygroundConfig(hidden=(8, 8), epochs=3, lr=0.3, noise=0.1)
    alone = build_playground(config)
    alone.trainer().run()

    watched = build_playground(config)
    first = boundary_map(watched.model, watched.data, size=(16, 16))
    maps = []
    trainer = watched.trainer()
    worker = threading.Thread(target=trainer.run)
    worker.start()
    try:
        while worker.is_alive():  # as the app's map worker does, as often as it can
            maps.append(boundary_map(watched.model, watched.data, size=(16, 16)))
    finally:
        worker.join()
    assert trainer.state == "finished" and maps
    for name, value in alone.model.state_dict().items():
        torch.testing.assert_close(watched.model.state_dict()[name], value, rtol=0, atol=0)
    last = boundary_map(watched.model, watched.data, size=(16, 16))
    assert last.rows != first.rows
    assert last.accuracy["val"] >= 0.9 > first.accuracy["val"]


def test_other_models_get_the_main_map_only():
    class Wrapped(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = nn.Linear(2, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.inner(x)

    model = Wrapped()
    m = boundary_map(model, size=(8, 4))
    with torch.no_grad():
        expected = model(_hand_grid(8, 4)).argmax(1).view(4, 8).tolist()
    assert m.classes == 3 and m.predicted == expected
    assert m.inputs == [] and m.hidden == [] and m.points == []
    # A plain 2-input Sequential names its inputs x1 and x2.
    plain = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 2))
    assert [u.name for u in boundary_map(plain).inputs] == ["x1", "x2"]


def test_dropout_models_are_read_in_eval_mode_without_being_switched():
    model = nn.Sequential(nn.Linear(2, 6), nn.Dropout(0.5), nn.Tanh(), nn.Linear(6, 2))
    model.train()
    a, b = boundary_map(model, size=(10, 10)), boundary_map(model, size=(10, 10))
    assert a.rows == b.rows and model.training and model[1].training
    model.eval()
    assert boundary_map(model, size=(10, 10)).rows == a.rows


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"size": (0, 10)}, "map size must be two whole numbers"),
        ({"size": (10,)}, "map size"),
        ({"unit_size": (4.5, 4)}, "unit map size"),
        ({"extent": -1}, "extent"),
    ],
)
def test_bad_sizes_are_errors(kwargs, message):
    with pytest.raises(TutorError, match=message):
        boundary_map(_model(), **kwargs)


def test_a_model_that_does_not_take_points_is_an_error():
    with pytest.raises(TutorError, match=r"takes points \(N, 2\)"):
        boundary_map(nn.Sequential(nn.Linear(3, 2)))


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_a_model_on_cuda_gives_the_cpu_map():
    setup = build_playground(PlaygroundConfig(hidden=(8, 8), noise=0.2), device="cuda")
    assert setup.data.train.x.device.type == "cuda"
    setup.trainer().run()
    on_gpu = boundary_map(setup.model, setup.data, size=(W, H), unit_size=(UW, UH))
    model, data = setup.model.cpu(), setup.data.to("cpu")
    on_cpu = boundary_map(model, data, size=(W, H), unit_size=(UW, UH))
    gpu = torch.tensor(on_gpu.predicted)  # (H, W)
    same = int((gpu == torch.tensor(on_cpu.predicted)).sum())
    assert same >= 0.99 * W * H  # summation order may flip a pixel on the boundary itself
    assert on_gpu.accuracy == pytest.approx(on_cpu.accuracy, abs=0.01)
    assert len(on_gpu.points) == len(on_cpu.points) and len(on_gpu.hidden) == 2
