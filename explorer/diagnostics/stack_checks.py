"""The Keras 3 stack doctor's rules: the traps of Keras's augmentation layers, each in words
and numbers with a fix (see `stack_findings` for the vocabulary).

Each rule reads the layers' own `bounds()` (what Keras draws from), so the numbers it quotes
are Keras's; the measured ones (filled share, clipped share) come from the same reproduction
the preview draws.
"""

from __future__ import annotations

from ..augment.keras3 import KerasLayer
from ..interchange.keras_placement import IN_MODEL
from .stack_findings import (
    AFFINE,
    NOTE,
    WARNING,
    LayerFinding,
    StackInputs,
    filled_share,
    measured_images,
    num,
    pct,
    replace_layer,
    share_outside,
    stack_check,
)

ROTATION_WARN_DEG = 45.0  # from here a turn changes what upright photos, digits and text show
ROTATION_SAFE_DEG = 15.0  # what the fix proposes
ROTATION_INVISIBLE_DEG = 1.0
FILL_NOTE, FILL_WARNING = 0.05, 0.15  # shares of filled pixels, as the IDG doctor's
RANGE_WARNING = 0.25  # a value_range mismatch that spoils a quarter of the pixels is a warning
SHEAR_NOTE = 0.1  # a slope from which the far corner moves by a tenth of the image
OVER_ROTATION_DEG, OVER_SHIFT = 30.0, 0.2  # as the IDG doctor's over_augmentation
_FILLS = {
    "reflect": "a mirror image of the content next to the border",
    "wrap": "content from the opposite side",
    "constant": "a flat fill",
    "nearest": "streaks of the edge pixels",
}


def _max_angle(layer: KerasLayer) -> float:
    low, high = layer.bounds()
    return max(abs(low), abs(high))


def _as_migrated(inputs: StackInputs, angle: float) -> bool:
    """The stack keeps the rotation of the IDG config it replaces (the migration rules judge it)."""
    return inputs.idg is not None and abs(abs(inputs.idg.rotation_range) - angle) <= 0.5


@stack_check("rotation_fraction_of_turn")
def _rotation_large(inputs: StackInputs) -> list[LayerFinding]:
    """RandomRotation's factor is a fraction of a full turn: 0.2 turns up to 72 degrees."""
    out = []
    for index, layer in inputs.named("RandomRotation"):
        angle = _max_angle(layer)
        if angle < ROTATION_WARN_DEG or _as_migrated(inputs, angle):
            continue
        factor = round(ROTATION_SAFE_DEG / 360, 4)
        out.append(
            inputs.finding(
                "rotation_fraction_of_turn",
                WARNING,
                index,
                f"RandomRotation(factor={layer.factor!r}) turns each image by up to ±{num(round(angle, 1))}°: the "
                "factor is a fraction of a full turn (IDG's rotation_range is in degrees). Upright photos, "
                "digits (6 and 9) and text do not keep their label through such turns.",
                f"factor={factor} (±{num(ROTATION_SAFE_DEG)}°), or keep it if any orientation is valid for your "
                "images (satellite, microscopy).",
                replace_layer(index, layer, factor=factor),
            )
        )
    return out


@stack_check("rotation_invisible")
def _rotation_invisible(inputs: StackInputs) -> list[LayerFinding]:
    """A rotation factor ported as if it were degrees/100 or a fifth of a degree turns nothing."""
    out = []
    for index, layer in inputs.named("RandomRotation"):
        angle = _max_angle(layer)
        if angle == 0 or angle >= ROTATION_INVISIBLE_DEG:
            continue
        out.append(
            inputs.finding(
                "rotation_invisible",
                NOTE,
                index,
                f"RandomRotation(factor={layer.factor!r}) turns by at most ±{num(round(angle, 2))}°, which no "
                "one can see: the factor is a fraction of a full turn.",
                "For r degrees write factor=r / 360 (IDG's rotation_range=20 is factor=20 / 360).",
            )
        )
    return out


