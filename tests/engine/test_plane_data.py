"""The 2-D sets circle, xor, gauss and spiral: seeded, balanced, split, noisy on request,
and usable wherever a dataset is (load_dataset, `tutor data`)."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
import torch

from tutor.cli import main
from tutor.engine.data import DataError, dataset_info, dataset_names, load_dataset
from tutor.engine.datasets.plane import (
    PLANE_SETS,
    make_plane_data,
    plane_dataset,
    plane_splits,
)

SETS = list(PLANE_SETS)


def test_the_four_sets_are_in_the_registry_as_generated_2d_classification():
    assert set(SETS) <= set(dataset_names())
    for name in SETS:
        info = dataset_info(name)
        assert info.sample_shape == (2,) and info.task == "classification"
        assert len(info.classes) == 2 and info.origin == "generated"
        assert info.noise == 0.0 and not info.downloadable
    assert dataset_info("Gaussians").name == "gauss"


@pytest.mark.parametrize("name", SETS)
def test_load_dataset_gives_balanced_disjoint_splits(name):
    data = load_dataset(name)
    assert (len(data.train), len(data.val), len(data.test)) == (500, 250, 250)
    assert data.sample_shape == (2,) and data.classes == dataset_info(name).classes
    for split in (data.train, data.val, data.test):
        assert split.x.shape == (len(split), 2) and split.x.dtype == torch.float32
        assert split.y.dtype == torch.int64
        assert torch.bincount(split.y).tolist() == [len(split) // 2] * 2  # balanced
    # Every generated point lands in exactly one split.
    index = torch.cat([data.train.index, data.val.index, data.test.index])
    assert sorted(index.tolist()) == list(range(1000))
    points, labels = make_plane_data(name)
    for split in (data.train, data.val, data.test):
        torch.testing.assert_close(split.x, points[split.index], rtol=0, atol=0)
        assert torch.equal(split.y, labels[split.index])
    # Points are not normalized: the model sees the plane as drawn.
    assert data.mean == (0.0, 0.0) and data.std == (1.0, 1.0)
    assert float(data.train.x.abs().max()) < 6.5
    x, label, class_name = data.sample(3)
    assert x.shape == (2,) and class_name == data.classes[label]
    with pytest.raises(DataError, match="no images"):
        data.image(0)
    assert "points of 2 numbers, 2 classes" in data.notice and "noise 0" in data.notice


@pytest.mark.parametrize("name", SETS)
def test_seeded_same_every_time_and_another_seed_differs(name):
    a, b = make_plane_data(name, noise=0.2), make_plane_data(name, noise=0.2)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    other, _ = make_plane_data(name, noise=0.2, seed=99)
    assert not torch.allclose(a[0], other)
    assert torch.equal(plane_splits(name).index["val"], plane_splits(name).index["val"])


@pytest.mark.parametrize("name", SETS)
def test_noise_moves_the_same_points(name):
    clean, labels = make_plane_data(name, noise=0.0)
    noisy, noisy_labels = make_plane_data(name, noise=0.3)
    assert torch.equal(labels, noisy_labels)  # same points, same order, same classes
    moved = (noisy - clean).abs()
    assert float(moved.max()) > 0.05
    if name in ("circle", "xor"):
        assert float(moved.max()) <= 5 * 0.3 + 1e-5  # up to 5 × noise per axis
    if name == "spiral":
        assert float(moved.max()) <= 0.3 + 1e-6
    loaded = load_dataset(name, noise=0.3)
    torch.testing.assert_close(loaded.train.x, noisy[loaded.train.index], rtol=0, atol=0)
    assert "noise 0.3" in loaded.notice


def test_shapes_of_the_clean_sets():
    x, y = make_plane_data("circle")
    r = x.norm(dim=1)
    assert float(r[y == 1].max()) <= 2.5 + 1e-5  # inside: the disc
    assert float(r[y == 0].min()) >= 3.5 - 1e-5 and float(r[y == 0].max()) <= 5 + 1e-5
    x, y = make_plane_data("xor")
    assert torch.equal((x[:, 0] * x[:, 1] > 0).long(), y)  # class 1: same signs
    assert float(x.abs().min()) >= 0.3 - 1e-6
    x, y = make_plane_data("gauss")
    torch.testing.assert_close(x[y == 1].mean(0), torch.tensor([2.0, 2.0]), atol=0.15, rtol=0)
    torch.testing.assert_close(x[y == 0].mean(0), torch.tensor([-2.0, -2.0]), atol=0.15, rtol=0)
    assert abs(float(x[y == 1].var(0).mean()) - 0.5) < 0.1
    wide, _ = make_plane_data("gauss", noise=0.5)
    assert abs(float(wide[y == 1].var(0).mean()) - 4.0) < 0.6  # variance 0.5 -> 4
    x, y = make_plane_data("spiral")
    r = x.norm(dim=1)
    assert float(r.max()) < 5
    # The two arms are one another turned by half a turn: (x1, x2) -> (−x1, −x2).
    arm0 = x[y == 0][r[y == 0].argsort()]
    arm1 = x[y == 1][r[y == 1].argsort()]
    torch.testing.assert_close(arm1, -arm0, atol=1e-5, rtol=0)


@pytest.mark.parametrize(
    ("noise", "message"),
    [
        (0.6, "from 0 to 0.5"),
        (-0.1, "from 0 to 0.5"),
        (math.nan, "from 0 to 0.5"),
        ("0.1", "from 0 to 0.5"),
        (True, "from 0 to 0.5"),
    ],
)
def test_bad_noise_is_a_data_error(noise, message):
    with pytest.raises(DataError, match=message):
        load_dataset("circle", noise=noise)


def test_noise_on_other_sets_and_unknown_kinds_are_data_errors():
    with pytest.raises(DataError, match="noise is a setting of the 2-D sets"):
        load_dataset("thermometer", noise=0.1)
    with pytest.raises(DataError, match="did you mean 'spiral'"):
        make_plane_data("spirale")
    with pytest.raises(DataError, match="even whole number"):
        make_plane_data("circle", n=7)
    with pytest.raises(DataError, match="not one of the 2-D sets"):
        plane_dataset("thermometer")


def test_cli_data_lists_the_2d_sets_and_fetch_has_nothing_to_do(isolated_env, capsys):
    assert main(["data"]) == 0
    out = capsys.readouterr().out
    for name in SETS:
        row = next(line for line in out.splitlines() if line.startswith(name))
        assert "generated" in row and "itself" in row, row
        assert dataset_info(name).classes[0].split()[0] in row  # the first class's name
    assert main(["data", "fetch", "spiral"]) == 0
    assert "spiral is generated: nothing to download." in capsys.readouterr().out
    assert not (isolated_env["data"] / "tutor-cache").exists()  # nothing cached


def test_exported_data_code_makes_the_same_points_in_a_fresh_process(tmp_path):
    from tutor.engine.datasets.plane_code import plane_data_code

    cases = [(name, noise) for name in SETS for noise in (0.0, 0.3)]
    for name, noise in cases:
        (tmp_path / f"{name}-{noise}.py").write_text(plane_data_code(name, noise))
    driver = (
        "import runpy, sys, torch\n"
        "for path in sys.argv[1:]:\n"
        "    ns = runpy.run_path(path)\n"
        "    splits = [ns[s].tensors for s in ('train_data', 'val_data', 'test_data')]\n"
        "    torch.save(splits, path + '.pt')\n"
    )
    (tmp_path / "driver.py").write_text(driver)
    files = [f"{name}-{noise}.py" for name, noise in cases]
    done = subprocess.run(
        [sys.executable, "driver.py", *files],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    for (name, noise), file in zip(cases, files, strict=True):
        data = load_dataset(name, noise=noise)
        saved = torch.load(tmp_path / f"{file}.pt", weights_only=True)
        for (x, y), split in zip(saved, (data.train, data.val, data.test), strict=True):
            assert torch.equal(x, split.x) and torch.equal(y, split.y), (name, noise)
    with pytest.raises(DataError, match="not one of the 2-D sets"):
        plane_data_code("mnist")
