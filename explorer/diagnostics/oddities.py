"""Rules about values IDG accepts whose meaning only its own arithmetic gives: a rotation below
one degree, negative ranges, an int shift below 0, list shifts, zoom factors below 0, pairs in
decreasing order, spline orders, brightness from 0, rescale 0, SciPy's other fill modes,
samplewise std normalization turning centring on. Each says, with the user's numbers, what IDG
really draws, and how to write what was probably meant.

Registered in the doctor's one registry (`findings.CHECKS`), after the rules of `checks`.
"""

from __future__ import annotations

import math

from ..augment.config import FILL_MODES, GEOMETRIC
from ..augment.sampling import is_fraction, shift_extent
from .findings import NOTE, WARNING, Finding, Inputs, change, check, num, pct, setting_text, value_text

_SIGNED = ("rotation_range", "shear_range", "channel_shift_range")
_SHIFTS = ("width_shift_range", "height_shift_range")
_SIDE = {"width_shift_range": "width", "height_shift_range": "height"}


@check("rotation_invisible")
def _rotation_invisible(inputs: Inputs) -> Finding | None:
    """rotation_range is in degrees: below `rotation_invisible_deg` (1) it turns images by a
    fraction of a degree. 0.2 reads like Keras 3's RandomRotation(factor=0.2), a fraction of
    a full turn (±72°), or like radians (±11°)."""
    rotation = abs(inputs.config.rotation_range)
    if not 0 < rotation < inputs.thresholds.rotation_invisible_deg:
        return None
    turn = round(rotation * 360)
    message = (
        f"rotation_range={num(inputs.config.rotation_range)} is in degrees: images are turned by at most "
        f"{num(rotation)}°, which changes nothing visible. Written as a fraction of a full turn, as Keras 3's "
        f"RandomRotation(factor={num(rotation)}) takes it, it would be ±{turn}°; as radians, "
        f"±{num(round(math.degrees(rotation)))}°."
    )
    if not turn:
        return Finding(
            "rotation_invisible",
            WARNING,
            "rotation_range",
            message,
            "Remove rotation_range, or give the turn you want in degrees (rotation_range=10 for ±10°).",
            change(rotation_range=None),
        )
    return Finding(
        "rotation_invisible",
        WARNING,
        "rotation_range",
        message,
        f"For RandomRotation({num(rotation)})'s ±{turn}° use rotation_range={turn}; for a small tilt "
        "give degrees (rotation_range=10 for ±10°), or remove it.",
        change(rotation_range=float(turn)),
    )


@check("negative_range")
def _negative_range(inputs: Inputs) -> Finding | None:
    """rotation, shear and channel-shift ranges below 0 draw U(-r, r), which is U(r, -r): the
    same distribution as the positive range (and negative float shifts the same)."""
    config = inputs.config
    names = [name for name in _SIGNED if getattr(config, name) < 0]
    names += [name for name in _SHIFTS if isinstance(getattr(config, name), float) and getattr(config, name) < 0]
    if not names:
        return None
    settings = ", ".join(setting_text(config, name) for name in names)
    return Finding(
        "negative_range",
        NOTE,
        names[0],
        f"{settings}: IDG draws from U(-r, r), which for a negative r is the same range, so this acts exactly "
        "like the positive value.",
        "Write the positive value, so the code says what it does: "
        + ", ".join(f"{name}={num(abs(getattr(config, name)))}" for name in names)
        + ".",
        change(**{name: abs(getattr(config, name)) for name in names}),
    )


@check("negative_int_shift")
def _negative_int_shift(inputs: Inputs) -> Finding | None:
    """An int shift range below 0: NumPy's `choice` refuses it, IDG falls back to U(-n, n) and,
    every value being below 1, multiplies it by the image size: moves of |n| image sizes."""
    config = inputs.config
    names = [n for n in _SHIFTS if isinstance(getattr(config, n), int) and getattr(config, n) < 0]
    if not names:
        return None
    name = names[0]
    value = getattr(config, name)
    size = inputs.first_size
    side = {"height_shift_range": 0, "width_shift_range": 1}[name]
    pixels = f" ({num(abs(value) * size[side])} px at {size[1]} x {size[0]})" if size else ""
    return Finding(
        "negative_int_shift",
        WARNING,
        name,
        f"{name}={value} is an int below 0: NumPy's choice refuses it, so IDG draws uniformly between {value} and "
        f"{-value} instead and, {value} being below 1, multiplies the draw by the image {_SIDE[name]}: moves of up to "
        f"{abs(value)} times the {_SIDE[name]}{pixels}, so most images leave the frame.",
        "For any move up to n px use a float: "
        + ", ".join(f"{n}={abs(getattr(config, n))}.0" for n in names)
        + f" (or {name}={abs(value) + 1}, an int, for whole pixels up to {abs(value)} px).",
        change(**{n: float(abs(getattr(config, n))) for n in names}),
    )


