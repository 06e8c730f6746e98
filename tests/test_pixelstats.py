"""Pixel statistics before and after IDG: the numbers and the units problems they reveal."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pytest

from explorer.augment.config import AugmentConfig
from explorer.diagnostics import pixelstats
from explorer.diagnostics.pixelstats import pixel_stats

# The article's third example: brightness, a channel shift meant as a fraction, a flip, rescale.
ARTICLE = AugmentConfig(brightness_range=[0.8, 1.2], channel_shift_range=0.1, horizontal_flip=True, rescale=1 / 255)
PLAIN = AugmentConfig(rotation_range=15, width_shift_range=0.1, horizontal_flip=True, zoom_range=0.1)


@pytest.fixture(scope="module")
def images():
    """Random uint8 images spanning the whole 0..255 range (a few pixels at 255)."""
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(6, 24, 24, 3), dtype=np.uint8)


def test_article_example_on_unit_data_is_black_and_rescaled_twice(images):
    stats = pixel_stats(images, ARTICLE, input_range="0-1")
    assert "black_output" in stats["flag_codes"]
    assert "rescale_twice" in stats["flag_codes"]
    assert "brightness_on_unit_data" in stats["flag_codes"]
    assert "channel_shift_invisible" not in stats["flag_codes"]  # 0.1 is 10% of 0..1
    text = " ".join(stats["flags"])
    assert "black" in text and "Rescale applied twice" in text
    assert stats["original"]["max"] == pytest.approx(1.0)
    assert stats["augmented"]["max"] <= 1 / 255 + 1e-6


def test_article_example_on_0_255_data_flags_the_tiny_channel_shift(images):
    stats = pixel_stats(images, ARTICLE, input_range="0-255")
    assert stats["flag_codes"] == ["channel_shift_invisible"]
    assert "too small to see" in stats["flags"][0]
    # rescale=1/255 maps the 0..255 input to 0..1: that is what it is for, not a problem.
    assert stats["original"]["max"] == 255.0
    assert 0.9 < stats["augmented"]["max"] <= 1.0 + 1e-6


def test_plain_config_flags_nothing(images):
    for input_range in ("0-255", "0-1"):
        assert pixel_stats(images, PLAIN, input_range=input_range)["flags"] == []
    assert pixel_stats(images, PLAIN.replace(rescale=1 / 255))["flags"] == []
    assert pixel_stats(images, AugmentConfig(channel_shift_range=30))["flags"] == []


def test_result_is_json_safe_plain_floats(images):
    stats = pixel_stats(images, ARTICLE, input_range="0-1")
    json.dumps(stats)
    for key in ("original", "augmented"):
        assert set(stats[key]) >= {"min", "max", "mean", "std"}
        assert all(type(value) is float for value in stats[key].values())
    assert len(stats["flags"]) == len(stats["flag_codes"])


def test_original_stats_are_of_the_batch_as_fed(images):
    loaded = pixel_stats(images, PLAIN, input_range="0-255")["original"]
    scaled = pixel_stats(images, PLAIN, input_range="0-1")["original"]
    assert loaded["mean"] == pytest.approx(images.mean())
    assert loaded["std"] == pytest.approx(images.std())
    assert scaled["mean"] == pytest.approx(images.mean() / 255, rel=1e-5)
    assert scaled["max"] == pytest.approx(1.0)


def test_channel_shift_saturating():
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(4, 16, 16, 3), dtype=np.uint8)
    stats = pixel_stats(images, AugmentConfig(channel_shift_range=200))
    assert "channel_shift_saturates" in stats["flag_codes"]
    assert "saturates" in " ".join(stats["flags"])
    assert "channel_shift_saturates" in pixel_stats(images, AugmentConfig(channel_shift_range=0.8), "0-1")["flag_codes"]


def test_brightness_on_unit_data_without_rescale_is_all_black():
    images = np.full((3, 8, 8, 3), 200, np.uint8)
    images[:, :4] = 40
    stats = pixel_stats(images, AugmentConfig(brightness_range=[0.9, 1.1]), input_range="0-1")
    assert stats["augmented"]["max"] == 0.0
    assert stats["flag_codes"][:2] == ["black_output", "brightness_on_unit_data"]
    assert stats["flags"][0].startswith("All augmented pixels are black")
    assert pixel_stats(images, AugmentConfig(brightness_range=[0.9, 1.1]))["flags"] == []


def test_accepts_a_list_of_differently_sized_images_and_a_dict_config():
    rng = np.random.default_rng(2)
    images = [rng.integers(0, 256, size=(10, 12, 3), dtype=np.uint8),
              rng.integers(0, 256, size=(14, 9, 3), dtype=np.uint8)]
    stats = pixel_stats(images, {"horizontal_flip": True})
    assert stats["flags"] == []
    assert stats["original"]["mean"] == pytest.approx(
        np.concatenate([image.ravel() for image in images]).mean())
    # a flip moves pixels but keeps every value
    assert stats["augmented"]["mean"] == pytest.approx(stats["original"]["mean"], rel=1e-6)


def test_rejects_bad_input_range(images):
    with pytest.raises(ValueError, match="input_range"):
        pixel_stats(images, PLAIN, input_range="0-100")


def test_no_heavy_imports():
    tree = ast.parse(Path(pixelstats.__file__).read_text())
    modules = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    modules |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not any(m.startswith(("scipy", "tensorflow", "keras", "streamlit", "matplotlib")) for m in modules)
