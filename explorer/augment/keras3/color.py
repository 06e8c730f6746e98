"""Keras 3's colour layers: brightness, contrast, saturation, hue and jitter (in `color_adjust`),
Rescaling, grayscale, colour degeneration, inversion, posterization and solarization.

Quirks of the real layers kept on purpose:

- RandomGrayscale's weights (0.2989, 0.587, 0.114) sum to 0.9999: white 255 becomes 254.97;
- RandomColorDegeneration's single number f draws from (-f, f): negative values push colours
  away from gray (more saturated), then the result is clipped to `value_range`;
- RandomInvert's default factor 1.0 draws a probability p in (0, 1) and inverts when a second
  uniform falls below it: half of the images, not all; inversion is `high - x`, unclipped;
- RandomPosterization's number n keeps uniform{1 .. n-1} bits (randint excludes n); a pair
  (n, n) keeps n bits;
- Solarization draws additions in (lower, upper x 255) and thresholds alike: the lower end is
  not scaled by 255, as in Keras.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .base import Draw, KerasArgumentError, KerasLayer, check_data_format
from .color_adjust import RandomBrightness, RandomColorJitter, RandomContrast, RandomHue, RandomSaturation
from .color_space import (
    check_called_range,
    check_comparable,
    check_factor,
    check_seed,
    check_value_range,
    rgb_to_grayscale,
    transform_value_range,
    uniform,
)

_SOLARIZE = (
    "The `addition_factor` and `threshold_factor` arguments should be a number (or a list of two numbers) "
    "in the range [0, 1]. "
)


@dataclass(frozen=True)
class Rescaling(KerasLayer):
    """keras.layers.Rescaling: x * scale + offset (a sequence scales channel by channel)."""

    scale: Any
    offset: Any = 0.0

    def __post_init__(self):
        for name, value in (("scale", self.scale), ("offset", self.offset)):
            items = value if isinstance(value, (tuple, list)) else (value,)
            if not items or not all(isinstance(item, (int, float)) for item in items):
                raise KerasArgumentError(
                    self.layer_name(),
                    f"Keras builds the layer with {name}={value!r} but fails when it is called: "
                    f"{name} must be a number or a list of numbers.",
                )

    def apply(self, image: np.ndarray, draw: Draw) -> np.ndarray:
        """Multiply, then add, in float32."""
        scale = np.asarray(self.scale, dtype=np.float32)
        return image.astype(np.float32) * scale + np.asarray(self.offset, dtype=np.float32)


@dataclass(frozen=True)
class SwitchDraw(Draw):
    """Whether a yes/no layer acts on this image; `label` words the caption."""

    applied: bool
    label: str = "grayscale"

    def caption(self) -> str:
        return f"{self.label}: {'yes' if self.applied else 'no'}"


@dataclass(frozen=True)
class RandomGrayscale(KerasLayer):
    """keras.layers.RandomGrayscale: with probability `factor`, all channels become luminance."""

    factor: Any = 0.5
    data_format: Any = None
    seed: Any = None

    def __post_init__(self):
        name = self.layer_name()
        check_comparable(name, self.factor, "<", 0)
        if self.factor < 0 or self.factor > 1:
            raise KerasArgumentError(name, f"`factor` should be between 0 and 1. Received: factor={self.factor}")
        check_data_format(name, self.data_format)
        check_seed(name, self.seed)

    def draw(self, rng: np.random.Generator, height: int, width: int) -> SwitchDraw:
        """Draw whether this image turns gray."""
        return SwitchDraw(bool(np.float32(rng.random()) < self.factor), "grayscale")

    def apply(self, image: np.ndarray, draw: Draw) -> np.ndarray:
        """Replace every channel by the luminance when drawn."""
        image = image.astype(np.float32)
        if not draw.applied:
            return image
        return np.broadcast_to(rgb_to_grayscale(image), image.shape).copy()


@dataclass(frozen=True)
class DegenerationDraw(Draw):
    """Blend weight toward the gray image: 0 keeps colours, 1 is gray, < 0 saturates."""

    factor: float

    def caption(self) -> str:
        return f"toward gray {self.factor:+.2f}"


@dataclass(frozen=True)
class RandomColorDegeneration(KerasLayer):
    """keras.layers.RandomColorDegeneration: x + f (gray - x), f ~ uniform(lower, upper)."""

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

    def draw(self, rng: np.random.Generator, height: int, width: int) -> DegenerationDraw:
        """Draw the blend weight for one image."""
        return DegenerationDraw(uniform(rng, *self._bounds))

    def apply(self, image: np.ndarray, draw: Draw) -> np.ndarray:
        """Blend toward the luminance image, clip to the sorted value range."""
        image = image.astype(np.float32)
        out = image + np.float32(draw.factor) * (rgb_to_grayscale(image) - image)
        return np.clip(out, np.float32(self._range[0]), np.float32(self._range[1]))


@dataclass(frozen=True)
class RandomInvert(KerasLayer):
    """keras.layers.RandomInvert: high - x when uniform(0, 1) < p, p ~ uniform(lower, upper)."""

    factor: Any = 1.0
    value_range: Any = (0, 255)
    seed: Any = None
    data_format: Any = None

    def __post_init__(self):
        name = self.layer_name()
        check_data_format(name, self.data_format)
        object.__setattr__(self, "_bounds", check_factor(name, self.factor, (0, 1)))
        check_seed(name, self.seed)
        object.__setattr__(self, "_range", check_called_range(name, self.value_range, None))

    def draw(self, rng: np.random.Generator, height: int, width: int) -> SwitchDraw:
        """Draw the probability, then whether this image is inverted."""
        probability = uniform(rng, *self._bounds)
        return SwitchDraw(bool(uniform(rng, 0.0, 1.0) < probability), "invert")

    def apply(self, image: np.ndarray, draw: Draw) -> np.ndarray:
        """Subtract from the value range's second entry when drawn (no clipping)."""
        image = image.astype(np.float32)
        return np.float32(self._range[1]) - image if draw.applied else image


