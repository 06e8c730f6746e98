"""The page's state: the controls' values for a config and back, the session state that keeps
them across reruns, the link that restores them, and the callbacks that change them.

Every control's key is its ImageDataGenerator keyword, so `st.session_state[name]` is the
setting's control value.
"""

from __future__ import annotations

import math

import streamlit as st

from ..augment.config import INPUT_RANGES, AugmentConfig
from ..augment.presets import PRESETS
from ..errors import InputError
from ..interchange.paste import parse_config_text
from ..interchange.urlstate import config_from_query, config_to_query

SHIFT_KEYS = ("width_shift_range", "height_shift_range")
DEFAULT_TILES = 9


def widget_values(config: AugmentConfig) -> dict:
    """The controls' values for a config (shift ranges that are not a fraction < 1 have no
    slider position: they are kept as they are, see `config_from_widgets`)."""
    low, high = config.zoom_bounds
    return {
        "rotation_range": float(min(config.rotation_range, 180.0)),
        "width_shift_range": _fraction(config.width_shift_range),
        "height_shift_range": _fraction(config.height_shift_range),
        "shear_range": float(min(config.shear_range, 60.0)),
        "zoom_range": (float(low), float(high)),
        "brightness_range": tuple(config.brightness_range) if config.brightness_range else (1.0, 1.0),
        "channel_shift_range": float(config.channel_shift_range),
        "horizontal_flip": config.horizontal_flip,
        "vertical_flip": config.vertical_flip,
        "fill_mode": config.fill_mode,
        "cval": float(config.cval),
        "interpolation_order": config.interpolation_order,
        "rescale": float(config.rescale or 0.0),
        "samplewise_center": config.samplewise_center,
        "samplewise_std_normalization": config.samplewise_std_normalization,
    }


def _fraction(value) -> float:
    return float(value) if isinstance(value, float) and value < 1 else 0.0


def config_from_widgets(values: dict, kept_shifts: dict) -> AugmentConfig:
    """The config the controls describe. A zoom range symmetric about 1 is written as IDG's
    float form (0.2, not [0.8, 1.2]); a brightness range of (1, 1) means off; rescale 0
    means none; `kept_shifts` holds shift ranges in a form no slider shows (pixels, lists)."""
    low, high = values["zoom_range"]
    zoom = round(high - 1, 6) if math.isclose(low + high, 2.0) and high >= 1 else (low, high)
    brightness = tuple(values["brightness_range"])
    kwargs = dict(values)
    kwargs.update(
        zoom_range=zoom,
        brightness_range=None if brightness == (1.0, 1.0) else brightness,
        rescale=values["rescale"] or None,
        rotation_range=float(values["rotation_range"]),
        shear_range=float(values["shear_range"]),
    )
    kwargs.update(kept_shifts)
    return AugmentConfig(**kwargs)


def control_values() -> dict:
    """The controls' current values by IDG keyword."""
    return {key: st.session_state[key] for key in widget_values(AugmentConfig())}


def apply_config(config: AugmentConfig) -> None:
    """Make the controls show `config` (call before they are drawn, e.g. in a callback)."""
    st.session_state.update(widget_values(config))
    st.session_state["kept_shifts"] = {
        key: getattr(config, key) for key in SHIFT_KEYS
        if getattr(config, key) and _fraction(getattr(config, key)) == 0.0
    }


def keep_controls() -> None:
    """Streamlit forgets a widget's value in any run that does not draw it (no image yet,
    the extremes view...); the last values are kept aside and put back."""
    kept = st.session_state.get("controls_kept") or {**widget_values(AugmentConfig()), "seed": 0,
                                                     "tiles": DEFAULT_TILES}
    for key, value in kept.items():
        st.session_state.setdefault(key, value)


def remember_controls(values: dict, config: AugmentConfig, input_range: str) -> None:
    """After the controls are drawn: keep their values aside and put the state in the link."""
    seed, tiles = st.session_state.get("seed", 0), st.session_state.get("tiles", DEFAULT_TILES)
    st.session_state["config"] = config
    st.session_state["controls_kept"] = {**values, "seed": seed, "tiles": tiles}
    st.query_params.from_dict({**config_to_query(config), "seed": str(seed), "tiles": str(tiles),
                               "input_range": input_range})


def start_from_url() -> None:
    """On a session's first run, the config (and seed, tiles, input range) from the link."""
    if "started" in st.session_state:
        return
    st.session_state["started"] = True
    config, problems = config_from_query(st.query_params.to_dict())
    apply_config(config)
    query = st.query_params.to_dict()
    try:
        st.session_state["seed"] = max(0, min(2**31 - 1, int(query.get("seed", 0))))
        st.session_state["tiles"] = max(1, min(36, int(query.get("tiles", DEFAULT_TILES))))
    except ValueError:
        problems.append("Ignored a seed or tile count from the link that is not a whole number.")
    if query.get("input_range") in INPUT_RANGES:
        st.session_state["input_range"] = query["input_range"]
    st.session_state["url_problems"] = problems


# -- callbacks ------------------------------------------------------------------------------

def use_preset() -> None:
    apply_config(AugmentConfig(**PRESETS[st.session_state["preset"]]))


def import_pasted() -> None:
    try:
        apply_config(parse_config_text(st.session_state.get("paste_text", "")))
        st.session_state["paste_message"] = ("success", "Imported: the controls now show the pasted settings.")
    except InputError as error:
        st.session_state["paste_message"] = ("error", str(error))


def new_samples() -> None:
    st.session_state["seed"] = (st.session_state.get("seed", 0) + 1) % 2**31


def release_shift(key: str) -> None:
    st.session_state["kept_shifts"].pop(key, None)