@check("list_shift")
def _list_shift(inputs: Inputs) -> Finding | None:
    """A list shift range draws one of its values times a random sign: only those moves. IDG's
    fraction test is max(list) < 1 with signs, so [-2, 0.5] reads -2 as two image sizes."""
    config = inputs.config
    names = [n for n in _SHIFTS if isinstance(getattr(config, n), tuple) and getattr(config, n)]
    if not names:
        return None
    # The list IDG reads as image sizes first: that one is the warning.
    name = next(
        (n for n in names if is_fraction(getattr(config, n)) and shift_extent(getattr(config, n)) >= 1), names[0]
    )
    value = getattr(config, name)
    moves = sorted({abs(item) for item in value})
    unit = f" of the image {_SIDE[name]}" if is_fraction(value) else " px"
    message = (
        f"{setting_text(config, name)} draws one of its values and a random sign: moves of exactly "
        f"{', '.join(f'±{num(m)}' if m else '0' for m in moves)}{unit}, never anything in between (the "
        "signs in the list do not matter)."
    )
    severity = NOTE
    if is_fraction(value) and shift_extent(value) >= 1:
        severity = WARNING
        message += (
            f" IDG decides 'fraction or pixels' from the largest value with its sign ({num(max(value))} < 1), "
            f"so {num(shift_extent(value))} is read as {num(shift_extent(value))} image {_SIDE[name]}s."
        )
    limits = {n: _list_limit(getattr(config, n)) for n in names}
    return Finding(
        "list_shift",
        severity,
        name,
        message,
        "For any move up to a limit use a number: "
        + ", ".join(
            f"{n}={num(limit)}{'' if limit < 1 or not limit.is_integer() else '.0'}" for n, limit in limits.items()
        )
        + ".",
        change(**limits),
    )


def _list_limit(value: tuple) -> float:
    """The float a list shift probably meant: its largest move, a fraction when IDG reads the
    list as fractions and that move is below 1 (a move of 1 or more in a list read as fractions,
    like -2 in [-2, 0.5], was meant as pixels: the largest fraction below 1 then, else pixels)."""
    moves = sorted({abs(item) for item in value})
    if is_fraction(value):
        fractions = [move for move in moves if 0 < move < 1]
        if fractions:
            return float(fractions[-1])
    return float(moves[-1])


@check("zoom_mirrors")
def _zoom_mirrors(inputs: Inputs) -> Finding | None:
    """Zoom factors below 0 (zoom_range above 1, or a pair reaching below 0) mirror the image
    along that axis; near 0 one sliver of the image fills all of it."""
    config = inputs.config
    low, high = sorted(config.zoom_bounds)
    if low >= 0 or "zoom_range" not in config.active_transforms():
        return None
    below = min(1.0, -low / (high - low)) if high > low else 1.0
    either = 1 - (1 - below) ** 2
    pair = (float(f"{1 / high:.2g}"), high) if high > 1 else (0.8, 1.25)
    return Finding(
        "zoom_mirrors",
        WARNING,
        "zoom_range",
        f"{setting_text(config, 'zoom_range')} draws zoom factors from {num(low)} to {num(high)}, separately for "
        f"width and height. A factor below 0 mirrors the image along that axis: {pct(below)} of draws for each "
        f"axis, so {pct(either)} of images come out mirrored one way or both; and factors near 0 stretch a "
        "sliver of the image over all of it.",
        f"zoom_range=z means [1-z, 1+z], so use z at most 1 (zoom_range=0.3 draws 0.7..1.3); to zoom in and out "
        f"by the same factor use a pair such as zoom_range={value_text(pair)}.",
        change(zoom_range=pair),
    )


@check("reversed_pair")
def _reversed_pair(inputs: Inputs) -> Finding | None:
    """A zoom or brightness pair in decreasing order: IDG draws uniformly between the two anyway."""
    config = inputs.config
    pairs = [
        name
        for name, pair in (("zoom_range", config.zoom_range), ("brightness_range", config.brightness_range))
        if isinstance(pair, tuple) and pair[0] > pair[1]
    ]
    if not pairs:
        return None
    return Finding(
        "reversed_pair",
        NOTE,
        pairs[0],
        ", ".join(setting_text(config, name) for name in pairs) + " is in decreasing order; IDG draws uniformly "
        "between the two values either way.",
        "Write it increasing: "
        + ", ".join(f"{name}={value_text(tuple(sorted(getattr(config, name))))}" for name in pairs)
        + ".",
        change(**{name: tuple(sorted(getattr(config, name))) for name in pairs}),
    )


