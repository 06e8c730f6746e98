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

ShiftRange = int | float | tuple
ZoomRange = int | float | tuple

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
    """A finite real number (a bool counts as 0 or 1, as it does in IDG's arithmetic)."""
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if not _is_number(value):
        raise ValueError(f"{name} must be a number ({accepted}); got {value!r}")
    if not math.isfinite(value):
        # IDG's draws fail on it (NumPy: 'Range exceeds valid bounds'); a cval or rescale of it
        # would only fill images with NaN or infinity.
        raise ValueError(
            f"{name} must be a finite number; got {value!r} (NumPy refuses to draw from it: "
            "'Range exceeds valid bounds')"
        )
    # numpy scalars become plain Python numbers so JSON and equality behave.
    return int(value) if isinstance(value, numbers.Integral) else float(value)


def _real(name: str, value: Any, unit: str) -> float:
    """Any finite number: IDG draws U(-r, r), and a negative r gives the same distribution."""
    return float(_finite_number(name, value, f"a number of {unit}"))


def _sequence(name: str, value: Any, accepted: str) -> tuple:
    if isinstance(value, np.ndarray) and value.size > 1:
        raise ValueError(
            f"{name} must be {accepted}; got a NumPy array, which IDG cannot take: it tests "
            "`if {name}:`, and NumPy refuses the truth value of an array of more than one element. "
            "Pass a list"
        )
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise ValueError(f"{name} must be {accepted}; got {value!r}")
    return tuple(value)


def _shift_range(name: str, value: Any) -> ShiftRange:
    """IDG's forms, all kept as given: a float (U(-r, r), a fraction of the size when < 1), an
    int (whole pixels from `choice(n)` for n >= 1; for n < 0 NumPy's `choice` refuses and IDG
    falls back to U(-n, n) as a fraction), a list of any values (one drawn with a random
    sign); 0, False or an empty list: no shift."""
    accepted = "a number, or a list of numbers"
    if isinstance(value, (bool, np.bool_)) or _is_number(value):
        return _finite_number(name, value, accepted)  # int stays int: IDG draws integers from an int range
    items = _sequence(name, value, accepted)
    return tuple(_finite_number(name, item, accepted) for item in items)


ZOOM_REFUSED = "`zoom_range` should be a float or a tuple or list of two floats."  # IDG's own words


def _zoom_range(value: Any) -> ZoomRange:
    """A number z (IDG's [1 - z, 1 + z], any size: factors below 0 mirror the image) or a
    pair in either order, refused exactly where IDG refuses it."""
    if isinstance(value, (float, int)):  # IDG's test: bools and NumPy floats pass, NumPy ints do not
        return _finite_number("zoom_range", value, ZOOM_REFUSED)
    if (
        isinstance(value, (list, tuple, np.ndarray))
        and len(value) == 2
        and all(isinstance(item, (float, int)) for item in value)
    ):
        return tuple(float(_finite_number("zoom_range", item, ZOOM_REFUSED)) for item in value)
    raise ValueError(f"{ZOOM_REFUSED} Received: {value!r}")


BRIGHTNESS_REFUSED = "`brightness_range should be tuple or list of two floats."  # IDG's own words


def _brightness_range(value: Any) -> tuple | None:
    """None, or a pair of numbers in either order (0 included: a black image)."""
    if value is None:
        return None
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError(f"{BRIGHTNESS_REFUSED} Received: {value!r}")
    return tuple(float(_finite_number("brightness_range", item, "two numbers")) for item in value)


def _flag(name: str, value: Any) -> bool:
    """IDG multiplies a draw by the flag and then tests its truth: any number or string works
    (the string 'False' is not empty, so it flips); None fails in IDG's multiplication."""
    if value is None:
        raise ValueError(
            f"{name} must be True or False; got None (IDG fails on it: unsupported operand "
            "type(s) for *: 'bool' and 'NoneType')"
        )
    if isinstance(value, (bool, np.bool_, str)) or _is_number(value):
        return bool(value)
    raise ValueError(f"{name} must be True or False; got {value!r}")


# Modes SciPy's ndimage takes, to which IDG hands fill_mode unchecked. 'grid-mirror' is
# SciPy's name for 'reflect'.
FILL_MODES = ("nearest", "reflect", "wrap", "constant", "mirror", "grid-mirror", "grid-wrap", "grid-constant")
# IDG's four documented modes: the ones the Keras layer (dropin.layer) resamples exactly.
EXACT_LAYER_FILL_MODES = FILL_MODES[:4]


GEOMETRIC = ("rotation_range", "width_shift_range", "height_shift_range", "shear_range", "zoom_range")


def _fill_mode(value: Any, warps: bool) -> str:
    """One of SciPy's modes. IDG hands fill_mode to SciPy only when it warps: with no
    geometric setting any string passes (and does nothing)."""
    if value in FILL_MODES or (not warps and isinstance(value, str)):
        return value
    raise ValueError(
        f"fill_mode must be one of {', '.join(FILL_MODES)}; got {value!r} (SciPy, to which IDG "
        "hands it, refuses it: boundary mode not supported)"
    )


