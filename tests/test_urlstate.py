"""The config in the query string: round trip, and hostile values reported, never raised."""

from __future__ import annotations

import pytest

from explorer import AugmentConfig
from explorer.augment.presets import PRESETS, preset
from explorer.interchange.urlstate import config_from_query, config_to_query


@pytest.mark.parametrize("name", PRESETS)
def test_presets_round_trip_through_the_query_string(name):
    config = preset(name)
    restored, problems = config_from_query(config_to_query(config))
    assert restored == config and problems == []


def test_every_form_round_trips():
    config = AugmentConfig(
        width_shift_range=3,
        height_shift_range=[0.1, 0.2],
        zoom_range=[0.7, 1.4],
        brightness_range=[0.5, 1.5],
        channel_shift_range=12.5,
        vertical_flip=True,
        fill_mode="constant",
        cval=99.0,
        interpolation_order=0,
        samplewise_std_normalization=True,
    )
    query = config_to_query(config)
    assert query["width_shift_range"] == "3" and query["zoom_range"] == "0.7,1.4"
    assert config_from_query(query) == (config, [])


def test_defaults_write_nothing():
    assert config_to_query(AugmentConfig()) == {}


@pytest.mark.parametrize(
    "query, bad",
    [
        ({"rotation_range": "nan"}, "rotation_range"),
        ({"rotation_range": "inf"}, "rotation_range"),
        ({"rotation_range": "fast"}, "rotation_range"),
        ({"zoom_range": "1.5,0.5,0.2"}, "zoom_range"),
        ({"fill_mode": "<script>"}, "fill_mode"),
        ({"horizontal_flip": "maybe"}, "horizontal_flip"),
        ({"shear_range": "1" * 500}, "shear_range"),
        ({"brightness_range": "0.8"}, "brightness_range"),
        ({"interpolation_order": "9"}, "interpolation_order"),
        ({"cval": "1e999"}, "cval"),
    ],
)
def test_bad_values_are_reported_and_defaults_kept(query, bad):
    config, problems = config_from_query(
        {**query, "rotation_range": query.get("rotation_range", "20")} if bad != "rotation_range" else query
    )
    assert len(problems) == 1 and bad in problems[0]
    assert getattr(config, bad) == getattr(AugmentConfig(), bad)


def test_unknown_parameters_are_ignored_and_lists_take_the_last_value():
    config, problems = config_from_query({"seed": "3", "rotation_range": ["10", "30"]})
    assert config.rotation_range == 30 and problems == []


def test_every_form_idg_accepts_goes_through_the_link():
    for config in (
        AugmentConfig(width_shift_range=[-2, 0, 2], height_shift_range=[0.1], rotation_range=-20),
        AugmentConfig(width_shift_range=[], zoom_range=1.5, fill_mode="mirror", interpolation_order=3),
        AugmentConfig(
            zoom_range=[1.2, 0.8],
            brightness_range=[0, 1],
            channel_shift_range=-30,
            shear_range=-10,
            height_shift_range=-3,
            rescale=0,
        ),
    ):
        restored, problems = config_from_query(config_to_query(config))
        assert problems == [] and restored == config
