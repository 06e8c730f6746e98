"""The Keras 3 stack doctor's migration rules: what a stack does differently from the
ImageDataGenerator config it replaces (`StackInputs.idg`), in the user's numbers.

IDG's quirks and Keras's layers differ in units (degrees vs fractions of a turn), axes (IDG's
width_shift_range moves images up and down), zoom (IDG draws width and height apart), shear
(IDG's turns about the centre in degrees, RandomShear slopes about a corner), brightness
(multiplied vs added) and fill (IDG's 'nearest' vs Keras's 'reflect'). Each fix also names
`IDGAugmentation`, the layer that keeps IDG's behaviour exactly.
"""

from __future__ import annotations

import math

from ..augment.config import AugmentConfig
from ..augment.sampling import shift_extent
from .stack_findings import NOTE, WARNING, LayerFinding, StackInputs, num, replace_layer, stack_check

EXACT = "For IDG's behaviour exactly, use explorer's IDGAugmentation layer with your IDG arguments."
ROTATION_SLACK_DEG = 0.5


def _idg(inputs: StackInputs) -> AugmentConfig | None:
    return inputs.idg


@stack_check("migration_rotation")
def _rotation(inputs: StackInputs) -> list[LayerFinding]:
    """IDG's rotation_range in degrees against RandomRotation's fraction of a turn."""
    config = _idg(inputs)
    if config is None or not config.rotation_range:
        return []
    degrees = abs(config.rotation_range)
    out = []
    for index, layer in inputs.named("RandomRotation"):
        low, high = layer.bounds()
        if abs(high - degrees) <= ROTATION_SLACK_DEG and abs(low + degrees) <= ROTATION_SLACK_DEG:
            continue
        factor = round(degrees / 360, 4)
        out.append(
            inputs.finding(
                "migration_rotation",
                WARNING,
                index,
                f"IDG turned images by up to ±{num(degrees)}° (rotation_range={num(config.rotation_range)}); "
                f"this RandomRotation turns them by {num(round(low, 1))}° to {num(round(high, 1))}°: its factor "
                "is a fraction of a full turn.",
                f"factor={factor} (= {num(degrees)} / 360) for the same range. {EXACT}",
                replace_layer(index, layer, factor=factor),
            )
        )
    return out


def _shift_fraction(value, size: int) -> float:
    """The largest move of an IDG shift range as a fraction of `size` (pixels of a side that long)."""
    return shift_extent(value, size) / size


@stack_check("migration_shift_axes")
def _shift_axes(inputs: StackInputs) -> list[LayerFinding]:
    """IDG's width_shift_range moves images up and down; RandomTranslation's width_factor, across."""
    config = _idg(inputs)
    if config is None:
        return []
    height, width = inputs.size()
    vertical = _shift_fraction(config.width_shift_range, width) * width / height
    across = _shift_fraction(config.height_shift_range, height) * height / width
    out = []
    for index, layer in inputs.named("RandomTranslation"):
        heights, widths = layer.bounds()
        down, right = max(map(abs, heights)), max(map(abs, widths))
        if math.isclose(down, vertical, abs_tol=0.01) and math.isclose(right, across, abs_tol=0.01):
            continue
        if math.isclose(down, across, abs_tol=0.01) and math.isclose(right, vertical, abs_tol=0.01):
            what = "the names were carried over, so moves IDG made up/down now go left/right and back"
        else:
            what = "the reach differs"
        out.append(
            inputs.finding(
                "migration_shift_axes",
                NOTE,
                index,
                f"IDG's shifts moved images up/down by up to {num(round(vertical, 3))} of the height "
                f"(width_shift_range, IDG's axis swap) and left/right by up to {num(round(across, 3))} of the "
                f"width; this RandomTranslation moves them up/down by {num(round(down, 3))} and left/right by "
                f"{num(round(right, 3))}: {what}.",
                f"height_factor={round(vertical, 3)}, width_factor={round(across, 3)} reproduces IDG's moves. {EXACT}",
                replace_layer(index, layer, height_factor=round(vertical, 3), width_factor=round(across, 3)),
            )
        )
    return out


@stack_check("migration_zoom")
def _zoom(inputs: StackInputs) -> list[LayerFinding]:
    """IDG draws width and height zoom apart; the direction must match (both: > 1 zooms out)."""
    config = _idg(inputs)
    if config is None or not config.zoom_range:
        return []
    low, high = config.zoom_bounds
    out = []
    for index, layer in inputs.named("RandomZoom"):
        heights, widths = layer.bounds()
        same = math.isclose(heights[0], low, abs_tol=0.01) and math.isclose(heights[1], high, abs_tol=0.01)
        words = (
            f"IDG zoomed by {num(low)}..{num(high)} (zoom > 1 zooms out); this RandomZoom scales by "
            f"{num(round(heights[0], 3))}..{num(round(heights[1], 3))} (1 + factor)"
        )
        if widths is None:
            words += (
                "; IDG drew the width's zoom apart from the height's (the aspect changes), width_factor=None keeps it"
            )
        if same and widths is not None:
            continue
        fixed = (round(low - 1, 4), round(high - 1, 4))
        out.append(
            inputs.finding(
                "migration_zoom",
                NOTE if same else WARNING,
                index,
                words + ".",
                f"height_factor={fixed}, width_factor={fixed} draws as IDG does. {EXACT}",
                replace_layer(index, layer, height_factor=fixed, width_factor=fixed),
            )
        )
    return out


def _slope(layer) -> float:
    return round(max(abs(v) for pair in layer.bounds() for v in pair), 3)