def _interpolation_order(value: Any, warps: bool) -> int | float:
    """A whole number from 0 to 5 (SciPy's spline orders); like fill_mode, only checked by
    SciPy, so with no geometric setting any number passes."""
    if isinstance(value, (bool, np.bool_)) or (isinstance(value, numbers.Integral) and 0 <= value <= 5):
        return int(value)
    if not warps and _is_number(value):
        return value
    raise ValueError(
        f"interpolation_order must be a whole number from 0 to 5 (0 nearest, 1 bilinear, 2-5 "
        f"splines); got {value!r} (SciPy, to which IDG hands it, refuses it: spline order not "
        "supported)"
    )


@dataclass(frozen=True)
class AugmentConfig:
    """ImageDataGenerator's augmentation settings, with IDG's names, units and defaults.

    Frozen and validated once: every value IDG accepts is accepted, and does what it does in
    IDG (`diagnostics.oddities` explains the odd ones); a value IDG would fail on is refused
    here, with a message naming the setting. Lists become tuples, so a config can be hashed
    and shared. `AugmentConfig(**idg_kwargs)` and
    `ImageDataGenerator(**config.to_idg_kwargs())` describe the same augmentation.

    Args:
        rotation_range (float): Degrees; theta ~ U(-r, r); positive theta turns content
            counter-clockwise. A negative r draws from the same interval.
        width_shift_range (float | int | tuple): A number r draws U(-r, r), a fraction of the
            image size when |r| < 1, else pixels; an int n >= 1 draws whole pixels in
            -(n-1)..n-1 (a negative int falls back to U(-n, n)); a list draws one of its values
            times a random sign (fraction or pixels decided by its largest value, sign
            included). IDG swaps the axes: width_shift_range moves the image UP/DOWN (scaled
            by the width).
        height_shift_range (float | int | tuple): As width_shift_range; moves the image
            LEFT/RIGHT (scaled by the height).
        shear_range (float): Degrees (negative: as positive).
        zoom_range (float | tuple): z means [1-z, 1+z], any z (factors below 0 mirror); a pair
            in either order; x and y are drawn independently; zoom > 1 zooms OUT.
        brightness_range (tuple | None): PIL brightness factors (1 = unchanged, 0 = black),
            applied through uint8; a pair in either order.
        channel_shift_range (float): Raw pixel units (0..255 data), one offset for all
            channels.
        horizontal_flip (bool): Flip half the images left-right.
        vertical_flip (bool): Flip half the images upside down.
        fill_mode (str): What fills pixels sampled from outside the image: any of SciPy's
            modes (`FILL_MODES`), checked, like interpolation_order, only when something warps.
        cval (float): The fill value of fill_mode "constant".
        interpolation_order (int): 0 = nearest neighbour, 1 = bilinear (IDG's default), 2-5
            SciPy's splines, computed through scipy.ndimage as IDG computes them.
        rescale (float | None): Multiplies pixels after augmentation (1/255 maps 0..255 to
            0..1); 0 and None do nothing.
        samplewise_center (bool): Per-image mean 0, after rescale.
        samplewise_std_normalization (bool): Per-image std 1, after rescale.

    Raises:
        ValueError: A value IDG would fail on, or that would only fill images with NaN; the
            message names the setting and what it accepts.

    Examples:
        >>> from explorer import AugmentConfig
        >>> config = AugmentConfig(rotation_range=40, width_shift_range=0.1, horizontal_flip=True, rescale=1 / 255)
        >>> config.active_transforms()
        ['rotation_range', 'width_shift_range', 'horizontal_flip']
        >>> AugmentConfig(zoom_range=[0.8, 1.5]).zoom_range  # lists become tuples
        (0.8, 1.5)
        >>> AugmentConfig(rotation_range="a lot")
        Traceback (most recent call last):
        ...
        ValueError: rotation_range must be a number (a number of degrees); got 'a lot'
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
            "rotation_range": _real("rotation_range", self.rotation_range, "degrees"),
            "width_shift_range": _shift_range("width_shift_range", self.width_shift_range),
            "height_shift_range": _shift_range("height_shift_range", self.height_shift_range),
            "shear_range": _real("shear_range", self.shear_range, "degrees"),
            "zoom_range": _zoom_range(self.zoom_range),
            "brightness_range": _brightness_range(self.brightness_range),
            "channel_shift_range": _real("channel_shift_range", self.channel_shift_range, "pixel levels"),
            "horizontal_flip": _flag("horizontal_flip", self.horizontal_flip),
            "vertical_flip": _flag("vertical_flip", self.vertical_flip),
            # IDG only tests these for truth (`if self.samplewise_center:`): None is off.
            "samplewise_center": bool(self.samplewise_center),
            "samplewise_std_normalization": bool(self.samplewise_std_normalization),
            "cval": float(_finite_number("cval", self.cval, "any finite pixel value")),
        }
        if self.rescale is not None:  # 0 is kept as given: IDG skips a falsy rescale
            clean["rescale"] = float(_finite_number("rescale", self.rescale, "None or a finite factor such as 1/255"))
        for name, value in clean.items():
            object.__setattr__(self, name, value)
        warps = bool(set(self.active_transforms()) & set(GEOMETRIC))
        object.__setattr__(self, "fill_mode", _fill_mode(self.fill_mode, warps))
        object.__setattr__(self, "interpolation_order", _interpolation_order(self.interpolation_order, warps))

    # -- conversions ---------------------------------------------------------------------

    @property
    def zoom_bounds(self) -> tuple[float, float]:
        """zoom_range as IDG stores it: (1 - z, 1 + z) for a float z, else the pair.

        Examples:
            >>> AugmentConfig(zoom_range=0.25).zoom_bounds
            (0.75, 1.25)
        """
        if isinstance(self.zoom_range, tuple):
            return self.zoom_range
        return (1 - self.zoom_range, 1 + self.zoom_range)

    def to_dict(self) -> dict:
        """A JSON-safe dict of every field (tuples become lists).

        Returns:
            Every setting by its IDG name, in field order.

        Examples:
            >>> AugmentConfig(zoom_range=(0.9, 1.1)).to_dict()["zoom_range"]
            [0.9, 1.1]
        """
        return {
            field.name: list(value) if isinstance(value, tuple) else value
            for field in dataclasses.fields(self)
            for value in [getattr(self, field.name)]
        }

    @classmethod
    def from_dict(cls, data: Any) -> AugmentConfig:
        """Build from `to_dict()` output or any dict of IDG keyword arguments.

        Args:
            data: A dict of IDG augmentation keyword arguments (parsed JSON, say).

        Returns:
            The validated config.

        Raises:
            ValueError: `data` is not a dict, holds a name that is not a setting (the message
                lists the supported ones), or a value IDG would fail on.

        Examples:
            >>> AugmentConfig.from_dict({"zoom_range": [0.9, 1.1]}) == AugmentConfig(zoom_range=(0.9, 1.1))
            True
            >>> AugmentConfig.from_dict({"rotation": 10})
            Traceback (most recent call last):
            ...
            ValueError: unsupported setting(s): rotation; supported: brightness_range, ...
        """
        if not isinstance(data, dict):
            raise ValueError(
                f"a config must be a JSON object of ImageDataGenerator arguments; got {type(data).__name__}"
            )
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(str(key) for key in data if key not in known)
        if unknown:
            raise ValueError(f"unsupported setting(s): {', '.join(unknown)}; supported: {', '.join(sorted(known))}")
        return cls(**data)

    def to_idg_kwargs(self, only_changed: bool = False) -> dict:
        """Keyword arguments for `ImageDataGenerator` that reproduce this config.

        Args:
            only_changed: Leave out the settings equal to IDG's defaults (for code export).

        Returns:
            IDG keyword arguments, JSON-safe (tuples become lists).

        Examples:
            >>> AugmentConfig(rotation_range=40, horizontal_flip=True).to_idg_kwargs(only_changed=True)
            {'rotation_range': 40.0, 'horizontal_flip': True}
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

        Returns:
            The names of the active random transforms.

        Examples:
            >>> AugmentConfig(width_shift_range=1, shear_range=5, rescale=1 / 255).active_transforms()
            ['shear_range']
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
        """The same preprocessing (rescale, samplewise_*) with every random transform off.

        The baseline arm of a fair comparison.

        Returns:
            A copy with every random transform at IDG's default.

        Examples:
            >>> AugmentConfig(rotation_range=40, rescale=0.5).without_transforms().to_idg_kwargs(only_changed=True)
            {'rescale': 0.5}
        """
        defaults = AugmentConfig()
        return self.replace(**{name: getattr(defaults, name) for name in TRANSFORM_FIELDS})

    def replace(self, **changes: Any) -> AugmentConfig:
        """A copy with some settings changed (validated again).

        Args:
            **changes: New values by setting name.

        Returns:
            The new config; this one is unchanged.

        Raises:
            ValueError: A new value IDG would fail on.
            TypeError: A name that is not a setting.

        Examples:
            >>> AugmentConfig(rotation_range=40).replace(rotation_range=10).rotation_range
            10.0
        """
        return dataclasses.replace(self, **changes)


# What the user's pipeline feeds IDG: images as loaded, or already divided by 255.
INPUT_RANGES = ("0-255", "0-1")


def check_input_range(input_range: str) -> str:
    """The input range, checked: one of `INPUT_RANGES`.

    Args:
        input_range: "0-255" (images as loaded) or "0-1" (already divided by 255).

    Returns:
        The same string.

    Raises:
        ValueError: Any other value.
    """
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
    """Whether a shift range ever moves the image: an int n >= 1 draws 0..n-1 (so 1 never
    moves), an int below 0 draws uniformly (see `_shift_range`)."""
    if isinstance(value, tuple):
        return any(item != 0 for item in value)
    if isinstance(value, int):
        return value > 1 or value < 0
    return value != 0
