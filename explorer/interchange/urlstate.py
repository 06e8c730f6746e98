"""The config in a URL query string, and back, validated like any other user input.

Only settings that differ from IDG's defaults are written, as short strings
(`rotation_range=40&zoom_range=0.8,1.2&horizontal_flip=1`). Reading never raises: a value
that is missing, malformed, NaN, infinite or out of range is reported and its default kept.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

from ..augment.config import AugmentConfig

_FLAGS = {"horizontal_flip", "vertical_flip", "samplewise_center", "samplewise_std_normalization"}
_PAIRS = {"zoom_range", "brightness_range"}
_SHIFTS = {"width_shift_range", "height_shift_range"}
_WARP_ONLY = {"fill_mode", "interpolation_order"}
MAX_VALUE_CHARS = 200


def _text(value, name: str = "") -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, tuple) and name in _SHIFTS:
        # A list shift range keeps its brackets: [0.1] draws exactly +-0.1, the float 0.1 draws
        # anything in between, and [] never shifts.
        return "[" + ",".join(_text(item) for item in value) + "]"
    if isinstance(value, tuple):
        return ",".join(_text(item) for item in value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def config_to_query(config: AugmentConfig) -> dict[str, str]:
    """The non-default settings as query-string values."""
    defaults = AugmentConfig()
    return {
        field.name: _text(getattr(config, field.name), field.name)
        for field in dataclasses.fields(config)
        if getattr(config, field.name) != getattr(defaults, field.name)
    }


def _number(text: str) -> float | int:
    value = int(text) if text.lstrip("+-").isdigit() else float(text)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    return value


def _parse(name: str, text: str):
    text = text.strip()
    if name in _FLAGS:
        if text.lower() not in ("1", "0", "true", "false"):
            raise ValueError(f"{text!r} is not 1 or 0")
        return text.lower() in ("1", "true")
    if name == "fill_mode":
        return text
    if name == "rescale" and text.lower() in ("", "none"):
        return None
    if name == "brightness_range" and text.lower() in ("", "none"):
        return None
    if name in _SHIFTS and text.startswith("[") and text.endswith("]"):
        inner = text[1:-1].strip()
        return [_number(item) for item in inner.split(",")] if inner else []
    if "," in text and (name in _PAIRS or name in _SHIFTS):
        return [_number(item) for item in text.split(",")]
    value = _number(text)
    if name in _SHIFTS:
        return value  # int and float shift ranges mean different things: keep the form
    if name == "interpolation_order":
        return int(value)
    return float(value)


def config_from_query(query: Mapping[str, object]) -> tuple[AugmentConfig, list[str]]:
    """A config from query parameters, and one message per value that was not usable.

    Unknown parameters are ignored (the page has its own, such as seed); each bad setting
    keeps its default, and the config as a whole is validated again at the end.
    """
    known = {field.name for field in dataclasses.fields(AugmentConfig)}
    settings, problems = {}, []
    for name, raw in query.items():
        if name not in known:
            continue
        text = raw[-1] if isinstance(raw, (list, tuple)) else raw
        text = str(text)
        try:
            if len(text) > MAX_VALUE_CHARS:
                raise ValueError("the value is too long")
            value = _parse(name, text)
            # Validates this setting alone; fill_mode and the order are checked as if the
            # image were warped (alone, IDG never hands them to SciPy).
            AugmentConfig(**{name: value, **({"rotation_range": 1} if name in _WARP_ONLY else {})})
        except (ValueError, TypeError) as error:
            problems.append(f"Ignored {name}={text[:40]!r} from the link: {error}")
            continue
        settings[name] = value
    try:
        return AugmentConfig(**settings), problems
    except ValueError as error:  # settings valid alone but not together: keep defaults
        return AugmentConfig(), problems + [f"Ignored the settings from the link: {error}"]
