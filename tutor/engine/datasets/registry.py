"""The datasets tutor knows: names, shapes, class names, where their files live.

Static records only: no torch, no file access, so listing is instant.
"""

from __future__ import annotations

from dataclasses import dataclass

from tutor.errors import TutorError
from tutor.text import close_matches


class DataError(TutorError):
    """A dataset problem the learner can fix: an unknown name, a damaged file, no network."""


FASHION_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
DIGIT_CLASSES = tuple(str(d) for d in range(10))
CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
STANDIN_CLASSES = ("cross", "blob")

# The uncompressed files torchvision's MNIST-style classes check for (``_check_exists``
# strips the ``.gz`` from each resource name); CIFAR-10's pickled batches and metadata.
MNIST_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
CIFAR10_FILES = (
    "data_batch_1",
    "data_batch_2",
    "data_batch_3",
    "data_batch_4",
    "data_batch_5",
    "test_batch",
    "batches.meta",
)


@dataclass(frozen=True)
class DatasetInfo:
    """One registry record: what a dataset is and where its files live."""

    name: str
    """Registry name, e.g. ``fashion-mnist``."""
    title: str
    """Human title, e.g. ``FashionMNIST``."""
    task: str
    """``classification`` or ``regression``."""
    sample_shape: tuple[int, ...]
    """One sample without the batch dimension: ``(1, 28, 28)``, ``(3, 32, 32)``, ``(1,)``."""
    classes: tuple[str, ...]
    """Class names in label order; empty for regression."""
    origin: str
    """``torchvision`` (real files under TUTOR_DATA_DIR), ``bundled`` (a data file shipped
    inside tutor's package), ``generated`` (made in memory from a fixed seed) or ``builtin`` (in the code)."""
    description: str
    fallback: str | None = None
    """Registry name used when this set's files are missing and cannot be downloaded."""
    torchvision_class: str | None = None
    """Name of the class in ``torchvision.datasets`` that reads the files."""
    folder: str | None = None
    """Folder under TUTOR_DATA_DIR holding the files torchvision reads."""
    files: tuple[str, ...] = ()
    """The files in ``folder`` that torchvision needs."""
    source: str | None = None
    """The registry name whose files and cache this set uses (``cifar2`` -> ``cifar10``);
    None means the set itself."""
    label_map: tuple[int, ...] | None = None
    """For a subset: the source labels kept, in new-label order (cifar2: (0, 2))."""
    download_mb: float | None = None
    """Approximate download size, for the listing."""
    aliases: tuple[str, ...] = ()
    noise: float | None = None
    """The default noise (0 to 0.5) of a generated 2-D set; None for sets without one."""

    @property
    def base(self) -> str:
        """The registry name whose files and tensor cache hold this set's data."""
        return self.source or self.name

    @property
    def downloadable(self) -> bool:
        return self.origin == "torchvision"


