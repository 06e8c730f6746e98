"""Keras 3's brightness, contrast, saturation and hue layers, and RandomColorJitter which chains them.

Each draw holds what the Keras layer's `get_random_transformation` returns for one image, in
the same units: RandomBrightness an offset in pixel values (the drawn fraction times the
width of `value_range`), RandomContrast and RandomSaturation multipliers, RandomHue a shift
in turns of the colour wheel. Keras quirks kept on purpose (each is what the real layer does):

- RandomBrightness adds, it does not multiply (IDG's `brightness_range` multiplies);
- RandomContrast uses each channel's own mean and clips to `value_range` as given (unsorted);
- RandomSaturation draws f in its factor range and multiplies S by f / (1 - f + 1e-7), then
  clips S to `value_range` (0..255 by default, so S above 1 survives and colours overshoot);
- RandomHue's factor (0..1) is half a turn at most: shift = +/- uniform(lower, upper) / 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from .base import Draw, KerasArgumentError, KerasLayer, check_data_format
from .color_space import (
    EPSILON,
    check_called_range,
    check_factor,
    check_seed,
    check_value_range,
    clip_like_tf,
    hsv_to_rgb,
    rgb_to_hsv,
    transform_value_range,
    uniform,
)


@dataclass(frozen=True)
class BrightnessDraw(Draw):
    """Offset added to every pixel: `fraction` of the value range, `delta` in pixel values."""

    fraction: float
    delta: float

    def caption(self) -> str:
        return f"brightness {self.fraction:+.2f} of range ({self.delta:+.1f})"


@dataclass(frozen=True)
class FactorDraw(Draw):
    """One multiplier (contrast, saturation) or hue shift in turns, drawn per image."""

    factor: float
    label: str = "contrast"

    def caption(self) -> str:
        if self.label == "hue":
            return f"hue {self.factor:+.3f} turn"
        return f"{self.label} x {self.factor:.2f}"


@dataclass(frozen=True)
class RandomBrightness(KerasLayer):
    """keras.layers.RandomBrightness: add uniform(lower, upper) x (high - low), clip to value_range.

    `data_format` is not in Keras's signature but its base class takes it (no effect here).
    """

    factor: Any
    value_range: Any = (0, 255)
    seed: Any = None
    data_format: Any = None

    def __post_init__(self):
        name = self.layer_name()
        check_data_format(name, self.data_format)
        object.__setattr__(self, "_bounds", check_factor(name, self.factor or 0.0, (-1, 1)))
        check_seed(name, self.seed)
        object.__setattr__(self, "_range", check_value_range(name, self.value_range))

    def bounds(self) -> tuple[float, float]:
        """The fractions of the value range Keras draws the offset from."""
        return self._bounds

    def draw(self, rng: np.random.Generator, height: int, width: int) -> BrightnessDraw:
        """Draw the offset for one image (`height`, `width` unused: one value per image)."""
        fraction = uniform(rng, *self.bounds())
        span = np.float32(self._range[1] - self._range[0])
        return BrightnessDraw(fraction, float(np.float32(fraction) * span))

    def apply(self, image: np.ndarray, draw: Draw) -> np.ndarray:
        """Add the offset and clip to the sorted value range."""
        shifted = image.astype(np.float32) + np.float32(draw.delta)
        return np.clip(shifted, np.float32(self._range[0]), np.float32(self._range[1]))


@dataclass(frozen=True)
class RandomContrast(KerasLayer):
    """keras.layers.RandomContrast: (x - channel mean) x uniform(1 - lower, 1 + upper) + mean.

    `data_format` is not in Keras's signature but its base class takes it (no effect on
    channels-last images here).
    """

    factor: Any
    value_range: Any = (0, 255)
    seed: Any = None
    data_format: Any = None

    def __post_init__(self):
        name = self.layer_name()
        check_data_format(name, self.data_format)
        object.__setattr__(self, "_bounds", check_factor(name, self.factor, (0, 1)))
        check_seed(name, self.seed)
        object.__setattr__(self, "_range", check_called_range(name, self.value_range, None))

    def bounds(self) -> tuple[float, float]:
        """The contrast factors Keras draws from: 1 - lower .. 1 + upper of its checked factor
        (a single number f gives (0, f): contrast only ever rises)."""
        return 1.0 - self._bounds[0], 1.0 + self._bounds[1]

    def draw(self, rng: np.random.Generator, height: int, width: int) -> FactorDraw:
        """Draw the contrast multiplier for one image."""
        return FactorDraw(uniform(rng, *self.bounds()), "contrast")

    def apply(self, image: np.ndarray, draw: Draw) -> np.ndarray:
        """Stretch each channel about its mean, then clip to value_range (as given)."""
        image = np.asarray(image, dtype=np.float32)
        mean = channel_means(image)
        out = image - mean  # in place from here: a preview tile makes no extra copies
        out *= np.float32(draw.factor)
        out += mean
        return clip_like_tf(out, *self._range)


def channel_means(image: np.ndarray) -> np.ndarray:
    """Each channel's mean over the image, float32 (summed in float64: OpenCV's `mean` for up
    to 4 channels, a few times faster than NumPy's strided sum)."""
    if image.ndim == 3 and image.shape[-1] <= 4:
        return np.asarray(cv2.mean(image)[: image.shape[-1]], dtype=np.float32)
    return image.mean(axis=(0, 1), dtype=np.float64).astype(np.float32)


