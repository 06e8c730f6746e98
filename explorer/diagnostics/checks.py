"""The doctor's rules: one small check per IDG pitfall, each returning a `Finding` with the
user's numbers and a one-line fix, registered in `findings.CHECKS` in report order.

Rules that need pixel measurements read `inputs.pixels` (a `pixels.PixelStats`) and stay
silent without it; rules about the data's range use the measured range when it is there and
the input range's span (255 or 1) otherwise, so one problem gives one finding either way.
Every number a rule compares against comes from `inputs.thresholds` (`findings.THRESHOLDS`).
The semantics behind every check are those of IDG's own code (see
/work/shared/IDG_SEMANTICS.md and `explorer.augment.config.AugmentConfig`).
"""

from __future__ import annotations

import math
from typing import Any

from ..augment.sampling import draws_by_choice, is_fraction, shift_extent
from .findings import (
    NOTE,
    WARNING,
    Change,
    Finding,
    Inputs,
    change,
    check,
    num,
    pct,
    rescale_text,
    setting_text,
    value_text,
)

# -- shift helpers -------------------------------------------------------------------------


def _shift_reach(value: Any, scale_name: str, scale_px: int | None) -> str:
    """How far a shift range can move the image, in words ('up to ±20% of its width')."""
    if isinstance(value, tuple):
        values = ", ".join(f"±{num(move)}" if move else "0" for move in sorted({abs(item) for item in value}))
        return f"by one of {values}" + (f" of its {scale_name}" if is_fraction(value) else " px")
    if draws_by_choice(value):
        return f"by a whole number of pixels from -{value - 1} to {value - 1}"
    reach = shift_extent(value)
    if is_fraction(value):
        pixels = f" (±{num(reach * scale_px)} px)" if scale_px else ""
        return f"by up to ±{pct(reach)} of its {scale_name}{pixels}"
    return f"by up to ±{num(reach)} px"


def _shift_fraction(value: Any, scale_px: int | None) -> float | None:
    """The largest shift as a fraction of the axis it is scaled by (None if unknown)."""
    reach = shift_extent(value)
    if not value or is_fraction(value):
        return reach
    return reach / scale_px if scale_px else None


# -- the checks, in report order -----------------------------------------------------------
# Black output first: when it shows, it is what the user must see first.


def _feed_0_255(inputs: Inputs, words: str) -> tuple[str, Change]:
    """The fix for brightness on 0..1 data: feed IDG 0..255 images and let IDG rescale after
    brightness; the settings in raw pixel units (channel_shift_range, cval) scale by 255 too."""
    config = inputs.config
    raw = {
        name: float(f"{getattr(config, name) * 255:.4g}")
        for name in ("channel_shift_range", "cval")
        if getattr(config, name)
    }
    also = "".join(f", and {name}={num(value)} (the same in 0..255 units)" for name, value in raw.items())
    return words + also + ".", Change((("rescale", 1 / 255), *raw.items()), input_range="0-255")


def _brightness_on_unit(inputs: Inputs) -> bool:
    return inputs.config.brightness_range is not None and inputs.unit_data


def _black_output_what(inputs: Inputs) -> str | None:
    """What the measurements say is wrong with the output (None when nothing is)."""
    t, config = inputs.thresholds, inputs.config
    original, augmented = inputs.pixels.original, inputs.pixels.augmented
    rescale = config.rescale or None
    normalized = config.samplewise_std_normalization
    # Compare spreads in the units before rescale (samplewise std normalization sets std 1).
    std = augmented.std if normalized or rescale is None else augmented.std / abs(rescale)
    reference = 1.0 if normalized else original.std
    others_before, others_after = 1 - original.share_at_min, 1 - augmented.share_at_min
    if augmented.max == 0 and original.max > 0:
        return "All augmented pixels are black (0)"
    if original.std > 0 and std < t.flat_std_ratio * reference:
        return (
            f"The augmented pixels are flat: their spread (std {num(augmented.std)}) is under "
            f"{pct(t.flat_std_ratio)} of the original's ({num(original.std)})"
        )
    if others_before > 0 and augmented.share_at_min >= t.flat_share and others_after <= t.flat_shrink * others_before:
        return (
            f"{pct(augmented.share_at_min)} of augmented pixels sit at their image's darkest value "
            f"({'black' if augmented.min == 0 else 'flat'}), against "
            f"{pct(original.share_at_min)} before augmentation"
        )
    return None


