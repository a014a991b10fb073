"""torchinfo's own test situations, run through tutor's engine and through torchinfo 1.8.

The models are tutor's (``tests/fixtures/peer_models*.py``), rebuilt from the situations
of torchinfo's fixtures. Every model is checked three ways:

* against a plain forward pass with per-module hooks (the judge for layer order and
  every output shape) and ``sum(p.numel() for p in set(model.parameters()))`` (the
  judge for parameters);
* against ``FlopCounterMode`` run on its own (the judge for FLOPs);
* against torchinfo: equal per-layer output shape, parameters and mult-adds and equal
  totals, except the cases listed below as torchinfo's bugs, where PyTorch decides.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch
import torch.nn as nn
import torchinfo
from torch.nn.utils import prune
from torch.nn.utils.rnn import PackedSequence

from tutor.engine.flops import attention_unfused, flop_counter
from tutor.engine.trace import Trace, TraceError, trace


def _load_peer_models() -> SimpleNamespace:
    """The three fixture files (tests/fixtures is not a package) as one namespace."""
    names: dict[str, Any] = {}
    for stem in ("peer_models", "peer_models_sharing", "peer_models_xl"):
        path = Path(__file__).resolve().parent.parent / "fixtures" / f"{stem}.py"
        spec = importlib.util.spec_from_file_location(stem, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[stem] = module  # torch.jit.script reads the class source
        spec.loader.exec_module(module)
        names.update(vars(module))
    return SimpleNamespace(**names)


pm = _load_peer_models()
# torchinfo's situations include TorchScript, which PyTorch now calls deprecated.
pytestmark = pytest.mark.filterwarnings(
    "ignore:`torch.jit.(script|trace|trace_method)` is deprecated"
)


def _r(*shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(1))


def _ids(*shape: int, high: int) -> torch.Tensor:
    return torch.randint(0, high, shape, generator=torch.Generator().manual_seed(0))


def _pruned_digits() -> nn.Module:
    model = pm.DigitCNN()
    for module in model.modules():
        if isinstance(module, nn.Conv2d | nn.Linear):
            prune.l1_unstructured(module, "weight", 0.5)
    return model


def _frozen_resnet() -> nn.Module:
    import torchvision.models as tvm

    model = tvm.resnet18(weights=None)
    for i, p in enumerate(model.parameters()):
        p.requires_grad = i >= 30
    return model


# Sorted lengths for torchinfo's pack_padded test: 128 sequences of 13 down to 3 steps.
_LENGTHS = torch.tensor([13 - i // 12 for i in range(128)])


@dataclass(frozen=True)
class Peer:
    build: Callable[[], nn.Module]
    inputs: Callable[[], Any]
    """What tutor is called with (tensor, list = positional, dict = keywords)."""
    theirs: Callable[[], dict[str, Any]] | None = None
    """torchinfo.summary's arguments when they differ from ``input_data=inputs()``."""


