"""`tutor dissect --backward`: the gradients a notebook gets with plain PyTorch.

The reference is built here, with plain ``torch.nn`` layers in the same order after
``torch.manual_seed(S)``, exactly as the contract in DESIGN.md describes the batch. The
MLP's command runs in a process of its own, so nothing is shared with the reference;
the others run in this process (saving the start-up of a second torch).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from tutor.cli import main
from tutor.course.modelfile import load_model_file
from tutor.engine.build import build_model

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

MLP = """\
name: mlp
input: [1, 28, 28]
layers:
  - Flatten
  - {name: fc1, Linear: {in_features: 784, out_features: 100}}
  - ReLU
  - Dropout: {p: 0.5}
  - {name: fc2, Linear: {in_features: 100, out_features: 10}}
"""

AUTOENCODER = """\
name: ae
input: [1, 28, 28]
layers:
  - Flatten
  - Linear: {in_features: 784, out_features: 16}
  - ReLU
  - Linear: {in_features: 16, out_features: 784}
  - Unflatten: {dim: 1, unflattened_size: [1, 28, 28]}
"""


def _dissect(*args: str) -> dict:
    """The JSON of ``tutor dissect ARGS --json`` from a fresh process."""
    result = subprocess.run(
        [sys.executable, "-m", "tutor", "dissect", *args, "--json", "--device", "cpu"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _reference(model: nn.Module, seed: int, n: int, shape: tuple[int, ...]) -> tuple[float, dict]:
    """After ``torch.manual_seed(seed)`` and building ``model``: the batch, the loss,
    every parameter's gradient (the caller builds the model inside ``build``)."""
    x = torch.randn(n, *shape)
    out = model(x)  # train mode, as built: dropout draws its masks now
    loss = F.cross_entropy(out, torch.arange(n) % out.shape[1])
    loss.backward()
    return float(loss.detach()), {k: p.grad for k, p in model.named_parameters()}


def _compare(data: dict, loss: float, grads: dict) -> None:
    assert data["loss"] == pytest.approx(loss, rel=1e-5)
    seen = set()
    for layer in data["layers"]:
        for kind, record in layer["grads"].items():
            name = f"{layer['path']}.{kind}"
            seen.add(name)
            assert record["shape"] == list(grads[name].shape) == layer["param_shapes"][kind]
            assert record["norm"] == pytest.approx(float(grads[name].norm()), rel=1e-4), name
    assert seen == set(grads)


def test_mlp_with_dropout_matches_plain_pytorch(tmp_path: Path):
    path = tmp_path / "mlp.yaml"
    path.write_text(MLP)
    data = _dissect(str(path), "--backward", "--seed", "3", "--batch", "8")
    torch.manual_seed(3)
    model = nn.Sequential(
        nn.Flatten(), nn.Linear(784, 100), nn.ReLU(), nn.Dropout(0.5), nn.Linear(100, 10)
    )
    loss, grads = _reference(model, 3, 8, (1, 28, 28))
    named = {k.replace("1.", "fc1.").replace("4.", "fc2."): v for k, v in grads.items()}
    _compare(data, loss, named)
    assert data["seed"] == 3 and data["batch_size"] == 8
    assert data["layers"][0]["grads"] == {}  # Flatten has no parameters


def _dissect_here(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["dissect", *args, "--json", "--device", "cpu"]) == 0
    return json.loads(capsys.readouterr().out)


def test_lenet_matches_plain_pytorch(capsys: pytest.CaptureFixture[str]):
    torch.manual_seed(99)  # the command seeds by itself, whatever came before
    data = _dissect_here(capsys, str(FIXTURES / "lenet.yaml"), "--backward", "--batch", "4")
    torch.manual_seed(0)  # the default seed
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120),
        nn.ReLU(),
        nn.Linear(120, 84),
        nn.ReLU(),
        nn.Linear(84, 10),
    )
    loss, grads = _reference(model, 0, 4, (1, 28, 28))
    names = {"0": "conv1", "3": "conv2", "7": "fc1", "9": "fc2", "11": "fc3"}
    named = {f"{names[k.split('.')[0]]}.{k.split('.')[1]}": v for k, v in grads.items()}
    _compare(data, loss, named)
    assert data["layers"][0]["grads"]["weight"]["shape"] == [6, 1, 5, 5]


