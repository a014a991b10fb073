"""Checkpoints: exact round trips, weights_only loading, clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from tutor.engine.build import build_model
from tutor.engine.checkpoint import (
    CheckpointError,
    checkpoint_dir,
    latest_checkpoint,
    load_checkpoint,
    save_checkpoint,
    spec_from_data,
    spec_to_data,
)
from tutor.engine.config import TrainConfig
from tutor.engine.spec import parse_spec

SPEC = {
    "name": "mlp",
    "input": [1, 8, 8],
    "layers": [
        "Flatten",
        {"name": "fc1", "Linear": {"in_features": 64, "out_features": 16}},
        {"LeakyReLU": [0.1]},
        {"name": "fc2", "Linear": {"in_features": 16, "out_features": 4}},
    ],
}


def _trained(seed: int = 0):
    """A model and an SGD-with-momentum optimizer that has taken a few steps."""
    spec = parse_spec(SPEC)
    model = build_model(spec, seed=seed)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(32, 1, 8, 8, generator=g), torch.randint(0, 4, (32,), generator=g)
    for _ in range(3):
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()
    return spec, model, opt, x


def test_round_trip_restores_identical_outputs_and_optimizer(tmp_path: Path):
    spec, model, opt, x = _trained()
    path = save_checkpoint(tmp_path / "c" / "epoch-3.pt", model, opt, 3, spec=spec,
                           config=TrainConfig(momentum=0.9), extra={"dataset": "blobs"})
    fresh = build_model(spec, seed=123)  # different initial weights
    fresh_opt = torch.optim.SGD(fresh.parameters(), lr=0.1, momentum=0.9)
    assert not torch.equal(fresh(x), model(x))
    ckpt = load_checkpoint(path, fresh, fresh_opt)
    assert torch.equal(fresh(x), model(x))
    assert ckpt.epoch == 3 and ckpt.extra == {"dataset": "blobs"}
    assert ckpt.config["momentum"] == 0.9 and ckpt.config["optimizer"] == "sgd"
    assert ckpt.spec == spec_from_data(spec_to_data(spec))
    assert [lay.type for lay in ckpt.spec.layers] == ["Flatten", "Linear", "LeakyReLU", "Linear"]
    # the momentum buffers came back too, so training continues exactly
    for a, b in zip(opt.state_dict()["state"].values(), fresh_opt.state_dict()["state"].values(),
                    strict=True):
        assert torch.equal(a["momentum_buffer"], b["momentum_buffer"])


def test_spec_stored_as_plain_data_rebuilds_the_model(tmp_path: Path):
    spec, model, opt, x = _trained()
    path = save_checkpoint(tmp_path / "epoch-1.pt", model, opt, 1, spec=spec)
    # Plain data only: PyTorch's safe loader accepts it without any allow-listing.
    raw = torch.load(path, weights_only=True)
    assert raw["spec"]["layers"][2] == {"type": "LeakyReLU", "name": None, "args": [0.1],
                                        "kwargs": {}}
    ckpt = load_checkpoint(path)
    rebuilt = build_model(ckpt.spec, seed=None)
    rebuilt.load_state_dict(ckpt.model_state)
    assert torch.equal(rebuilt(x), model(x))


def test_truncated_checkpoint_names_the_file_and_the_problem(tmp_path: Path):
    spec, model, opt, _ = _trained()
    path = save_checkpoint(tmp_path / "epoch-1.pt", model, opt, 1, spec=spec)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path, build_model(spec))
    message = info.value.message
    assert str(path) in message
    assert "damaged or truncated" in message


def test_corrupt_checkpoint_can_be_moved_aside_not_deleted(tmp_path: Path):
    path = tmp_path / "epoch-2.pt"
    path.write_bytes(b"this is not a checkpoint")
    with pytest.raises(CheckpointError, match="moved aside to") as info:
        load_checkpoint(path, move_corrupt=True)
    assert not path.exists()
    moved = list(tmp_path.glob("epoch-2.pt.corrupt-*"))
    assert len(moved) == 1 and moved[0].read_bytes() == b"this is not a checkpoint"
    assert str(moved[0]) in info.value.message


def test_different_architecture_is_explained(tmp_path: Path):
    spec, model, opt, _ = _trained()
    path = save_checkpoint(tmp_path / "epoch-1.pt", model, opt, 1, spec=spec)
    other = dict(SPEC, layers=[
        "Flatten",
        {"name": "fc1", "Linear": {"in_features": 64, "out_features": 32}},
        "ReLU",
        {"name": "fc2", "Linear": {"in_features": 32, "out_features": 4}},
    ])
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path, build_model(parse_spec(other)))
    message = info.value.message
    assert str(path) in message and "model 'mlp'" in message
    assert "fc1.weight is (16, 64) in the file but (32, 64) in the model" in message


def test_a_torch_file_that_is_not_a_checkpoint(tmp_path: Path):
    path = tmp_path / "weights.pt"
    torch.save({"weight": torch.zeros(2)}, path)
    with pytest.raises(CheckpointError, match="not a tutor checkpoint"):
        load_checkpoint(path)
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_checkpoint(tmp_path / "missing.pt")


def test_default_location_and_latest(tmp_path: Path):
    spec, model, opt, _ = _trained()
    folder = checkpoint_dir("my model/v1")
    assert folder.parent.name == "checkpoints" and folder.name == "my-model-v1"
    for epoch in (1, 2, 10):
        save_checkpoint(folder / f"epoch-{epoch}.pt", model, opt, epoch, spec=spec)
    assert latest_checkpoint(folder) == folder / "epoch-10.pt"  # 10 after 2, not before
    assert not list(folder.glob(".*.tmp"))  # atomic writes leave no temporary files
