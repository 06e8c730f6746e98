"""sample_transform draws exactly what IDG's get_random_transform draws, for every range form."""

from __future__ import annotations

import numpy as np
import pytest

from explorer import AugmentConfig, sample_batch, sample_transform

RANGE_FORMS = {
    "nothing": {},
    "rotation": {"rotation_range": 40},
    "float shifts": {"width_shift_range": 0.2, "height_shift_range": 0.3},
    "float shifts in pixels": {"width_shift_range": 3.5, "height_shift_range": 7.0},
    "int shifts": {"width_shift_range": 5, "height_shift_range": 1},
    "list shifts in pixels": {"width_shift_range": [2, 4, 8], "height_shift_range": [1]},
    "list shifts as fractions": {"width_shift_range": [0.1, 0.25], "height_shift_range": (0.05,)},
    "shear": {"shear_range": 15.0},
    "zoom float": {"zoom_range": 0.3},
    "zoom pair": {"zoom_range": [0.5, 1.5]},
    "zoom neutral pair": {"zoom_range": [1, 1]},
    "flips": {"horizontal_flip": True, "vertical_flip": True},
    "channel shift": {"channel_shift_range": 50.0},
    "brightness": {"brightness_range": [0.5, 1.5]},
    "everything": {
        "rotation_range": 90,
        "width_shift_range": [0.1, 0.2],
        "height_shift_range": 3,
        "shear_range": 30,
        "zoom_range": [0.7, 1.3],
        "horizontal_flip": True,
        "vertical_flip": True,
        "channel_shift_range": 20.0,
        "brightness_range": [0.8, 1.2],
    },
}


@pytest.mark.parametrize("form", RANGE_FORMS, ids=list(RANGE_FORMS))
@pytest.mark.parametrize("shape", [(32, 32, 3), (40, 64, 1)], ids=["square", "wide"])
def test_sampler_equals_get_random_transform(form, shape, make_idg):
    config = AugmentConfig(**RANGE_FORMS[form])
    generator = make_idg(config)
    for seed in range(20):
        expected = generator.get_random_transform(shape, seed=seed)
        drawn = sample_transform(config, shape, np.random.RandomState(seed))
        assert drawn.keys() == expected.keys()
        for key in expected:
            assert drawn[key] == expected[key], (form, seed, key)
            assert type(drawn[key]) is type(expected[key]), (form, seed, key)


def test_draws_continue_on_one_stream_like_flow(make_idg):
    # flow() draws every image of a batch from one stream seeded once per batch.
    config = AugmentConfig(**RANGE_FORMS["everything"])
    np.random.seed(7)
    generator = make_idg(config)
    expected = [generator.get_random_transform((32, 32, 3)) for _ in range(5)]
    assert sample_batch(config, (32, 32, 3), 5, seed=7) == expected


def test_int_shift_range_of_one_never_shifts():
    config = AugmentConfig(width_shift_range=1, height_shift_range=1)
    rng = np.random.RandomState(0)
    assert all(p["tx"] == 0 and p["ty"] == 0 for p in (sample_transform(config, (8, 8, 1), rng) for _ in range(50)))


def test_height_shift_is_scaled_by_height_and_width_shift_by_width():
    config = AugmentConfig(width_shift_range=0.5, height_shift_range=0.5)
    draws = sample_batch(config, (10, 1000, 3), 200, seed=0)
    assert max(abs(p["tx"]) for p in draws) <= 5  # tx: height_shift_range x HEIGHT (10)
    assert max(abs(p["ty"]) for p in draws) > 100  # ty: width_shift_range x WIDTH (1000)


@pytest.mark.parametrize("form", RANGE_FORMS, ids=list(RANGE_FORMS))
def test_batch_draws_equal_one_image_at_a_time(form):
    # sample_batch takes a shortcut for float ranges; it must not change a single value.
    config = AugmentConfig(**RANGE_FORMS[form])
    rng = np.random.RandomState(11)
    expected = [sample_transform(config, (30, 50, 3), rng) for _ in range(25)]
    drawn = sample_batch(config, (30, 50, 3), 25, seed=11)
    assert drawn == expected
    assert [[type(v) for v in p.values()] for p in drawn] == [[type(v) for v in p.values()] for p in expected]