def test_resnet18_matches_plain_torchvision(capsys: pytest.CaptureFixture[str]):
    torchvision = pytest.importorskip("torchvision")
    data = _dissect_here(
        capsys, "torchvision:resnet18", "--backward", "--batch", "2", "--seed", "1"
    )
    torch.manual_seed(1)
    model = torchvision.models.resnet18(weights=None)
    loss, grads = _reference(model, 1, 2, (3, 224, 224))
    _compare(data, loss, grads)
    assert data["total_params"] == 11_689_512


def test_build_model_without_a_seed_draws_like_plain_pytorch():
    spec = load_model_file(FIXTURES / "lenet.yaml", None)
    torch.manual_seed(11)
    ours = build_model(spec, seed=None)
    after_ours = torch.randn(3)
    torch.manual_seed(11)
    plain = [
        nn.Conv2d(1, 6, 5, padding=2),
        nn.Conv2d(6, 16, 5),
        nn.Linear(400, 120),
        nn.Linear(120, 84),
        nn.Linear(84, 10),
    ]
    after_plain = torch.randn(3)
    assert torch.equal(after_ours, after_plain)  # the generator advanced the same way
    mine = [m for m in ours if isinstance(m, nn.Conv2d | nn.Linear)]
    for a, b in zip(mine, plain, strict=True):
        assert torch.equal(a.weight, b.weight) and torch.equal(a.bias, b.bias)
    # with a seed the global generator is left alone
    state = torch.get_rng_state()
    build_model(spec, seed=5)
    assert torch.equal(state, torch.get_rng_state())


def test_table_has_the_gradient_column_and_the_loss_line(capsys: pytest.CaptureFixture[str]):
    assert main(["dissect", str(FIXTURES / "lenet.yaml"), "--backward", "--batch", "4"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "grad, L2 norm" in out
    assert "F.cross_entropy (mean over the batch) of torch.randn(4, 1, 28, 28)" in out
    assert "torch.arange(4) % 10, after torch.manual_seed(0)" in out
    assert (
        main(["dissect", str(FIXTURES / "lenet.yaml"), "--backward", "--batch", "4", "--json"]) == 0
    )
    data_loss = json.loads(capsys.readouterr().out)["loss"]
    assert f"loss {data_loss:.6g}:" in out


def test_without_backward_there_are_no_gradients(capsys: pytest.CaptureFixture[str]):
    assert main(["dissect", str(FIXTURES / "lenet.yaml"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "loss" not in data and all("grads" not in layer for layer in data["layers"])


def test_models_without_class_logits_are_refused(tmp_path: Path, capsys):
    path = tmp_path / "ae.yaml"
    path.write_text(AUTOENCODER)
    assert main(["dissect", str(path), "--backward"]) == 1
    err = capsys.readouterr().err
    assert "tutor: error: the model outputs (1, 1, 28, 28), not class logits (N, K)" in err
    assert "Traceback" not in err
    one = tmp_path / "one.yaml"
    one.write_text("name: t\ninput: [1]\nlayers:\n  - Linear: {in_features: 1, out_features: 1}\n")
    assert main(["dissect", str(one), "--backward", "--batch", "3"]) == 1
    assert "outputs (3, 1), not class logits" in capsys.readouterr().err
    bn = tmp_path / "bn.yaml"
    bn.write_text(
        "name: b\ninput: [4]\nlayers:\n  - Linear: {in_features: 4, out_features: 3}\n"
        "  - BatchNorm1d: {num_features: 3}\n"
    )
    assert main(["dissect", str(bn), "--backward"]) == 1  # batch 1 in train mode
    assert "cannot run on a batch of (1, 4): Expected more than 1 value" in capsys.readouterr().err