@stack_check("zoom_out_only")
def _zoom_out_only(inputs: StackInputs) -> list[LayerFinding]:
    """RandomZoom's positive factors zoom OUT: the content shrinks inside a filled border."""
    out = []
    for index, layer in inputs.named("RandomZoom"):
        heights, widths = layer.bounds()
        scales = [*heights, *(widths or ())]
        if min(scales) < 1.0 or max(scales) <= 1.0 or _zoom_as_migrated(inputs, heights):
            continue
        shrink = 1 - 1 / max(scales)
        flipped = {"height_factor": _negated(layer.height_factor)}
        if layer.width_factor is not None:
            flipped["width_factor"] = _negated(layer.width_factor)
        out.append(
            inputs.finding(
                "zoom_out_only",
                NOTE,
                index,
                f"RandomZoom(height_factor={layer.height_factor!r}) only zooms OUT: Keras's positive factors "
                f"shrink the content (by up to {pct(shrink)}) inside a border of {_FILLS[layer.fill_mode]} "
                f"(fill_mode={layer.fill_mode!r}); negative factors zoom in.",
                f"To zoom in instead: height_factor={flipped['height_factor']!r}; for both ways: a factor "
                "pair around 0 such as (-0.2, 0.2).",
                replace_layer(index, layer, **flipped),
            )
        )
    return out


def _zoom_as_migrated(inputs: StackInputs, heights: tuple[float, float]) -> bool:
    """The stack keeps the zoom of the IDG config it replaces (the migration rules judge it)."""
    if inputs.idg is None or not inputs.idg.zoom_range:
        return False
    low, high = inputs.idg.zoom_bounds
    return abs(heights[0] - low) <= 0.01 and abs(heights[1] - high) <= 0.01


def _negated(factor):
    if isinstance(factor, (tuple, list)):
        low, high = sorted(factor)
        return (-high, -low)
    return -abs(factor)


@stack_check("filled_border")
def _filled_border(inputs: StackInputs) -> list[LayerFinding]:
    """Measured share of each image that the warps fill from outside it."""
    warps = inputs.named(*AFFINE)
    if not warps:
        return []
    share = filled_share([layer for _, layer in warps], inputs.size())
    if share < FILL_NOTE:
        return []
    index, layer = max(warps, key=lambda pair: filled_share([pair[1]], inputs.size(), draws=8))
    modes = sorted({w.fill_mode for _, w in warps})
    what = " and ".join(f"{_FILLS[mode]} ({mode!r})" for mode in modes)
    return [
        inputs.finding(
            "filled_border",
            WARNING if share >= FILL_WARNING else NOTE,
            index,
            f"On average {pct(share)} of each augmented image comes from outside it (measured over "
            f"{len(warps)} warp layer(s)), filled with {what}."
            + (
                " Keras's default fill_mode is 'reflect' (IDG's is 'nearest'): reflected borders can repeat "
                "an object the label counts once."
                if "reflect" in modes
                else ""
            ),
            f"Shrink the largest range ({layer.layer_name()} here), or fill_mode='constant' if a flat "
            "border is less misleading for your images.",
        )
    ]


@stack_check("resampled_again")
def _resampled_again(inputs: StackInputs) -> list[LayerFinding]:
    """Each affine layer resamples the image on its own; IDG warps once."""
    warps = inputs.named(*AFFINE)
    if len(warps) < 2:
        return []
    names = ", ".join(layer.layer_name() for _, layer in warps)
    return [
        inputs.finding(
            "resampled_again",
            NOTE,
            warps[1][0],
            f"{len(warps)} layers ({names}) each resample the image with their own interpolation and fill: "
            f"every image is interpolated {len(warps)} times (IDG combines its transforms into one warp), "
            "which softens fine detail a little more each time.",
            "Keep the warps you need; for one warp with IDG's meaning of every setting, use "
            "explorer's IDGAugmentation layer.",
        )
    ]


