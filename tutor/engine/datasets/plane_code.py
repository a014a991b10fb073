"""The 2-D sets as plain PyTorch code: the points tutor generates, written out.

Exported code must run on its own (DESIGN.md), and for the generated sets there is no
``torchvision.datasets`` class to name, so the export writes the generator itself. It
performs the same random draws in the same order as
:mod:`tutor.engine.datasets.plane`, so a learner's script gets bit-for-bit the points,
labels and splits the app trained on (a test runs it in a fresh process and compares).
"""

from __future__ import annotations

from tutor.engine.datasets.plane_info import (
    DEFAULT_NOISE,
    PLANE_SEED,
    PLANE_SETS,
    PLANE_SIZE,
    check_noise,
)
from tutor.engine.datasets.registry import DataError

_HELPERS = """

def uniform(count, low, high):  # count numbers drawn evenly from low..high
    return low + (high - low) * torch.rand(count, generator=g)


def polar(r, angle):  # (count,) radii and angles -> (count, 2) points
    return torch.stack([r * torch.cos(angle), r * torch.sin(angle)], dim=1)

"""

# Each set's draws, in the engine's order. ``m`` points per class; class 0 first.
_BODIES = {
    "circle": """
inside = polar(uniform(m, 0, 2.5), uniform(m, 0, 2 * math.pi))  # class 1: a disc
outside = polar(uniform(m, 3.5, 5.0), uniform(m, 0, 2 * math.pi))  # class 0: a ring
jitter = uniform(4 * m, -5.0, 5.0).view(2 * m, 2) * NOISE  # up to 5 × noise per axis
x = torch.cat([outside, inside]) + jitter  # (N, 2)
""",
    "xor": """
size = uniform(4 * m, 0.3, 5.3).view(2 * m, 2)  # distances to the axes, at least 0.3
first = torch.where(torch.rand(2 * m, generator=g) < 0.5, -1.0, 1.0)  # sign of x1
same = torch.cat([-torch.ones(m), torch.ones(m)])  # class 1: x2 has x1's sign
signs = torch.stack([first, first * same], dim=1)  # (N, 2)
jitter = uniform(4 * m, -5.0, 5.0).view(2 * m, 2) * NOISE  # up to 5 × noise per axis
x = size * signs + jitter  # (N, 2)
""",
    "gauss": """
spread = math.sqrt(0.5 + 7 * NOISE)  # variance 0.5 without noise, 4 at noise 0.5
centres = torch.cat([torch.full((m, 2), -2.0), torch.full((m, 2), 2.0)])  # (N, 2)
x = centres + spread * torch.randn(2 * m, 2, generator=g)  # (N, 2)
""",
    "spiral": """
along = torch.arange(m, dtype=torch.float32) / m  # 0 .. 1 along an arm
r = 5.0 * along
angle = 1.75 * 2 * math.pi * along  # 1.75 turns
arms = torch.cat([polar(r, angle), polar(r, angle + math.pi)])  # the second: half a turn on
jitter = uniform(4 * m, -1, 1).view(2 * m, 2) * NOISE  # up to 1 × noise per axis
x = arms + jitter  # (N, 2)
""",
}

_SPLIT = """y = torch.cat([torch.zeros(m), torch.ones(m)]).to(torch.int64)  # (N,) m of each class
order = torch.randperm(N, generator=g)
x, y = x[order].contiguous(), y[order]

# 50 % train, 25 % validation, 25 % test within each class, each split shuffled
g = torch.Generator().manual_seed(SEED + 1)
parts = [[], [], []]
for label in (0, 1):
    members = (y == label).nonzero().flatten()  # positions of this class
    members = members[torch.randperm(len(members), generator=g)]
    n_train, n_val = round(0.5 * len(members)), round(0.25 * len(members))
    parts[0].append(members[:n_train])
    parts[1].append(members[n_train : n_train + n_val])
    parts[2].append(members[n_train + n_val :])
splits = []
for part in parts:
    index = torch.cat(part)
    index = index[torch.randperm(len(index), generator=g)]
    splits.append(TensorDataset(x[index], y[index]))  # (point, label) pairs
train_data, val_data, test_data = splits
point, label = train_data[0]  # point (2,): (x1, x2); label 0 or 1
"""


def plane_data_code(
    name: str, noise: float | None = None, seed: int = PLANE_SEED, n: int = PLANE_SIZE
) -> str:
    """Runnable code that makes ``train_data``, ``val_data`` and ``test_data``
    (``TensorDataset``s of points and labels) exactly as ``load_dataset(name,
    noise=noise)`` does."""
    if name not in PLANE_SETS:
        raise DataError(f"{name!r} is not one of the 2-D sets ({', '.join(PLANE_SETS)})")
    level = check_noise(DEFAULT_NOISE if noise is None else noise)
    header = (
        "import math\n"
        "\n"
        "import torch\n"
        "from torch.utils.data import TensorDataset\n"
        "\n"
        f"# The {name} set as tutor makes it: {n:,} points (x1, x2), half of each class,\n"
        f"# the same on every run (seed {seed}).\n"
        f"SEED, NOISE, N = {seed}, {level!r}, {n}\n"
        "g = torch.Generator().manual_seed(SEED)\n"
        "m = N // 2  # points per class\n"
    )
    return header + _HELPERS + _BODIES[name].lstrip("\n") + _SPLIT