@check("black_output")
def _black_output(inputs: Inputs) -> Finding | None:
    """Measured: the augmented images are black, flat, or nearly all at their darkest value,
    where the images fed to IDG were not. Needs `inputs.pixels`."""
    if inputs.pixels is None:
        return None
    what = _black_output_what(inputs)
    if what is None:
        return None
    if _brightness_on_unit(inputs):
        return Finding(
            "black_output",
            WARNING,
            "brightness_range",
            what + ". This is brightness_range on data already divided by 255.",
            *_feed_0_255(
                inputs, "Feed IDG the 0..255 images and set rescale=1/255 in IDG, which IDG applies after brightness"
            ),
        )
    return Finding(
        "black_output",
        WARNING,
        "",
        what + ". The augmented images have lost their content.",
        "Turn settings off one at a time in the preview to find the one that empties the images "
        "(often a huge channel_shift_range, or a zoom-out with fill_mode='constant').",
    )


def _channel_shift_share(inputs: Inputs) -> float:
    """The largest channel shift as a fraction of the data's range (measured when given),
    rounded to 12 decimals: the same shift in 0..1 and in 0..255 units (0.02 and 5.1) is one share."""
    return round(abs(inputs.config.channel_shift_range) / inputs.data_span, 12)


def _channel_shift_suggestion(inputs: Inputs) -> tuple[str, Change]:
    """The fix's words and its change: a shift the two channel-shift rules both accept."""
    t = inputs.thresholds
    r = abs(inputs.config.channel_shift_range)

    def visible(value: float) -> bool:
        return t.channel_shift_invisible <= round(value / inputs.data_span, 12) < t.channel_shift_huge

    if inputs.input_range == "0-255":
        if r < 1 and visible(meant := float(f"{r * 255:.4g}")):  # probably meant as a share of the range
            value, text = meant, f" for ±{pct(r)} of the 0..255 range"
        else:
            value, text = 25.0, " for about ±10% of the 0..255 range"
    elif 1 <= r and visible(meant := float(f"{r / 255:.2g}")):  # meant in 0..255 levels
        value, text = meant, f" ({num(r)} of 255 levels in 0..1 units)"
    else:
        value, text = 0.1, " for about ±10% of the 0..1 range"
    return f"Use channel_shift_range={num(value)}{text}, or remove it.", change(channel_shift_range=value)


@check("channel_shift_invisible")
def _channel_shift_invisible(inputs: Inputs) -> Finding | None:
    """channel_shift_range is in raw pixel units, applied before rescale: a value meant as a
    fraction (the article's 0.1) moves 0..255 pixels by a tenth of a level. Flags shifts
    below `channel_shift_invisible` of the data's range."""
    r = abs(inputs.config.channel_shift_range)
    share = _channel_shift_share(inputs)
    if not 0 < share < inputs.thresholds.channel_shift_invisible:
        return None
    return Finding(
        "channel_shift_invisible",
        WARNING,
        "channel_shift_range",
        f"channel_shift_range={num(inputs.config.channel_shift_range)} is too small to see: it shifts pixels "
        f"by at most ±{num(r)} on {inputs.data_text} ({pct(share)} of the range). IDG adds the shift in raw "
        "pixel units before rescale, and clips each shifted image to its own min..max.",
        *_channel_shift_suggestion(inputs),
    )