@stack_check("migration_shear")
def _shear(inputs: StackInputs) -> list[LayerFinding]:
    """IDG's shear_range is an angle about the centre; RandomShear's factor a slope about a corner."""
    config = _idg(inputs)
    if config is None or not config.shear_range:
        return []
    slope = math.tan(math.radians(abs(config.shear_range)))
    return [
        inputs.finding(
            "migration_shear",
            NOTE,
            index,
            f"IDG sheared by up to ±{num(abs(config.shear_range))}° about the centre (a slope of "
            f"{num(round(slope, 3))}); RandomShear's factors are slopes (up to {num(_slope(layer))} here) about "
            "the top-left corner, so the content also slides toward one side.",
            f"x_factor={round(slope, 3)} matches the slope; the pivot stays the corner. {EXACT}",
        )
        for index, layer in inputs.named("RandomShear")
    ]


@stack_check("migration_brightness")
def _brightness(inputs: StackInputs) -> list[LayerFinding]:
    """IDG's brightness_range multiplies; RandomBrightness adds a share of value_range."""
    config = _idg(inputs)
    if config is None or config.brightness_range is None:
        return []
    low, high = sorted(config.brightness_range)
    out = []
    for index, layer in inputs.named("RandomBrightness"):
        value_low, value_high = sorted(float(v) for v in layer.value_range)
        span = value_high - value_low
        lower, upper = layer.bounds()
        out.append(
            inputs.finding(
                "migration_brightness",
                NOTE,
                index,
                f"IDG multiplied each image by {num(low)}..{num(high)} (a pixel at 200 became {num(200 * low)}.."
                f"{num(200 * high)}, one at 20 became {num(20 * low)}..{num(20 * high)}); RandomBrightness adds "
                f"{num(round(lower * span, 1))}..{num(round(upper * span, 1))} to every pixel alike, so dark "
                "images change as much as bright ones.",
                f"RandomContrast is not the same either; for IDG's multiplication use IDGAugmentation. {EXACT}",
            )
        )
    return out


@stack_check("migration_flip")
def _flip(inputs: StackInputs) -> list[LayerFinding]:
    """RandomFlip's default mode flips both axes at once: IDG's horizontal_flip alone does not."""
    config = _idg(inputs)
    if config is None:
        return []
    wanted = {
        (True, True): "horizontal_and_vertical",
        (True, False): "horizontal",
        (False, True): "vertical",
    }.get((config.horizontal_flip, config.vertical_flip))
    out = []
    for index, layer in inputs.named("RandomFlip"):
        if wanted is None or layer.mode == wanted:
            continue
        out.append(
            inputs.finding(
                "migration_flip",
                WARNING,
                index,
                f"IDG flipped with horizontal_flip={config.horizontal_flip}, vertical_flip={config.vertical_flip}; "
                f"RandomFlip(mode={layer.mode!r}) does something else"
                + (" (its default turns half the images by 180°)" if layer.mode == "horizontal_and_vertical" else "")
                + ".",
                f"mode={wanted!r}.",
                replace_layer(index, layer, mode=wanted),
            )
        )
    return out


@stack_check("migration_fill")
def _fill(inputs: StackInputs) -> list[LayerFinding]:
    """Keras fills with 'reflect' by default, IDG with 'nearest'."""
    config = _idg(inputs)
    if config is None:
        return []
    return [
        inputs.finding(
            "migration_fill",
            NOTE,
            index,
            f"IDG filled the border with fill_mode={config.fill_mode!r}; {layer.layer_name()} fills with "
            f"{layer.fill_mode!r} (Keras's default is 'reflect').",
            f"fill_mode={config.fill_mode!r} for the same border."
            if config.fill_mode in ("reflect", "wrap", "constant", "nearest")
            else "Keras has no such fill mode; IDGAugmentation keeps it.",
            replace_layer(index, layer, fill_mode=config.fill_mode)
            if config.fill_mode in ("reflect", "wrap", "constant", "nearest")
            else None,
        )
        for index, layer in inputs.named("RandomRotation", "RandomTranslation", "RandomZoom", "RandomShear")
        if layer.fill_mode != config.fill_mode
    ]


# Which Keras layers stand for each IDG transform.
_COUNTERPARTS = {
    "rotation_range": ("RandomRotation",),
    "width_shift_range": ("RandomTranslation",),
    "height_shift_range": ("RandomTranslation",),
    "shear_range": ("RandomShear",),
    "zoom_range": ("RandomZoom",),
    "brightness_range": ("RandomBrightness",),
    "channel_shift_range": ("RandomBrightness",),
    "horizontal_flip": ("RandomFlip",),
    "vertical_flip": ("RandomFlip",),
}


@stack_check("migration_missing")
def _missing(inputs: StackInputs) -> list[LayerFinding]:
    """IDG transforms the stack has no layer for."""
    config = _idg(inputs)
    if config is None:
        return []
    names = {layer.layer_name() for layer in inputs.layers}
    missing = [name for name in config.active_transforms() if not names & set(_COUNTERPARTS.get(name, ()))]
    if not missing:
        return []
    return [
        inputs.finding(
            "migration_missing",
            NOTE,
            None,
            f"The stack has no layer for IDG's {', '.join(missing)}: the migrated model trains without "
            "that augmentation.",
            f"Add the matching layer ({', '.join(sorted({_COUNTERPARTS[name][0] for name in missing}))}), or "
            f"leave it out on purpose. {EXACT}",
        )
    ]
