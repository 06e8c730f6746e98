"""Keras 3's histogram layers: AutoContrast and Equalization (they draw nothing).

Both compute in float32 as Keras 3.15 does. Quirks kept on purpose:

- AutoContrast takes min and max over axes (1, 2) of the batch whatever the data format: per
  image and channel for channels_last, but per image and *column* (over channels and rows) for
  channels_first. A flat channel gives NaN, and NaN pixels keep their input value.
- Equalization's table is round((cdf - cdf_min) * 255 / n) with an IEEE division, as on
  TensorFlow; JAX's CPU build multiplies by 1 / n instead, so at exact .5 ties an entry can
  be one level higher there (tests/test_keras3_pixel.py pins that bound).
- Equalization histograms each channel over the whole batch Keras is given (one image here:
  equalize a batch of one to compare). Bin = int((v - 0) * (bins - 1) / 255) for the
  histogram but int(v / 255 * (bins - 1)) for the lookup: the two can differ by one at exact
  bin edges, as in Keras. A channel with one non-empty bin is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .base import KerasArgumentError, KerasLayer, check_data_format
from .ranges import sorted_value_range

F32 = np.float32


@dataclass(frozen=True)
class AutoContrast(KerasLayer):
    """keras.layers.AutoContrast: stretch each channel's [min, max] to the full value_range."""

    value_range: Any = (0, 255)
    data_format: Any = None

    def __post_init__(self) -> None:
        check_data_format(self.layer_name(), self.data_format)
        sorted_value_range(self.layer_name(), self.value_range)

    def apply(self, image: np.ndarray, draw: Any = None) -> np.ndarray:
        """(v - min) * 255 / (max - min) in 0..255, clipped, mapped back to `value_range`."""
        original = np.asarray(image, dtype=np.float32)
        low_range, high_range = sorted_value_range(self.layer_name(), self.value_range)
        axes = (0, 2) if check_data_format(self.layer_name(), self.data_format) == "channels_first" else (0, 1)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            images = _to_range(original, (low_range, high_range), (0.0, 255.0))
            low = images.min(axis=axes, keepdims=True)
            high = images.max(axis=axes, keepdims=True)
            scale = F32(255.0) / (high - low)
            offset = -low * scale
            results = np.clip(images * scale + offset, F32(0.0), F32(255.0))
            results = _to_range(results, (0.0, 255.0), (low_range, high_range))
        return np.where(np.isnan(results), original, results).astype(np.float32)


def _to_range(images: np.ndarray, source: tuple[float, float], target: tuple[float, float]) -> np.ndarray:
    # Keras's `_transform_value_range`: untouched when equal, else via [0, 1] in float32.
    if source[0] == target[0] and source[1] == target[1]:
        return images
    unit = (images - F32(source[0])) / (F32(source[1]) - F32(source[0]))
    return unit * (F32(target[1]) - F32(target[0])) + F32(target[0])


@dataclass(frozen=True)
class Equalization(KerasLayer):
    """keras.layers.Equalization: histogram equalization per channel with `bins` bins."""

    value_range: Any = (0, 255)
    bins: Any = 256
    data_format: Any = None

    def __post_init__(self) -> None:
        name = self.layer_name()
        low, high = sorted_value_range(name, self.value_range)  # Keras's order: this, then data_format
        check_data_format(name, self.data_format)
        if low == high:  # Keras: ZeroDivisionError when the layer runs
            raise KerasArgumentError(name, f"value_range must not be empty. Received: value_range={self.value_range}")
        if not isinstance(self.bins, int):  # Keras: TypeError when the layer runs
            raise KerasArgumentError(name, f"bins must be a whole number. Received: bins={self.bins}")

    def apply(self, image: np.ndarray, draw: Any = None) -> np.ndarray:
        """Equalize each channel of one H x W x C image (a batch of one in Keras's terms)."""
        image = np.asarray(image, dtype=np.float32)
        channels = [self._channel(image[..., c]) for c in range(image.shape[-1])]
        return np.stack(channels, axis=-1).astype(np.float32)

    def _channel(self, channel: np.ndarray) -> np.ndarray:
        low, high = sorted_value_range(self.layer_name(), self.value_range)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            channel = _scale(channel, (low, high), (0.0, 255.0))
            bins = int(self.bins)
            scaled = channel * F32(bins - 1) / F32(255.0)
            if bins < 2:  # one bin or none: never more than one non-empty bin, the channel stays
                return _scale(channel, (0.0, 255.0), (low, high))
            hist = np.bincount(np.clip(_to_int32(scaled), 0, bins - 1).ravel(), minlength=bins)
            if np.count_nonzero(hist) > 1:
                channel = self._lookup(channel, hist.astype(np.int32), bins)
            return _scale(channel, (0.0, 255.0), (low, high))

    @staticmethod
    def _lookup(channel: np.ndarray, hist: np.ndarray, bins: int) -> np.ndarray:
        cdf = np.cumsum(hist, dtype=np.int32)
        cdf_min = cdf[np.flatnonzero(cdf)[0]]
        denominator = cdf[-1] - cdf_min
        denominator = denominator if denominator != 0 else 1
        table = ((cdf - cdf_min) * 255).astype(np.float32) / F32(denominator)
        table = np.clip(np.round(table), F32(0), F32(255))
        index = np.clip(channel / F32(255.0) * F32(bins - 1), F32(0), F32(bins - 1))
        return table[_to_int32(index)]


def _scale(values: np.ndarray, source: tuple[float, float], target: tuple[float, float]) -> np.ndarray:
    # Keras's `_scale_values`: scale and offset in Python floats, applied in float32.
    scale = (target[1] - target[0]) / (source[1] - source[0])
    offset = target[0] - source[0] * scale
    return values * F32(scale) + F32(offset)


def _to_int32(values: np.ndarray) -> np.ndarray:
    # Truncation toward zero, as a float32 -> int32 cast; NaN becomes 0 (a choice: Keras's is undefined).
    return np.nan_to_num(values, nan=0.0, posinf=2**31 - 1, neginf=-(2**31)).astype(np.int32)
