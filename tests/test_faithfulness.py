"""The engine against the real ImageDataGenerator: same parameters in, same pixels out.

Tolerance: max |difference| <= 0.01 on 0..255 float input (the engine resamples in float32;
IDG in float64). Random settings and draws come from fixed seeds, so failures reproduce.
"""

from __future__ import annotations

import itertools
import zlib

import numpy as np
import pytest

from explorer import AugmentConfig, apply_transform, augment_batch, sample_transform

TOLERANCE = 0.01
SHAPES = [(32, 32, 1), (32, 32, 3), (32, 32, 4), (40, 64, 3), (64, 40, 1), (64, 40, 4)]
FILL_MODES = ["nearest", "reflect", "wrap", "constant"]


def _random_config(rng, fill_mode, order, **extra):
    return AugmentConfig(
        rotation_range=float(rng.uniform(0, 180)),
        width_shift_range=float(rng.uniform(0, 0.5)),
        height_shift_range=float(rng.uniform(0, 0.5)),
        shear_range=float(rng.uniform(0, 45)),
        zoom_range=sorted(float(z) for z in rng.uniform(0.4, 2.0, 2)),
        horizontal_flip=bool(rng.rand() < 0.7),
        vertical_flip=bool(rng.rand() < 0.5),
        fill_mode=fill_mode,
        cval=float(rng.uniform(0, 255)),
        interpolation_order=order,
        **extra,
    )


def _assert_same_as_idg(make_idg, config, image, draws=4, seed=0):
    generator = make_idg(config)
    worst = 0.0
    for index in range(draws):
        params = sample_transform(config, image.shape, np.random.RandomState(seed + index))
        expected = generator.apply_transform(image.copy(), params)
        actual = apply_transform(image, params, config)
        assert actual.shape == expected.shape
        worst = max(worst, float(np.abs(actual.astype(np.float64) - expected).max()))
    assert worst <= TOLERANCE, f"max |diff| {worst} for {config}"


def _noise(rng, shape, dtype=np.float64):
    return (rng.rand(*shape) * 255).astype(dtype)


CASES = list(itertools.product(SHAPES, FILL_MODES, [0, 1]))


@pytest.mark.parametrize(
    "shape, fill_mode, order", CASES, ids=[f"{s[0]}x{s[1]}x{s[2]}-{m}-order{o}" for s, m, o in CASES]
)
def test_geometry_matches_idg_on_noise(shape, fill_mode, order, make_idg):
    rng = np.random.RandomState(zlib.crc32(repr((shape, fill_mode, order)).encode()))  # same in every process
    _assert_same_as_idg(make_idg, _random_config(rng, fill_mode, order), _noise(rng, shape))


@pytest.mark.slow
@pytest.mark.parametrize("fill_mode", FILL_MODES)
@pytest.mark.parametrize("order", [0, 1])
def test_geometry_matches_idg_at_224(fill_mode, order, make_idg):
    rng = np.random.RandomState(224 + order)
    _assert_same_as_idg(
        make_idg, _random_config(rng, fill_mode, order), _noise(rng, (224, 224, 3), np.float32), draws=3
    )


@pytest.mark.parametrize("fill_mode", FILL_MODES)
def test_geometry_matches_idg_on_a_photo(fill_mode, photo, make_idg):
    rng = np.random.RandomState(7)
    _assert_same_as_idg(make_idg, _random_config(rng, fill_mode, 1), photo)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("fill_mode", ["nearest", "constant"])
def test_channel_shift_matches_idg(shape, fill_mode, make_idg):
    rng = np.random.RandomState(11)
    config = _random_config(rng, fill_mode, 1, channel_shift_range=80.0)
    _assert_same_as_idg(make_idg, config, _noise(rng, shape, np.float32))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("order", [0, 1])
def test_brightness_matches_idg_through_uint8(shape, order, make_idg):
    rng = np.random.RandomState(13)
    config = _random_config(rng, "reflect", order, brightness_range=(0.3, 1.8), channel_shift_range=40.0)
    _assert_same_as_idg(make_idg, config, _noise(rng, shape, np.float32), draws=6)


def test_brightness_on_data_outside_0_255_is_stretched_like_idg(make_idg):
    rng = np.random.RandomState(17)
    image = rng.uniform(-1, 1, (32, 32, 3)).astype(np.float32)  # e.g. already standardized data
    config = AugmentConfig(rotation_range=20, brightness_range=(0.5, 1.5))
    _assert_same_as_idg(make_idg, config, image, draws=6)


