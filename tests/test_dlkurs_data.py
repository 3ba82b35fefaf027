"""Finding data, the error when it is missing, and the ImageData container."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision import datasets

import dlkurs
from dlkurs import (
    CIFAR2_CLASSES, CIFAR10_CLASSES, DataNotFoundError, ImageData, data_roots, load_cifar2, load_cifar10, load_mnist,
)
from dlkurs.data import CACHE_ENV_VAR, DATA_ENV_VAR, SHARED_CACHE_NAME, cache_folders, default_data_root


def test_default_data_root_is_the_checkouts_data_folder_wherever_the_kernel_runs(monkeypatch, tmp_path):
    monkeypatch.delenv(DATA_ENV_VAR, raising=False)
    checkout = Path(dlkurs.__file__).resolve().parent.parent
    for working_folder in (tmp_path, checkout / "solutions", checkout / "notebooks"):
        monkeypatch.chdir(working_folder)
        assert data_roots() == [checkout / "data"]


def test_an_installed_package_looks_in_its_environment_not_in_the_working_folder(monkeypatch, tmp_path):
    site_packages = tmp_path / "env" / "lib" / "site-packages"
    shutil.copytree(Path(dlkurs.__file__).parent, site_packages / "dlkurs", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.chdir(tmp_path)
    script = ("import sys; sys.path.insert(0, sys.argv[1]); import dlkurs.data as data; "
              "print(data.data_roots()[0]); print(data.cache_folders()[-1])")
    environment = {key: value for key, value in os.environ.items() if key not in (DATA_ENV_VAR, CACHE_ENV_VAR)}
    lines = subprocess.run([sys.executable, "-c", script, str(site_packages)], env=environment, check=True,
                           capture_output=True, text=True).stdout.splitlines()
    shared = Path(sys.prefix).resolve() / "share" / "dlkurs" / "data"
    assert [Path(line) for line in lines] == [shared, shared / SHARED_CACHE_NAME]


def test_data_roots_are_the_environment_variable_then_the_installations_data(monkeypatch, tmp_path):
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path / "shared"))
    monkeypatch.chdir(tmp_path)
    assert data_roots() == [tmp_path / "shared", default_data_root()]
    monkeypatch.setenv(DATA_ENV_VAR, str(default_data_root()))
    assert data_roots() == [default_data_root()]


def test_missing_data_names_the_places_searched_and_the_fix(monkeypatch, tmp_path):
    def offline(*args, **kwargs):
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz: no network")

    monkeypatch.setattr(datasets.MNIST, "download", offline)
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path / "nowhere"))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataNotFoundError) as error:
        load_mnist()
    message = str(error.value)
    assert str(tmp_path / "nowhere") in message and str(default_data_root()) in message
    assert "no network" in message and DATA_ENV_VAR in message and "Internetverbindung" in message


def test_mnist_from_a_data_root_in_torchvision_layout(monkeypatch, tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    pixels = torch.randint(0, 256, (3, 28, 28), dtype=torch.uint8)
    for prefix, count in (("train", 3), ("t10k", 3)):
        (raw / f"{prefix}-images-idx3-ubyte").write_bytes(
            (2051).to_bytes(4, "big") + count.to_bytes(4, "big") + (28).to_bytes(4, "big") * 2 + pixels.numpy().tobytes())
        (raw / f"{prefix}-labels-idx1-ubyte").write_bytes(
            (2049).to_bytes(4, "big") + count.to_bytes(4, "big") + bytes([7, 0, 3]))
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path))
    data = load_mnist(train=True)
    assert data.images.shape == (3, 1, 28, 28) and data.labels.tolist() == [7, 0, 3]
    assert torch.allclose(data.images[0, 0] * 0.3081 + 0.1307, pixels[0].float() / 255, atol=1e-6)
    assert torch.allclose(load_mnist(train=False, normalize=False).images[1, 0], pixels[1].float() / 255)


def test_subset_draws_distinct_samples_reproducibly():
    data = ImageData(torch.arange(100.0).view(100, 1, 1, 1), torch.arange(100), ("x",))
    first, again, other = data.subset(10, seed=0), data.subset(10, seed=0), data.subset(10, seed=1)
    assert torch.equal(first.labels, again.labels) and not torch.equal(first.labels, other.labels)
    assert len(set(first.labels.tolist())) == 10 and len(first) == 10
    assert torch.equal(first.images.flatten().long(), first.labels)


def test_split_gives_disjoint_parts_of_the_asked_sizes():
    data = ImageData(torch.arange(100.0).view(100, 1, 1, 1), torch.arange(100), ("x",))
    train, validation = data.split([70, 20], seed=0)
    assert (len(train), len(validation)) == (70, 20)
    assert not set(train.labels.tolist()) & set(validation.labels.tolist())
    assert torch.equal(train.images.flatten().long(), train.labels)
    with pytest.raises(ValueError, match="größer"):
        data.split([80, 30], seed=0)


def test_cifar_from_a_jpeg_folder_keeps_only_the_chosen_classes_and_caches_them(monkeypatch, tmp_path):
    for name in CIFAR10_CLASSES:
        folder = tmp_path / "cifar10" / "train" / name
        folder.mkdir(parents=True)
        for index in range(2):
            shade = 40 * CIFAR10_CLASSES.index(name)
            Image.new("RGB", (32, 32), (shade, shade, shade)).save(folder / f"{index:04d}.jpg", quality=95)
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path))
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "cache"))
    data = load_cifar10(train=True, classes=("bird", "airplane"))
    assert data.images.shape == (4, 3, 32, 32) and data.classes == ("bird", "airplane")
    assert data.labels.tolist() == [0, 0, 1, 1]
    assert abs(data.images[0].mean().item() - 80 / 255) < 0.02 and data.images[2].max().item() < 0.02
    assert len(list((tmp_path / "cache").glob("*.pt"))) == 1
    assert torch.equal(load_cifar10(train=True, classes=("bird", "airplane")).images, data.images)


def test_unknown_cifar_class_is_rejected():
    with pytest.raises(ValueError, match="Unbekannte CIFAR-10-Klassen"):
        load_cifar10(classes=("airplane", "unicorn"))


def test_cifar2_is_normalised_with_the_training_statistics(monkeypatch, tmp_path):
    generator = np.random.default_rng(0)
    for split, brightness in (("train", 100), ("test", 200)):
        for name in CIFAR2_CLASSES:
            folder = tmp_path / "cifar10" / split / name
            folder.mkdir(parents=True)
            for index in range(3):
                pixels = generator.integers(brightness - 50, brightness + 50, (32, 32, 3), dtype=np.uint8)
                Image.fromarray(pixels).save(folder / f"{index:04d}.jpg", quality=95)
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path))
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "cache"))
    train, validation = load_cifar2()
    assert (len(train), len(validation)) == (6, 6) and train.classes == ("airplane", "bird")
    assert torch.allclose(train.images.mean(dim=(0, 2, 3)), torch.zeros(3), atol=1e-5)
    assert torch.allclose(train.images.std(dim=(0, 2, 3)), torch.ones(3), atol=1e-5)
    assert (validation.images.mean(dim=(0, 2, 3)) > 2).all()  # brighter images, measured with the training scale


def test_a_shared_read_only_tensor_cache_is_read_and_an_unwritable_cache_only_costs_speed(monkeypatch, tmp_path):
    for name in CIFAR2_CLASSES:
        folder = tmp_path / "cifar10" / "test" / name
        folder.mkdir(parents=True)
        Image.new("RGB", (32, 32), (90, 90, 90)).save(folder / "0000.jpg", quality=95)
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path))
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "prepared"))
    prepared = load_cifar10(train=False, classes=CIFAR2_CLASSES)
    (cached,) = (tmp_path / "prepared").glob("*.pt")
    shared = tmp_path / "shared-cache"
    shared.mkdir()
    shutil.copy(cached, shared / cached.name)
    unwritable = tmp_path / "not-a-folder"
    unwritable.write_text("a file where the cache folder should be")
    monkeypatch.setenv(CACHE_ENV_VAR, str(unwritable))
    monkeypatch.setattr("dlkurs.data.cache_folders", lambda: [unwritable, shared])
    monkeypatch.setattr("dlkurs.data._write_cache", lambda *args: pytest.fail("a cached dataset is decoded again"))
    assert torch.equal(load_cifar10(train=False, classes=CIFAR2_CLASSES).images, prepared.images)
    monkeypatch.undo()
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path))
    monkeypatch.setenv(CACHE_ENV_VAR, str(unwritable))
    assert torch.equal(load_cifar10(train=False, classes=CIFAR2_CLASSES).images, prepared.images)


def test_cache_folders_are_the_own_cache_then_the_installations_shared_one(monkeypatch, tmp_path):
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path))
    assert cache_folders() == [tmp_path, default_data_root() / SHARED_CACHE_NAME]
