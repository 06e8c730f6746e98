"""Migration check, side by side: what an ImageDataGenerator config and a Keras 3 stack draw,
on the same images, and where their mean outputs differ.

Both sides' draws are put on one axis per quantity, in what the image shows:

- rotation in degrees, positive turns the content counter-clockwise (both sides agree);
- horizontal and vertical shift in pixels, positive moves the content right / down. IDG's
  `tx` (height_shift_range) moves content LEFT by tx and `ty` (width_shift_range) UP by ty,
  so IDG's shifts are -tx and -ty here (the axis swap);
- zoom as the magnification shown on each axis (> 1: content looks bigger): 1 / zx across,
  1 / zy down for IDG (zx = 0.8 shows content 1.25x bigger), 1 / scale for RandomZoom;
  "zoom aspect" is across / down (IDG draws the axes apart, RandomZoom ties them unless
  `width_factor` is given);
- shear in degrees, positive moves lower rows right: IDG's shear angle as it is;
  RandomShear's slope s moves lower rows LEFT, so -atan(s); its y slope is "vertical shear"
  (positive moves right-hand columns down), which IDG never draws;
- flips as 0/1; brightness (multiplied) is IDG's factor; brightness (added) is an offset in
  grey levels: IDG's channel shift, RandomBrightness's delta (back on the 0..255 scale when a
  Rescaling layer came first); contrast, saturation (multiplied) and hue (turns) from the stack.

Several layers drawing the same quantity compose: angles, shifts and shears add, zooms
multiply, flips toggle. A quantity one side never draws is listed with that side constant.
Draws that fit no quantity (RandomCrop's window, RandomPerspective...) are named in the words.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from ..augment.config import AugmentConfig
from ..augment.keras3 import Draw, NoDraw, Stack
from ..augment.keras3.render import range_after
from ..augment.sampling import sample_batch
from .migration_pixels import PixelDifference, mean_difference_map

MAX_WARPS = 4000  # images x draws per side: about a second on 2 cores at 64 px
MATERIAL = 0.1  # a quantile or mean further apart than this share of the spread differs
QUANTILE_LEVELS = (0.05, 0.25, 0.5, 0.75, 0.95)

ROTATION, SHIFT_X, SHIFT_Y = "rotation", "horizontal shift", "vertical shift"
ZOOM_X, ZOOM_Y, ASPECT = "horizontal zoom", "vertical zoom", "zoom aspect (across / down)"
SHEAR, SHEAR_Y = "shear", "vertical shear"
FLIP_X, FLIP_Y = "horizontal flip", "vertical flip"
BRIGHT_MUL, BRIGHT_ADD = "brightness (multiplied)", "brightness (added)"
CONTRAST, SATURATION, HUE = "contrast", "saturation", "hue"
# (name, unit, value when nothing is drawn), in the order the figure shows them.
QUANTITIES = (
    (ROTATION, "°", 0.0),
    (SHIFT_X, "px", 0.0),
    (SHIFT_Y, "px", 0.0),
    (ZOOM_X, "x", 1.0),
    (ZOOM_Y, "x", 1.0),
    (ASPECT, "x", 1.0),
    (SHEAR, "°", 0.0),
    (SHEAR_Y, "°", 0.0),
    (FLIP_X, "0/1", 0.0),
    (FLIP_Y, "0/1", 0.0),
    (BRIGHT_MUL, "x", 1.0),
    (BRIGHT_ADD, "grey levels", 0.0),
    (CONTRAST, "x", 1.0),
    (SATURATION, "x", 1.0),
    (HUE, "turns", 0.0),
)
UNMAPPED = ""  # a drawn part that fits no quantity (RandomCrop's window...)
_MULTIPLIED = {ZOOM_X, ZOOM_Y, ASPECT, BRIGHT_MUL, CONTRAST, SATURATION}
_TOGGLED = {FLIP_X, FLIP_Y}


def _finite(values: tuple[float, ...]) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    return array[np.isfinite(array)]


@dataclass(frozen=True)
class DrawQuantity:
    """One drawn quantity, one sample per augmented image on each side, in a shared unit.

    Attributes:
        name: What is drawn, e.g. "rotation", "horizontal zoom".
        unit: Its unit: "°", "px", "x" (a factor), "0/1" (a flip), "grey levels", "turns".
        idg: IDG's samples (its constant where IDG does not draw it).
        stack: The stack's samples (its constant where no layer draws it).
        neutral: The value of an image nothing was drawn for (0°, zoom 1, no flip...).
    """

    name: str
    unit: str
    idg: tuple[float, ...]
    stack: tuple[float, ...]
    neutral: float = 0.0

    @property
    def is_flag(self) -> bool:
        """Whether the quantity is a yes/no draw (a flip)."""
        return self.unit == "0/1"

    @property
    def idg_range(self) -> tuple[float, float]:
        """IDG's lowest and highest finite sample."""
        return _range(self.idg)

    @property
    def stack_range(self) -> tuple[float, float]:
        """The stack's lowest and highest finite sample."""
        return _range(self.stack)

    @property
    def idg_mean(self) -> float:
        """IDG's mean (for a flip: the share of images flipped)."""
        return _mean(self.idg)

    @property
    def stack_mean(self) -> float:
        """The stack's mean (for a flip: the share of images flipped)."""
        return _mean(self.stack)

    @property
    def idg_share(self) -> float:
        """Share of IDG's draws away from `neutral` (for a flip: the share flipped)."""
        return _share(self.idg, self.neutral)

    @property
    def stack_share(self) -> float:
        """Share of the stack's draws away from `neutral` (a layer may act on some images only)."""
        return _share(self.stack, self.neutral)

    @property
    def differs(self) -> bool:
        """Whether the two sides draw materially different values.

        The shares of draws away from `neutral` differ by more than 0.1 and four standard
        errors (a layer that acts on some images only; for a flip, the share flipped alone
        decides). Or a quantile (5, 25, 50, 75 or 95%) or the mean lies further apart than
        10% of the wider spread, and further than sampling noise allows: five standard errors
        of the quantiles' difference (a sample quantile's is sqrt(p (1 - p) / n) / density,
        the density read off each sample), four of the means'. Quantiles, not the extremes:
        a ratio such as the zoom aspect has thin tails whose sample extremes wander.
        """
        idg, stack = _finite(self.idg), _finite(self.stack)
        if not len(idg) or not len(stack):
            return len(idg) != len(stack)
        noise = 4 * math.sqrt(idg.var() / len(idg) + stack.var() / len(stack))
        mean_gap = abs(idg.mean() - stack.mean())
        shares = (self.idg_share, self.stack_share)
        share_noise = 4 * math.sqrt(shares[0] * (1 - shares[0]) / len(idg) + shares[1] * (1 - shares[1]) / len(stack))
        share_differs = abs(shares[0] - shares[1]) > max(MATERIAL, share_noise)
        if share_differs or self.is_flag:
            return share_differs
        spread = max(np.ptp(idg), np.ptp(stack))
        gaps = np.abs(np.quantile(idg, QUANTILE_LEVELS) - np.quantile(stack, QUANTILE_LEVELS))
        levels = np.asarray(QUANTILE_LEVELS)
        error = np.sqrt(
            levels * (1 - levels) * (_slope(idg, levels) ** 2 / len(idg) + _slope(stack, levels) ** 2 / len(stack))
        )
        allowed = np.maximum(MATERIAL * spread, 5 * error)
        both = np.concatenate([idg, stack])
        floor = 1e-6 * max(1.0, float(np.max(np.abs(both))))
        return bool(np.any(gaps > np.maximum(allowed, floor))) or mean_gap > max(MATERIAL * spread, noise, floor)


