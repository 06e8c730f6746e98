"""Pixel statistics before and after IDG (`measure_pixels`), and the doctor's rules that read
them: the numbers, and the units problems they reveal as findings."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pytest

from explorer.augment.config import AugmentConfig
from explorer.diagnostics import pixels
from explorer.diagnostics.doctor import diagnose
from explorer.diagnostics.pixels import BatchStats, PixelStats, measure_pixels

# The article's third example: brightness, a channel shift meant as a fraction, a flip, rescale.
ARTICLE = AugmentConfig(brightness_range=[0.8, 1.2], channel_shift_range=0.1, horizontal_flip=True, rescale=1 / 255)
PLAIN = AugmentConfig(rotation_range=15, width_shift_range=0.1, horizontal_flip=True, zoom_range=0.1)
# The codes of the units problems the pixel statistics used to flag on their own.
UNITS = {"black_output", "brightness_on_unit_data", "channel_shift_invisible", "channel_shift_huge", "rescale_twice"}


@pytest.fixture(scope="module")
def images():
    """Random uint8 images spanning the whole 0..255 range (a few pixels at 255)."""
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(6, 24, 24, 3), dtype=np.uint8)


def measured(images, config, input_range="0-255"):
    """(PixelStats, findings with those measurements)."""
    stats = measure_pixels(images, config, input_range)
    return stats, diagnose(config, images, input_range, pixels=stats)


def units(findings):
    return [finding.code for finding in findings if finding.code in UNITS]


def by_code(findings, code):
    matches = [finding for finding in findings if finding.code == code]
    assert len(matches) == 1, [finding.code for finding in findings]
    return matches[0]


def test_article_example_on_unit_data_is_black_and_rescaled_twice(images):
    stats, findings = measured(images, ARTICLE, "0-1")
    assert {"black_output", "rescale_twice", "brightness_on_unit_data"} <= set(units(findings))
    assert "channel_shift_invisible" not in units(findings)  # 0.1 is 10% of 0..1
    assert "black" in by_code(findings, "black_output").message
    twice = by_code(findings, "rescale_twice")
    assert "Rescale applied twice" in twice.message and "Measured" in twice.message
    assert stats.original.max == pytest.approx(1.0)
    assert stats.augmented.max <= 1 / 255 + 1e-6


def test_article_example_on_0_255_data_flags_the_tiny_channel_shift(images):
    stats, findings = measured(images, ARTICLE, "0-255")
    assert units(findings) == ["channel_shift_invisible"]
    assert "too small to see" in by_code(findings, "channel_shift_invisible").message
    # rescale=1/255 maps the 0..255 input to 0..1: that is what it is for, not a problem.
    assert stats.original.max == 255.0
    assert 0.9 < stats.augmented.max <= 1.0 + 1e-6


def test_plain_config_flags_nothing(images):
    cases = [
        (PLAIN, "0-255"),
        (PLAIN, "0-1"),
        (PLAIN.replace(rescale=1 / 255), "0-255"),
        (AugmentConfig(channel_shift_range=30), "0-255"),
    ]
    for config, input_range in cases:
        _, findings = measured(images, config, input_range)
        assert units(findings) == []
        # Measurements that show nothing wrong add nothing to what the settings say.
        assert findings == diagnose(config, images, input_range)


def test_result_is_json_safe_plain_floats(images):
    stats = measure_pixels(images, ARTICLE, input_range="0-1")
    data = stats.to_json()
    assert json.loads(json.dumps(data)) == data
    assert data["input_range"] == "0-1"
    for key in ("original", "augmented"):
        assert set(data[key]) == {"min", "max", "mean", "std", "share_at_min"}
        assert all(type(value) is float for value in data[key].values())
    assert PixelStats.from_json(data) == stats
    assert BatchStats.from_json(data["original"]) == stats.original
    with pytest.raises(ValueError, match="input_range"):
        PixelStats.from_json({**data, "input_range": "0-100"})


def test_original_stats_are_of_the_batch_as_fed(images):
    loaded = measure_pixels(images, PLAIN, input_range="0-255").original
    scaled = measure_pixels(images, PLAIN, input_range="0-1").original
    assert loaded.mean == pytest.approx(images.mean())
    assert loaded.std == pytest.approx(images.std())
    assert scaled.mean == pytest.approx(images.mean() / 255, rel=1e-5)
    assert scaled.max == pytest.approx(1.0)


def test_channel_shift_saturating():
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(4, 16, 16, 3), dtype=np.uint8)
    _, findings = measured(images, AugmentConfig(channel_shift_range=200))
    assert "saturates" in by_code(findings, "channel_shift_huge").message
    assert "channel_shift_huge" in units(measured(images, AugmentConfig(channel_shift_range=0.8), "0-1")[1])


def test_brightness_on_unit_data_without_rescale_is_all_black():
    images = np.full((3, 8, 8, 3), 200, np.uint8)
    images[:, :4] = 40
    config = AugmentConfig(brightness_range=[0.9, 1.1])
    stats, findings = measured(images, config, "0-1")
    assert stats.augmented.max == 0.0
    assert units(findings)[:2] == ["black_output", "brightness_on_unit_data"]
    black = by_code(findings, "black_output")
    assert black.message.startswith("All augmented pixels are black")
    assert black.setting == "brightness_range" and "rescale=1/255" in black.fix
    assert units(measured(images, config)[1]) == []


def test_black_output_without_brightness_still_has_a_fix():
    images = np.random.default_rng(4).integers(1, 256, size=(3, 24, 24, 3), dtype=np.uint8)
    config = AugmentConfig(zoom_range=[6.0, 6.0], fill_mode="constant")  # content shrinks to a dot
    black = by_code(measured(images, config)[1], "black_output")
    assert black.severity == "warning" and black.setting == ""
    assert "darkest value" in black.message and black.fix.strip()
    assert "black_output" not in [finding.code for finding in diagnose(config, images)]  # measured only


def test_rescale_twice_follows_the_measurement_when_it_can_tell(images):
    # Samplewise std normalization undoes the second division: measured, nothing to report.
    normalized = AugmentConfig(rescale=1 / 255, samplewise_center=True, samplewise_std_normalization=True)
    assert "rescale_twice" in [finding.code for finding in diagnose(normalized, images, "0-1")]
    assert "rescale_twice" not in units(measured(images, normalized, "0-1")[1])
    # Dark images (max 0.2 of 0..1) cannot show the squeeze: the settings decide, unmeasured.
    dark = (images // 5).astype(np.uint8)
    twice = by_code(measured(dark, AugmentConfig(rescale=1 / 255), "0-1")[1], "rescale_twice")
    assert "Measured" not in twice.message


def test_accepts_a_list_of_differently_sized_images_and_a_dict_config():
    rng = np.random.default_rng(2)
    images = [
        rng.integers(0, 256, size=(10, 12, 3), dtype=np.uint8),
        rng.integers(0, 256, size=(14, 9, 3), dtype=np.uint8),
    ]
    stats = measure_pixels(images, {"horizontal_flip": True})
    assert units(diagnose({"horizontal_flip": True}, images, pixels=stats)) == []
    assert stats.original.mean == pytest.approx(np.concatenate([image.ravel() for image in images]).mean())
    # a flip moves pixels but keeps every value
    assert stats.augmented.mean == pytest.approx(stats.original.mean, rel=1e-6)


def test_rejects_bad_input_range_and_mismatched_measurements(images):
    with pytest.raises(ValueError, match="input_range"):
        measure_pixels(images, PLAIN, input_range="0-100")
    with pytest.raises(ValueError, match="input_range"):
        diagnose(PLAIN, images, "0-1", pixels=measure_pixels(images, PLAIN, "0-255"))
    with pytest.raises(TypeError):
        diagnose(PLAIN, images, pixels=measure_pixels(images, PLAIN).to_json())
    with pytest.raises(ValueError, match="at least one"):
        measure_pixels([], PLAIN)


def test_no_heavy_imports():
    tree = ast.parse(Path(pixels.__file__).read_text())
    modules = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    modules |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not any(m.startswith(("scipy", "tensorflow", "keras", "streamlit", "matplotlib")) for m in modules)
