"""Pixel statistics before and after augmentation, to catch units problems in the numbers.

`pixel_stats(images, config, input_range, seed)` feeds the images to the engine as the
user's pipeline feeds them to ImageDataGenerator (uint8 as loaded for "0-255", divided by
255 for "0-1"), and compares min, max, mean and std of that batch with the augmented one.
Where the two differ in a way that only a units mistake explains, `flags` says so in plain
sentences: black or flat output (brightness on 0..1 data), a channel shift that is
invisible or saturating for the data's range, rescale applied to data already in 0..1.
An augmented 0..255 batch that comes out in 0..1 because of rescale=1/255 is what rescale
is for, and is not flagged.
"""

from __future__ import annotations

import math

import numpy as np

from ..augment.config import AugmentConfig, as_config, check_input_range
from ..augment.engine import augment_batch

FLAT_STD_RATIO = 0.01  # augmented std below 1% of the original's: the output is flat
FLAT_SHARE = 0.95  # share of pixels at their image's darkest value that counts as "nearly all"
FLAT_SHRINK = 0.2  # ... when the share of other pixels shrank to a fifth or less
SHIFT_INVISIBLE, SHIFT_SATURATES = 0.02, 0.5  # channel shift as a fraction of the data's range


def _batches(images) -> list[np.ndarray]:
    """The images as N x H x W x C batches: one batch when they share a shape, else one
    batch per image. A single H x W x C image or H x W grey images are accepted."""
    if isinstance(images, np.ndarray) and images.dtype != object:
        array = images
        if array.ndim == 2:
            array = array[None, :, :, None]
        elif array.ndim == 3:
            array = array[None] if array.shape[-1] in (1, 3, 4) else array[..., None]
        return [array]
    items = [np.asarray(image) for image in images]
    if not items:
        raise ValueError("pixel_stats needs at least one image")
    items = [item[..., None] if item.ndim == 2 else item for item in items]
    if len({item.shape for item in items}) == 1 and len({item.dtype for item in items}) == 1:
        return [np.stack(items)]
    return [item[None] for item in items]


def _fed(batch: np.ndarray, input_range: str) -> np.ndarray:
    """The batch as the pipeline feeds IDG: as loaded, or divided by 255 for "0-1" (float
    data already at most 1 is taken as divided)."""
    if input_range == "0-255":
        return batch
    if np.issubdtype(batch.dtype, np.floating) and batch.size and float(batch.max()) <= 1.0:
        return batch.astype(np.float32)
    return batch.astype(np.float32) / 255.0


def _share_at_min(batch: np.ndarray) -> float:
    """Mean over images of the share of pixels at that image's own darkest value."""
    flat = batch.reshape(len(batch), -1).astype(np.float64)
    low = flat.min(axis=1, keepdims=True)
    tolerance = 1e-9 + 1e-6 * np.abs(low)
    return float(np.mean(flat <= low + tolerance))


def _summary(batches: list[np.ndarray]) -> dict:
    """min, max, mean, std over every pixel of every batch, and the share at each image's min."""
    count = sum(batch.size for batch in batches)
    total = sum(float(batch.sum(dtype=np.float64)) for batch in batches)
    mean = total / count
    squares = sum(float(np.square(batch.astype(np.float64) - mean).sum()) for batch in batches)
    pixels = sum(batch.size for batch in batches)
    share = sum(_share_at_min(batch) * batch.size for batch in batches) / pixels
    return {
        "min": float(min(float(batch.min()) for batch in batches)),
        "max": float(max(float(batch.max()) for batch in batches)),
        "mean": float(mean),
        "std": float(math.sqrt(squares / count)),
        "share_at_min": float(share),
    }


def _num(value: float) -> str:
    if 0 < value < 1 and math.isclose(1 / value, round(1 / value), rel_tol=1e-6) and round(1 / value) > 2:
        return f"1/{round(1 / value)}"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.3g}"


def _pct(fraction: float) -> str:
    percent = fraction * 100
    if 99 < percent < 100:  # never round "nearly all" up to "all"
        return f"{math.floor(percent * 10) / 10:.1f}%"
    return f"{percent:.0f}%" if percent >= 10 or percent == round(percent) else f"{percent:.2g}%"