@stack_check("shear_about_corner")
def _shear_about_corner(inputs: StackInputs) -> list[LayerFinding]:
    """RandomShear shears about the top-left corner: the far corner moves most."""
    out = []
    height, width = inputs.size()
    for index, layer in inputs.named("RandomShear"):
        xs, ys = layer.bounds()
        slope = max(abs(v) for v in (*xs, *ys))
        if slope < SHEAR_NOTE:
            continue
        out.append(
            inputs.finding(
                "shear_about_corner",
                NOTE,
                index,
                f"RandomShear shears about the image's top-left corner, not its centre: with a slope of up "
                f"to {num(round(slope, 3))} the bottom-right corner moves by up to {pct(slope)} of the image "
                "while the top-left stays, so content leaves on one side only.",
                "A smaller factor (0.05 moves the far corner by 5%), or IDGAugmentation(shear_range=deg) "
                "for IDG's shear about the centre.",
            )
        )
    return out


def _mismatch(data: tuple[float, float], value_range: tuple[float, float]) -> bool:
    """Data in 0..1 against a 0..255 value_range, or the other way round (a factor of 10+)."""
    data_span = data[1] - data[0]
    range_span = value_range[1] - value_range[0]
    return data_span > 0 and range_span > 0 and max(data_span / range_span, range_span / data_span) >= 10


@stack_check("value_range_mismatch")
def _value_range(inputs: StackInputs) -> list[LayerFinding]:
    """A colour layer's value_range that is not the data's range (Keras's default is 0..255)."""
    out = []
    for index, layer in enumerate(inputs.layers):
        value_range = getattr(layer, "value_range", None)
        if value_range is None:
            continue
        data = inputs.data_range(index)
        wanted = tuple(sorted(float(v) for v in value_range))
        if not _mismatch(data, wanted):
            continue
        share = share_outside(layer, measured_images(inputs, index), *data)
        fixed = (int(data[0]) if data[0].is_integer() else data[0], int(data[1]) if data[1].is_integer() else data[1])
        out.append(
            inputs.finding(
                "value_range_mismatch",
                WARNING if share >= RANGE_WARNING else NOTE,
                index,
                f"{layer.layer_name()} is told the data spans {num(wanted[0])}..{num(wanted[1])} "
                f"(value_range={value_range!r}), but it reaches this layer in {num(data[0])}..{num(data[1])}: "
                f"measured, {pct(share)} of the pixels it returns are outside that range or pinned at its ends.",
                f"value_range={fixed!r}, the range of the data at this point.",
                replace_layer(index, layer, value_range=fixed),
            )
        )
    return out


@stack_check("flips_orientation")
def _flips(inputs: StackInputs) -> list[LayerFinding]:
    """Flips change orientation-sensitive content (as the IDG doctor's flips_orientation)."""
    out = []
    for index, layer in inputs.named("RandomFlip"):
        words = {
            "horizontal": "mirrors half the images left to right",
            "vertical": "turns half the images upside down",
            "horizontal_and_vertical": "turns half the images by 180° (one coin flips both axes together)",
        }.get(layer.mode)
        if words is None:
            out.append(
                inputs.finding(
                    "flip_mode_unknown",
                    WARNING,
                    index,
                    f"RandomFlip(mode={layer.mode!r}) never flips: Keras accepts any mode without complaint but "
                    "only 'horizontal', 'vertical' and 'horizontal_and_vertical' flip.",
                    "mode='horizontal' (or remove the layer).",
                    replace_layer(index, layer, mode="horizontal"),
                )
            )
            continue
        out.append(
            inputs.finding(
                "flips_orientation",
                NOTE,
                index,
                f"RandomFlip(mode={layer.mode!r}) {words}. Flips change the meaning of orientation-sensitive "
                "content (digits, text, left/right anatomy, north-up satellite scenes): check that your "
                "labels survive a flip.",
                "Remove the flip if a flipped image could carry a different label; keep it for content "
                "with no fixed orientation.",
            )
        )
    return out


