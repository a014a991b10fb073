"""Tracing: hooks always removed, mode restored, outputs and statistics right."""

from __future__ import annotations

import pytest
import torch
import torch.nn as nn

from tutor.engine.trace import TensorStats, TraceError, trace


class Boom(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise ValueError("boom")


def _hook_count(model: nn.Module) -> int:
    return sum(len(m._forward_hooks) for m in model.modules())


def test_hooks_removed_and_mode_restored_when_forward_raises():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), Boom())
    model.train()
    with pytest.raises(TraceError) as caught:
        trace(model, torch.zeros(2, 4))
    assert "layers that ran: 0, 1" in str(caught.value)
    assert _hook_count(model) == 0
    assert model.training is True


def test_eval_mode_during_trace_and_restored_after():
    seen: list[bool] = []
    model = nn.Sequential(nn.Linear(4, 3), nn.Dropout(0.5))
    model.train()
    trace(model, torch.ones(2, 4), on_layer=lambda rec: seen.append(rec.module.training))
    assert seen == [False, False]
    assert model.training is True
    assert _hook_count(model) == 0


def test_outputs_survive_inplace_layers_and_stats_match_torch():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 5), nn.ReLU(inplace=True), nn.Linear(5, 2))
    x = torch.randn(3, 6)
    result = trace(model, x, keep_outputs=True)
    linear_out = model[0](x)
    assert torch.allclose(result.layers[0].output, linear_out)  # not overwritten by ReLU
    relu = result.layers[1]
    assert torch.allclose(relu.output, linear_out.clamp(min=0))
    stats = relu.stats
    assert stats == TensorStats.of(linear_out.clamp(min=0))
    assert stats.zero_fraction == pytest.approx((linear_out <= 0).float().mean().item())
    assert stats.std == pytest.approx(linear_out.clamp(min=0).std(unbiased=False).item())
    assert torch.allclose(result.output, model(x))


def test_shared_parameter_counted_once_and_one_record_per_call():
    shared = nn.Linear(4, 4)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    result = trace(model, torch.zeros(1, 4))
    assert [r.path for r in result.layers] == ["0", "1", "0"]
    assert result.total_params == 20
    assert sum(r.num_params for r in result.layers) == 40


def test_frozen_parameters_are_not_trainable():
    model = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 2))
    for p in model[0].parameters():
        p.requires_grad_(False)
    result = trace(model, torch.zeros(1, 4))
    assert result.total_params == 30
    assert result.trainable_params == 10
    assert result.layers[0].trainable_params == 0