@check("channel_shift_huge")
def _channel_shift_huge(inputs: Inputs) -> Finding | None:
    """A shift of `channel_shift_huge` of the data's range or more saturates: IDG clips each
    shifted image to its own min..max, so most pixels of a strongly shifted image pile up at
    one value."""
    r = abs(inputs.config.channel_shift_range)
    share = _channel_shift_share(inputs)
    if r == 0 or share < inputs.thresholds.channel_shift_huge:
        return None
    return Finding(
        "channel_shift_huge",
        WARNING,
        "channel_shift_range",
        f"channel_shift_range={num(inputs.config.channel_shift_range)} saturates: it shifts pixels by up to "
        f"±{num(r)} on {inputs.data_text} ({pct(share)} of the range). IDG clips each shifted image to its "
        "own min..max, so most pixels of a strongly shifted image end up at its darkest or brightest value.",
        *_channel_shift_suggestion(inputs),
    )


@check("zoom_out")
def _zoom_out(inputs: Inputs) -> Finding | None:
    """IDG's zoom factor scales the sampled area: above 1 the content shrinks (zoom OUT),
    below 1 it grows. zoom_range=z means factors 1-z..1+z, drawn separately for x and y."""
    config = inputs.config
    low, high = sorted(config.zoom_bounds)  # IDG draws between them in either order
    if "zoom_range" not in config.active_transforms() or high <= 1 or low <= 0:
        return None  # factors at or below 0 mirror: zoom_mirrors says so
    message = (
        f"{setting_text(config, 'zoom_range')} draws zoom factors {num(low)}..{num(high)}, separately for "
        f"width and height. In IDG a factor above 1 zooms OUT (content shrinks to as little as "
        f"{pct(1 / high)} of its size and the border is filled) and a factor below 1 zooms in."
        + (" With every factor at least 1, it only zooms out." if low >= 1 else "")
    )
    if low < 1:
        pair = (low, 1.0)
        fix = f"To zoom in only, use zoom_range=[{num(low)}, 1.0]."
    else:
        pair = (float(f"{1 / high:.2g}"), float(f"{1 / low:.2g}"))
        fix = f"To zoom in by the same amount instead, use zoom_range=[{num(pair[0])}, {num(pair[1])}]."
    return Finding("zoom_out", NOTE, "zoom_range", message, fix, change(zoom_range=pair))


@check("shear_in_degrees")
def _shear_in_degrees(inputs: Inputs) -> Finding | None:
    """shear_range is in degrees (radians before Keras 2.1.3): values below
    `shear_invisible_deg` (1), like the article's 0.2, shear by a fraction of a degree,
    which nobody can see."""
    shear = abs(inputs.config.shear_range)
    if not 0 < shear < inputs.thresholds.shear_invisible_deg:
        return None
    message = (
        f"shear_range={num(inputs.config.shear_range)} is in degrees: images are sheared by at most {num(shear)}°, "
        f"which changes nothing visible (it was radians before Keras 2.1.3, and is often written as if it were)."
    )
    degrees = round(math.degrees(shear))
    if not degrees:  # even read as radians it is under half a degree
        return Finding(
            "shear_in_degrees",
            WARNING,
            "shear_range",
            message,
            f"Remove shear_range: even read as radians, {num(shear)} shears by under 1°.",
            change(shear_range=None),
        )
    return Finding(
        "shear_in_degrees",
        WARNING,
        "shear_range",
        message,
        f"Use shear_range={degrees} for ±{degrees}° (what {num(shear)} rad would be), or remove it.",
        change(shear_range=float(degrees)),
    )


