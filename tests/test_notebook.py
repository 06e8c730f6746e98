"""The notebook API: `explorer.compare` / `explorer.ablate` on demos, folders and arrays, with
IDG kwargs, an AugmentConfig or a FastImageDataGenerator; the README's example run as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import explorer
from explorer import AugmentConfig, InputError, dataset_from_arrays
from explorer.data.demos import make_shapes

ROOT = Path(__file__).resolve().parents[1]
MARKER = "<!-- notebook example: tests/test_notebook.py runs this block as it is -->"


def readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(re.escape(MARKER) + r"\s*```python\n(.*?)```", text, re.S)
    assert match, "the README's notebook example is missing its marker"
    return match.group(1)


@pytest.mark.slow
def test_readme_notebook_example_runs_as_written(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run(
        [sys.executable, "-c", readme_example()], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    verdict, numbers = done.stdout.strip().splitlines()[-2:]
    assert verdict.startswith(
        ("Augmentation hurt", "Augmentation helped", "Augmentation probably", "No detectable difference")
    )
    assert re.match(r"-?\d+\.\d+ \(-?\d", numbers)  # delta_mean and its interval
    for name in ("result.json", "report.html", "figure.png", "curves.png", "spec.json"):
        assert (tmp_path / "notebook-run" / name).is_file(), name
    assert "100%" in done.stderr  # the progress bar reached the end


@pytest.fixture(scope="module")
def arrays():
    shapes = make_shapes(image_size=24, per_class=10)
    return shapes.images, np.array(shapes.class_names)[shapes.labels]


@pytest.mark.slow
def test_compare_on_arrays_with_a_fast_image_data_generator(arrays):
    generator = explorer.FastImageDataGenerator(rotation_range=30, vertical_flip=True)
    result = explorer.compare(arrays, generator, seeds=2, epochs=1, progress=False)
    assert isinstance(result, explorer.ComparisonResult) and result.run_dir is None
    assert result.spec.dataset.kind == "arrays" and result.dataset.class_names == [
        "circle",
        "plus",
        "square",
        "triangle",
    ]
    assert result.spec.config == generator.config and result.result.settings.image_size == 24
    assert result.verdict == result.summary.verdict and result.verdict
    shown = result._repr_html_()
    assert "data:image/png;base64," in shown and "small CNN at 24 px" in shown
    assert result.to_html().lstrip().lower().startswith("<!doctype html")
    assert len(result.figure().axes) >= 1


@pytest.mark.slow
def test_ablate_keeps_its_run_folder_and_names_the_settings(arrays, tmp_path):
    out = tmp_path / "ablation"
    result = explorer.ablate(
        arrays, AugmentConfig(rotation_range=30, vertical_flip=True), seeds=1, epochs=1, out=out, progress=False
    )
    assert isinstance(result, explorer.AblationResult) and result.run_dir == out
    assert {effect.transform for effect in result.analysis.one_at_a_time} == {"rotation_range", "vertical_flip"}
    assert result.verdict == result.analysis.sentence
    assert (out / "ablation.json").is_file() and (out / "report.html").is_file()


@pytest.mark.parametrize(
    "config, message",
    [
        ({"rotation_range": 10, "preprocessing_function": "f"}, "unsupported setting"),
        (42, "config must be an AugmentConfig"),
        ({}, "no augmentation setting is active"),
    ],
)
def test_configs_that_cannot_be_compared_are_named(arrays, config, message):
    with pytest.raises(InputError, match=message):
        explorer.compare(arrays, config, progress=False)


@pytest.mark.parametrize(
    "data, message",
    [
        ("no/such/folder", "no such folder or zip"),
        (3.5, "data must be a demo name"),
    ],
)
def test_data_that_cannot_be_read_is_named(data, message):
    with pytest.raises(InputError, match=message):
        explorer.compare(data, {"rotation_range": 10}, progress=False)


def test_a_used_run_folder_is_not_overwritten(arrays, tmp_path):
    (tmp_path / "kept.txt").write_text("mine")
    with pytest.raises(InputError, match="not an empty folder"):
        explorer.compare(arrays, {"rotation_range": 10}, out=tmp_path, progress=False)
    assert (tmp_path / "kept.txt").read_text() == "mine"


def test_arrays_take_grey_one_hot_and_non_square_images():
    x = np.random.default_rng(0).integers(0, 256, (6, 20, 30)).astype(np.float32)
    y = np.eye(3)[[0, 1, 2, 0, 1, 2]]
    dataset = dataset_from_arrays(x, y)
    assert dataset.images.shape == (6, 30, 30, 1) and dataset.images.dtype == np.uint8
    assert dataset.labels.tolist() == [0, 1, 2, 0, 1, 2] and dataset.class_names == ["0", "1", "2"]
    assert dataset_from_arrays(x, y, class_names=["a", "b", "c"], image_size=16).images.shape == (6, 16, 16, 1)


@pytest.mark.parametrize(
    "x, y, message",
    [
        (np.zeros((4, 8, 8, 3)) + 0.5, [0, 1, 0, 1], "already divided by 255"),
        (np.full((4, 8, 8, 3), 300.0), [0, 1, 0, 1], "0..255"),
        (np.zeros((4, 8)), [0, 1, 0, 1], "N x H x W"),
        (np.zeros((4, 8, 8, 3), np.uint8), [0, 1], "one label per image"),
        (np.zeros((4, 8, 8, 3), np.uint8), [0, 1, 2, 5], "only 3 class names"),
    ],
)
def test_arrays_that_are_not_images_in_0_255_are_named(x, y, message):
    names = ["a", "b", "c"] if message.startswith("only") else None
    with pytest.raises(InputError, match=message):
        dataset_from_arrays(x, y, class_names=names)
