"""AugmentConfig: IDG's names and defaults, validation with clear messages, JSON round trip."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from explorer import AugmentConfig

ARTICLE_OVER_AUGMENTATION = dict(
    rotation_range=40,
    width_shift_range=0.2,
    height_shift_range=0.2,
    shear_range=0.2,
    zoom_range=0.2,
    horizontal_flip=True,
    fill_mode="nearest",
)


def test_defaults_are_idg_defaults_and_do_nothing():
    config = AugmentConfig()
    assert config.active_transforms() == []
    assert config.zoom_bounds == (1.0, 1.0)
    assert config.fill_mode == "nearest" and config.interpolation_order == 1 and config.rescale is None


def test_config_is_immutable():
    config = AugmentConfig(rotation_range=10)
    with pytest.raises(AttributeError):
        config.rotation_range = 20


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"rotation_range": float("nan")}, "rotation_range"),
        ({"rotation_range": "40"}, "rotation_range"),
        ({"width_shift_range": float("inf")}, "width_shift_range"),
        ({"height_shift_range": "0.2"}, "height_shift_range"),
        ({"height_shift_range": np.array([0.1, 0.2])}, "height_shift_range"),
        ({"zoom_range": [0.8, 1.0, 1.2]}, "zoom_range"),
        ({"zoom_range": "0.2"}, "zoom_range"),
        ({"zoom_range": [np.int64(1), np.int64(2)]}, "zoom_range"),
        ({"zoom_range": [0.8, float("nan")]}, "zoom_range"),
        ({"brightness_range": 0.5}, "brightness_range"),
        ({"brightness_range": [0.8, 1.0, 1.2]}, "brightness_range"),
        ({"brightness_range": ["a", "b"]}, "brightness_range"),
        ({"horizontal_flip": None}, "horizontal_flip"),
        ({"fill_mode": "bogus", "rotation_range": 10}, "fill_mode"),
        ({"cval": float("nan")}, "cval"),
        ({"interpolation_order": 6, "zoom_range": 0.1}, "interpolation_order"),
        ({"interpolation_order": -1, "shear_range": 5}, "interpolation_order"),
        ({"interpolation_order": 1.5, "width_shift_range": 0.1}, "interpolation_order"),
        ({"rescale": float("inf")}, "rescale"),
        ({"rescale": "1/255"}, "rescale"),
    ],
)
def test_what_idg_refuses_is_refused_naming_the_setting(kwargs, field):
    with pytest.raises(ValueError) as error:
        AugmentConfig(**kwargs)
    assert field in str(error.value)


def test_the_reasons_are_idgs_own_where_idg_gives_one():
    with pytest.raises(ValueError, match="`zoom_range` should be a float or a tuple or list of two floats"):
        AugmentConfig(zoom_range=[0.8, 1.0, 1.2])
    with pytest.raises(ValueError, match="`brightness_range should be tuple or list of two floats"):
        AugmentConfig(brightness_range=0.5)
    with pytest.raises(ValueError, match="boundary mode not supported"):
        AugmentConfig(fill_mode="bogus", rotation_range=10)
    with pytest.raises(ValueError, match="spline order not supported"):
        AugmentConfig(interpolation_order=7, rotation_range=10)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"rotation_range": -5},
        {"width_shift_range": -0.1},
        {"height_shift_range": []},
        {"height_shift_range": [0.1, -0.2]},
        {"width_shift_range": [-2, 0, 2]},
        {"width_shift_range": -3},
        {"shear_range": -1},
        {"zoom_range": -0.2},
        {"zoom_range": 1.5},
        {"zoom_range": [1.2, 0.8]},
        {"brightness_range": [1.2, 0.8]},
        {"brightness_range": [0.0, 1.0]},
        {"brightness_range": [-0.5, 1.0]},
        {"channel_shift_range": -10},
        {"horizontal_flip": "yes"},
        {"vertical_flip": 2},
        {"fill_mode": "mirror"},
        {"fill_mode": "grid-wrap"},
        {"interpolation_order": 3},
        {"interpolation_order": True},
        {"rescale": 0},
        {"fill_mode": "bogus", "horizontal_flip": True},
    ],
)
def test_what_idg_accepts_is_accepted(kwargs, idg_class):
    """(IDG hands fill_mode and the order to SciPy only when it warps: with no geometric
    setting, {"fill_mode": "bogus"} works in IDG, and here.)"""
    idg_class(**kwargs)  # the real class takes it ...
    AugmentConfig(**kwargs)  # ... and so do we (tests/test_faithfulness.py checks we do the same with it)


def test_accepts_every_form_idg_accepts():
    config = AugmentConfig(
        rotation_range=np.float64(12.5),
        width_shift_range=3,
        height_shift_range=[0.1, 0.2],
        zoom_range=[0.5, 2],
        brightness_range=(0.8, 1.2),
        horizontal_flip=np.bool_(True),
        interpolation_order=0,
        rescale=1 / 255,
    )
    assert config.width_shift_range == 3 and isinstance(config.width_shift_range, int)
    assert config.height_shift_range == (0.1, 0.2)
    assert config.zoom_range == (0.5, 2.0) and config.zoom_bounds == (0.5, 2.0)
    assert config.horizontal_flip is True and type(config.rotation_range) is float
    assert AugmentConfig(zoom_range=0.2).zoom_bounds == (0.8, 1.2)


def test_int_and_float_shift_ranges_stay_different_settings():
    # IDG draws integers from an int range (1 never shifts) and floats from a float range.
    assert AugmentConfig(width_shift_range=1).active_transforms() == []
    assert AugmentConfig(width_shift_range=1.0).active_transforms() == ["width_shift_range"]


def test_json_round_trip_keeps_every_setting_and_form():
    config = AugmentConfig(
        rotation_range=40,
        width_shift_range=[2, 4],
        height_shift_range=5,
        shear_range=0.2,
        zoom_range=[0.9, 1.3],
        brightness_range=[0.8, 1.2],
        channel_shift_range=30,
        horizontal_flip=True,
        vertical_flip=True,
        fill_mode="constant",
        cval=127.5,
        interpolation_order=0,
        rescale=1 / 255,
        samplewise_center=True,
    )
    restored = AugmentConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert restored == config
    assert isinstance(restored.height_shift_range, int)


def test_from_dict_rejects_unknown_settings_and_non_objects():
    with pytest.raises(ValueError, match="featurewise_center"):
        AugmentConfig.from_dict({"rotation_range": 10, "featurewise_center": True})
    with pytest.raises(ValueError, match="JSON object"):
        AugmentConfig.from_dict([1, 2, 3])


def test_to_idg_kwargs_only_changed_lists_what_differs_from_defaults():
    config = AugmentConfig(**ARTICLE_OVER_AUGMENTATION)
    assert config.to_idg_kwargs(only_changed=True) == {
        "rotation_range": 40.0,
        "width_shift_range": 0.2,
        "height_shift_range": 0.2,
        "shear_range": 0.2,
        "zoom_range": 0.2,
        "horizontal_flip": True,
    }
    assert set(config.to_idg_kwargs()) == set(AugmentConfig().to_dict())


def test_to_idg_kwargs_builds_the_real_class(idg_class):
    config = AugmentConfig(**ARTICLE_OVER_AUGMENTATION, brightness_range=[0.8, 1.2], rescale=1 / 255)
    generator = idg_class(**config.to_idg_kwargs())
    assert generator.zoom_range == [0.8, 1.2]
    assert math.isclose(generator.rescale, 1 / 255)


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        (
            ARTICLE_OVER_AUGMENTATION,
            [
                "rotation_range",
                "width_shift_range",
                "height_shift_range",
                "shear_range",
                "zoom_range",
                "horizontal_flip",
            ],
        ),
        (
            {"brightness_range": [0.8, 1.2], "channel_shift_range": 0.1, "horizontal_flip": True, "rescale": 1 / 255},
            ["brightness_range", "channel_shift_range", "horizontal_flip"],
        ),
        ({"zoom_range": [1, 1], "brightness_range": [1, 1], "height_shift_range": [0]}, []),
        ({"width_shift_range": 2, "vertical_flip": True}, ["width_shift_range", "vertical_flip"]),
    ],
)
def test_active_transforms_lists_settings_that_change_images(kwargs, expected):
    assert AugmentConfig(**kwargs).active_transforms() == expected


def test_replace_validates_again():
    config = AugmentConfig(rotation_range=10)
    assert config.replace(rotation_range=20).rotation_range == 20
    with pytest.raises(ValueError, match="rotation_range"):
        config.replace(rotation_range="fast")