@check("shift_axes_swapped")
def _shift_axes_swapped(inputs: Inputs) -> Finding | None:
    """IDG swaps the shift axes: height_shift_range moves the image left/right (scaled by
    the image height) and width_shift_range moves it up/down (scaled by the width)."""
    config = inputs.config
    active = config.active_transforms()
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
        parts.append(
            f"height_shift_range={value_text(h)} moves the image LEFT/RIGHT {_shift_reach(h, 'height', height_px)}"
        )
    if w_on:
        parts.append(f"width_shift_range={value_text(w)} moves the image UP/DOWN {_shift_reach(w, 'width', width_px)}")
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
        fix, swap = (
            ("Nothing to change while both are equal and the images square; if you change one, remember the swap."),
            None,
        )
    else:
        fix = (
            f"For what the names suggest, set width_shift_range={value_text(new_w)} and "
            f"height_shift_range={value_text(new_h)}."
        )
        swap = change(width_shift_range=new_w, height_shift_range=new_h)
    return Finding(
        "shift_axes_swapped", NOTE, "width_shift_range" if w_on else "height_shift_range", message, fix, swap
    )


@check("int_shift")
def _int_shift(inputs: Inputs) -> Finding | None:
    """An int shift range n is not n pixels: IDG draws whole pixels in -(n-1)..n-1, so n=1
    never shifts (and an int is never a fraction of the image size)."""
    config = inputs.config
    names = [
        name
        for name in ("width_shift_range", "height_shift_range")
        if isinstance(getattr(config, name), int) and getattr(config, name) >= 1
    ]
    if not names:
        return None
    sentences = []
    for name in names:
        n = getattr(config, name)
        if n == 1:
            sentences.append(
                f"{name}=1 is an int, and IDG draws an int n as whole pixels in -(n-1)..n-1, "
                "which for 1 is only 0: it never shifts."
            )
        else:
            sentences.append(
                f"{name}={n} is an int, so IDG draws whole pixels from -{n - 1} to {n - 1} "
                f"(at most {n - 1} px, not {n})."
            )
    floats = ", ".join(f"{name}={getattr(config, name)}.0 for ±{getattr(config, name)} px" for name in names)
    fix = (
        f"Use {'floats' if len(names) > 1 else 'a float'}: {floats}; or a fraction such as {names[0]}=0.1 "
        "for ±10% of the image size."
    )
    return Finding(
        "int_shift",
        WARNING,
        names[0],
        " ".join(sentences),
        fix,
        change(**{name: float(getattr(config, name)) for name in names}),
    )


@check("off_centre_pivot")
def _off_centre_pivot(inputs: Inputs) -> Finding | None:
    """IDG turns, shears and zooms about (x = H/2 - 0.5, y = W/2 - 0.5): on a non-square
    image that point is |H - W| / 2 px off the centre along each axis."""
    config = inputs.config
    geometric = [name for name in ("rotation_range", "shear_range", "zoom_range") if name in config.active_transforms()]
    if not geometric:
        return None
    shapes = [inputs.size] if inputs.size is not None else [getattr(image, "shape", None) for image in inputs.images]
    for index, shape in enumerate(shapes):
        if shape is None or len(shape) < 2 or shape[0] == shape[1]:
            continue
        height, width = int(shape[0]), int(shape[1])
        offset = abs(height - width) / 2
        message = (
            f"{'At the training size the image' if inputs.size else f'Image {index + 1}'} is {width} x {height} px "
            "(width x height), and IDG turns it about "
            f"column {num(height / 2 - 0.5)}, row {num(width / 2 - 0.5)} instead of its centre "
            f"(column {num((width - 1) / 2)}, row {num((height - 1) / 2)}): {num(offset)} px off "
            f"along each axis, so the content also shifts under {', '.join(geometric)}."
        )
        if "rotation_range" in geometric:
            extra = offset * math.sqrt(2) * 2 * math.sin(math.radians(min(config.rotation_range, 180)) / 2)
            message += f" At rotation_range={num(config.rotation_range)} that is up to {extra:.1f} px of extra shift."
        side = min(height, width)
        fix = f"Crop or resize images to square (e.g. {side} x {side}) before augmenting, or accept the extra shift."
        return Finding("off_centre_pivot", NOTE, geometric[0], message, fix)
    return None