@dataclass(frozen=True)
class PosterizeDraw(Draw):
    """Bits kept per channel (1..8); Keras stores the shift 8 - bits."""

    bits: int

    def caption(self) -> str:
        return f"posterize to {self.bits} bits"


def _whole_bits(factor: Any) -> bool:
    """Whether TensorFlow can draw Keras's bits: `randint(lower, upper)` needs two integers,
    and `ones(uint8) * lower` (when lower == upper) one; 1.0 passes because Keras's
    `max(-1.0, 1)` is the integer 1."""
    if isinstance(factor, (tuple, list)):
        lower, upper = sorted(factor)
    else:
        lower, upper = max(-abs(factor), 1), abs(factor)
    used = (lower,) if lower == upper else (lower, upper)
    return all(isinstance(bound, int) for bound in used)


@dataclass(frozen=True)
class RandomPosterization(KerasLayer):
    """keras.layers.RandomPosterization: keep the top `bits` bits of each 0..255 value."""

    factor: Any
    value_range: Any = (0, 255)
    data_format: Any = None
    seed: Any = None

    def __post_init__(self):
        name = self.layer_name()
        check_data_format(name, self.data_format)
        bounds = check_factor(name, self.factor, (1, 8))
        object.__setattr__(self, "_range", check_value_range(name, self.value_range))
        check_seed(name, self.seed)
        if not _whole_bits(self.factor):  # after Keras's own checks
            raise KerasArgumentError(
                name,
                f"Keras builds the layer with factor={self.factor} but fails when it is called on "
                "TensorFlow: the number of bits is drawn with randint and must be a whole number.",
            )
        object.__setattr__(self, "_bounds", (int(bounds[0]), int(bounds[1])))

    def draw(self, rng: np.random.Generator, height: int, width: int) -> PosterizeDraw:
        """Draw the bits kept: randint(lower, upper), or lower when both are equal."""
        lower, upper = self._bounds
        return PosterizeDraw(int(rng.integers(lower, upper)) if lower != upper else lower)

    def apply(self, image: np.ndarray, draw: Draw) -> np.ndarray:
        """Map to 0..255, truncate to uint8, drop the low bits, map back."""
        shift = np.uint8(8 - draw.bits)
        values = transform_value_range(image.astype(np.float32), self._range, (0, 255))
        quantized = np.clip(values, 0, 255).astype(np.uint8)
        quantized = np.left_shift(np.right_shift(quantized, shift), shift).astype(np.float32)
        return transform_value_range(quantized, (0, 255), self._range).astype(np.float32)


@dataclass(frozen=True)
class SolarizeDraw(Draw):
    """Value added (0..255 units) and the threshold above which values are inverted."""

    addition: float
    threshold: float

    def caption(self) -> str:
        return f"solarize above {self.threshold:.0f}, add {self.addition:+.1f}"


def _solarize_factor(layer: str, factor: Any, name: str) -> tuple[float, float]:
    def check(number: Any) -> None:
        check_comparable(layer, number, ">", 1.0)
        if number > 1.0 or number < 0:
            raise KerasArgumentError(layer, _SOLARIZE + f"Received: input_number={number}")

    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise KerasArgumentError(layer, _SOLARIZE + f"Received: {name}={factor}")
        check(factor[0])
        check(factor[1])
        lower, upper = sorted(factor)
        return float(lower), float(upper)
    if isinstance(factor, (int, float)):
        check(factor)
        return 0.0, float(factor)
    raise KerasArgumentError(layer, _SOLARIZE + f"Received: {name}={factor}")


@dataclass(frozen=True)
class Solarization(KerasLayer):
    """keras.layers.Solarization: add, clip to 0..255, then 255 - x where x >= threshold."""

    addition_factor: Any = 0.0
    threshold_factor: Any = 0.0
    value_range: Any = (0, 255)
    seed: Any = None

    def __post_init__(self):
        name = self.layer_name()
        check_seed(name, self.seed)
        object.__setattr__(self, "_add", _solarize_factor(name, self.addition_factor, "addition_factor"))
        object.__setattr__(self, "_thr", _solarize_factor(name, self.threshold_factor, "threshold_factor"))
        object.__setattr__(self, "_range", check_value_range(name, self.value_range))

    def draw(self, rng: np.random.Generator, height: int, width: int) -> SolarizeDraw:
        """Draw the addition, then the threshold (both in 0..255 units)."""
        addition = uniform(rng, self._add[0], self._add[1] * 255)
        return SolarizeDraw(addition, uniform(rng, self._thr[0], self._thr[1] * 255))

    def apply(self, image: np.ndarray, draw: Draw) -> np.ndarray:
        """Solarize in 0..255 units, then map back to the value range."""
        values = transform_value_range(image.astype(np.float32), self._range, (0, 255))
        values = np.clip(values + np.float32(draw.addition), np.float32(0), np.float32(255))
        values = np.where(values < np.float32(draw.threshold), values, np.float32(255) - values)
        return transform_value_range(values, (0, 255), self._range).astype(np.float32)


LAYERS = (
    RandomBrightness,
    RandomContrast,
    Rescaling,
    RandomGrayscale,
    RandomSaturation,
    RandomHue,
    RandomColorDegeneration,
    RandomInvert,
    RandomPosterization,
    Solarization,
    RandomColorJitter,
)
