"""The doctor: plain-language warnings about ImageDataGenerator's surprising semantics.

`diagnose(config, images, input_range, mean_fill_fraction)` looks at the settings a user
chose (and, where it helps, the images they picked and the range their pipeline feeds IDG)
and returns `Finding`s: what IDG will really do, with the user's numbers, and a one-line fix.

Each finding comes from one small check function (`Inputs -> Finding | None`) registered in
`CHECKS`, in the order the findings are reported. The semantics behind every check are those
of IDG's own code (see /work/shared/IDG_SEMANTICS.md and `explorer.augment.config.AugmentConfig`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from ..augment.config import AugmentConfig, as_config, check_input_range

WARNING = "warning"
NOTE = "note"


@dataclass(frozen=True)
class Finding:
    """One thing the user should know about their settings.

    code: stable id (one per check). severity: "warning" (the result is probably not what
    the user wants) or "note" (IDG works, but not as the names suggest). setting: the IDG
    keyword the finding is about ("" if general; the first one when it is about a pair).
    message: one or two sentences with the user's numbers. fix: one concrete line.
    """

    code: str
    severity: str
    setting: str
    message: str
    fix: str


@dataclass(frozen=True)
class Inputs:
    """What every check sees: the config, the picked images, the range fed to IDG, and the
    measured share of filled pixels (None when not measured)."""

    config: AugmentConfig
    images: tuple
    input_range: str
    mean_fill_fraction: float | None

    @property
    def span(self) -> float:
        """The width of the input range in pixel units: 255 for 0..255 data, 1 for 0..1."""
        return 255.0 if self.input_range == "0-255" else 1.0

    @property
    def range_text(self) -> str:
        return "0..255" if self.input_range == "0-255" else "0..1"

    @property
    def first_size(self) -> tuple[int, int] | None:
        """(height, width) of the first picked image, or None without images."""
        for image in self.images:
            shape = getattr(image, "shape", None)
            if shape is not None and len(shape) >= 2:
                return int(shape[0]), int(shape[1])
        return None


Check = Callable[[Inputs], "Finding | None"]
CHECKS: list[Check] = []


def _check(code: str) -> Callable[[Check], Check]:
    """Register a check under its finding code; checks run in registration order."""

    def register(function: Check) -> Check:
        function.code = code  # type: ignore[attr-defined]
        CHECKS.append(function)
        return function

    return register


# -- formatting ----------------------------------------------------------------------------


def _num(value: float) -> str:
    """A number as a user would type it: 40.0 -> '40', 0.2 -> '0.2', 25.5 -> '25.5'."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    return f"{value:.4g}"


def _value(value: Any) -> str:
    """A setting's value as it would be written in IDG's call: tuples as lists."""
    if isinstance(value, tuple):
        return "[" + ", ".join(_num(item) for item in value) + "]"
    return _num(value)


def _setting(config: AugmentConfig, name: str) -> str:
    return f"{name}={_value(getattr(config, name))}"


def _pct(fraction: float) -> str:
    """0.3 -> '30%', 0.08 -> '8%', 0.00039 -> '0.039%'."""
    percent = fraction * 100
    if percent >= 10 or percent == round(percent):
        return f"{percent:.0f}%"
    return f"{percent:.2g}%"


def _rescale_text(rescale: float) -> str:
    if math.isclose(rescale, 1 / 255, rel_tol=1e-6):
        return "1/255"
    return _num(rescale)


# -- shift helpers -------------------------------------------------------------------------


def _shift_reach(value: Any, scale_name: str, scale_px: int | None) -> str:
    """How far a shift range can move the image, in words ('up to ±20% of its width')."""
    if isinstance(value, tuple):
        values = ", ".join(_num(item) for item in value)
        if max(value) < 1:
            return f"by one of ±{values} of its {scale_name}"
        return f"by one of ±{values} px"
    if isinstance(value, int):
        return f"by a whole number of pixels from -{value - 1} to {value - 1}"
    if value < 1:
        pixels = f" (±{_num(value * scale_px)} px)" if scale_px else ""
        return f"by up to ±{_pct(value)} of its {scale_name}{pixels}"
    return f"by up to ±{_num(value)} px"


def _shift_fraction(value: Any, scale_px: int | None) -> float | None:
    """The largest shift as a fraction of the axis it is scaled by (None if unknown)."""
    if isinstance(value, tuple):
        top = max(value)
        if top < 1:
            return top
        return top / scale_px if scale_px else None
    if isinstance(value, int):
        if value <= 1:
            return 0.0
        return (value - 1) / scale_px if scale_px else None
    if value < 1:
        return value
    return value / scale_px if scale_px else None