@check("brightness_on_unit_data")
def _brightness_on_unit_data(inputs: Inputs) -> Finding | None:
    """IDG casts each image to uint8 before changing brightness: data already divided by 255
    truncates to 0, so every augmented image is black. 0..1 data is measured when given."""
    config = inputs.config
    if not _brightness_on_unit(inputs):
        return None
    message = (
        f"{setting_text(config, 'brightness_range')} on 0..1 data: IDG converts each image to whole "
        "levels (uint8) before changing brightness, so every value below 1 becomes 0 and every "
        "augmented image comes out black."
    )
    if inputs.pixels is not None:
        message += (
            f" Measured: {pct(inputs.pixels.augmented.share_at_min)} of augmented pixels are at their darkest value."
        )
    return Finding(
        "brightness_on_unit_data",
        WARNING,
        "brightness_range",
        message,
        *_feed_0_255(
            inputs,
            "Apply brightness before rescaling: feed IDG the 0..255 images and set "
            "rescale=1/255 in IDG, which IDG applies after brightness",
        ),
    )


@check("brightness_truncates")
def _brightness_truncates(inputs: Inputs) -> Finding | None:
    """On 0..255 data brightness works, but through uint8: results are whole levels."""
    config = inputs.config
    if config.brightness_range is None or inputs.unit_data:
        return None
    return Finding(
        "brightness_truncates",
        NOTE,
        "brightness_range",
        f"{setting_text(config, 'brightness_range')}: IDG converts each image to uint8 before changing "
        "brightness, so results are truncated to whole levels (100 x 1.234 gives 123, not 123.4) and "
        "capped at 255. A small detail that matters only against a float pipeline.",
        "No change needed; for float precision, drop brightness_range and scale brightness in your own code.",
    )


def _rescale_measured(inputs: Inputs) -> str | None:
    """With pixels measured on data that reaches `rescale_confirm_max`: a sentence with the
    squeezed maximum, or "" when the output is NOT squeezed (rescale made no difference,
    e.g. under samplewise_std_normalization). None when the measurement cannot tell."""
    pixels, t, rescale = inputs.pixels, inputs.thresholds, inputs.config.rescale
    if pixels is None or abs(rescale) >= 1 or pixels.original.max <= t.rescale_confirm_max:
        return None
    if pixels.augmented.max > abs(rescale) * (1 + t.rescale_slack):
        return ""
    return (
        f" Measured: the augmented maximum is {num(pixels.augmented.max)} instead of about {num(pixels.original.max)}."
    )


@check("rescale_twice")
def _rescale_twice(inputs: Inputs) -> Finding | None:
    """Images already divided by 255 and rescale=1/255 in IDG: divided twice. With pixels
    measured, the augmented maximum confirms it (or shows that nothing was squeezed)."""
    rescale = inputs.config.rescale
    if not inputs.unit_data or not rescale or rescale == 1:  # IDG skips a falsy rescale
        return None
    measured = _rescale_measured(inputs)
    if measured == "":
        return None
    top = num(rescale)
    if math.isclose(rescale, 1 / 255, rel_tol=1e-6):
        top = "1/255 (0.0039)"
    return Finding(
        "rescale_twice",
        WARNING,
        "rescale",
        f"Rescale applied twice: your images are already in 0..1 and rescale={rescale_text(rescale)} "
        f"multiplies them again, so pixels end up in 0..{top} instead of 0..1.{measured or ''}",
        "Remove rescale, or feed IDG the 0..255 images and keep rescale=1/255.",
        change(rescale=None),
    )


_FILL_EFFECTS = {
    "nearest": "with fill_mode='nearest' that area is edge pixels smeared into streaks, a pattern the model can learn",
    "constant": (
        "with fill_mode='constant' that area is a flat border of cval={cval}, which the model can learn to key on"
    ),
    "reflect": "with fill_mode='reflect' that area is mirrored content, which can duplicate objects at the border",
    "wrap": "with fill_mode='wrap' that area is content tiled in from the opposite edge, which can cut objects in two",
}
# SciPy's other modes, which IDG passes through, fill like one of the four.
_FILL_EFFECTS |= {
    "grid-mirror": _FILL_EFFECTS["reflect"],
    "mirror": _FILL_EFFECTS["reflect"],
    "grid-wrap": _FILL_EFFECTS["wrap"],
    "grid-constant": _FILL_EFFECTS["constant"],
}


