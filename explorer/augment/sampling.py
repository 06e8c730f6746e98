"""Random draws: what ImageDataGenerator's `get_random_transform` would pick for one image.

Drawing is kept apart from applying (see `engine`), so that what was drawn can be shown,
logged and replayed. The draws are IDG's own calls, in IDG's order, on the generator you
pass: with `np.random.RandomState(s)` the result equals
`ImageDataGenerator(**kw).get_random_transform(shape, seed=s)`, value for value.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .config import AugmentConfig, ShiftRange

PARAM_KEYS = (
    "theta",
    "tx",
    "ty",
    "shear",
    "zx",
    "zy",
    "flip_horizontal",
    "flip_vertical",
    "channel_shift_intensity",
    "brightness",
)


def draws_by_choice(shift_range: ShiftRange) -> bool:
    """Whether IDG draws this (truthy) shift range with `np.random.choice`: a list, or an int
    n >= 1. NumPy's `choice` refuses a float or an int <= 0, and IDG then falls back to
    `uniform(-r, r)` (its `except ValueError`)."""
    return isinstance(shift_range, tuple) or (isinstance(shift_range, int) and shift_range > 0)


def is_fraction(shift_range: ShiftRange) -> bool:
    """IDG's test `np.max(range) < 1`: the draw is a fraction of the image size."""
    return (max(shift_range) if isinstance(shift_range, tuple) else shift_range) < 1


def shift_extent(shift_range: ShiftRange, size: float = 1) -> float:
    """The largest move a shift range can draw, in pixels for an image side of `size` (or, with
    the default size 1, as a fraction when the range is one): a list's largest |value|, an int
    n >= 1's n - 1, otherwise |r|. 0 when it never shifts."""
    if not shift_range:
        return 0.0
    if isinstance(shift_range, tuple):
        top = max(abs(value) for value in shift_range)
    elif draws_by_choice(shift_range):
        top = shift_range - 1
    else:
        top = abs(shift_range)
    return float(top * size if is_fraction(shift_range) else top)


def _draw_shift(rng, shift_range: ShiftRange, size: int):
    """One shift in pixels, drawn as IDG draws it (see `_draws_by_choice`).

    A list or an int n >= 1 draws one element (for n: 0..n-1) times a random sign, so an int
    range of 1 never shifts; anything else draws U(-r, r), negative r included. When every
    value is < 1 the draw is a fraction and is multiplied by `size`.
    """
    if not shift_range:
        return 0
    if draws_by_choice(shift_range):
        shift = rng.choice(list(shift_range) if isinstance(shift_range, tuple) else shift_range)
        shift *= rng.choice([-1, 1])
    else:
        shift = rng.uniform(-shift_range, shift_range)
    if is_fraction(shift_range):
        shift *= size
    return shift


def sample_transform(config: AugmentConfig, image_shape: Sequence[int], rng) -> dict:
    """Draw one image's transform parameters, with IDG's keys, draws and order.

    image_shape is (height, width[, channels]); rng is a `np.random.RandomState` (exactly
    IDG's stream) or anything with the same `uniform`, `choice` and `random` methods.
    Returned keys: theta (degrees), tx, ty (pixels; IDG's tx is scaled by the HEIGHT and moves
    the image sideways, ty by the WIDTH and moves it vertically), shear (degrees), zx, zy,
    flip_horizontal, flip_vertical (0/1), channel_shift_intensity, brightness (None when off).
    """
    height, width = int(image_shape[0]), int(image_shape[1])

    theta = rng.uniform(-config.rotation_range, config.rotation_range) if config.rotation_range else 0
    # Quirk kept from IDG: tx comes from height_shift_range and is scaled by the image height,
    # ty from width_shift_range and the width (the axes are swapped downstream).
    tx = _draw_shift(rng, config.height_shift_range, height)
    ty = _draw_shift(rng, config.width_shift_range, width)
    shear = rng.uniform(-config.shear_range, config.shear_range) if config.shear_range else 0

    low, high = config.zoom_bounds
    if low == 1 and high == 1:
        zx, zy = 1, 1
    else:
        zx, zy = rng.uniform(low, high, 2)

    # IDG always consumes both flip draws, even when flips are off.
    flip_horizontal = (rng.random() < 0.5) * config.horizontal_flip
    flip_vertical = (rng.random() < 0.5) * config.vertical_flip

    channel_shift_intensity = None
    if config.channel_shift_range != 0:
        channel_shift_intensity = rng.uniform(-config.channel_shift_range, config.channel_shift_range)

    brightness = None
    if config.brightness_range is not None:
        brightness = rng.uniform(config.brightness_range[0], config.brightness_range[1])

    return {
        "theta": theta,
        "tx": tx,
        "ty": ty,
        "shear": shear,
        "zx": zx,
        "zy": zy,
        "flip_horizontal": flip_horizontal,
        "flip_vertical": flip_vertical,
        "channel_shift_intensity": channel_shift_intensity,
        "brightness": brightness,
    }


