"""Operator FLOPs beside torchinfo's mult-adds, checked against FlopCounterMode itself."""

from __future__ import annotations

import json
import math

import pytest
import torch
import torch.nn as nn
from torch.utils.flop_counter import FlopCounterMode

from tutor.cli import main
from tutor.engine.dissect import dissect, torchvision_model
from tutor.engine.flops import attention_unfused, flop_counter


def _stock_flops(model: nn.Module, x: torch.Tensor) -> int:
    """FlopCounterMode exactly as PyTorch ships it, on a plain eval forward."""
    model.eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(x)
    return int(counter.get_total_flops())


def _attention_flops(batch: int, tokens: int, dim: int, heads: int) -> int:
    """One nn.MultiheadAttention call: QKV projection, Q·Kᵀ, A·V, output projection."""
    qkv = 2 * batch * tokens * dim * 3 * dim
    scores = 2 * batch * heads * tokens * tokens * (dim // heads)
    mixed = 2 * batch * heads * tokens * tokens * (dim // heads)
    out = 2 * batch * tokens * dim * dim
    return qkv + scores + mixed + out


def test_mlp_without_bias_has_exactly_twice_the_mult_adds():
    model = nn.Sequential(
        nn.Flatten(), nn.Linear(784, 100, bias=False), nn.ReLU(), nn.Linear(100, 10, bias=False)
    )
    result = dissect(model, (1, 28, 28), batch_size=32)
    trace = result.trace
    assert trace.total_flops == 2 * trace.total_mult_adds == 2 * 32 * (784 * 100 + 100 * 10)
    assert [layer.flops for layer in trace.layers] == [2 * m.mult_adds for m in trace.layers]
    assert trace.total_flops == _stock_flops(model, torch.randn(32, 1, 28, 28))


def test_bias_adds_count_as_mult_adds_but_not_as_flops():
    """torchinfo adds one mult-add per bias element and output position; the
    counter's addmm and convolution formulas leave the added term out."""
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.Flatten(), nn.Linear(8 * 16, 5))
    result = dissect(model, (3, 4, 4), batch_size=2)
    conv, _, linear = result.trace.layers
    positions = 2 * 4 * 4  # batch × output height × output width
    assert conv.flops == 2 * (conv.mult_adds - positions * 8)
    assert conv.flops == 2 * positions * 8 * 3 * 3 * 3
    assert linear.flops == 2 * (linear.mult_adds - 2 * 5)
    assert result.trace.total_flops == _stock_flops(model, torch.randn(2, 3, 4, 4))


def test_resnet18_total_flops_equal_flop_counter_mode(capsys):
    assert main(["dissect", "torchvision:resnet18", "--json", "--device", "cpu"]) == 0
    ours = json.loads(capsys.readouterr().out)
    model, shape = torchvision_model("resnet18")
    assert ours["total_flops"] == _stock_flops(model, torch.randn(1, *shape)) == 3_628_146_688
    assert ours["flops_by_module"] == []  # every counted operator ran inside a leaf layer
    assert sum(layer["flops"] for layer in ours["layers"]) == ours["total_flops"]
    for layer in ours["layers"]:
        if layer["type"] == "Conv2d":  # no bias in resnet's convolutions
            assert layer["flops"] == 2 * layer["mult_adds"], layer["path"]
        if layer["type"] == "ReLU":
            assert layer["flops"] == 0 and "note" not in layer


@pytest.mark.slow
def test_vit_b_16_counts_the_attention_that_the_fast_path_hides(capsys):
    assert main(["dissect", "torchvision:vit_b_16", "--json", "--device", "cpu"]) == 0
    ours = json.loads(capsys.readouterr().out)
    model, shape = torchvision_model("vit_b_16")
    x = torch.randn(1, *shape)
    # The same count, run on its own with the same settings.
    with torch.no_grad(), attention_unfused(), flop_counter() as counter:
        model.eval()(x)
    assert ours["total_flops"] == counter.get_total_flops()
    # PyTorch's fused fast path hides every attention FLOP from the stock counter ...
    stock = _stock_flops(model, x)
    assert stock == 22_542_249_984
    # ... and the difference is exactly 12 encoder layers of attention, by formula.
    per_layer = _attention_flops(batch=1, tokens=197, dim=768, heads=12)
    assert per_layer == 1_048_783_872
    assert ours["total_flops"] == stock + 12 * per_layer == 35_127_656_448
    attention = ours["flops_by_module"]
    assert [m["path"] for m in attention] == [
        f"encoder.layers.encoder_layer_{i}.self_attention" for i in range(12)
    ]
    assert {m["type"] for m in attention} == {"MultiheadAttention"}
    assert all(m["flops"] == per_layer for m in attention)
    assert sum(layer["flops"] for layer in ours["layers"]) + 12 * per_layer == ours["total_flops"]
    # Leaf mult-adds (torchinfo's count) see none of it.
    assert ours["total_mult_adds"] < ours["total_flops"] / 100
    assert torch.backends.mha.get_fastpath_enabled() is True


class Encoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Linear(4, 16)
        self.block = nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(self.embed(x))


def test_transformer_layer_is_taken_apart_and_its_attention_counted():
    model = Encoder().eval()
    x = torch.randn(2, 5, 4)
    # Without hooks of its own, the layer runs as one fused operator that has no formula.
    with torch.no_grad():
        assert _stock_flops(model, x) == 2 * 2 * 5 * 4 * 16  # only the embedding Linear
    result = dissect(model, None, x=x)
    paths = [layer.path for layer in result.layers]
    for inside in ("block.linear1", "block.linear2", "block.norm1", "block.norm2"):
        assert inside in paths
    (attention,) = result.trace.flops_by_module
    assert (attention.path, attention.type) == ("block.self_attn", "MultiheadAttention")
    assert attention.flops == _attention_flops(batch=2, tokens=5, dim=16, heads=2)
    linear1 = result.trace.by_path("block.linear1")
    assert linear1.flops == 2 * 2 * 5 * 16 * 32
    assert result.trace.total_flops == sum(r.flops for r in result.layers) + attention.flops
    assert torch.backends.mha.get_fastpath_enabled() is True


def test_fast_path_switch_is_restored_after_errors_and_nesting():
    torch.backends.mha.set_fastpath_enabled(True)
    with attention_unfused():
        with attention_unfused():
            assert torch.backends.mha.get_fastpath_enabled() is False
        assert torch.backends.mha.get_fastpath_enabled() is False
    assert torch.backends.mha.get_fastpath_enabled() is True
    with pytest.raises(ValueError), attention_unfused():
        raise ValueError("inside")
    assert torch.backends.mha.get_fastpath_enabled() is True


def test_sdpa_on_the_cpu_is_counted_by_the_registry_formula():
    q = torch.randn(1, 12, 64, 64)
    with flop_counter() as counter:
        torch.nn.functional.scaled_dot_product_attention(q, q, q)
    assert counter.get_total_flops() == 4 * 12 * 64 * 64 * 64 == 12_582_912
    assert math.prod(q.shape) * 64 * 4 == counter.get_total_flops()
