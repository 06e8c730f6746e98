"""IDG's quirks on tiny hand-made images, and the batch API's contracts."""

from __future__ import annotations

import numpy as np
import pytest

from explorer import AugmentConfig, apply_transform, augment_batch, sample_batch

NEAREST = AugmentConfig()


def _dot(height, width, row, col, channels=1):
    image = np.zeros((height, width, channels), np.float32)
    image[row, col] = 255
    return image


def _bright(image):
    return {tuple(int(v) for v in position) for position in np.argwhere(image[..., 0] > 127)}


def test_height_shift_moves_the_image_sideways():
    # tx is what height_shift_range draws; +2 moves content 2 columns LEFT, rows unchanged.
    out = apply_transform(_dot(7, 7, 3, 4), {"tx": 2}, AugmentConfig(fill_mode="constant"))
    assert _bright(out) == {(3, 2)}


def test_width_shift_moves_the_image_up_and_down():
    out = apply_transform(_dot(7, 7, 3, 4), {"ty": 2}, AugmentConfig(fill_mode="constant"))
    assert _bright(out) == {(1, 4)}


def test_zoom_above_one_zooms_out():
    image = np.zeros((21, 21, 1), np.float32)
    image[5:16, 5:16] = 255  # an 11 x 11 square in the centre
    zoomed = apply_transform(image, {"zx": 2.0, "zy": 2.0}, AugmentConfig(fill_mode="constant"))
    assert (zoomed > 127).sum() < (image > 127).sum() / 3  # content shrank


def test_positive_theta_turns_content_counter_clockwise():
    out = apply_transform(_dot(9, 9, 4, 8), {"theta": 90}, AugmentConfig(fill_mode="constant", interpolation_order=0))
    assert _bright(out) == {(0, 4)}  # the dot right of centre goes to the top


def test_pivot_is_off_centre_on_non_square_images():
    # 180 degrees about the centre of a 4 x 6 image would read (3 - r, 5 - c). IDG turns about
    # (x = H/2 - 0.5, y = W/2 - 0.5) = (col 1.5, row 2.5): output (r, c) reads (5 - r, 3 - c).
    image = np.arange(24, dtype=np.float32).reshape(4, 6, 1)
    out = apply_transform(image, {"theta": 180}, AugmentConfig(fill_mode="constant", cval=-1))
    assert out[2, 0, 0] == image[3, 3, 0]
    assert out[3, 1, 0] == image[2, 2, 0]
    assert out[0, 0, 0] == -1  # row 5 is outside a 4-row image
    assert not np.array_equal(out, np.rot90(image, 2))


def test_channel_shift_is_one_offset_clipped_to_the_image_range():
    image = np.stack([np.full((4, 4), 10.0), np.full((4, 4), 200.0), np.full((4, 4), 250.0)], axis=-1)
    out = apply_transform(image, {"channel_shift_intensity": 30.0}, NEAREST)
    assert out[0, 0].tolist() == [40.0, 230.0, 250.0]  # 250 + 30 clipped to the image's own max


def test_article_channel_shift_of_point_one_changes_nothing_visible():
    image = np.random.RandomState(0).randint(0, 256, (8, 8, 3)).astype(np.float32)
    out = apply_transform(image, {"channel_shift_intensity": 0.1}, NEAREST)
    assert np.abs(out - image).max() < 0.11  # a tenth of one grey level


def test_brightness_goes_through_uint8_truncation():
    image = np.full((2, 2, 3), 100.7, np.float32)
    out = apply_transform(image, {"brightness": 1.234}, NEAREST)
    assert np.all(out == 123)  # trunc(100.7) = 100; 100 * 1.234 = 123.4 -> 123


def test_brightness_on_zero_to_one_data_returns_black():
    image = np.random.RandomState(0).uniform(0, 1, (8, 8, 3)).astype(np.float32)
    out = apply_transform(image, {"brightness": 1.2}, NEAREST)
    assert np.all(out == 0)


def test_wrap_has_period_n_minus_one():
    row = np.arange(12, dtype=np.float32).reshape(1, 12, 1).repeat(3, axis=0)
    out = apply_transform(row, {"tx": 4}, AugmentConfig(fill_mode="wrap"))
    assert out[1, :, 0].tolist() == [4, 5, 6, 7, 8, 9, 10, 11, 1, 2, 3, 4]


def test_constant_fills_outside_without_blending_at_the_edge():
    row = np.arange(12, dtype=np.float32).reshape(1, 12, 1).repeat(3, axis=0)
    out = apply_transform(row, {"tx": 4.5}, AugmentConfig(fill_mode="constant", cval=-1))
    assert out[1, :, 0].tolist() == [4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5, -1, -1, -1, -1, -1]


def test_flips_are_exact_reversals():
    image = np.random.RandomState(0).uniform(0, 255, (5, 6, 3)).astype(np.float32)
    out = apply_transform(image, {"flip_horizontal": 1, "flip_vertical": 1}, NEAREST)
    np.testing.assert_array_equal(out, image[::-1, ::-1])