def _active(config: AugmentConfig) -> list[str]:
    return config.active_transforms()


# -- the checks, in report order -----------------------------------------------------------

_CHANNEL_SHIFT_LIMITS = {"0-255": (5.1, 128.0), "0-1": (0.02, 0.5)}  # (invisible below, huge from)


def _channel_shift_suggestion(inputs: Inputs) -> str:
    r = inputs.config.channel_shift_range
    if inputs.input_range == "0-255":
        if r < 1:  # probably meant as a share of the range
            return f"Use channel_shift_range={_num(r * 255)} for ±{_pct(r)} of the 0..255 range, or remove it."
        return "Use channel_shift_range=25 for about ±10% of the 0..255 range, or remove it."
    if 1 <= r and 0.02 <= r / 255 < 0.5:  # probably meant in 0..255 levels
        return f"Use channel_shift_range={r / 255:.2g} ({_num(r)} of 255 levels in 0..1 units), or remove it."
    return "Use channel_shift_range=0.1 for about ±10% of the 0..1 range, or remove it."


@_check("channel_shift_invisible")
def _channel_shift_invisible(inputs: Inputs) -> Finding | None:
    """channel_shift_range is in raw pixel units, applied before rescale: a value meant as a
    fraction (the article's 0.1) moves 0..255 pixels by a tenth of a level. Flags shifts
    below about 2% of the input range."""
    r = inputs.config.channel_shift_range
    if not 0 < r < _CHANNEL_SHIFT_LIMITS[inputs.input_range][0]:
        return None
    return Finding(
        "channel_shift_invisible", WARNING, "channel_shift_range",
        f"channel_shift_range={_num(r)} shifts pixels by at most ±{_num(r)} on {inputs.range_text} data "
        f"({_pct(r / inputs.span)} of the range): nothing visible. IDG adds the shift in raw pixel units "
        "before rescale, and clips each shifted image to its own min..max.",
        _channel_shift_suggestion(inputs),
    )


@_check("channel_shift_huge")
def _channel_shift_huge(inputs: Inputs) -> Finding | None:
    """A shift of half the input range or more: IDG clips each shifted image to its own
    min..max, so most pixels of a strongly shifted image pile up at one value."""
    r = inputs.config.channel_shift_range
    if r < _CHANNEL_SHIFT_LIMITS[inputs.input_range][1]:
        return None
    return Finding(
        "channel_shift_huge", WARNING, "channel_shift_range",
        f"channel_shift_range={_num(r)} shifts pixels by up to ±{_num(r)} on {inputs.range_text} data "
        f"({_pct(r / inputs.span)} of the range). IDG clips each shifted image to its own min..max, "
        "so most pixels of a strongly shifted image end up at its darkest or brightest value.",
        _channel_shift_suggestion(inputs),
    )


@_check("zoom_out")
def _zoom_out(inputs: Inputs) -> Finding | None:
    """IDG's zoom factor scales the sampled area: above 1 the content shrinks (zoom OUT),
    below 1 it grows. zoom_range=z means factors 1-z..1+z, drawn separately for x and y."""
    config = inputs.config
    low, high = config.zoom_bounds
    if "zoom_range" not in _active(config) or high <= 1:
        return None
    message = (
        f"{_setting(config, 'zoom_range')} draws zoom factors {_num(low)}..{_num(high)}, separately for "
        f"width and height. In IDG a factor above 1 zooms OUT (content shrinks to as little as "
        f"{_pct(1 / high)} of its size and the border is filled) and a factor below 1 zooms in."
    )
    if low < 1:
        fix = f"To zoom in only, use zoom_range=[{_num(low)}, 1.0]."
    else:
        fix = f"To zoom in by the same amount instead, use zoom_range=[{1 / high:.2g}, {1 / low:.2g}]."
    return Finding("zoom_out", NOTE, "zoom_range", message, fix)


@_check("shear_in_degrees")
def _shear_in_degrees(inputs: Inputs) -> Finding | None:
    """shear_range is in degrees (radians before Keras 2.1.3): values below 1, like the
    article's 0.2, shear by a fraction of a degree, which nobody can see."""
    shear = inputs.config.shear_range
    if not 0 < shear < 1:
        return None
    message = (
        f"shear_range={_num(shear)} is in degrees: images are sheared by at most {_num(shear)}°, "
        f"which changes nothing visible (it was radians before Keras 2.1.3, and is often written as if it were)."
    )
    return Finding("shear_in_degrees", WARNING, "shear_range", message,
                   f"Use shear_range={_num(round(math.degrees(shear)))} for ±{_num(round(math.degrees(shear)))}° (what {_num(shear)} rad would be), or remove it.")


