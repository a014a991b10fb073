"""Inputs: the --input grammar, and tensors, tuples and dicts moved and called as given."""

from __future__ import annotations

import pytest
import torch
import torch.nn as nn

from tutor.engine.dissect import dissect
from tutor.engine.inputs import InputError, InputSpec, ModelInputs, TensorSpec, parse_input


@pytest.mark.parametrize(
    ("text", "args", "kwargs"),
    [
        ("1,28,28", (TensorSpec((1, 28, 28)),), {}),
        (" 3, 32, 32 ", (TensorSpec((3, 32, 32)),), {}),
        ("1,28,28;10", (TensorSpec((1, 28, 28)), TensorSpec((10,))), {}),
        ("10:int", (TensorSpec((10,), "int"),), {}),
        ("10:long:100", (TensorSpec((10,), "long", high=100),), {}),
        ("[[3,32,32],[10]]", (TensorSpec((3, 32, 32)), TensorSpec((10,))), {}),
        ("[1,28,28]", (TensorSpec((1, 28, 28)),), {}),
        (
            '{"x": [1, 28, 28], "lengths": {"shape": [], "dtype": "long", "fill": 5}}',
            (),
            {"x": TensorSpec((1, 28, 28)), "lengths": TensorSpec((), "long", fill=5)},
        ),
        (
            '[{"image": [3, 32, 32], "mask": {"shape": [32, 32], "dtype": "bool"}}, 5, "conv"]',
            (
                {"image": TensorSpec((3, 32, 32)), "mask": TensorSpec((32, 32), "bool")},
                5,
                "conv",
            ),
            {},
        ),
        (
            '[[10], {"shape": [], "batch": false}]',
            (TensorSpec((10,)), TensorSpec((), batch=False)),
            {},
        ),
    ],
)
def test_input_grammar(text: str, args: tuple, kwargs: dict):
    assert parse_input(text) == InputSpec(args, kwargs)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3,x", "--input must be whole numbers separated by commas"),
        ("0,28", "--input must be positive sizes"),
        ("10:integer", "unknown type 'integer'"),
        ("10:int:many", "the highest value must be a whole number"),
        ("[1, 2", "--input is not valid JSON at line 1 column 6"),
        ('{"x": {"shape": [2], "dtyp": "long"}}', "has no key 'dtyp' (did you mean 'dtype'?)"),
        ('{"x": {"shape": [2], "dtype": "lnog"}}', "unknown dtype 'lnog' (did you mean 'long'?)"),
        ('{"x": {"shape": [2], "low": 5, "high": 5}}', "high (5) must be larger than low (5)"),
        ('{"x": {"shape": [-2]}}', "--input.x: sizes cannot be negative"),
        ('{"x": {"shape": [1.5]}}', "a shape is a list of whole numbers, got [1.5]"),
    ],
)
def test_input_grammar_errors(text: str, message: str):
    with pytest.raises(InputError) as caught:
        parse_input(text)
    assert message in caught.value.message


def test_made_inputs_are_seeded_and_sized_by_the_model():
    model = nn.Sequential(nn.Embedding(7, 3), nn.Flatten(), nn.Linear(15, 2)).double()
    spec = parse_input('[{"shape": [5], "dtype": "long"}, [4], {"shape": [2], "fill": 3}]')
    made = spec.make(batch_size=6, model=model)
    ids, floats, filled = made.args
    assert ids.dtype == torch.long and ids.shape == (6, 5)
    assert int(ids.min()) >= 0 and int(ids.max()) < 7  # the smallest Embedding's size
    assert floats.dtype == torch.float64 and floats.shape == (6, 4)  # the model's dtype
    assert torch.equal(filled, torch.full((6, 2), 3.0, dtype=torch.float64))
    again = spec.make(batch_size=6, model=model)
    assert torch.equal(again.args[1], floats)
    # The classic input is exactly the old seeded randn batch.
    one = InputSpec.single((1, 4, 4)).make(batch_size=2)
    expected = torch.randn((2, 1, 4, 4), generator=torch.Generator().manual_seed(0))
    assert torch.equal(one.args[0], expected)


class Picky(nn.Module):
    """Takes a tensor, a list of tensors and a keyword dict."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x, pair, extra=None):
        y = self.fc(x + pair[0] * pair[1])
        return y + extra["bias"] if extra is not None else y


def test_python_api_takes_tensors_tuples_and_dicts_on_the_device():
    model = Picky()
    x, a, b, bias = torch.randn(3, 4), torch.randn(3, 4), torch.randn(3, 4), torch.randn(2)
    expected = model(x, [a, b], extra={"bias": bias})
    for given in (
        ModelInputs((x, [a, b]), {"extra": {"bias": bias}}),
        {"x": x, "pair": (a, b), "extra": {"bias": bias}},
    ):
        result = dissect(model, None, device=None, x=given)
        assert torch.allclose(result.trace.output, expected)
        assert result.batch_size == 3
    single = dissect(model.fc, None, x=x)
    assert single.trace.input_shape == (3, 4) and single.as_json().get("inputs") is None
    moved = ModelInputs((x, [a, (b,)]), {"extra": {"bias": bias}}).to(torch.device("meta"))
    assert all(t.device.type == "meta" for t in moved.tensors())
    assert isinstance(moved.args[1], list) and isinstance(moved.args[1][1], tuple)
    assert moved.describe()[1] == {"name": "1.0", "shape": [3, 4], "dtype": "float32"}


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_nested_inputs_move_to_cuda():
    from tutor.engine.device import resolve_device

    device = resolve_device("cuda")
    model = Picky()
    given = {"x": torch.randn(3, 4), "pair": [torch.randn(3, 4), torch.randn(3, 4)]}
    result = dissect(model, None, device=device, x=given)
    assert result.trace.output.device.type == "cuda"
    assert result.trace.total_flops == 2 * 3 * 4 * 2
