"""Keras 3's colour arithmetic in NumPy, and the argument checks its colour layers share.

The functions repeat the float32 operations of `keras.src.backend.{tensorflow,jax}.image`
in the same order, so that results match the real layers to float32 rounding (about 1e-4
of 255): `rgb_to_grayscale` (weights 0.2989, 0.587, 0.114, which sum to 0.9999, not 1),
`rgb_to_hsv` / `hsv_to_rgb` (hue in turns, 0..1; saturation and value unscaled, so an image
in 0..255 has value in 0..255) and the layers' `_transform_value_range`.

Where Keras's backends round differently, this follows TensorFlow's kernel
(`tf.image.rgb_to_hsv` computes the hue's 1 / (6 range) as (1 / range) x (1 / 6)). The
difference is one float32 ulp of the hue and invisible, except where RandomSaturation with
value_range (0, 255) lets S grow past 1 (multiplier > 1): RGB then reaches -65,000 and the
ulp is multiplied by S x V; there TensorFlow and JAX differ from each other by up to 0.02,
and this matches TensorFlow exactly and JAX within about 0.02.

The checks raise `KerasArgumentError` with the message Keras's constructor raises, in the
order Keras checks (`check_factor` is `BaseImagePreprocessingLayer._set_factor` without the
`factor or 0.0` that only the base constructor applies).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import KerasArgumentError

GRAY_WEIGHTS = np.array([0.2989, 0.587, 0.114], dtype=np.float32)
EPSILON = np.float32(1e-7)  # keras.backend.epsilon(), used by RandomSaturation
_VALUE_RANGE = "The `value_range` argument should be a list of two numbers. "


def rgb_to_grayscale(image: np.ndarray) -> np.ndarray:
    """Keras's luminance of an H x W x 3 float32 image, as H x W x 1 (1-channel images pass)."""
    if image.shape[-1] == 1:
        return image
    return (image @ GRAY_WEIGHTS)[..., None]


def rgb_to_hsv(image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keras's RGB -> HSV of an H x W x 3 float32 image: hue in turns, S, V unscaled."""
    red, green, blue = image[..., 0], image[..., 1], image[..., 2]
    value = np.maximum(np.maximum(red, green), blue)
    span = value - np.minimum(np.minimum(red, green), blue)
    one = np.float32(1.0)
    saturation = np.where(value > 0, span / np.where(value > 0, value, one), np.float32(0.0))
    norm = (one / np.where(span > 0, span, one)) * np.float32(1 / 6)  # TF's order (JAX: 1 / (6 span))
    hue = np.where(value == green, norm * (blue - red) + np.float32(2 / 6), norm * (red - green) + np.float32(4 / 6))
    hue = np.where(value == red, norm * (green - blue), hue)
    hue = np.where(span > 0, hue, np.float32(0.0))
    hue = np.where(hue < 0, hue + one, hue)
    return hue.astype(np.float32), saturation.astype(np.float32), value


def hsv_to_rgb(hue: np.ndarray, saturation: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Keras's HSV -> RGB (hue in turns), H x W x 3 float32; values are not clipped."""
    dh = hue * np.float32(6.0)  # JAX takes hue mod 1 first: the same for the 0..1 hues here
    planes = (
        np.clip(np.abs(dh - np.float32(3.0)) - np.float32(1.0), 0, 1),
        np.clip(np.float32(2.0) - np.abs(dh - np.float32(2.0)), 0, 1),
        np.clip(np.float32(2.0) - np.abs(dh - np.float32(4.0)), 0, 1),
    )
    one_minus_s = np.float32(1.0) - saturation
    return np.stack([value * (one_minus_s + saturation * plane) for plane in planes], axis=-1).astype(np.float32)


def transform_value_range(image: np.ndarray, source: Any, target: Any) -> np.ndarray:
    """Keras's `_transform_value_range`: map `source` (low, high) linearly onto `target`."""
    if source[0] == target[0] and source[1] == target[1]:
        return image
    low, high = np.float32(source[0]), np.float32(source[1])
    new_low, new_high = np.float32(target[0]), np.float32(target[1])
    return ((image - low) / (high - low)) * (new_high - new_low) + new_low


def clip_like_tf(image: np.ndarray, low: Any, high: Any) -> np.ndarray:
    """`tf.clip_by_value`: min(x, high) then max(., low). Keras's JAX backend (`jnp.clip`)
    applies them the other way round, which differs only when low > high."""
    return np.maximum(np.minimum(image, np.float32(high)), np.float32(low))


def uniform(rng: np.random.Generator, low: float, high: float) -> float:
    """One draw of `low + (high - low) * u`, as `tf.random.stateless_uniform` (also when
    low > high, where JAX's `jax.random.uniform` returns `low`)."""
    return float(np.float32(low + (high - low) * rng.random()))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float))


def check_factor(layer: str, factor: Any, bounds: tuple[float, float]) -> tuple[float, float]:
    """Keras's `_set_factor` (no `or 0.0`): (lower, upper), refused with Keras's message."""
    message = (
        "The `factor` argument should be a number (or a list of two numbers) in the range "
        f"[{bounds[0]}, {bounds[1]}]. Received: factor={factor}"
    )
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise KerasArgumentError(layer, message)
        check_comparable(layer, factor[0], ">", bounds[1])
        if factor[0] > bounds[1]:
            raise KerasArgumentError(layer, message)
        check_comparable(layer, factor[1], "<", bounds[0])
        if factor[1] < bounds[0]:
            raise KerasArgumentError(layer, message)
        lower, upper = sorted(factor)
        return float(lower), float(upper)
    if _is_number(factor):
        if factor < bounds[0] or factor > bounds[1]:
            raise KerasArgumentError(layer, message)
        size = abs(factor)
        return float(max(-size, bounds[0])), float(size)
    raise KerasArgumentError(layer, message)


def check_comparable(layer: str, value: Any, operator: str, other: Any) -> None:
    """Refuse, with Python's TypeError text, a value Keras compares with `operator` and fails."""
    if not _is_number(value):
        raise KerasArgumentError(
            layer,
            f"'{operator}' not supported between instances of '{type(value).__name__}' and '{type(other).__name__}'",
        )


def check_value_range(layer: str, value_range: Any) -> tuple[float, float]:
    """Keras's `_set_value_range`: a list or tuple of two numbers, returned sorted."""
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise KerasArgumentError(layer, _VALUE_RANGE + f"Received: value_range={value_range}")
    check_called_range(layer, value_range, 2)
    low, high = sorted(value_range)
    return float(low), float(high)


def check_called_range(layer: str, value_range: Any, length: int | None) -> tuple[float, float]:
    """A `value_range` Keras stores unchecked: refuse what fails when the layer is called.

    `length` is 2 where Keras unpacks it (`low, high = value_range`), None where it only
    indexes `[0]` and `[1]`. Returned as given (not sorted), as Keras uses it.
    """
    ok = isinstance(value_range, (tuple, list)) and len(value_range) >= 2
    ok = ok and (length is None or len(value_range) == length)
    if not ok or not all(_is_number(item) for item in value_range):
        raise KerasArgumentError(
            layer,
            f"Keras builds the layer with value_range={value_range} but fails when it is called: "
            "value_range must hold two numbers (low, high).",
        )
    return float(value_range[0]), float(value_range[1])


def check_seed(layer: str, seed: Any) -> None:
    """Keras's `SeedGenerator`: None or an integer."""
    if seed is not None and not isinstance(seed, int):
        raise KerasArgumentError(layer, f"Argument `seed` must be an integer. Received: seed={seed}")