@stack_check("over_augmentation")
def _over_augmentation(inputs: StackInputs) -> list[LayerFinding]:
    """Large rotation plus large shifts plus zoom or shear (as the IDG doctor's note)."""
    rotations = [_max_angle(layer) for _, layer in inputs.named("RandomRotation")]
    shifts = [max(abs(v) for pair in layer.bounds() for v in pair) for _, layer in inputs.named("RandomTranslation")]
    extra = inputs.named("RandomZoom", "RandomShear")
    if not rotations or not shifts or not extra:
        return []
    if max(rotations) < OVER_ROTATION_DEG or max(shifts) < OVER_SHIFT:
        return []
    return [
        inputs.finding(
            "over_augmentation",
            NOTE,
            inputs.named("RandomRotation")[0][0],
            f"Each image is turned up to ±{num(round(max(rotations), 1))}°, moved by up to {pct(max(shifts))} of "
            f"its size and {' and '.join(sorted({layer.layer_name() for _, layer in extra}))} on top. Whether "
            "that hurts depends on the data: the same strong settings hurt small digits in the article's "
            "example 1 and helped cats vs dogs in Chollet's Deep Learning with Python.",
            "Measure it: Train and compare on the page, or python -m explorer ablate with this stack.",
        )
    ]


@stack_check("crop_at_inference")
def _crop_at_inference(inputs: StackInputs) -> list[LayerFinding]:
    """RandomCrop inside a model resizes at inference: objects change scale between fit and predict."""
    if not any(place.kind == IN_MODEL for place in inputs.placements):
        return []
    return [
        inputs.finding(
            "crop_at_inference",
            NOTE,
            index,
            f"RandomCrop({layer.height}, {layer.width}) inside the model crops at full scale in training, "
            "but at inference (evaluate, predict) it resizes the whole image to that size instead: "
            "objects look larger to the model in training than at test time.",
            "Crop in the tf.data map for training and resize the same way for validation, or use "
            "RandomZoom inside the model.",
        )
        for index, layer in inputs.named("RandomCrop")
    ]


@stack_check("contrast_only_up")
def _contrast_only_up(inputs: StackInputs) -> list[LayerFinding]:
    """RandomContrast(f) with one number draws factors in 1..1 + f: contrast never drops."""
    out = []
    for index, layer in inputs.named("RandomContrast"):
        low, high = layer.bounds()
        if isinstance(layer.factor, (tuple, list)) or low < 1.0 or high <= 1.0:
            continue
        pair = (layer.factor, layer.factor)
        out.append(
            inputs.finding(
                "contrast_only_up",
                NOTE,
                index,
                f"RandomContrast(factor={layer.factor!r}) only ever raises contrast: Keras checks a single number "
                f"into (0, {num(layer.factor)}) and draws factors in {num(round(low, 3))}..{num(round(high, 3))}, "
                "never below 1, although its docstring says a single number means lower = upper.",
                f"factor={pair!r} draws {num(round(1 - layer.factor, 3))}..{num(round(high, 3))}: contrast both ways.",
                replace_layer(index, layer, factor=pair),
            )
        )
    return out


@stack_check("crop_window_per_batch")
def _crop_window_per_batch(inputs: StackInputs) -> list[LayerFinding]:
    """Keras's RandomCrop draws one window for the whole batch."""
    return [
        inputs.finding(
            "crop_window_per_batch",
            NOTE,
            index,
            f"RandomCrop({layer.height}, {layer.width}) draws one window per batch, not per image: every "
            "image of a batch is cut at the same place (the tiles here draw one per image, as a batch of "
            "one), so a batch sees less variety than the name suggests.",
            "Crop per image in a tf.data map before batching (ds.map(crop).batch(n)), or accept the per-batch window.",
        )
        for index, layer in inputs.named("RandomCrop")
    ]