@check("spline_order")
def _spline_order(inputs: Inputs) -> Finding | None:
    """interpolation_order 2-5: SciPy's prefiltered splines, in IDG and here alike."""
    config = inputs.config
    order = config.interpolation_order
    if order in (0, 1) or not set(config.active_transforms()) & set(GEOMETRIC):
        return None
    return Finding(
        "spline_order",
        NOTE,
        "interpolation_order",
        f"interpolation_order={order} is a spline of order {order}, computed by SciPy channel by channel (in IDG "
        "and in this preview): several times slower than bilinear, smoother, and near sharp edges it overshoots "
        "the image's own range (ringing).",
        "Use interpolation_order=1 (bilinear, IDG's default) unless you want the smoothing.",
        change(interpolation_order=1),
    )


@check("brightness_dark")
def _brightness_dark(inputs: Inputs) -> Finding | None:
    """A brightness range reaching down to almost 0 returns nearly black images."""
    config, t = inputs.config, inputs.thresholds
    if config.brightness_range is None:
        return None
    low, high = sorted(config.brightness_range)
    if low >= t.brightness_dark:
        return None
    share = min(1.0, (t.brightness_dark - low) / (high - low)) if high > low else 1.0
    return Finding(
        "brightness_dark",
        WARNING,
        "brightness_range",
        f"{setting_text(config, 'brightness_range')} draws brightness factors down to {num(low)}: {pct(share)} of "
        f"images get a factor below {num(t.brightness_dark)} and come out nearly black.",
        "Use a range around 1, such as brightness_range=[0.7, 1.3].",
        change(brightness_range=(0.7, 1.3)),
    )


@check("rescale_zero")
def _rescale_zero(inputs: Inputs) -> Finding | None:
    """rescale=0 is falsy: IDG skips it, as if it were None."""
    if inputs.config.rescale != 0:
        return None
    return Finding(
        "rescale_zero",
        NOTE,
        "rescale",
        "rescale=0 does not multiply images by zero: IDG skips a rescale that is 0, exactly as if it were None.",
        "Remove it, or give the factor you meant (rescale=1/255 maps 0..255 to 0..1).",
        change(rescale=None),
    )


_SCIPY_MODES = {
    "mirror": "reflects about the edge pixel's centre (d c b | a b c d | c b a), unlike 'reflect', which repeats "
    "the edge pixel",
    "grid-mirror": "is SciPy's other name for 'reflect'",
    "grid-wrap": "tiles the image with period n, unlike 'wrap' (SciPy's legacy wrap, period n-1)",
    "grid-constant": "fills with cval and, unlike 'constant', blends it into the edge pixels",
}


@check("scipy_fill_mode")
def _scipy_fill_mode(inputs: Inputs) -> Finding | None:
    """fill_mode values beyond IDG's documented four: SciPy modes IDG passes through; or any
    string when nothing warps (IDG never uses it then)."""
    config = inputs.config
    warps = bool(set(config.active_transforms()) & set(GEOMETRIC))
    if config.fill_mode in _SCIPY_MODES and warps:
        return Finding(
            "scipy_fill_mode",
            NOTE,
            "fill_mode",
            f"fill_mode='{config.fill_mode}' is not in IDG's documentation: IDG hands it to SciPy, where it "
            f"{_SCIPY_MODES[config.fill_mode]}.",
            "Fine as it is; the preview shows exactly this mode.",
        )
    if config.fill_mode not in FILL_MODES:
        return Finding(
            "scipy_fill_mode",
            NOTE,
            "fill_mode",
            f"fill_mode='{config.fill_mode}' is never used: with no rotation, shift, shear or zoom IDG "
            "never warps. With one it would fail, as SciPy refuses the mode.",
            f"Use fill_mode='nearest' (IDG's default), or another of {', '.join(FILL_MODES[1:4])}.",
            change(fill_mode="nearest"),
        )
    return None


@check("samplewise_std_turns_on_center")
def _samplewise_std_turns_on_center(inputs: Inputs) -> Finding | None:
    """IDG switches samplewise_center on whenever samplewise_std_normalization is on."""
    config = inputs.config
    if not config.samplewise_std_normalization or config.samplewise_center:
        return None
    return Finding(
        "samplewise_std_turns_on_center",
        NOTE,
        "samplewise_std_normalization",
        "samplewise_std_normalization=True without samplewise_center: IDG turns samplewise_center on "
        "as well, so each image becomes (x - mean) / std, not x / std.",
        "Set samplewise_center=True too, so your settings say what IDG does.",
        change(samplewise_center=True),
    )