REGISTRY: dict[str, DatasetInfo] = {
    info.name: info
    for info in (
        DatasetInfo(
            name="fashion-mnist",
            title="FashionMNIST",
            task="classification",
            sample_shape=(1, 28, 28),
            classes=FASHION_CLASSES,
            origin="torchvision",
            description="Zalando's 70,000 grey 28×28 clothing pictures, 10 classes",
            fallback="mnist-5k",
            torchvision_class="FashionMNIST",
            folder="FashionMNIST/raw",
            files=MNIST_FILES,
            download_mb=30.0,
            aliases=("fashionmnist", "fashion", "fmnist"),
        ),
        DatasetInfo(
            name="mnist",
            title="MNIST",
            task="classification",
            sample_shape=(1, 28, 28),
            classes=DIGIT_CLASSES,
            origin="torchvision",
            description="70,000 grey 28×28 handwritten digits",
            fallback="mnist-5k",
            torchvision_class="MNIST",
            folder="MNIST/raw",
            files=MNIST_FILES,
            download_mb=11.6,
        ),
        DatasetInfo(
            name="cifar10",
            title="CIFAR-10",
            task="classification",
            sample_shape=(3, 32, 32),
            classes=CIFAR10_CLASSES,
            origin="torchvision",
            description="60,000 colour 32×32 photos, 10 classes",
            fallback="shapes-2",
            torchvision_class="CIFAR10",
            folder="cifar-10-batches-py",
            files=CIFAR10_FILES,
            download_mb=170.5,
            aliases=("cifar-10", "cifar"),
        ),
        DatasetInfo(
            name="cifar2",
            title="CIFAR-2 (airplane vs bird)",
            task="classification",
            sample_shape=(3, 32, 32),
            classes=("airplane", "bird"),
            origin="torchvision",
            description="CIFAR-10's airplanes and birds: labels 0 and 2 become 0 and 1",
            fallback="shapes-2",
            torchvision_class="CIFAR10",
            folder="cifar-10-batches-py",
            files=CIFAR10_FILES,
            source="cifar10",
            label_map=(0, 2),
            download_mb=170.5,
            aliases=("cifar-2",),
        ),
        DatasetInfo(
            name="thermometer",
            title="Thermometer readings",
            task="regression",
            sample_shape=(1,),
            classes=(),
            origin="builtin",
            description="the 11 (unknown unit, Celsius) pairs of the thermometer fit",
            aliases=("temperature",),
        ),
        DatasetInfo(
            name="circle",
            title="Circle",
            task="classification",
            sample_shape=(2,),
            classes=("outside", "inside"),
            origin="generated",
            description="1,000 points (x1, x2): a disc inside a ring; noise 0 to 0.5",
            noise=0.0,
        ),
        DatasetInfo(
            name="xor",
            title="XOR",
            task="classification",
            sample_shape=(2,),
            classes=("opposite signs", "same signs"),
            origin="generated",
            description="1,000 points (x1, x2) in four quadrants: class 1 where x1 and x2 "
            "have the same sign; noise 0 to 0.5",
            noise=0.0,
        ),
        DatasetInfo(
            name="gauss",
            title="Two Gaussians",
            task="classification",
            sample_shape=(2,),
            classes=("lower left", "upper right"),
            origin="generated",
            description="1,000 points (x1, x2) in two round blobs; noise 0 to 0.5 spreads them",
            noise=0.0,
            aliases=("gaussian", "gaussians", "blobs"),
        ),
        DatasetInfo(
            name="spiral",
            title="Spiral",
            task="classification",
            sample_shape=(2,),
            classes=("first arm", "second arm"),
            origin="generated",
            description="1,000 points (x1, x2) on two interleaved spiral arms; noise 0 to 0.5",
            noise=0.0,
            aliases=("spirals",),
        ),
        DatasetInfo(
            name="mnist-5k",
            title="MNIST 5k",
            task="classification",
            sample_shape=(1, 28, 28),
            classes=DIGIT_CLASSES,
            origin="bundled",
            description="5,000 real MNIST digits (500 per class) shipped with tutor",
            aliases=("mnist5k",),
        ),
        DatasetInfo(
            name="shapes-2",
            title="Shapes stand-in",
            task="classification",
            sample_shape=(3, 32, 32),
            classes=STANDIN_CLASSES,
            origin="generated",
            description="4,000 generated colour 32×32 pictures: a cross on sky or a blob "
            "on grass; stands in for CIFAR offline",
            aliases=("shapes", "cifar-standin", "standin"),
        ),
    )
}


def dataset_names() -> list[str]:
    """Registry names, the course's sets first."""
    return list(REGISTRY)


def _normalise(name: str) -> str:
    return name.strip().lower().replace("_", "-").replace(" ", "-")


def dataset_info(name: str) -> DatasetInfo:
    """The registry record for ``name`` (case, ``_`` and known aliases are forgiven).

    Raises :class:`DataError` with the closest names for an unknown one.
    """
    key = _normalise(name)
    if key in REGISTRY:
        return REGISTRY[key]
    for info in REGISTRY.values():
        if key in info.aliases or key.replace("-", "") == info.name.replace("-", ""):
            return info
    known = list(REGISTRY)
    candidates = known + [alias for info in REGISTRY.values() for alias in info.aliases]
    close = close_matches(key, candidates, n=3)
    # Name the canonical set for an alias, so the suggestion is something to type.
    suggestions = list(dict.fromkeys(_canonical(c) for c in close))
    hint = f"; did you mean {' or '.join(repr(s) for s in suggestions)}?" if suggestions else "."
    raise DataError(f"unknown dataset {name!r}{hint} Known datasets: {', '.join(known)}")


def _canonical(name: str) -> str:
    for info in REGISTRY.values():
        if name == info.name or name in info.aliases:
            return info.name
    return name