@_check("shift_axes_swapped")
def _shift_axes_swapped(inputs: Inputs) -> Finding | None:
    """IDG swaps the shift axes: height_shift_range moves the image left/right (scaled by
    the image height) and width_shift_range moves it up/down (scaled by the width)."""
    config = inputs.config
    active = _active(config)
    w_on, h_on = "width_shift_range" in active, "height_shift_range" in active
    if not (w_on or h_on):
        return None
    # An inactive range (0, or the int 1) moves nothing: treat it as 0.
    w = config.width_shift_range if w_on else 0.0
    h = config.height_shift_range if h_on else 0.0
    size = inputs.first_size
    height_px, width_px = size if size else (None, None)
    parts = []
    if h_on:
        parts.append(f"height_shift_range={_value(h)} moves the image LEFT/RIGHT "
                     f"{_shift_reach(h, 'height', height_px)}")
    if w_on:
        parts.append(f"width_shift_range={_value(w)} moves the image UP/DOWN "
                     f"{_shift_reach(w, 'width', width_px)}")
    message = "IDG swaps the shift axes: " + ", and ".join(parts) + "."
    if w_on != h_on:
        message += " So the image moves " + ("only up/down." if w_on else "only left/right.")
    elif w != h:
        message += " The names say the opposite, so the larger movement goes the other way."

    # What to set for what the names suggest: width -> left/right by w of the width,
    # height -> up/down by h of the height. Fractions are rescaled on non-square images.
    def swapped(value: Any, own_px: int | None, other_px: int | None) -> Any:
        if isinstance(value, float) and 0 < value < 1 and own_px and other_px:
            return float(f"{value * own_px / other_px:.3g}")
        return value

    new_h = swapped(w, width_px, height_px)
    new_w = swapped(h, height_px, width_px)
    if (new_w, new_h) == (w, h):
        fix = "Nothing to change while both are equal and the images square; if you change one, remember the swap."
    else:
        fix = (f"For what the names suggest, set width_shift_range={_value(new_w)} and "
               f"height_shift_range={_value(new_h)}.")
    return Finding("shift_axes_swapped", NOTE, "width_shift_range" if w_on else "height_shift_range",
                   message, fix)


@_check("int_shift")
def _int_shift(inputs: Inputs) -> Finding | None:
    """An int shift range n is not n pixels: IDG draws whole pixels in -(n-1)..n-1, so n=1
    never shifts (and an int is never a fraction of the image size)."""
    config = inputs.config
    names = [
        name for name in ("width_shift_range", "height_shift_range")
        if isinstance(getattr(config, name), int) and getattr(config, name) >= 1
    ]
    if not names:
        return None
    sentences = []
    for name in names:
        n = getattr(config, name)
        if n == 1:
            sentences.append(f"{name}=1 is an int, and IDG draws an int n as whole pixels in -(n-1)..n-1, "
                             "which for 1 is only 0: it never shifts.")
        else:
            sentences.append(f"{name}={n} is an int, so IDG draws whole pixels from -{n - 1} to {n - 1} "
                             f"(at most {n - 1} px, not {n}).")
    n = getattr(config, names[0])
    fix = (f"Use a float: {names[0]}={n}.0 for ±{n} px, or a fraction such as "
           f"{names[0]}=0.1 for ±10% of the image size.")
    return Finding("int_shift", WARNING, names[0], " ".join(sentences), fix)


@_check("off_centre_pivot")
def _off_centre_pivot(inputs: Inputs) -> Finding | None:
    """IDG turns, shears and zooms about (x = H/2 - 0.5, y = W/2 - 0.5): on a non-square
    image that point is |H - W| / 2 px off the centre along each axis."""
    config = inputs.config
    geometric = [name for name in ("rotation_range", "shear_range", "zoom_range") if name in _active(config)]
    if not geometric:
        return None
    for index, image in enumerate(inputs.images):
        shape = getattr(image, "shape", None)
        if shape is None or len(shape) < 2 or shape[0] == shape[1]:
            continue
        height, width = int(shape[0]), int(shape[1])
        offset = abs(height - width) / 2
        message = (
            f"Image {index + 1} is {width} x {height} px (width x height), and IDG turns it about "
            f"column {_num(height / 2 - 0.5)}, row {_num(width / 2 - 0.5)} instead of its centre "
            f"(column {_num((width - 1) / 2)}, row {_num((height - 1) / 2)}): {_num(offset)} px off "
            f"along each axis, so the content also shifts under {', '.join(geometric)}."
        )
        if "rotation_range" in geometric:
            extra = offset * math.sqrt(2) * 2 * math.sin(math.radians(min(config.rotation_range, 180)) / 2)
            message += f" At rotation_range={_num(config.rotation_range)} that is up to {extra:.1f} px of extra shift."
        side = min(height, width)
        fix = f"Crop or resize images to square (e.g. {side} x {side}) before augmenting, or accept the extra shift."
        return Finding("off_centre_pivot", NOTE, geometric[0], message, fix)
    return None