def test_brightness_on_zero_to_one_data_is_black_like_idg(make_idg):
    image = np.random.RandomState(19).uniform(0, 1, (32, 32, 3)).astype(np.float32)
    _assert_same_as_idg(make_idg, AugmentConfig(brightness_range=(0.8, 1.2)), image)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"width_shift_range": 4, "height_shift_range": [1, 3], "fill_mode": "constant", "cval": 9.0},
        {"width_shift_range": 4, "height_shift_range": [1, 3], "fill_mode": "wrap"},
        {"horizontal_flip": True, "vertical_flip": True},
        {"zoom_range": [2.0, 2.0], "fill_mode": "constant", "interpolation_order": 0},
    ],
    ids=["int shifts constant", "int shifts wrap", "flips only", "exact zoom nearest-neighbour"],
)
def test_exact_positions_land_on_the_same_side_as_idg(kwargs, make_idg):
    # Integer shifts and flips put sample positions exactly on pixel centres and borders.
    image = _noise(np.random.RandomState(23), (32, 48, 3))
    _assert_same_as_idg(make_idg, AugmentConfig(**kwargs), image, draws=8)


ARTICLE_EXAMPLES = {
    "over-augmentation": dict(
        rotation_range=40,
        width_shift_range=0.2,
        height_shift_range=0.2,
        shear_range=0.2,
        zoom_range=0.2,
        horizontal_flip=True,
        fill_mode="nearest",
    ),
    "measured": dict(
        rotation_range=10, width_shift_range=0.1, height_shift_range=0.1, horizontal_flip=True, rescale=1 / 255
    ),
    "lighting": dict(brightness_range=[0.8, 1.2], channel_shift_range=0.1, horizontal_flip=True, rescale=1 / 255),
    "nearest-neighbour with brightness": dict(
        rotation_range=30, zoom_range=0.3, interpolation_order=0, brightness_range=[0.7, 1.3], fill_mode="wrap"
    ),
    "bilinear with brightness": dict(
        rotation_range=30,
        shear_range=10,
        brightness_range=[0.7, 1.3],
        channel_shift_range=20,
        fill_mode="constant",
        cval=50,
    ),
    "standardized": dict(
        rotation_range=15,
        fill_mode="reflect",
        rescale=1 / 255,
        samplewise_center=True,
        samplewise_std_normalization=True,
    ),
}


@pytest.mark.parametrize("name", ARTICLE_EXAMPLES)
def test_augment_batch_equals_first_batch_of_flow(name, make_idg):
    config = AugmentConfig(**ARTICLE_EXAMPLES[name])
    images = np.random.RandomState(29).randint(0, 256, (12, 24, 36, 3)).astype(np.uint8)
    expected = make_idg(config).flow(images, batch_size=12, shuffle=False, seed=5)[0]
    actual = augment_batch(images, config, seed=5)
    scale = config.rescale or 1.0
    if config.samplewise_std_normalization:
        scale = 1 / 40  # standardized values: roughly pixel levels / image std
    assert np.abs(actual - expected).max() <= TOLERANCE * scale


@pytest.mark.parametrize("shape", [(32, 32, 1), (64, 40, 4), (300, 220, 3), (600, 450, 3)])
def test_nearest_fill_resampled_by_warp_affine_is_within_1e_3_of_scipys_arithmetic(shape):
    # 'nearest' goes through cv2.warpAffine (OpenCV 5 computes the positions itself): measured
    # within ~3e-5 grey levels of SciPy's float64 sums on 0..255 noise; 1e-3 leaves room and
    # still catches a quantising resampler (OpenCV 4.x's 1/32-pixel weights are whole levels off).
    from explorer.augment.geometry import idg_matrices
    from explorer.augment.warp import warp_exact, warp_fast

    rng = np.random.RandomState(31)
    config = _random_config(rng, "nearest", 1)
    images = _noise(rng, (6,) + shape, np.float32)
    params = [sample_transform(config, shape, rng) for _ in images]
    params[0] = {"flip_horizontal": 1, "flip_vertical": 1}  # not warped: an exact reversal
    matrices = idg_matrices(params, *shape[:2])
    flips = np.array([(bool(p.get("flip_horizontal")), bool(p.get("flip_vertical"))) for p in params])
    fast = warp_fast(images, matrices, flips, "nearest", 0.0, np.empty_like(images))
    exact = warp_exact(images.astype(np.float64), matrices, flips, "nearest", 0.0, 1)
    assert np.abs(fast - exact).max() <= 1e-3
    np.testing.assert_array_equal(fast[0], images[0, ::-1, ::-1])
