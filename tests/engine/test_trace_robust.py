"""Tracing never breaks the forward pass it watches, whatever the layers do."""

from __future__ import annotations

import threading

import pytest
import torch
import torch.nn as nn
from torch.nn.modules import module as module_hooks

from tutor.commands.render import print_dissection
from tutor.engine.dissect import dissect
from tutor.engine.trace import TraceError, trace

pytestmark = pytest.mark.filterwarnings(
    "ignore:`torch.jit.(script|trace|trace_method)` is deprecated"
)


def _no_hooks_left() -> bool:
    return not module_hooks._global_forward_hooks and not module_hooks._global_forward_pre_hooks


class Unlistable(nn.Linear):
    """A layer whose parameters cannot be listed: recording it fails, running it does not."""

    def named_parameters(self, *args, **kwargs):
        raise RuntimeError("cannot list my parameters")


class Sparse(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.to_sparse()


def test_a_layer_that_cannot_be_recorded_gets_a_note_and_the_forward_goes_on():
    model = nn.Sequential(nn.Linear(4, 4), Unlistable(4, 3), nn.ReLU())
    x = torch.randn(2, 4)
    result = trace(model, x, count_flops=True)
    assert torch.allclose(result.output, model(x))
    assert [r.path for r in result.layers] == ["0", "1", "2"]
    broken = result.layers[1]
    assert broken.note == "not fully recorded: RuntimeError: cannot list my parameters"
    assert broken.input_shape == (2, 4)  # what was known before it failed is kept
    assert broken.flops == 2 * 2 * 4 * 3
    assert broken.as_dict()["note"] == broken.note
    assert "note" not in result.layers[0].as_dict()
    assert result.total_params == 20 + 15
    assert _no_hooks_left()


def test_values_that_cannot_be_summarised_are_noted():
    model = nn.Sequential(nn.Linear(3, 3), Sparse())
    result = trace(model, torch.randn(2, 3), keep_outputs=True)
    sparse = result.layers[1]
    assert sparse.output_shape == (2, 3)
    assert sparse.output is None and sparse.note.startswith("output values not kept")
    assert result.layers[0].stats is not None


def test_another_thread_running_the_same_model_is_not_recorded():
    model = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
    other_calls: list[torch.Tensor] = []

    def during_trace(record) -> None:
        # While the trace is inside the forward pass, another thread runs the model.
        if record.path == "0":
            worker = threading.Thread(target=lambda: other_calls.append(model(torch.ones(9, 4))))
            worker.start()
            worker.join()

    result = trace(model, torch.zeros(1, 4), on_layer=during_trace)
    assert len(other_calls) == 1 and other_calls[0].shape == (9, 4)
    assert [(r.path, r.output_shape) for r in result.layers] == [("0", (1, 4)), ("1", (1, 4))]
    assert _no_hooks_left()


class Dicts(nn.Module):
    """Returns a nested dict; its leaf returns a tuple with None and a string in it."""

    class Pair(nn.Module):
        def forward(self, x):
            return x, (None, "label", x.sum(1))

    def __init__(self) -> None:
        super().__init__()
        self.pair = Dicts.Pair()

    def forward(self, x):
        a, (_, _, b) = self.pair(x)
        return {"a": a, "nested": {"b": [b]}}


def test_nested_outputs_record_every_tensor():
    result = trace(Dicts(), torch.randn(3, 5))
    (pair,) = result.layers
    assert pair.output_shape == [(3, 5), (3,)]
    assert pair.note is None
    assert set(result.output) == {"a", "nested"}


class Scripted(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = torch.jit.script(nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU()))
        self.head = nn.Linear(4 * 6 * 6, 2)

    def forward(self, x):
        return self.head(self.features(x).flatten(1))


def test_torchscript_child_is_one_opaque_layer_with_every_parameter(capsys):
    model = Scripted()
    result = dissect(model, (1, 8, 8), batch_size=2)
    features = result.trace.by_path("features")
    assert features.type == "Sequential"
    assert features.output_shape == (2, 4, 6, 6)
    assert features.param_shapes == {"0.weight": (4, 1, 3, 3), "0.bias": (4,)}
    assert features.num_params == 40 and features.mult_adds == 0
    assert features.flops == 2 * 2 * 6 * 6 * 4 * 9  # counted inside the compiled code
    assert "TorchScript" in features.note and "2 inner modules" in features.note
    assert result.trace.total_params == sum(p.numel() for p in model.parameters())
    print_dissection(result)
    out = " ".join(capsys.readouterr().out.split())
    assert "note: TorchScript: PyTorch allows no hooks inside compiled code" in out


def test_traced_module_is_one_layer_too():
    model = torch.jit.trace(nn.Sequential(nn.Linear(3, 2), nn.Tanh()), torch.randn(1, 3))
    result = trace(model, torch.randn(4, 3), count_flops=True)
    (layer,) = result.layers
    assert layer.type == "Sequential" and layer.output_shape == (4, 2)
    assert layer.num_params == result.total_params == 8
    assert result.total_flops == layer.flops == 2 * 4 * 3 * 2


def test_table_shows_flops_column_notes_and_module_flops(capsys):
    model = nn.Sequential(nn.Linear(6, 4), nn.MultiheadAttention(4, 2, batch_first=True))

    class Wrapper(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, x):
            h = self.inner[0](x)
            return self.inner[1](h, h, h, need_weights=False)[0]

    result = dissect(Wrapper(), (3, 6), batch_size=1)
    print_dissection(result)
    out = " ".join(capsys.readouterr().out.split())
    assert "FLOPs" in out
    assert "FLOPs run by modules themselves, outside their layers:" in out
    attention = result.trace.flops_by_module[0]
    assert attention.path == "inner.1"
    assert f"inner.1 MultiheadAttention: {attention.flops:,}" in out
    assert f"FLOPs {result.trace.total_flops:,}" in out
    assert "bias adds, activations, normalization, pooling, softmax" in out


class Fallback(nn.Module):
    """Tries a layer that fails, catches the error and uses another."""

    def __init__(self) -> None:
        super().__init__()
        self.wrong = nn.Linear(5, 2)
        self.right = nn.Linear(4, 2)

    def forward(self, x):
        try:
            return self.wrong(x)
        except RuntimeError:
            return self.right(x)


def test_an_error_the_model_catches_is_noted_on_its_layer():
    result = trace(nn.Sequential(Fallback(), nn.ReLU()), torch.randn(3, 4))
    assert [(r.path, r.output_shape) for r in result.layers] == [
        ("0.right", (3, 2)),
        ("0.wrong", []),
        ("1", (3, 2)),
    ]
    assert result.layers[1].note == "raised an error that the model caught: no output"
    assert result.layers[1].input_shape == (3, 4)


class Reshapes(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(320, 10)

    def forward(self, x):
        return self.fc(x.view(-1, 999))


def test_error_in_the_models_own_forward_names_its_forward():
    with pytest.raises(TraceError) as caught:
        trace(Reshapes(), torch.randn(2, 320))
    assert caught.value.layer == ("", "Reshapes", (2, 320))
    assert (
        "failed on input (2, 320) in Reshapes.forward on input (2, 320): shape '[-1, 999]'"
        in str(caught.value)
    )