@_check("brightness_on_unit_data")
def _brightness_on_unit_data(inputs: Inputs) -> Finding | None:
    """IDG casts each image to uint8 before changing brightness: data already divided by 255
    truncates to 0, so every augmented image is black."""
    config = inputs.config
    if config.brightness_range is None or inputs.input_range != "0-1":
        return None
    return Finding(
        "brightness_on_unit_data", WARNING, "brightness_range",
        f"{_setting(config, 'brightness_range')} on 0..1 data: IDG converts each image to whole "
        "levels (uint8) before changing brightness, so every value below 1 becomes 0 and every "
        "augmented image comes out black.",
        "Apply brightness before rescaling: feed IDG the 0..255 images and set rescale=1/255 in IDG, "
        "which IDG applies after brightness.",
    )


@_check("brightness_truncates")
def _brightness_truncates(inputs: Inputs) -> Finding | None:
    """On 0..255 data brightness works, but through uint8: results are whole levels."""
    config = inputs.config
    if config.brightness_range is None or inputs.input_range != "0-255":
        return None
    return Finding(
        "brightness_truncates", NOTE, "brightness_range",
        f"{_setting(config, 'brightness_range')}: IDG converts each image to uint8 before changing "
        "brightness, so results are truncated to whole levels (100 x 1.234 gives 123, not 123.4) and "
        "capped at 255. A small detail that matters only against a float pipeline.",
        "No change needed; for float precision, drop brightness_range and scale brightness in your own code.",
    )


@_check("rescale_twice")
def _rescale_twice(inputs: Inputs) -> Finding | None:
    """Images already divided by 255 and rescale=1/255 in IDG: divided twice."""
    config = inputs.config
    if inputs.input_range != "0-1" or config.rescale is None or config.rescale == 1:
        return None
    top = _num(config.rescale)
    if math.isclose(config.rescale, 1 / 255, rel_tol=1e-6):
        top = "1/255 (0.0039)"
    return Finding(
        "rescale_twice", WARNING, "rescale",
        f"Your images are already in 0..1 and rescale={_rescale_text(config.rescale)} multiplies them "
        f"again: pixels end up in 0..{top} instead of 0..1.",
        "Remove rescale, or feed IDG the 0..255 images and keep rescale=1/255.",
    )


_FILL_EFFECTS = {
    "nearest": "with fill_mode='nearest' that area is edge pixels smeared into streaks, a pattern the model can learn",
    "constant": "with fill_mode='constant' that area is a flat border of cval={cval}, which the model can learn to key on",
    "reflect": "with fill_mode='reflect' that area is mirrored content, which can duplicate objects at the border",
    "wrap": "with fill_mode='wrap' that area is content tiled in from the opposite edge, which can cut objects in two",
}


@_check("high_fill")
def _high_fill(inputs: Inputs) -> Finding | None:
    """A large share of invented pixels (measured on the preview) teaches the model the fill
    pattern: a warning from 15%, a note from 5%."""
    fraction = inputs.mean_fill_fraction
    if fraction is None or fraction < 0.05:
        return None
    config = inputs.config
    effect = _FILL_EFFECTS[config.fill_mode].format(cval=_num(config.cval))
    active = _active(config)
    reduce = [_setting(config, name) for name in ("rotation_range", "width_shift_range", "height_shift_range")
              if name in active]
    if "zoom_range" in active and config.zoom_bounds[1] > 1:
        reduce.append(f"the zoom-out end (now {_num(config.zoom_bounds[1])})")
    fix = ("Reduce " + ", ".join(reduce)) if reduce else "Use smaller rotation, shift and zoom-out ranges"
    fix += ", or use fill_mode='reflect'." if config.fill_mode != "reflect" else "."
    return Finding(
        "high_fill", WARNING if fraction >= 0.15 else NOTE, "fill_mode",
        f"On average {_pct(fraction)} of each augmented image is filled from outside the image; {effect}.",
        fix,
    )