def _slope(values: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """d(quantile)/d(level) at each level, read off the sample: 1 / density there."""
    return (np.quantile(values, levels + 0.04) - np.quantile(values, levels - 0.04)) / 0.08


def _share(values: tuple[float, ...], neutral: float) -> float:
    finite = _finite(values)
    return float(np.mean(finite != neutral)) if len(finite) else 0.0


def _range(values: tuple[float, ...]) -> tuple[float, float]:
    finite = _finite(values)
    return (float(finite.min()), float(finite.max())) if len(finite) else (math.nan, math.nan)


def _mean(values: tuple[float, ...]) -> float:
    finite = _finite(values)
    return float(finite.mean()) if len(finite) else math.nan


@dataclass(frozen=True)
class SideBySide:
    """The migration check's side by side: draws per quantity, and the mean images' difference.

    Attributes:
        quantities: The quantities either side draws (a quantity neither draws is left out).
        difference: H x W float32, |mean IDG output - mean stack output| per pixel in grey
            levels (0..255), averaged over channels and images.
        mean_difference: The map's mean, grey levels.
        noise_floor: The same number between two independent IDG estimates (other seeds):
            what sampling alone gives.
        border_share: Share (0..1) of the total difference in the outer 10% band of the image.
        band_area: Share (0..1) of the pixels in that band (what an even spread would give).
        draws: Augmented outputs per image and side (after the cap).
        images: How many images were compared.
        resized: Whether the stack's outputs were resized back to the input size.
        not_compared: Layers whose draws fit none of the quantities (e.g. "RandomCrop").
        words: Short sentences in numbers, quantities first.
    """

    quantities: tuple[DrawQuantity, ...]
    difference: np.ndarray = field(compare=False, repr=False)
    mean_difference: float
    noise_floor: float
    border_share: float
    band_area: float
    draws: int
    images: int
    resized: bool
    not_compared: tuple[str, ...]
    words: tuple[str, ...]

    def quantity(self, name: str) -> DrawQuantity | None:
        """The quantity called `name`, or None when neither side draws it."""
        return next((q for q in self.quantities if q.name == name), None)


def idg_draw_values(params: dict) -> dict[str, float]:
    """What one IDG draw (`sample_transform`'s dict) shows, by quantity name (see the module)."""
    zx, zy = float(params.get("zx", 1)), float(params.get("zy", 1))
    across = 1.0 / zx if zx else math.inf
    down = 1.0 / zy if zy else math.inf
    brightness = params.get("brightness")
    shift = params.get("channel_shift_intensity")
    return {
        ROTATION: float(params.get("theta", 0)),
        SHIFT_X: -float(params.get("tx", 0)),
        SHIFT_Y: -float(params.get("ty", 0)),
        ZOOM_X: across,
        ZOOM_Y: down,
        ASPECT: across / down if zy and zx else math.nan,
        SHEAR: float(params.get("shear", 0)),
        FLIP_X: float(bool(params.get("flip_horizontal"))),
        FLIP_Y: float(bool(params.get("flip_vertical"))),
        BRIGHT_MUL: 1.0 if brightness is None else float(brightness),
        BRIGHT_ADD: 0.0 if shift is None else float(shift),
    }


def _neutral() -> dict[str, float]:
    return {name: neutral for name, _, neutral in QUANTITIES}


def _combine(values: dict[str, float], name: str, value: float) -> None:
    if name in _TOGGLED:
        values[name] = float(bool(values[name]) != bool(value))
    elif name in _MULTIPLIED:
        values[name] *= value
    else:
        values[name] += value


def _draw_parts(draw: Draw, grey: float) -> list[tuple[str, float]]:
    """(quantity, value) pairs of one layer's draw; (UNMAPPED, 0) for a part that fits none
    (a composite layer's ops are mapped one by one).

    `grey` turns the layer's pixel values into grey levels (255 / the span 0..255 has there).
    """
    kind = type(draw).__name__
    if kind == "RotationDraw":
        return [(ROTATION, draw.angle)]
    if kind == "TranslationDraw":
        return [(SHIFT_X, draw.x), (SHIFT_Y, draw.y)]
    if kind == "ZoomDraw":
        return [(ZOOM_X, 1 / draw.width_zoom), (ZOOM_Y, 1 / draw.height_zoom)]
    if kind == "ShearDraw":
        return [(SHEAR, -math.degrees(math.atan(draw.x))), (SHEAR_Y, -math.degrees(math.atan(draw.y)))]
    if kind == "FlipDraw":
        return [(FLIP_X, float(draw.horizontal)), (FLIP_Y, float(draw.vertical))]
    if kind == "BrightnessDraw":
        return [(BRIGHT_ADD, draw.delta * grey)]
    if kind == "FactorDraw" and draw.label in (CONTRAST, SATURATION, HUE):
        return [(draw.label, draw.factor)]
    if kind == "JitterDraw":
        inner = [part for part in (draw.brightness, draw.contrast, draw.saturation, draw.hue) if part is not None]
        return _nested(inner, grey)
    if kind == "ChainDraw":
        return _nested(draw.draws, grey)
    return [] if isinstance(draw, NoDraw) else [(UNMAPPED, 0.0)]


def _nested(draws, grey: float) -> list[tuple[str, float]]:
    return [pair for inner in draws for pair in _draw_parts(inner, grey)]


def _grey_scales(stack: Stack) -> tuple[float, ...]:
    """Per layer, grey levels per unit of the values it sees (Rescaling layers before it)."""
    scales = []
    for index in range(len(stack.layers)):
        low, high = range_after(stack.layers[:index], 0.0, 255.0)
        scales.append(255.0 / ((high - low) or 1.0))
    return tuple(scales)


def stack_draw_values(stack: Stack, draws: tuple[Draw, ...]) -> tuple[dict[str, float], tuple[str, ...]]:
    """What one run of the stack drew, by quantity name, and the layers whose draws fit none."""
    values, unmapped = _neutral(), []
    for layer, draw, grey in zip(stack.layers, draws, _grey_scales(stack), strict=True):
        for name, value in _draw_parts(draw, grey):
            if name == UNMAPPED:
                unmapped.append(layer.layer_name())
            else:
                _combine(values, name, float(value))
    values[ASPECT] = values[ZOOM_X] / values[ZOOM_Y] if values[ZOOM_Y] else math.nan
    return values, tuple(dict.fromkeys(unmapped))


def _quantities(idg_rows: list[dict[str, float]], stack_rows: list[dict[str, float]]) -> tuple[DrawQuantity, ...]:
    """The quantities either side draws (a value other than the constant), in QUANTITIES' order."""
    out = []
    for name, unit, neutral in QUANTITIES:
        idg = tuple(row.get(name, neutral) for row in idg_rows)
        stack = tuple(row.get(name, neutral) for row in stack_rows)
        if any(value != neutral for value in idg + stack):
            out.append(DrawQuantity(name, unit, idg, stack, neutral))
    return tuple(out)


def _number(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return "0" if float(text) == 0 else text


def _decimals(low: float, high: float) -> int:
    """Decimals that show about 1% of the spread: 0 for -72..72, 2 for 0.83..1.25."""
    scale = (high - low) or max(abs(low), abs(high)) or 1.0
    return int(min(4, max(0, 1 - math.floor(math.log10(scale)))))


def _side_words(values: tuple[float, ...], flag: bool, unit: str, decimals: int) -> str:
    finite = _finite(values)
    if flag:
        return f"{100 * float(finite.mean()) if len(finite) else 0:.0f}%"
    low, high = _range(values)
    suffix = "°" if unit == "°" else "" if unit == "x" else f" {unit}"
    prefix = "x" if unit == "x" else ""
    if low == high:
        return f"{prefix}{low + 0.0:.4g}{suffix} always"
    return f"{prefix}{_number(low, decimals)}..{_number(high, decimals)}{suffix}"


def quantity_words(quantity: DrawQuantity) -> str:
    """One sentence: "rotation: IDG -20..20°, the stack -72..72° (differs)", to about 1% of the spread."""
    verb = " flips" if quantity.is_flag else ""
    both = _finite(quantity.idg + quantity.stack)
    decimals = _decimals(float(both.min()), float(both.max())) if len(both) else 0
    idg = _side_words(quantity.idg, quantity.is_flag, quantity.unit, decimals)
    stack = _side_words(quantity.stack, quantity.is_flag, quantity.unit, decimals)
    verdict = "differs" if quantity.differs else "same"
    return f"{quantity.name}: IDG{verb} {idg}, the stack{verb} {stack} ({verdict})"


def _pixel_words(pixels: PixelDifference, draws: int, images: int, capped: bool) -> list[str]:
    words = [
        f"The mean images differ by {pixels.mean_difference:.1f} grey levels on average (two IDG "
        f"estimates differ by {pixels.noise_floor:.1f}); {100 * pixels.border_share:.0f}% of the difference "
        f"sits in the outer 10% border ({100 * pixels.band_area:.0f}% of the pixels)."
    ]
    words.append(f"Means over {draws} draws per image on each side, {images} image(s).")
    if capped:
        words.append(f"Capped at {MAX_WARPS} augmented images per side (images x draws).")
    if pixels.resized:
        words.append(
            "The stack changes the image size; its outputs were resized back to the input size "
            "(area or bilinear) before comparing."
        )
    return words


def _as_batch(images: np.ndarray) -> np.ndarray:
    batch = np.asarray(images, dtype=np.float32)
    if batch.ndim == 3:
        batch = batch[..., None]
    if batch.ndim != 4 or not batch.shape[0]:
        raise ValueError(f"images must be N x H x W x C; got shape {np.shape(images)}")
    return batch


def _idg_only(config: AugmentConfig) -> AugmentConfig:
    """The config's augmentation without rescale and per-image standardization: grey levels."""
    return dataclasses.replace(config, rescale=None, samplewise_center=False, samplewise_std_normalization=False)


def side_by_side(
    config: AugmentConfig, stack: Stack, images: np.ndarray, draws: int = 200, seed: int = 0
) -> SideBySide:
    """Compare an IDG config with a Keras 3 stack on the same images.

    Args:
        config: The ImageDataGenerator settings (its rescale and standardization are left out:
            the comparison is in grey levels).
        stack: The Keras 3 stack that replaces it, fed the images as 0..255 floats.
        images: N x H x W x C (or N x H x W) in 0..255, float or uint8, one common size.
        draws: Augmented outputs per image and side; images x draws is capped at MAX_WARPS.
        seed: Makes the result reproducible (IDG's stream, the stack's, the second IDG's).

    Returns:
        The side by side: drawn quantities, the difference map and its summary in words.
    """
    batch = _as_batch(images)
    count = min(batch.shape[0], MAX_WARPS)
    per_image = max(1, min(int(draws), MAX_WARPS // count))
    capped = count < batch.shape[0] or per_image < draws
    batch = batch[:count]
    plain = _idg_only(config)
    params = sample_batch(plain, batch.shape[1:], count * per_image, seed)
    again = sample_batch(plain, batch.shape[1:], count * per_image, seed + 1)
    pixels, stack_draws = mean_difference_map(plain, stack, batch, (params, again), per_image, seed)
    stack_rows, unmapped = [], []
    for run in stack_draws:
        values, missed = stack_draw_values(stack, run)
        stack_rows.append(values)
        unmapped += missed
    quantities = _quantities([idg_draw_values(p) for p in params], stack_rows)
    not_compared = tuple(dict.fromkeys(unmapped))
    words = [quantity_words(q) for q in quantities]
    if not_compared:
        words.append("Drawn by the stack but not compared here: " + ", ".join(not_compared) + ".")
    words += _pixel_words(pixels, per_image, count, capped)
    return SideBySide(
        quantities=quantities,
        difference=pixels.difference,
        mean_difference=pixels.mean_difference,
        noise_floor=pixels.noise_floor,
        border_share=pixels.border_share,
        band_area=pixels.band_area,
        draws=per_image,
        images=count,
        resized=pixels.resized,
        not_compared=not_compared,
        words=tuple(words),
    )
