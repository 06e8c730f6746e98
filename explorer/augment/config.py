"""`AugmentConfig`: ImageDataGenerator's augmentation settings, validated and immutable.

Field names and defaults are IDG's keyword arguments, so `AugmentConfig(**idg_kwargs)` and
`ImageDataGenerator(**config.to_idg_kwargs())` describe the same augmentation. Values keep
the form IDG was given (an int shift range is not the same setting as a float one: see
`sample_transform`), lists become tuples so a config can be hashed and shared.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

FILL_MODES = ("nearest", "reflect", "wrap", "constant")

ShiftRange = int | float | tuple
ZoomRange = float | tuple

# Settings that draw something at random per image (what an ablation toggles), as opposed
# to the preprocessing that `standardize` applies to every image (rescale, samplewise_*).
TRANSFORM_FIELDS = (
    "rotation_range",
    "width_shift_range",
    "height_shift_range",
    "shear_range",
    "zoom_range",
    "brightness_range",
    "channel_shift_range",
    "horizontal_flip",
    "vertical_flip",
)


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _finite_number(name: str, value: Any, accepted: str) -> float | int:
    if not _is_number(value):
        raise ValueError(f"{name} must be a number ({accepted}); got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite ({accepted}); got {value!r}")
    # numpy scalars become plain Python numbers so JSON and equality behave.
    return int(value) if isinstance(value, numbers.Integral) else float(value)


def _non_negative(name: str, value: Any, unit: str) -> float:
    accepted = f"a {unit} >= 0"
    number = _finite_number(name, value, accepted)
    if number < 0:
        raise ValueError(f"{name} must be {accepted}; got {value!r}")
    return float(number)


def _sequence(name: str, value: Any, accepted: str) -> tuple:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise ValueError(f"{name} must be {accepted}; got {value!r}")
    return tuple(value)


def _shift_range(name: str, value: Any) -> ShiftRange:
    accepted = (
        "a float >= 0 (a fraction of the image size when < 1, else pixels), "
        "an int >= 0 (whole pixels), or a non-empty list of values >= 0"
    )
    if _is_number(value):
        number = _finite_number(name, value, accepted)
        if number < 0:
            raise ValueError(f"{name} must be {accepted}; got {value!r}")
        return number  # int stays int: IDG draws integers from an int range
    items = _sequence(name, value, accepted)
    if not items:
        raise ValueError(f"{name} must be {accepted}; got an empty list")
    values = tuple(_finite_number(name, item, accepted) for item in items)
    if any(item < 0 for item in values):
        raise ValueError(f"{name} must be {accepted}; got {value!r}")
    return values


def _zoom_range(value: Any) -> ZoomRange:
    accepted = "a float z in [0, 1] (meaning [1-z, 1+z]) or a pair [low, high] with 0 <= low <= high"
    if _is_number(value):
        number = float(_finite_number("zoom_range", value, accepted))
        if not 0 <= number <= 1:
            raise ValueError(f"zoom_range must be {accepted}; got {value!r}")
        return number
    items = _sequence("zoom_range", value, accepted)
    if len(items) != 2:
        raise ValueError(f"zoom_range must be {accepted}; got {value!r}")
    low, high = (float(_finite_number("zoom_range", item, accepted)) for item in items)
    if not 0 <= low <= high:
        raise ValueError(f"zoom_range must be {accepted}; got {value!r}")
    return (low, high)


def _brightness_range(value: Any) -> tuple | None:
    if value is None:
        return None
    accepted = "None or an increasing pair [low, high] with 0 < low <= high (1 = unchanged)"
    items = _sequence("brightness_range", value, accepted)
    if len(items) != 2:
        raise ValueError(f"brightness_range must be {accepted}; got {value!r}")
    low, high = (float(_finite_number("brightness_range", item, accepted)) for item in items)
    if not 0 < low <= high:
        raise ValueError(f"brightness_range must be {accepted}; got {value!r}")
    return (low, high)


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral) and value in (0, 1):
        return bool(value)
    raise ValueError(f"{name} must be True or False; got {value!r}")


@dataclass(frozen=True)
class AugmentConfig:
    """ImageDataGenerator's augmentation settings, with IDG's names, units and defaults.

    Units, as IDG really uses them:
    - rotation_range: degrees; theta ~ U(-r, r); positive theta turns content counter-clockwise.
    - width_shift_range / height_shift_range: float < 1 is a fraction of the image size,
      a float >= 1 is pixels, an int n draws whole pixels in -(n-1)..n-1, a list draws one of
      its values with a random sign. IDG swaps the axes: width_shift_range moves the image
      UP/DOWN (scaled by the width), height_shift_range LEFT/RIGHT (scaled by the height).
    - shear_range: degrees.
    - zoom_range: z means [1-z, 1+z]; x and y are drawn independently; zoom > 1 zooms OUT.
    - brightness_range: PIL brightness factor (1 = unchanged), applied through uint8.
    - channel_shift_range: raw pixel units (0..255 data), one offset for all channels.
    - fill_mode / cval: what fills pixels sampled from outside the image.
    - interpolation_order: 0 = nearest neighbour, 1 = bilinear (IDG's default).
    - rescale: multiplies pixels after augmentation (1/255 maps 0..255 to 0..1).
    - samplewise_center / samplewise_std_normalization: per-image mean 0 / std 1, after rescale.
    """

    rotation_range: float = 0.0
    width_shift_range: ShiftRange = 0.0
    height_shift_range: ShiftRange = 0.0
    shear_range: float = 0.0
    zoom_range: ZoomRange = 0.0
    brightness_range: tuple | None = None
    channel_shift_range: float = 0.0
    horizontal_flip: bool = False
    vertical_flip: bool = False
    fill_mode: str = "nearest"
    cval: float = 0.0
    interpolation_order: int = 1
    rescale: float | None = None
    samplewise_center: bool = False
    samplewise_std_normalization: bool = False

    def __post_init__(self) -> None:
        clean = {
            "rotation_range": _non_negative("rotation_range", self.rotation_range, "number of degrees"),
            "width_shift_range": _shift_range("width_shift_range", self.width_shift_range),
            "height_shift_range": _shift_range("height_shift_range", self.height_shift_range),
            "shear_range": _non_negative("shear_range", self.shear_range, "number of degrees"),
            "zoom_range": _zoom_range(self.zoom_range),
            "brightness_range": _brightness_range(self.brightness_range),
            "channel_shift_range": _non_negative(
                "channel_shift_range", self.channel_shift_range, "number of pixel levels"
            ),
            "horizontal_flip": _flag("horizontal_flip", self.horizontal_flip),
            "vertical_flip": _flag("vertical_flip", self.vertical_flip),
            "samplewise_center": _flag("samplewise_center", self.samplewise_center),
            "samplewise_std_normalization": _flag(
                "samplewise_std_normalization", self.samplewise_std_normalization
            ),
            "cval": float(_finite_number("cval", self.cval, "any finite pixel value")),
        }
        if self.fill_mode not in FILL_MODES:
            raise ValueError(f"fill_mode must be one of {', '.join(FILL_MODES)}; got {self.fill_mode!r}")
        if isinstance(self.interpolation_order, bool) or self.interpolation_order not in (0, 1):
            raise ValueError(
                "interpolation_order must be 0 (nearest) or 1 (bilinear, IDG's default); "
                f"got {self.interpolation_order!r} (higher spline orders are not supported)"
            )
        clean["interpolation_order"] = int(self.interpolation_order)
        if self.rescale is not None:
            clean["rescale"] = float(_finite_number("rescale", self.rescale, "None or a finite factor such as 1/255"))
        for name, value in clean.items():
            object.__setattr__(self, name, value)

    # -- conversions ---------------------------------------------------------------------

    @property
    def zoom_bounds(self) -> tuple[float, float]:
        """zoom_range as IDG stores it: (1 - z, 1 + z) for a float z, else the pair."""
        if isinstance(self.zoom_range, tuple):
            return self.zoom_range
        return (1 - self.zoom_range, 1 + self.zoom_range)

    def to_dict(self) -> dict:
        """A JSON-safe dict of every field (tuples become lists)."""
        return {
            field.name: list(value) if isinstance(value, tuple) else value
            for field in dataclasses.fields(self)
            for value in [getattr(self, field.name)]
        }

    @classmethod
    def from_dict(cls, data: Any) -> AugmentConfig:
        """Build from `to_dict()` output or any dict of IDG keyword arguments."""
        if not isinstance(data, dict):
            raise ValueError(
                f"a config must be a JSON object of ImageDataGenerator arguments; got {type(data).__name__}"
            )
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(str(key) for key in data if key not in known)
        if unknown:
            raise ValueError(
                f"unsupported setting(s): {', '.join(unknown)}; supported: {', '.join(sorted(known))}"
            )
        return cls(**data)

    def to_idg_kwargs(self, only_changed: bool = False) -> dict:
        """Keyword arguments for `ImageDataGenerator` that reproduce this config.

        With only_changed=True, settings equal to IDG's defaults are left out (for code export).
        """
        kwargs = self.to_dict()
        if only_changed:
            defaults = AugmentConfig().to_dict()
            kwargs = {key: value for key, value in kwargs.items() if value != defaults[key]}
        return kwargs

    def active_transforms(self) -> list[str]:
        """The random transforms that change some image, as IDG keyword names, in field order.

        An int shift range of 1 never shifts (IDG draws from -(n-1)..n-1), a zoom range of
        (1, 1) or a brightness range of (1, 1) never changes anything; those are not active.
        Preprocessing (rescale, samplewise_*) is not a random transform and is not listed.
        """
        active = []
        for name in TRANSFORM_FIELDS:
            value = getattr(self, name)
            if name in ("width_shift_range", "height_shift_range"):
                on = _shift_is_active(value)
            elif name == "zoom_range":
                on = self.zoom_bounds != (1.0, 1.0)
            elif name == "brightness_range":
                on = value is not None and value != (1.0, 1.0)
            else:
                on = bool(value)
            if on:
                active.append(name)
        return active

    def without_transforms(self) -> AugmentConfig:
        """The same preprocessing (rescale, samplewise_*) with every random transform off:
        the baseline arm of a fair comparison."""
        defaults = AugmentConfig()
        return self.replace(**{name: getattr(defaults, name) for name in TRANSFORM_FIELDS})

    def replace(self, **changes: Any) -> AugmentConfig:
        """A copy with some settings changed (validated again)."""
        return dataclasses.replace(self, **changes)


# What the user's pipeline feeds IDG: images as loaded, or already divided by 255.
INPUT_RANGES = ("0-255", "0-1")


def check_input_range(input_range: str) -> str:
    if input_range not in INPUT_RANGES:
        raise ValueError(f"input_range must be one of {', '.join(INPUT_RANGES)}; got {input_range!r}")
    return input_range


def as_config(config: Any) -> AugmentConfig:
    """An AugmentConfig from a config or a dict of IDG keyword arguments."""
    if isinstance(config, dict):
        return AugmentConfig.from_dict(config)
    if not isinstance(config, AugmentConfig):
        raise TypeError(f"config must be an AugmentConfig; got {type(config).__name__}")
    return config


def _shift_is_active(value: ShiftRange) -> bool:
    if isinstance(value, tuple):
        return any(item != 0 for item in value)
    if isinstance(value, int):
        return value > 1
    return value > 0