def _uniform_slots(config: AugmentConfig, height: int, width: int) -> list | None:
    """IDG's draws for one image as (key, low, high, scale) slots, one uniform double each, in
    IDG's order; None when a setting draws with `choice` (int or list shift ranges)."""
    slots = []
    if config.rotation_range:
        slots.append(("theta", -config.rotation_range, config.rotation_range, None))
    for key, shift_range, size in (("tx", config.height_shift_range, height), ("ty", config.width_shift_range, width)):
        if not shift_range:
            continue
        if draws_by_choice(shift_range):
            return None
        slots.append((key, -shift_range, shift_range, size if is_fraction(shift_range) else None))
    if config.shear_range:
        slots.append(("shear", -config.shear_range, config.shear_range, None))
    low, high = config.zoom_bounds
    if not (low == 1 and high == 1):
        slots += [("zx", low, high, None), ("zy", low, high, None)]
    slots += [("flip_horizontal", 0.0, 1.0, None), ("flip_vertical", 0.0, 1.0, None)]
    if config.channel_shift_range != 0:
        slots.append(("channel_shift_intensity", -config.channel_shift_range, config.channel_shift_range, None))
    if config.brightness_range is not None:
        slots.append(("brightness", config.brightness_range[0], config.brightness_range[1], None))
    return slots


def sample_batch(config: AugmentConfig, image_shape: Sequence[int], count: int, seed: int) -> list[dict]:
    """Parameters for `count` images from one seed, drawn one image after another.

    This is the stream `ImageDataGenerator.flow(x, batch_size=count, shuffle=False, seed=seed)`
    uses for its first batch, so a batch augmented with these parameters is that batch.
    When every draw is a uniform double (float ranges), all are taken in one call and turned
    into values with NumPy's own formula (low + (high - low) * u): the same numbers, faster.
    """
    return draw_batch(config, image_shape, count, np.random.RandomState(seed))


def draw_batch(config: AugmentConfig, image_shape: Sequence[int], count: int, rng) -> list[dict]:
    """`count` images' parameters drawn from `rng` (a RandomState, or the `np.random` module
    for NumPy's global generator, as IDG's iterators use it), leaving it where `count` calls
    of `sample_transform` would."""
    slots = _uniform_slots(config, int(image_shape[0]), int(image_shape[1]))
    if slots is None:
        return [sample_transform(config, image_shape, rng) for _ in range(count)]
    draws = rng.random_sample((count, len(slots)))
    columns = {}
    for index, (key, low, high, scale) in enumerate(slots):
        values = low + (high - low) * draws[:, index]
        if key.startswith("flip"):
            flag = config.horizontal_flip if key == "flip_horizontal" else config.vertical_flip
            columns[key] = [(value < 0.5) * flag for value in values.tolist()]
        elif key in ("zx", "zy"):
            columns[key] = list(values)  # np.float64, as IDG unpacks them from an array
        else:
            columns[key] = [value * scale for value in values.tolist()] if scale is not None else values.tolist()
    defaults = {
        "theta": 0,
        "tx": 0,
        "ty": 0,
        "shear": 0,
        "zx": 1,
        "zy": 1,
        "channel_shift_intensity": None,
        "brightness": None,
    }
    return [
        {key: columns[key][index] if key in columns else defaults[key] for key in PARAM_KEYS} for index in range(count)
    ]
