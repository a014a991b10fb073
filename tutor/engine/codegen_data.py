"""The data of a lesson as plain PyTorch: the same samples, splits and scaling the app used.

A notebook that loads ``datasets.FashionMNIST(..., transform=ToTensor())`` and trains
on all 60,000 images trains on other data than the lesson did: the app holds a tenth of
the training images out for validation, keeps only two CIFAR classes for ``cifar2``
(relabelled 0 and 1), and normalizes every channel with the training images' mean and
standard deviation. The code written here does the same, so a learner's copy trains on
what the lesson trained on (``tutor.engine.datasets.splits`` is the reference; a test
runs this code and compares).

Each function returns a :class:`~tutor.engine.script.Script` whose setup block defines
``train_data``, ``val_data`` and ``test_data`` (``test_data`` is None without a test
split), and ``classes``.
"""

from __future__ import annotations

from tutor.engine.datasets.registry import DataError, dataset_info
from tutor.engine.datasets.sources import THERMOMETER_T_C, THERMOMETER_T_U
from tutor.engine.datasets.splits import MAX_VAL, SPLIT_SEED
from tutor.engine.script import Script

_TORCHVISION = """# {title} as the lesson uses it: {what}the training images less a validation
# tenth (the same fixed split as tutor's), and every channel normalized with the
# training images' own mean and standard deviation.
raw = datasets.{cls}(root="data", train=True, download=True, transform=ToTensor()){keep}
n_val = min({max_val}, len(keep) // 10)
perm = torch.randperm(len(keep), generator=torch.Generator().manual_seed({seed}))
val_idx, train_idx = perm[:n_val].sort().values, perm[n_val:].sort().values
pixels = torch.stack([raw[keep[i]][0] for i in train_idx])  # (N, C, H, W), 0..1
mean = pixels.transpose(0, 1).flatten(1).mean(dim=1)  # one number per channel
std = pixels.transpose(0, 1).flatten(1).std(dim=1)
print("mean", [round(v, 4) for v in mean.tolist()], "std", [round(v, 4) for v in std.tolist()])
transform = Compose([ToTensor(), Normalize(mean.tolist(), std.tolist())])
full = datasets.{cls}(root="data", train=True, download=True, transform=transform{relabel})
train_data = Subset(full, [keep[i] for i in train_idx])
val_data = Subset(full, [keep[i] for i in val_idx])
test_full = datasets.{cls}(root="data", train=False, download=True, transform=transform{relabel})
test_data = Subset(test_full, {test_keep})
classes = {classes}
image, label = train_data[0]  # image (C, H, W), normalized; label an int
print(len(train_data), "train,", len(val_data), "val,", len(test_data), "test;", tuple(image.shape))"""

_THERMOMETER = """# The thermometer readings (Stevens, Antiga & Viehmann, "Deep Learning with PyTorch",
# ch. 5): t_u in an unknown unit, t_c in Celsius; 2 of the 11 held out for validation.
t_c = torch.tensor({t_c}).unsqueeze(1)  # (11, 1)
t_u = torch.tensor({t_u}).unsqueeze(1)  # (11, 1)
n_val = int(0.2 * len(t_u))
perm = torch.randperm(len(t_u), generator=torch.Generator().manual_seed({seed}))
val_idx, train_idx = perm[:n_val].sort().values, perm[n_val:].sort().values
train_data = TensorDataset(t_u[train_idx], t_c[train_idx])  # (reading, Celsius) pairs
val_data = TensorDataset(t_u[val_idx], t_c[val_idx])
test_data = None
classes = None"""


def _torchvision(name: str) -> Script:
    info = dataset_info(name)
    base = dataset_info(info.base)
    cls = base.torchvision_class
    if info.label_map is not None:
        mapping = {old: new for new, old in enumerate(info.label_map)}
        what = f"only the classes {', '.join(map(str, info.label_map))}, relabelled 0.., "
        keep = (
            f"\nlabel_map = {mapping!r}  # source label -> the lesson's label"
            "\nkeep = [i for i, y in enumerate(raw.targets) if int(y) in label_map]"
        )
        relabel = ", target_transform=lambda y: label_map[int(y)]"
        test_keep = "[i for i, y in enumerate(test_full.targets) if int(y) in label_map]"
    else:
        what = ""
        keep = "\nkeep = list(range(len(raw)))"
        relabel = ""
        test_keep = "range(len(test_full))"
    block = _TORCHVISION.format(
        title=info.title,
        what=what,
        cls=cls,
        keep=keep,
        relabel=relabel,
        max_val=MAX_VAL,
        seed=SPLIT_SEED,
        test_keep=test_keep,
        classes=list(info.classes),
    )
    return Script(
        imports=[
            "import torch",
            "from torch.utils.data import Subset",
            "from torchvision import datasets",
            "from torchvision.transforms import Compose, Normalize, ToTensor",
        ],
        setup={f"data:{name}": block},
    )


def data_script(dataset: str | None, noise: float | None = None) -> Script:
    """Code that makes the lesson's ``train_data``, ``val_data``, ``test_data``."""
    if dataset is None:
        return Script(setup={"data:none": "train_data = val_data = test_data = None  # your data"})
    try:
        info = dataset_info(dataset)
    except DataError:
        return Script(setup={f"data:{dataset}": f"train_data = ...  # the {dataset} data"})
    if info.noise is not None:  # a generated 2-D set
        from tutor.engine.datasets.plane_code import plane_data_code

        text = plane_data_code(info.name, noise)
        lines = text.split("\n")
        imports = [line for line in lines if line.startswith(("import ", "from "))]
        rest = "\n".join(line for line in lines if line not in imports).strip("\n")
        return Script(
            imports=imports, setup={f"data:{info.name}:{noise}": rest + "\nclasses = [0, 1]"}
        )
    if info.name == "thermometer":
        block = _THERMOMETER.format(
            t_c=list(THERMOMETER_T_C), t_u=list(THERMOMETER_T_U), seed=SPLIT_SEED
        )
        return Script(
            imports=["import torch", "from torch.utils.data import TensorDataset"],
            setup={"data:thermometer": block},
        )
    if info.name == "mnist-5k":
        # The shipped digits are real MNIST digits: a notebook loads MNIST itself.
        return _torchvision("mnist")
    if info.torchvision_class or info.base != info.name:
        return _torchvision(info.name)
    return Script(setup={f"data:{info.name}": f"train_data = ...  # the {info.title} data"})