def test_no_params_returns_the_image_unchanged_and_not_aliased():
    image = np.random.RandomState(0).uniform(0, 255, (5, 6, 4)).astype(np.float32)
    out = apply_transform(image, {}, NEAREST)
    np.testing.assert_array_equal(out, image)
    out[0, 0, 0] = -5
    assert image[0, 0, 0] != -5


def test_apply_transform_rejects_wrong_shapes():
    with pytest.raises(ValueError, match="H x W x C"):
        apply_transform(np.zeros((4, 4)), {}, NEAREST)
    with pytest.raises(ValueError, match="H x W x C"):
        apply_transform(np.zeros((4, 4, 2)), {}, NEAREST)


CONFIG = AugmentConfig(rotation_range=30, width_shift_range=0.2, zoom_range=0.2, horizontal_flip=True)


def test_augment_batch_is_reproducible_and_per_image():
    images = np.random.RandomState(0).randint(0, 256, (6, 16, 16, 3)).astype(np.uint8)
    first = augment_batch(images, CONFIG, seed=3)
    assert first.dtype == np.float32 and first.shape == images.shape
    np.testing.assert_array_equal(first, augment_batch(images, CONFIG, seed=3))
    assert not np.array_equal(first, augment_batch(images, CONFIG, seed=4))
    same = np.repeat(images[:1], 2, axis=0)
    out = augment_batch(same, CONFIG, seed=3)
    assert not np.array_equal(out[0], out[1])  # one draw per image


def test_augment_batch_replays_given_params_and_they_caption_each_image():
    images = np.random.RandomState(1).randint(0, 256, (4, 16, 16, 3)).astype(np.uint8)
    params = sample_batch(CONFIG, images.shape[1:], 4, seed=9)
    np.testing.assert_array_equal(augment_batch(images, CONFIG, params=params), augment_batch(images, CONFIG, seed=9))
    for index in range(4):
        np.testing.assert_allclose(
            augment_batch(images, CONFIG, params=params)[index],
            apply_transform(images[index], params[index], CONFIG),
            atol=2e-3,
        )


def test_rescale_then_samplewise_standardization_after_the_transform():
    images = np.random.RandomState(2).randint(0, 256, (3, 8, 8, 3)).astype(np.uint8)
    scaled = augment_batch(images, AugmentConfig(rescale=1 / 255), seed=0)
    np.testing.assert_allclose(scaled, images / 255, atol=1e-6)
    standardized = augment_batch(images, AugmentConfig(samplewise_std_normalization=True), seed=0)
    np.testing.assert_allclose(standardized.mean(axis=(1, 2, 3)), 0, atol=1e-4)
    np.testing.assert_allclose(standardized.std(axis=(1, 2, 3)), 1, atol=1e-4)


@pytest.mark.parametrize(
    "images, message",
    [
        (np.zeros((4, 4, 3)), "N x H x W x C"),
        (np.zeros((2, 4, 4, 2)), "1, 3 or 4 channels"),
        (np.zeros((0, 4, 4, 3)), "at least one image"),
    ],
)
def test_augment_batch_rejects_bad_batches(images, message):
    with pytest.raises(ValueError, match=message):
        augment_batch(images, CONFIG, seed=0)
    with pytest.raises(ValueError, match="params has 1 entries"):
        augment_batch(np.zeros((2, 4, 4, 3)), CONFIG, params=[{}])


def test_engine_runs_without_scipy_or_tensorflow():
    # IDG needs SciPy at run time; the engine must not, on any of its paths.
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, numpy as np\n"
        "sys.modules['scipy'] = None; sys.modules['tensorflow'] = None  # any import now fails\n"
        "from explorer import AugmentConfig, augment_batch\n"
        "x = np.zeros((2, 16, 16, 3), np.uint8)\n"
        "for kw in ({'rotation_range': 30}, {'rotation_range': 30, 'interpolation_order': 0},\n"
        "           {'rotation_range': 30, 'brightness_range': [0.5, 1.5]},"
        " {'fill_mode': 'wrap', 'zoom_range': 0.3}):\n"
        "    augment_batch(x, AugmentConfig(**kw), seed=0)\n"
    )
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_augment_rows_is_augment_batch_of_the_rows():
    from explorer.augment.engine import augment_rows

    source = np.random.RandomState(3).randint(0, 256, (12, 20, 18, 3)).astype(np.float32)
    rows = np.array([7, 2, 2, 11, 0])
    config = AugmentConfig(rotation_range=30, zoom_range=0.2, fill_mode="wrap", rescale=1 / 255)
    params = sample_batch(config, source.shape[1:], len(rows), 4)
    np.testing.assert_array_equal(
        augment_rows(source, rows, config, params), augment_batch(source[rows], config, params=params)
    )
    as_float64 = source.astype(np.float64)  # another dtype: gathered first, same result
    np.testing.assert_allclose(
        augment_rows(as_float64, rows, config, params), augment_batch(as_float64[rows], config, params=params)
    )