PEERS: dict[str, Peer] = {
    "single input (SingleInputNet)": Peer(pm.DigitCNN, lambda: _r(2, 1, 28, 28)),
    "several inputs, two dtypes (MultipleInputNetDifferentDtypes)": Peer(
        pm.TwoTowers, lambda: [_r(1, 300), _r(1, 300).long()]
    ),
    "dict of keyword inputs (test_dict_input)": Peer(
        pm.TwoTowers, lambda: {"x1": _r(1, 300), "x2": _r(1, 300).long()}
    ),
    "embedding and LSTM returning (out, (h, c)) (LSTMNet)": Peer(
        pm.WordLSTM, lambda: _ids(1, 100, high=20)
    ),
    "packed sequence through an LSTM (PackPaddedLSTM)": Peer(
        pm.PackedLSTM, lambda: [torch.ones(20, 128).long(), _LENGTHS]
    ),
    "GRU": Peer(pm.SentenceGRU, lambda: _ids(2, 7, high=50)),
    "one conv called six times (RecursiveNet)": Peer(
        pm.SameConvSixTimes, lambda: _r(1, 64, 28, 28)
    ),
    "parameter-only model (CustomParameter)": Peer(pm.OnlyAParameter, lambda: _r(1)),
    "uncalled ParameterList (ParameterListModel)": Peer(pm.SplitParameters, lambda: _r(100, 100)),
    "two inputs through shared layers (SiameseNets)": Peer(
        pm.Siamese, lambda: [_r(1, 1, 88, 88), _r(1, 1, 88, 88)]
    ),
    "inner layer returning a dict (ReturnDict)": Peer(
        pm.ReturnsDict, lambda: [_r(1, 1, 28, 28), _r(1, 12)]
    ),
    "dict argument with integer keys and a scale (DictParameter)": Peer(
        pm.DictArgument, lambda: [{256: _r(10, 1), 512: [_r(10, 1)]}, 5]
    ),
    "ModuleDict chosen by string arguments (ModuleDictModel)": Peer(
        pm.ChosenByName,
        lambda: {"x": _r(1, 10, 3, 3), "layer": "conv", "activation": "lrelu"},
        lambda: {"input_data": _r(1, 10, 3, 3), "layer": "conv", "activation": "lrelu"},
    ),
    "ModuleDict, other choice (ModuleDictModel)": Peer(
        pm.ChosenByName,
        lambda: {"x": _r(1, 10, 3, 3), "layer": "pool", "activation": "prelu"},
        lambda: {"input_data": _r(1, 10, 3, 3), "layer": "pool", "activation": "prelu"},
    ),
    "deeply nested output (HighlyNestedDictModel)": Peer(
        pm.DeeplyNestedOutput, lambda: torch.ones(10)
    ),
    "nn.Identity in a wrapper (IdentityModel)": Peer(pm.Named, lambda: _r(1, 3)),
    "ModuleList with None, Sequential called two ways (ContainerModule)": Peer(
        pm.ListOfBlocks, lambda: _r(1, 5)
    ),
    "forward without inputs (EmptyModule)": Peer(pm.NoInputs, lambda: []),
    "pooling indices and keyword unpooling (AutoEncoder)": Peer(
        pm.PoolUnpool, lambda: _r(1, 3, 64, 64)
    ),
    "trainable, partly and not trainable (MixedTrainable)": Peer(
        pm.PartlyFrozen, lambda: _r(1, 1, 1)
    ),
    "one Linear four times (ReuseLinear)": Peer(pm.OneLinearFourTimes, lambda: _r(2, 10)),
    "one ReLU shared, batch norms (ReuseReLU)": Peer(
        pm.OneReLUEverywhere, lambda: _r(4, 4, 64, 64)
    ),
    "parameter merely named weight_orig (PrunedLayerNameModel)": Peer(
        pm.OrigNamedParameter, lambda: _r(1)
    ),
    "Sequential with its own parameter (RegisterParameter)": Peer(
        lambda: pm.GatedSum(nn.Linear(2, 2), nn.Linear(2, 2)), lambda: _r(1, 2)
    ),
    "matmul on own parameters, then a Linear (ParameterFCNet)": Peer(
        lambda: pm.MatmulOnOwnParameters(128, 64, 32), lambda: _r(3, 128)
    ),
    "matmul on own parameters only (ParameterFCNet)": Peer(
        lambda: pm.MatmulOnOwnParameters(128, 64), lambda: _r(3, 128)
    ),
    "parameters in non-leaf modules (InsideModel)": Peer(
        pm.ParametersInContainers, lambda: _r(100, 2)
    ),
    "dilated same-padding convs in ModuleDicts (RecursiveWithMissingLayers)": Peer(
        pm.DilatedDicts, lambda: _r(2, 3, 32, 32)
    ),
    "ModuleList of conv blocks (CNNModuleList, ConvLayerA)": Peer(
        pm.FiveBlocks, lambda: _r(1, 1, 10)
    ),
    "ModuleList of conv blocks (CNNModuleList, ConvLayerB)": Peer(
        lambda: pm.FiveBlocks(relu_first=True), lambda: _r(1, 1, 10)
    ),
    "LSTMCell in a loop (SimpleRNN)": Peer(pm.CellLoop, lambda: _r(2, 3)),
    "a 0-d tensor input (ScalarTensorInputNet)": Peer(
        pm.ScaledByScalar, lambda: [_r(1, 10), torch.rand([])]
    ),
    "parameter created in forward (UninitializedParameterModel)": Peer(
        pm.LazyParameter, lambda: _r(2, 2)
    ),
    "searched cells with skips and separable convs (GenotypeNetwork)": Peer(
        pm.SearchedNetwork, lambda: _r(2, 3, 32, 32)
    ),
    "three inputs, 3-D convs, transposed convs (TMVANet)": Peer(
        pm.ThreeViewNet, lambda: [_r(1, 1, 5, 32, 8), _r(1, 1, 5, 32, 32), _r(1, 1, 5, 32, 8)]
    ),
    "Linear on a 3-D input (test_linear)": Peer(lambda: nn.Linear(8, 64), lambda: _r(32, 16, 8)),
    "frozen resnet18 layers (test_frozen_layers)": Peer(_frozen_resnet, lambda: _r(1, 3, 64, 64)),
}