_PAST = {"shear_range": "sheared", "zoom_range": "zoomed"}


@_check("over_augmentation")
def _over_augmentation(inputs: Inputs) -> Finding | None:
    """Large rotation plus large shifts plus zoom or shear (the article's example 1): so many
    distortions at once that augmented images stop looking like real data."""
    config = inputs.config
    active = _active(config)
    size = inputs.first_size
    height_px, width_px = size if size else (None, None)
    shift = max(
        _shift_fraction(config.width_shift_range, width_px) or 0.0,
        _shift_fraction(config.height_shift_range, height_px) or 0.0,
    )
    extra = [name for name in ("shear_range", "zoom_range") if name in active]
    if config.rotation_range < 30 or shift < 0.2 or not extra:
        return None
    names = ["rotation_range", "width_shift_range", "height_shift_range", *extra]
    settings = ", ".join(_setting(config, name) for name in names if name in active)
    return Finding(
        "over_augmentation", WARNING, "rotation_range",
        f"{settings} all at once: each image is turned up to ±{_num(config.rotation_range)}°, moved by up to "
        f"{_pct(shift)} of its size and {' and '.join(_PAST[name] for name in extra)} as well, so many "
        "augmented images look little like real ones and training slows down.",
        "Start from the article's measured example (rotation_range=10, width_shift_range=0.1, "
        "height_shift_range=0.1), then add one setting at a time.",
    )


@_check("flips_orientation")
def _flips_orientation(inputs: Inputs) -> Finding | None:
    """Flips change orientation-sensitive content; a label that does not survive a flip
    becomes a wrong label."""
    config = inputs.config
    if not (config.horizontal_flip or config.vertical_flip):
        return None
    sentences = []
    if config.horizontal_flip:
        sentences.append("horizontal_flip=True mirrors half the images left to right")
    if config.vertical_flip:
        sentences.append("vertical_flip=True turns half the images upside down")
    message = (
        " and ".join(sentences) + ". Flips change the meaning of orientation-sensitive content (digits, "
        "text, left/right anatomy, satellite scenes with a north-up convention): check that your labels "
        "survive a flip."
    )
    if config.vertical_flip:
        message += " On natural photos vertical_flip gives upside-down scenes the model will never see."
    return Finding(
        "flips_orientation", NOTE, "horizontal_flip" if config.horizontal_flip else "vertical_flip",
        message,
        "Turn a flip off if a flipped image could carry a different label; keep it for content with no fixed orientation.",
    )


@_check("samplewise_std_turns_on_center")
def _samplewise_std_turns_on_center(inputs: Inputs) -> Finding | None:
    """IDG switches samplewise_center on whenever samplewise_std_normalization is on."""
    config = inputs.config
    if not config.samplewise_std_normalization or config.samplewise_center:
        return None
    return Finding(
        "samplewise_std_turns_on_center", NOTE, "samplewise_std_normalization",
        "samplewise_std_normalization=True without samplewise_center: IDG turns samplewise_center on "
        "as well, so each image becomes (x - mean) / std, not x / std.",
        "Set samplewise_center=True too, so your settings say what IDG does.",
    )


# -- entry point ---------------------------------------------------------------------------


def diagnose(
    config: AugmentConfig,
    images: Sequence = (),
    input_range: str = "0-255",
    mean_fill_fraction: float | None = None,
) -> list[Finding]:
    """Every finding that applies to these settings, in `CHECKS` order.

    config: an `AugmentConfig` (or a dict of IDG keyword arguments). images: the picked
    images, uint8 H x W x C as loaded (may be empty). input_range: "0-255" if the pipeline
    feeds IDG the images as loaded, "0-1" if it divides by 255 first. mean_fill_fraction:
    the measured share (0..1) of preview pixels IDG filled from outside the image, or None.
    """
    config = as_config(config)
    check_input_range(input_range)
    if mean_fill_fraction is not None:
        mean_fill_fraction = float(mean_fill_fraction)
        if not 0 <= mean_fill_fraction <= 1:  # also rejects NaN
            raise ValueError(f"mean_fill_fraction must be between 0 and 1; got {mean_fill_fraction!r}")
    inputs = Inputs(config, () if images is None else tuple(images), input_range, mean_fill_fraction)
    return [finding for check in CHECKS if (finding := check(inputs)) is not None]
