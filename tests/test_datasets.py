"""load_dataset: class-per-folder zips and folders, hostile archives skipped or refused clearly."""

from __future__ import annotations

import io

import numpy as np
import pytest

import hostile_files as hf
from explorer import InputError, load_dataset
from explorer.data import datasets as datasets_module


def test_zip_in_the_flow_from_directory_layout():
    dataset = load_dataset(hf.dataset_zip(classes={"dogs": 3, "cats": 5}), image_size=(16, 20), name="pets.zip")
    assert dataset.images.shape == (8, 16, 20, 3) and dataset.images.dtype == np.uint8
    assert dataset.class_names == ["cats", "dogs"]  # sorted, as Keras sorts them
    assert dataset.class_counts() == {"cats": 5, "dogs": 3}
    assert dataset.labels.tolist() == [0] * 5 + [1] * 3
    assert dataset.report.loaded == 8 and not dataset.report.skipped


def test_zip_as_path_bytes_or_file_and_wrapped_in_a_folder(tmp_path):
    data = hf.dataset_zip(wrap_folder="my_dataset")
    path = tmp_path / "pets.zip"
    path.write_bytes(data)
    for source in (data, path, str(path), io.BytesIO(data)):
        dataset = load_dataset(source, image_size=16)
        assert dataset.class_names == ["cats", "dogs"] and len(dataset) == 8


def test_folder_source(tmp_path):
    root = hf.dataset_folder(tmp_path / "pets", classes={"a": 2, "b": 3, "c": 2})
    dataset = load_dataset(root, image_size=16)
    assert dataset.class_names == ["a", "b", "c"] and len(dataset) == 7
    assert dataset.name == "pets"


def test_folder_symlinks_are_skipped(tmp_path):
    root = tmp_path / "pets"
    hf.dataset_folder(root)
    hf.folder_with_symlink(root)
    dataset = load_dataset(root, image_size=16)
    assert len(dataset) == 8
    assert dataset.report.skipped == {"symbolic link": 1}


@pytest.mark.parametrize(
    "maker, reason, count",
    [
        (hf.zip_with_traversal, "path with '..'", 2),
        (hf.zip_with_traversal, "absolute path", 1),
        (hf.zip_with_symlink, "symbolic link", 1),
        (hf.zip_bomb, "compressed more than 200:1 (possible zip bomb)", 1),
        (hf.zip_in_zip, "nested archive (not opened)", 1),
        (hf.zip_with_duplicate_names, "duplicate name", 1),
        (hf.zip_with_encrypted_entry, "encrypted entry", 1),
        (hf.zip_with_junk, "hidden or system file", 2),
        (hf.zip_with_junk, "not an image file", 2),
        (hf.zip_with_junk, "not inside a class folder", 1),
    ],
    ids=[
        "traversal",
        "absolute",
        "symlink",
        "bomb",
        "zip in zip",
        "duplicates",
        "encrypted",
        "hidden",
        "non-image",
        "stray",
    ],
)
def test_hostile_entries_are_skipped_and_counted(maker, reason, count):
    dataset = load_dataset(maker(), image_size=16)
    assert dataset.report.skipped[reason] == count, dataset.report.summary()
    assert dataset.class_names == ["cats", "dogs"]
    assert reason in dataset.report.summary()


def test_undecodable_images_are_skipped_with_their_message():
    extra = {"cats/notes.png": hf.html_as_png(), "dogs/half.jpg": hf.truncated(hf.jpeg())}
    dataset = load_dataset(hf.dataset_zip(extra=extra), image_size=16)
    assert len(dataset) == 8 and dataset.report.skipped["not a usable image"] == 2
    assert "cats/notes.png (cats/notes.png is an HTML file, not an image)" in dataset.report.summary()


def test_non_utf8_names_load_under_their_decoded_name():
    dataset = load_dataset(hf.zip_with_non_utf8_names(), image_size=16)
    assert dataset.class_names == ["cl_\u0398", "dogs"]  # 0xE9 read as cp437, as zipfile does
    assert len(dataset) == 6


@pytest.mark.parametrize(
    "data, message",
    [
        (hf.one_class_zip(), "pets.zip has one class (cats); a classifier needs at least 2 class folders"),
        (hf.zip_with_bad_utf8_flagged_name(), "pets.zip has file names that are marked UTF-8 but are not"),
        (hf.zip_with_too_many_entries(), "pets.zip has 25000 entries; the limit is 20000"),
        (hf.corrupt_zip(), "pets.zip is not a readable zip archive"),
        (hf.png(), "pets.zip is not a readable zip archive"),
        (
            hf.dataset_zip(classes={"cats": 4, "dogs": 1}),
            "pets.zip: too few images to split into training and validation in dogs (1)",
        ),
        (hf.dataset_zip(classes={}, extra={"notes.txt": b"hello"}), "pets.zip has no usable images in class folders"),
        (b"", "pets.zip is not a readable zip archive"),
    ],
    ids=["one class", "bad utf-8", "too many entries", "corrupt", "not a zip", "too few", "no images", "empty"],
)
def test_unusable_datasets_raise_input_error_saying_why(data, message):
    with pytest.raises(InputError) as error:
        load_dataset(data, image_size=16, name="pets.zip")
    assert str(error.value).startswith(message)


def test_declared_size_and_decoded_size_are_capped(monkeypatch):
    monkeypatch.setattr(datasets_module, "MAX_TOTAL_BYTES", 1000)
    with pytest.raises(InputError, match=r"would unpack to .* the limit is"):
        load_dataset(hf.dataset_zip(), image_size=16, name="pets.zip")
    monkeypatch.undo()
    monkeypatch.setattr(datasets_module, "MAX_DATASET_BYTES", 8 * 16 * 16 * 3 - 1)
    with pytest.raises(InputError, match="choose a smaller image size"):
        load_dataset(hf.dataset_zip(), image_size=16, name="pets.zip")


def test_colour_modes():
    rgb = hf.dataset_zip()
    assert load_dataset(rgb, image_size=16).images.shape[-1] == 3
    assert load_dataset(rgb, image_size=16, color_mode="grayscale").images.shape[-1] == 1
    grey = hf.dataset_zip(classes={}, extra={f"{c}/{k}.png": hf.png("L", seed=k) for c in "ab" for k in range(2)})
    assert load_dataset(grey, image_size=16).images.shape[-1] == 1  # auto: all grey stays grey
    assert load_dataset(grey, image_size=16, color_mode="rgb").images.shape[-1] == 3
    with pytest.raises(InputError, match="color_mode"):
        load_dataset(rgb, image_size=16, color_mode="cmyk")


@pytest.mark.parametrize("size", [0, 4, 5000, (16,), "32", (16.0, 16.0)])
def test_image_size_is_validated(size):
    with pytest.raises(InputError, match="image_size"):
        load_dataset(hf.dataset_zip(), image_size=size)
