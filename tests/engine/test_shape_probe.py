"""The dry run's shape probe: the same shapes and errors as a real forward, without the
meta device's imports for the small layers of the course."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
import torch.nn as nn

from tutor.engine import shape_probe
from tutor.engine.shape_probe import output_shape

CASES = [
    (lambda: nn.Linear(784, 100), (32, 784)),
    (lambda: nn.Linear(5, 2), (5,)),
    (lambda: nn.Linear(8, 4), (2, 3, 8)),
    (lambda: nn.Conv2d(1, 6, 5), (2, 1, 28, 28)),
    (lambda: nn.Conv2d(3, 16, 3, stride=2, padding=1), (2, 3, 32, 32)),
    (lambda: nn.Conv2d(4, 4, 3, padding="same", groups=2), (2, 4, 9, 9)),
    (lambda: nn.Conv1d(2, 3, 4), (2, 2, 10)),
    (lambda: nn.MaxPool2d(2), (2, 6, 28, 28)),
    (lambda: nn.AvgPool2d(3, stride=1, padding=1), (2, 3, 7, 7)),
    (lambda: nn.Flatten(), (2, 16, 5, 5)),
    (lambda: nn.Unflatten(1, (4, 5)), (2, 20)),
    (lambda: nn.BatchNorm2d(6), (2, 6, 4, 4)),
    (lambda: nn.Softmax(dim=1), (2, 10)),
    (lambda: nn.ConvTranspose2d(3, 2, 4, stride=4), (2, 3, 8, 8)),  # meta path
    (lambda: nn.Upsample(scale_factor=3), (2, 1, 5, 5)),  # meta path
    (lambda: nn.Conv2d(64, 64, 3), (2, 64, 128, 128)),  # too many mult-adds: meta path
]


@pytest.mark.parametrize(("make", "shape"), CASES)
def test_shapes_equal_a_real_forward(make, shape):
    torch.manual_seed(0)
    expected = tuple(make()(torch.randn(shape)).shape)
    with torch.device("meta"):
        module = make()
    assert output_shape(module, shape) == expected


@pytest.mark.parametrize(
    ("make", "shape"),
    [
        (lambda: nn.Linear(256, 120), (2, 400)),
        (lambda: nn.Linear(4, 3), (5,)),
        (lambda: nn.Conv2d(3, 6, 5), (2, 1, 28, 28)),
        (lambda: nn.Conv2d(1, 6, 5), (2, 1, 3, 3)),
        (lambda: nn.BatchNorm1d(10), (2, 12)),
        (lambda: nn.Unflatten(1, (4, 4)), (2, 20)),
    ],
)
def test_mismatches_raise_like_a_real_forward(make, shape):
    with pytest.raises(RuntimeError) as real:
        make()(torch.randn(shape))
    with torch.device("meta"):
        module = make()
    with pytest.raises(RuntimeError) as probed:
        output_shape(module, shape)
    assert str(probed.value).splitlines()[0] == str(real.value).splitlines()[0]


def test_only_small_layers_run_on_the_cpu():
    with torch.device("meta"):
        small, huge = nn.Conv2d(1, 6, 5), nn.Conv2d(4096, 4096, 3)
    assert shape_probe._cheap_on_cpu(small, (2, 1, 28, 28))
    assert not shape_probe._cheap_on_cpu(huge, (2, 4096, 8, 8))  # 151M parameters
    assert not shape_probe._cheap_on_cpu(nn.Upsample(scale_factor=100), (2, 1, 8, 8))


def test_checking_the_bundled_lessons_imports_no_compiler_stack():
    code = (
        "import sys\n"
        "from tutor.course.catalog import discover\n"
        "from tutor.course.checking import check_lesson\n"
        "for entry in discover():\n"
        "    check_lesson(entry.file)\n"
        "    assert entry.file.ok, entry.file.problems\n"
        "print(sorted(m for m in ('torch._dynamo', 'sympy') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_batchnorm_takes_a_batch_of_one():
    """The facts' dry run uses batch 1: BatchNorm in train mode would refuse it."""
    with torch.device("meta"):
        layer = nn.BatchNorm1d(32)
    assert output_shape(layer, (1, 32)) == (1, 32)
