"""Device selection: auto prefers CUDA, then MPS, then CPU; missing devices are clear errors."""

from __future__ import annotations

import pytest
import torch

from tutor.cli import main
from tutor.engine import device as device_mod
from tutor.engine.device import DeviceUnavailable, available_devices, resolve_device


@pytest.fixture
def machine(monkeypatch: pytest.MonkeyPatch):
    """Simulate which accelerators exist."""

    def configure(cuda: bool = False, mps: bool = False, count: int = 1) -> None:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
        monkeypatch.setattr(torch.cuda, "device_count", lambda: count if cuda else 0)
        monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
        monkeypatch.setattr(torch.cuda, "get_device_name", lambda i=0: f"Fake GPU {i}")
        monkeypatch.setattr(device_mod, "_mps_available", lambda: mps)

    return configure


def test_auto_prefers_cuda_then_mps_then_cpu(machine):
    machine(cuda=True, mps=True)
    info = resolve_device("auto")
    assert (info.type, info.name, info.label) == ("cuda", "Fake GPU 0", "cuda:0 (Fake GPU 0)")
    machine(cuda=False, mps=True)
    assert resolve_device(None).type == "mps"
    machine(cuda=False, mps=False)
    cpu = resolve_device("auto")
    assert cpu.type == "cpu"
    assert f"{torch.get_num_threads()} thread" in cpu.name


def test_explicit_devices(machine):
    machine(cuda=True, mps=False, count=2)
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("cuda:1").label == "cuda:1 (Fake GPU 1)"
    assert available_devices() == ["cuda:0", "cuda:1", "cpu"]
    with pytest.raises(DeviceUnavailable, match="has 2 CUDA device"):
        resolve_device("cuda:5")
    with pytest.raises(DeviceUnavailable, match="'mps' was requested"):
        resolve_device("mps")


def test_missing_cuda_is_a_clear_error(machine):
    machine(cuda=False)
    with pytest.raises(DeviceUnavailable) as caught:
        resolve_device("cuda")
    assert "CUDA is not available here (available: cpu)" in caught.value.message
    with pytest.raises(DeviceUnavailable, match="unknown device 'tpu'"):
        resolve_device("tpu")


def test_cli_missing_device_exits_1_without_traceback(machine, capsys, monkeypatch):
    machine(cuda=False)
    assert main(["dissect", "torchvision:resnet18", "--device", "cuda"]) == 1
    err = capsys.readouterr().err
    assert "tutor: error: device 'cuda' was requested but CUDA is not available" in err
    assert "Traceback" not in err
    monkeypatch.setenv("TUTOR_DEVICE", "mps")
    assert main(["dissect", "torchvision:resnet18", "--json"]) == 1
    assert "'mps' was requested" in capsys.readouterr().err


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_real_cuda_device_is_picked_and_computes():
    info = resolve_device("auto")
    assert info.type == "cuda"
    x = torch.ones(4, 4, device=info.torch_device)
    assert (x @ x).sum().item() == 64