def _build(peer: Peer) -> nn.Module:
    torch.manual_seed(0)
    return peer.build().eval()


def _tensors(value: Any) -> list[torch.Tensor]:
    """Every tensor in an output, written independently of tutor's own helpers."""
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, PackedSequence):
        return [value.data]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tensors(v)]
    if isinstance(value, list | tuple):
        return [t for v in value for t in _tensors(v)]
    return []


def _plain_forward(model: nn.Module, inputs: Any) -> list[tuple[str, list[tuple[int, ...]]]]:
    """The judge: a plain forward with a hook on every module without children."""
    seen: list[tuple[str, list[tuple[int, ...]]]] = []
    handles = [
        m.register_forward_hook(
            lambda mod, _in, out: seen.append(
                (type(mod).__name__, [tuple(t.shape) for t in _tensors(out)])
            )
        )
        for m in model.modules()
        if not any(True for _ in m.children())
    ]
    try:
        with torch.no_grad(), attention_unfused():
            _call(model, inputs)
    finally:
        for h in handles:
            h.remove()
    return seen


def _call(model: nn.Module, inputs: Any) -> Any:
    if isinstance(inputs, dict):
        return model(**inputs)
    if isinstance(inputs, list):
        return model(*inputs)
    return model(inputs)


def _flops(model: nn.Module, inputs: Any) -> int:
    with torch.no_grad(), attention_unfused(), flop_counter() as counter:
        _call(model, inputs)
    return int(counter.get_total_flops())


def _as_list(shape: Any) -> list[tuple[int, ...]]:
    """One shape or a list of shapes (empty: no tensor at all) as a list."""
    if isinstance(shape, list):
        return [tuple(s) for s in shape]
    return [tuple(shape)]


def _pytorch_params(model: nn.Module) -> tuple[int, int]:
    unique = set(model.parameters())
    return sum(p.numel() for p in unique), sum(p.numel() for p in unique if p.requires_grad)


def _check_against_pytorch(model: nn.Module, inputs: Any, ours: Trace) -> None:
    judged = _plain_forward(model, inputs)
    assert [r.type for r in ours.layers] == [kind for kind, _ in judged]
    for record, (_, shapes) in zip(ours.layers, judged, strict=True):
        assert _as_list(record.output_shape) == shapes, record.path
    assert (ours.total_params, ours.trainable_params) == _pytorch_params(model)
    assert ours.total_flops == _flops(model, inputs)
    attributed = sum(r.flops or 0 for r in ours.layers) + sum(m.flops for m in ours.flops_by_module)
    assert attributed == ours.total_flops


def _torchinfo(model: nn.Module, peer: Peer) -> Any:
    kwargs = peer.theirs() if peer.theirs else {"input_data": peer.inputs()}
    return torchinfo.summary(model, verbose=0, depth=50, **kwargs)


def _executed_leaves(stats: Any) -> list[Any]:
    return [layer for layer in stats.summary_list if layer.is_leaf_layer and layer.executed]


@pytest.mark.parametrize("name", list(PEERS))
def test_peer_model_agrees_with_torchinfo_and_pytorch(name: str):
    peer = PEERS[name]
    model = _build(peer)
    ours = trace(model, peer.inputs(), count_flops=True)
    _check_against_pytorch(model, peer.inputs(), ours)

    stats = _torchinfo(model, peer)
    leaves = _executed_leaves(stats)
    assert [r.type for r in ours.layers] == [leaf.class_name for leaf in leaves]
    for record, leaf in zip(ours.layers, leaves, strict=True):
        # torchinfo keeps the first tensor of a tuple output; tutor keeps them all.
        shapes = _as_list(record.output_shape)
        assert list(shapes[0] if shapes else ()) == list(leaf.output_size), record.path
        assert record.num_params == leaf.num_params, record.path
        assert record.trainable_params == leaf.trainable_params, record.path
        assert record.mult_adds == leaf.macs, record.path
    assert ours.total_params == stats.total_params
    assert ours.trainable_params == stats.trainable_params
    assert ours.total_mult_adds == stats.total_mult_adds