def _flags(config: AugmentConfig, input_range: str, original: dict, augmented: dict) -> list[tuple[str, str]]:
    """(code, sentence) for each units problem the numbers show."""
    flags = []
    range_text = "0..255" if input_range == "0-255" else "0..1"
    rescale = config.rescale if config.rescale not in (None, 0) else None
    normalized = config.samplewise_std_normalization
    brightness_on_unit = config.brightness_range is not None and input_range == "0-1"

    # (a) black or flat output, compared in the units before rescale.
    std = augmented["std"] if normalized or rescale is None else augmented["std"] / abs(rescale)
    reference = 1.0 if normalized else original["std"]
    others_before, others_after = 1 - original["share_at_min"], 1 - augmented["share_at_min"]
    black = augmented["max"] == 0 and original["max"] > 0
    flat = original["std"] > 0 and std < FLAT_STD_RATIO * reference
    piled = (others_before > 0 and augmented["share_at_min"] >= FLAT_SHARE
             and others_after <= FLAT_SHRINK * others_before)
    if black or flat or piled:
        if black:
            what = "All augmented pixels are black (0)"
        elif flat:
            what = (f"The augmented pixels are flat: their spread (std {_num(augmented['std'])}) is under "
                    f"{_pct(FLAT_STD_RATIO)} of the original's ({_num(original['std'])})")
        else:
            what = (f"{_pct(augmented['share_at_min'])} of augmented pixels sit at their image's darkest value "
                    f"({'black' if augmented['min'] == 0 else 'flat'}), against "
                    f"{_pct(original['share_at_min'])} before augmentation")
        cause = (" This is brightness_range on data already divided by 255."
                 if brightness_on_unit else " The augmented images have lost their content.")
        flags.append(("black_output", what + "." + cause))

    # (b) brightness on 0..1 data: IDG goes through uint8.
    if brightness_on_unit:
        flags.append((
            "brightness_on_unit_data",
            f"brightness_range={list(config.brightness_range)} on 0..1 data: IDG converts each image to "
            "whole levels (uint8) before changing brightness, so every value below 1 becomes 0 "
            f"({_pct(augmented['share_at_min'])} of augmented pixels are at their darkest value). Feed IDG "
            "the 0..255 images and let rescale=1/255 divide them after brightness.",
        ))

    # (c) channel shift against the range of the data IDG is fed.
    shift = config.channel_shift_range
    if shift > 0:
        data_range = original["max"] - original["min"]
        if data_range <= 0:
            data_range = 255.0 if input_range == "0-255" else 1.0
        fraction = shift / data_range
        if fraction < SHIFT_INVISIBLE:
            flags.append((
                "channel_shift_invisible",
                f"Channel shift too small to see: channel_shift_range={_num(shift)} moves pixels by at most "
                f"±{_num(shift)} on data spanning {_num(original['min'])}..{_num(original['max'])} "
                f"({_pct(fraction)} of the range). It is in raw pixel units of the {range_text} data IDG is fed.",
            ))
        elif fraction > SHIFT_SATURATES:
            flags.append((
                "channel_shift_saturates",
                f"Channel shift saturates: channel_shift_range={_num(shift)} is {_pct(fraction)} of the data's "
                f"range ({_num(original['min'])}..{_num(original['max'])}), and IDG clips each shifted image to its "
                "own min..max, so strongly shifted images pile up at their darkest or brightest value.",
            ))

    # (d) rescale on data already in 0..1.
    if input_range == "0-1" and rescale is not None and abs(rescale) < 1:
        ceiling = max(1 / 255, abs(rescale)) * (1 + 1e-3) + 1e-9
        if original["max"] > 0.5 and augmented["max"] <= ceiling:
            flags.append((
                "rescale_twice",
                f"Rescale applied twice: the images are already in 0..1 and rescale={_num(rescale)} multiplies "
                f"them again, so the augmented maximum is {_num(augmented['max'])} instead of about "
                f"{_num(original['max'])}. Remove rescale, or feed IDG the 0..255 images.",
            ))
    return flags


def pixel_stats(images, config, input_range: str = "0-255", seed: int = 0) -> dict:
    """min, max, mean and std of the batch as fed to IDG and of the augmented batch, and the
    units problems they reveal.

    images: uint8 images as loaded (N x H x W x C, one H x W x C image, or a list of images;
    images of different sizes are augmented one by one). config: an `AugmentConfig` or a dict
    of IDG keyword arguments. input_range: "0-255" when the pipeline feeds IDG the images as
    loaded, "0-1" when it divides them by 255 first. seed: the draws of `augment_batch`.

    Returns {"input_range", "original": {...}, "augmented": {...}, "flags": [sentence],
    "flag_codes": [code]}, each stats dict holding plain floats min, max, mean, std and
    share_at_min (the share of pixels at their own image's darkest value).
    """
    config = as_config(config)
    check_input_range(input_range)
    fed = [_fed(batch, input_range) for batch in _batches(images)]
    if not fed or any(batch.size == 0 for batch in fed):
        raise ValueError("pixel_stats needs at least one non-empty image")
    augmented = [augment_batch(batch, config, seed=seed + index) for index, batch in enumerate(fed)]
    before, after = _summary(fed), _summary(augmented)
    flags = _flags(config, input_range, before, after)
    return {
        "input_range": input_range,
        "original": before,
        "augmented": after,
        "flags": [sentence for _, sentence in flags],
        "flag_codes": [code for code, _ in flags],
    }