@dataclass(frozen=True)
class RandomSaturation(KerasLayer):
    """keras.layers.RandomSaturation: S x f / (1 - f + 1e-7), f ~ uniform(lower, upper)."""

    factor: Any
    value_range: Any = (0, 255)
    data_format: Any = None
    seed: Any = None

    def __post_init__(self):
        name = self.layer_name()
        check_data_format(name, self.data_format)
        object.__setattr__(self, "_bounds", check_factor(name, self.factor, (-1, 1)))
        object.__setattr__(self, "_range", check_value_range(name, self.value_range))
        check_seed(name, self.seed)

    def draw(self, rng: np.random.Generator, height: int, width: int) -> FactorDraw:
        """Draw the saturation multiplier for one image."""
        drawn = np.float32(uniform(rng, *self._bounds))
        return FactorDraw(float(drawn / (np.float32(1.0) - drawn + EPSILON)), "saturation")

    def apply(self, image: np.ndarray, draw: Draw) -> np.ndarray:
        """Scale S in HSV, clip S to the value range, convert back (RGB is not clipped)."""
        hue, saturation, value = rgb_to_hsv(image.astype(np.float32))
        saturation = np.clip(
            saturation * np.float32(draw.factor), np.float32(self._range[0]), np.float32(self._range[1])
        )
        return hsv_to_rgb(hue, saturation, value)


@dataclass(frozen=True)
class RandomHue(KerasLayer):
    """keras.layers.RandomHue: shift hue by +/- uniform(lower, upper) / 2 turn."""

    factor: Any
    value_range: Any = (0, 255)
    data_format: Any = None
    seed: Any = None

    def __post_init__(self):
        name = self.layer_name()
        check_data_format(name, self.data_format)
        object.__setattr__(self, "_bounds", check_factor(name, self.factor, (0, 1)))
        check_seed(name, self.seed)
        object.__setattr__(self, "_range", check_called_range(name, self.value_range, 2))

    def draw(self, rng: np.random.Generator, height: int, width: int) -> FactorDraw:
        """Draw the signed hue shift, in turns, for one image."""
        sign = -1.0 if rng.random() > 0.5 else 1.0
        return FactorDraw(float(np.float32(sign * uniform(rng, *self._bounds) * 0.5)), "hue")

    def apply(self, image: np.ndarray, draw: Draw) -> np.ndarray:
        """Rotate hue in HSV (wrapping once), clip RGB to 0..1 of the value range."""
        unit = transform_value_range(image.astype(np.float32), self._range, (0, 1))
        hue, saturation, value = rgb_to_hsv(unit)
        hue = hue + np.float32(draw.factor)
        hue = np.where(hue > 1.0, hue - np.float32(1.0), hue)
        hue = np.where(hue < 0.0, hue + np.float32(1.0), hue)
        out = np.clip(hsv_to_rgb(hue, saturation, value), np.float32(0.0), np.float32(1.0))
        return transform_value_range(out, (0, 1), self._range).astype(np.float32)


@dataclass(frozen=True)
class JitterDraw(Draw):
    """What RandomColorJitter's parts drew, in the order it applies them (None: part unused)."""

    brightness: BrightnessDraw | None = None
    contrast: FactorDraw | None = None
    saturation: FactorDraw | None = None
    hue: FactorDraw | None = None

    def caption(self) -> str:
        parts = [part.caption() for part in (self.brightness, self.contrast, self.saturation, self.hue) if part]
        return ", ".join(parts) or "no change"


@dataclass(frozen=True)
class RandomColorJitter(KerasLayer):
    """keras.layers.RandomColorJitter: RandomBrightness, RandomContrast, RandomSaturation and
    RandomHue in that order, each built with this layer's `value_range` and `seed`, each
    drawing afresh per image. A factor left None skips that part."""

    value_range: Any = (0, 255)
    brightness_factor: Any = None
    contrast_factor: Any = None
    saturation_factor: Any = None
    hue_factor: Any = None
    seed: Any = None
    data_format: Any = None

    def __post_init__(self):
        name = self.layer_name()
        check_data_format(name, self.data_format)
        check_seed(name, self.seed)
        parts, deferred = [], None
        for cls, factor in (
            (RandomBrightness, self.brightness_factor),
            (RandomContrast, self.contrast_factor),
            (RandomSaturation, self.saturation_factor),
            (RandomHue, self.hue_factor),
        ):
            try:
                parts.append(None if factor is None else cls(factor, value_range=self.value_range, seed=self.seed))
            except KerasArgumentError as error:
                # Keras refuses the later parts' arguments first; a call-time failure waits.
                if not error.reason.startswith("Keras builds"):
                    raise KerasArgumentError(name, error.reason) from None
                deferred = deferred or error.reason
                parts.append(None)
        if deferred:
            raise KerasArgumentError(name, deferred)
        object.__setattr__(self, "_parts", tuple(parts))

    def draw(self, rng: np.random.Generator, height: int, width: int) -> JitterDraw:
        """Draw each used part in turn."""
        draws = [part.draw(rng, height, width) if part else None for part in self._parts]
        return JitterDraw(*draws)

    def apply(self, image: np.ndarray, draw: Draw) -> np.ndarray:
        """Apply the used parts in Keras's order."""
        out = image.astype(np.float32)
        for part, part_draw in zip(self._parts, (draw.brightness, draw.contrast, draw.saturation, draw.hue)):
            if part is not None:
                out = part.apply(out, part_draw)
        return out