def test_every_output_of_a_recurrent_layer_is_recorded():
    model = _build(PEERS["embedding and LSTM returning (out, (h, c)) (LSTMNet)"])
    tokens = _ids(1, 100, high=20)
    ours = trace(model, tokens, count_flops=True)
    out, (h, c) = model.lstm(model.embed(tokens))
    lstm = ours.by_path("lstm")
    assert lstm.output_shape == [tuple(out.shape), tuple(h.shape), tuple(c.shape)]
    assert lstm.output_shape == [(1, 100, 512), (2, 100, 512), (2, 100, 512)]
    # PyTorch runs nn.LSTM as one aten.lstm kernel that the FLOP counter cannot see.
    assert lstm.flops == 0 and "fused operator" in (lstm.note or "")


def test_packed_sequence_is_described_by_its_data():
    model = _build(PEERS["packed sequence through an LSTM (PackPaddedLSTM)"])
    ours = trace(model, [torch.ones(20, 128).long(), _LENGTHS])
    lstm = ours.by_path("lstm")
    assert lstm.input_shape[0] == (int(_LENGTHS.sum()), 128)  # every step of every sequence
    assert lstm.output_shape == [(int(_LENGTHS.sum()), 32), (1, 128, 32), (1, 128, 32)]
    assert "PackedSequence" in (lstm.note or "")


# ----------------------------------------------------- torchinfo 1.8 wrong: PyTorch decides


def test_tied_weights_count_once_where_torchinfo_counts_twice():
    peer = Peer(pm.TiedEmbedding, lambda: _ids(2, 8, high=1000))
    model = _build(peer)
    ours = trace(model, peer.inputs(), count_flops=True)
    _check_against_pytorch(model, peer.inputs(), ours)
    assert ours.total_params == _pytorch_params(model)[0] == 64_000
    assert _torchinfo(model, peer).total_params == 128_000  # torchinfo issues #322/#377
    assert "same tensor as embed.weight" in (ours.by_path("unembed").note or "")


def test_shared_module_in_nested_lists_where_torchinfo_double_counts():
    peer = Peer(pm.SharedActivationBlocks, lambda: _r(1, 4))
    model = _build(peer)
    ours = trace(model, peer.inputs(), count_flops=True)
    _check_against_pytorch(model, peer.inputs(), ours)
    assert ours.total_params == _pytorch_params(model)[0] == 120
    assert _torchinfo(model, peer).total_params == 160  # torchinfo issue #327


def test_pruned_layers_count_as_pytorch_stores_them_and_dense_mult_adds():
    x = _r(16, 1, 28, 28)
    model = _pruned_digits().eval()
    ours = trace(model, x, count_flops=True)
    _check_against_pytorch(model, x, ours)
    assert ours.total_params == _pytorch_params(model)[0] == 21_840  # weight_orig is dense
    # Mult-adds by the dense formula: what torchinfo says for the same model unpruned.
    dense = torchinfo.summary(pm.DigitCNN(), input_data=x, verbose=0)
    assert ours.total_mult_adds == dense.total_mult_adds
    # torchinfo counts only the mask's ones, as its own test_pruning expects.
    theirs = torchinfo.summary(model, input_data=x, verbose=0)
    assert (theirs.total_params, theirs.total_mult_adds) == (10_965, 3_957_600)
    conv = ours.by_path("conv_a")
    assert conv.param_shapes == {"bias": (10,), "weight_orig": (10, 1, 5, 5)}
    assert "125 of 250 masked to zero" in (conv.note or "")


def test_parameter_named_weight_mask_is_a_parameter():
    peer = Peer(pm.MaskNamedParameter, lambda: _r(1))
    model = _build(peer)
    ours = trace(model, peer.inputs())
    assert ours.total_params == _pytorch_params(model)[0] == 64
    assert _torchinfo(model, peer).total_params == 32  # its own test says "should be 64"
    assert "pruned" not in (ours.layers[0].note or "")


def test_partly_scripted_model_records_its_torchscript_layers():
    peer = Peer(pm.HalfScripted, lambda: _r(2, 1, 28, 28))
    model = _build(peer)
    ours = trace(model, peer.inputs(), count_flops=True)
    assert [r.path for r in ours.layers] == ["conv_a", "conv_b", "drop", "hidden", "logits"]
    # The judge for the scripted layers: call them directly.
    assert ours.by_path("hidden").output_shape == tuple(model.hidden(_r(2, 320)).shape)
    assert ours.by_path("logits").output_shape == (2, 10)
    assert ours.by_path("hidden").mult_adds == 2 * (320 * 50 + 50)
    assert ours.by_path("hidden").flops == 2 * 2 * 320 * 50
    assert ours.total_params == _pytorch_params(model)[0] == 21_840
    assert ours.total_flops == _flops(model, peer.inputs())
    theirs = _torchinfo(model, peer)
    assert theirs.total_params == 38_400  # the scripted layers counted twice
    # torchinfo never sees the scripted layers run: no shapes, no mult-adds.
    assert ours.total_mult_adds == theirs.total_mult_adds + 2 * (320 * 50 + 50) + 2 * (50 * 10 + 10)