@check("high_fill")
def _high_fill(inputs: Inputs) -> Finding | None:
    """A large share of invented pixels (measured on the preview) teaches the model the fill
    pattern: a warning from `fill_warning` (15%), a note from `fill_note` (5%)."""
    fraction, t = inputs.mean_fill_fraction, inputs.thresholds
    if fraction is None or fraction < t.fill_note:
        return None
    config = inputs.config
    effect = _FILL_EFFECTS.get(config.fill_mode, _FILL_EFFECTS["nearest"]).format(cval=num(config.cval))
    active = config.active_transforms()
    reduce = [
        setting_text(config, name)
        for name in ("rotation_range", "width_shift_range", "height_shift_range")
        if name in active
    ]
    if "zoom_range" in active and config.zoom_bounds[1] > 1:
        reduce.append(f"the zoom-out end (now {num(config.zoom_bounds[1])})")
    fix = ("Reduce " + ", ".join(reduce)) if reduce else "Use smaller rotation, shift and zoom-out ranges"
    fix += ", or use fill_mode='reflect'." if config.fill_mode != "reflect" else "."
    return Finding(
        "high_fill",
        WARNING if fraction >= t.fill_warning else NOTE,
        "fill_mode",
        f"On average {pct(fraction)} of each augmented image is filled from outside the image; {effect}.",
        fix,
    )


_PAST = {"shear_range": "sheared", "zoom_range": "zoomed"}


@check("over_augmentation")
def _over_augmentation(inputs: Inputs) -> Finding | None:
    """Large rotation plus large shifts plus zoom or shear (the article's example 1): a note,
    not a warning. Whether so many distortions at once hurt depends on the data, which no rule
    over settings can know: the article measured this config hurting on digits, Chollet's
    "Deep Learning with Python" measured the same config helping on cats vs dogs. Large means
    from `over_rotation_deg` (30°) and from `over_shift` (20% of the image size)."""
    config, t = inputs.config, inputs.thresholds
    active = config.active_transforms()
    size = inputs.first_size
    height_px, width_px = size if size else (None, None)
    shift = max(
        _shift_fraction(config.width_shift_range, width_px) or 0.0,
        _shift_fraction(config.height_shift_range, height_px) or 0.0,
    )
    extra = [name for name in ("shear_range", "zoom_range") if name in active]
    if abs(config.rotation_range) < t.over_rotation_deg or shift < t.over_shift or not extra:
        return None
    names = ["rotation_range", "width_shift_range", "height_shift_range", *extra]
    settings = ", ".join(setting_text(config, name) for name in names if name in active)
    return Finding(
        "over_augmentation",
        NOTE,
        "rotation_range",
        f"{settings} all at once: each image is turned up to ±{num(config.rotation_range)}°, moved by up to "
        f"{pct(shift)} of its size and {' and '.join(_PAST[name] for name in extra)} as well. Whether that "
        "hurts depends on the data, which settings alone cannot tell: the same strong config hurt on small "
        "digits in the article's example 1 and helped on cats vs dogs in Chollet's Deep Learning with Python.",
        "Measure it: Train and compare on the page, or python -m explorer ablate --dataset YOUR_DATA "
        "--config cfg.json --out DIR, which also shows which setting costs accuracy.",
    )


@check("flips_orientation")
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
        "flips_orientation",
        NOTE,
        "horizontal_flip" if config.horizontal_flip else "vertical_flip",
        message,
        "Turn a flip off if a flipped image could carry a different label; "
        "keep it for content with no fixed orientation.",
    )