def test_fully_scripted_model_is_one_layer_with_its_parameters():
    model = torch.jit.script(pm.ThreeLinear().eval())
    x = _r(64, 128)
    ours = trace(model, x, count_flops=True)
    (layer,) = ours.layers
    assert layer.type == "ThreeLinear"
    assert layer.output_shape == tuple(model(x).shape) == (64, 1)
    assert layer.num_params == ours.total_params == _pytorch_params(model)[0] == 33_153
    assert "TorchScript" in (layer.note or "") and layer.mult_adds == 0
    # Operator FLOPs still see every matmul inside the compiled code.
    assert ours.total_flops == layer.flops == 2 * 64 * (128 * 128 + 128 * 128 + 128)
    assert torchinfo.summary(model, input_data=x, verbose=0).total_params == 33_153


TORCHINFO_RAISES: dict[str, Peer] = {
    "dict with a string value (#268)": Peer(
        pm.DictWithText, lambda: [{"tensor": _r(1, 3, 32, 32), "label": "cat"}]
    ),
    "dict with a None value (#268)": Peer(
        pm.DictWithText, lambda: [{"tensor": _r(1, 3, 32, 32), "mask": None}]
    ),
    "ModuleDict with strings among the inputs": Peer(
        pm.ChosenByName, lambda: {"x": _r(1, 10, 3, 3), "layer": "conv", "activation": "lrelu"}
    ),
    "a layer returning a string (EdgeCaseModel)": Peer(
        lambda: pm.OddOutputs(text=True), lambda: _r(1, 1, 28, 28)
    ),
    "a layer returning a class (EdgeCaseModel)": Peer(
        lambda: pm.OddOutputs(cls=True), lambda: _r(1, 1, 28, 28)
    ),
    "a Categorical output (#329)": Peer(pm.CategoricalPolicy, lambda: _r(1, 10)),
    "a Normal output": Peer(pm.GaussianHead, lambda: _r(1, 10)),
    "kernel_size stored as a 0-d tensor (#355)": Peer(
        pm.TensorKernelAttribute, lambda: _r(1, 1, 16)
    ),
    "a named tuple among the inputs": Peer(
        pm.NamedTupleInput, lambda: [_r(2, 4), pm.Point(_r(2, 4), _r(2, 4))]
    ),
}


@pytest.mark.parametrize("name", list(TORCHINFO_RAISES))
def test_where_torchinfo_raises_the_engine_traces(name: str):
    peer = TORCHINFO_RAISES[name]
    model = _build(peer)
    ours = trace(model, peer.inputs(), count_flops=True)
    _check_against_pytorch(model, peer.inputs(), ours)
    with pytest.raises((TypeError, RuntimeError)):
        _torchinfo(model, peer)


def test_non_tensor_outputs_are_noted_on_their_layer():
    text = trace(
        _build(TORCHINFO_RAISES["a layer returning a string (EdgeCaseModel)"]), _r(1, 1, 28, 28)
    )
    identity = text.by_path("passthrough.identity")
    assert identity.output_shape == [] and identity.note == "returns a str, not a tensor"
    policy = trace(_build(TORCHINFO_RAISES["a Categorical output (#329)"]), _r(1, 10))
    assert isinstance(policy.output, torch.distributions.Categorical)


def test_failing_forward_names_the_layer_and_leaves_the_model_clean():
    model = pm.OddOutputs(fail=True)
    model.train()
    with pytest.raises(TraceError) as caught:
        trace(model, _r(1, 1, 28, 28))
    error = caught.value
    assert error.layer == ("conv", "Conv2d", (1, 10, 24, 24))
    assert error.ran == ["conv", "passthrough.identity"]
    assert "in conv (Conv2d) on input (1, 10, 24, 24)" in str(error)
    assert model.training is True
    assert not torch.nn.modules.module._global_forward_hooks
    with pytest.raises(RuntimeError):
        torchinfo.summary(pm.OddOutputs(fail=True), input_data=_r(1, 1, 28, 28), verbose=0)
