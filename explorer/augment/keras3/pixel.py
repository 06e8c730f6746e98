"""Keras 3's pixel layers: RandomGaussianBlur, RandomSharpness, RandomErasing (and, from the
sibling modules, AutoContrast, Equalization, MixUp and CutMix).

Each reproduces Keras 3.15's arithmetic in float32: the same kernels, zero padding ("SAME"
convolution), clipping to `value_range`, and box bounds compared as Keras compares them.
Quirks kept on purpose (each pinned by tests/test_keras3_pixel.py):

- RandomGaussianBlur clips every image to `value_range`, blurred or not (a reversed range
  makes every pixel `value_range[0]` on TensorFlow, `value_range[1]` on JAX: we follow
  TensorFlow; RandomErasing's fill likewise); Keras draws one sigma
  pair per batch (we draw one per image: the same distribution); and on TensorFlow a kernel
  with two different sizes is the (y, x) Gaussian reshaped to (x, y), row-major, not transposed.
- RandomSharpness blends with a 3x3 smoothing kernel (1/13 around, 5/13 in the centre) by
  `1 - 2 * factor`: factor 0.5 leaves the image as it is, below 0.5 blurs, above sharpens.
- RandomErasing's default fill is Gaussian noise times `value_range[1]`, clipped to the range.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from .base import Draw, KerasArgumentError, KerasLayer, check_data_format
from .composite import AugMix, RandAugment
from .histogram import AutoContrast, Equalization
from .mixing import CutMix, MixUp, box_from_bounds, crop_bounds
from .ranges import keras_range, plain_value_range, sorted_value_range


def _kernel_1d(size: int, sigma: float) -> np.ndarray:
    x = np.arange(size, dtype=np.float32) - np.float32((size - 1) / 2)
    kernel = np.exp(np.float32(-0.5) * (x / np.float32(sigma)) ** 2)
    return (kernel / kernel.sum(dtype=np.float32)).astype(np.float32)


def _kernel_size(layer: str, value: Any, runs: bool = True) -> tuple[int, int]:
    """Keras's `_set_kernel_size` (odd numbers); with `runs`, also what the layer needs to run."""
    message = f"kernel_size must be an odd number. Received: kernel_size={value}"
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise KerasArgumentError(
                layer,
                "The `kernel_size` argument should be a number (or a list of two numbers) "
                f"Received: kernel_size={value}",
            )
        sizes = tuple(value)
    elif isinstance(value, (int, float)):
        sizes = (value, value)
    else:
        raise KerasArgumentError(layer, message)
    if any(not isinstance(size, (int, float)) or size % 2 == 0 for size in sizes):
        raise KerasArgumentError(layer, message)
    if not runs:
        return 0, 0
    if any(size != int(size) or size < 1 for size in sizes):
        raise KerasArgumentError(
            layer,
            f"kernel_size must be whole positive numbers; Keras fails when it runs. Received: kernel_size={value}",
        )
    return int(sizes[0]), int(sizes[1])


@dataclass(frozen=True)
class BlurDraw(Draw):
    """Whether the image is blurred, and the Gaussian's sigmas in pixels (x across, y down)."""

    blurred: bool
    sigma_x: float
    sigma_y: float

    def caption(self) -> str:
        if not self.blurred:
            return "no blur"
        return f"blur sigma {self.sigma_x:.2g} x {self.sigma_y:.2g} px"


@dataclass(frozen=True)
class RandomGaussianBlur(KerasLayer):
    """keras.layers.RandomGaussianBlur: blur with probability ~ U(factor), sigma ~ U(sigma)."""

    factor: Any = 1.0
    kernel_size: Any = 3
    sigma: Any = 1.0
    value_range: Any = (0, 255)
    data_format: Any = None
    seed: Any = None

    def __post_init__(self) -> None:
        name = self.layer_name()
        check_data_format(name, self.data_format)
        keras_range(name, self.factor)
        _kernel_size(name, self.kernel_size, runs=False)
        keras_range(name, self.sigma, "sigma")
        # What Keras's constructor lets through but the layer fails on when it runs:
        _kernel_size(name, self.kernel_size)
        plain_value_range(name, self.value_range)

    def draw(self, rng: np.random.Generator, height: int, width: int) -> BlurDraw:
        """Probability ~ U(factor); blurred when U(0, 1) is below it; sigmas ~ U(sigma) + 1e-6."""
        low, high = keras_range(self.layer_name(), self.factor)
        probability = rng.uniform(low, high)
        blurred = bool(rng.uniform() < probability)
        s_low, s_high = keras_range(self.layer_name(), self.sigma, "sigma")
        sigma_x, sigma_y = (np.float32(rng.uniform(s_low, s_high, 2)) + np.float32(1e-6)).tolist()
        return BlurDraw(blurred, sigma_x, sigma_y)

    def apply(self, image: np.ndarray, draw: Draw) -> np.ndarray:
        """Gaussian blur with zero padding when drawn, then clip to `value_range` either way."""
        assert isinstance(draw, BlurDraw)
        out = np.asarray(image, dtype=np.float32)
        if draw.blurred:
            out = self.blur(out, draw.sigma_x, draw.sigma_y)
        low, high = plain_value_range(self.layer_name(), self.value_range)
        return _clip(out, low, high)

    def blur(self, image: np.ndarray, sigma_x: float, sigma_y: float) -> np.ndarray:
        """Keras's `gaussian_blur` (TensorFlow's layout for two kernel sizes)."""
        size_x, size_y = _kernel_size(self.layer_name(), self.kernel_size)
        kernel_x, kernel_y = _kernel_1d(size_x, sigma_x), _kernel_1d(size_y, sigma_y)
        if size_x == size_y:
            return _per_channel(image, lambda c: cv2.sepFilter2D(c, cv2.CV_32F, kernel_x, kernel_y, **_ZERO))
        kernel = np.outer(kernel_y, kernel_x).reshape(size_x, size_y)
        return _per_channel(image, lambda c: cv2.filter2D(c, cv2.CV_32F, kernel, **_ZERO))


_ZERO = {"borderType": cv2.BORDER_CONSTANT}


def _per_channel(image: np.ndarray, job) -> np.ndarray:
    if image.shape[2] <= 4:  # OpenCV filters up to 4 channels at once
        out = job(np.ascontiguousarray(image))
        return out.reshape(image.shape).astype(np.float32, copy=False)
    return np.stack([job(np.ascontiguousarray(image[..., c])) for c in range(image.shape[2])], axis=-1)


def _clip(image: np.ndarray, low: float, high: float) -> np.ndarray:
    # TensorFlow's clip_by_value: with low > high every pixel becomes low (JAX's jnp.clip gives high).
    return np.maximum(np.minimum(image, np.float32(high)), np.float32(low)).astype(np.float32, copy=False)


@dataclass(frozen=True)
class SharpnessDraw(Draw):
    """The drawn sharpness factor: 0.5 keeps the image, 0 blurs, 1 sharpens the most."""

    factor: float

    def caption(self) -> str:
        return f"sharpness x {self.factor:.2g}"


_SMOOTH = np.array([[1, 1, 1], [1, 5, 1], [1, 1, 1]], dtype=np.float32) / np.float32(13)


@dataclass(frozen=True)
class RandomSharpness(KerasLayer):
    """keras.layers.RandomSharpness: blend with a 3x3 smoothing by 1 - 2 * U(factor)."""

    factor: Any
    value_range: Any = (0, 255)
    data_format: Any = None
    seed: Any = None

    def __post_init__(self) -> None:
        name = self.layer_name()
        check_data_format(name, self.data_format)
        keras_range(name, self.factor)
        sorted_value_range(name, self.value_range)

    def draw(self, rng: np.random.Generator, height: int, width: int) -> SharpnessDraw:
        """The factor ~ U(factor)."""
        return SharpnessDraw(float(rng.uniform(*keras_range(self.layer_name(), self.factor))))

    def apply(self, image: np.ndarray, draw: Draw) -> np.ndarray:
        """image + (1 - 2 f) * (smoothed - image), clipped to the sorted `value_range`."""
        assert isinstance(draw, SharpnessDraw)
        image = np.asarray(image, dtype=np.float32)
        smoothed = _per_channel(image, lambda c: cv2.filter2D(c, cv2.CV_32F, _SMOOTH, **_ZERO))
        weight = np.float32(1.0) - np.float32(draw.factor) * np.float32(2)
        out = image + weight * (smoothed - image)
        return _clip(out, *sorted_value_range(self.layer_name(), self.value_range))


@dataclass(frozen=True)
class ErasingDraw(Draw):
    """The erased box in pixels (empty when `width` or `height` is 0) and its fill.

    `fill` holds the fill pixels when they are replayed from elsewhere (H x W x C); otherwise
    a noise fill is drawn in `apply` from `noise_seed`.
    """

    erased: bool
    left: int
    top: int
    width: int
    height: int
    noise_seed: int = 0
    fill: np.ndarray | None = field(default=None, compare=False, repr=False)

    def caption(self) -> str:
        if not self.erased or self.width * self.height == 0:
            return "no erase"
        return f"erase {self.width}x{self.height} px at ({self.left}, {self.top})"


@dataclass(frozen=True)
class RandomErasing(KerasLayer):
    """keras.layers.RandomErasing: with probability ~ U(factor), fill a box of area ~ U(scale)."""

    factor: Any = 1.0
    scale: Any = (0.02, 0.33)
    fill_value: Any = None
    value_range: Any = (0, 255)
    seed: Any = None
    data_format: Any = None

    def __post_init__(self) -> None:
        name = self.layer_name()
        check_data_format(name, self.data_format)
        keras_range(name, self.factor)
        keras_range(name, self.scale, "scale")
        plain_value_range(name, self.value_range)
        fill = self.fill_value
        if fill is None or isinstance(fill, (int, float)):
            return
        if not isinstance(fill, (tuple, list)) or len(fill) != 3:
            raise KerasArgumentError(name, "The `fill_value` argument should be a number (or a list of three numbers) ")
        # A list or tuple fill runs on TensorFlow only: JAX's full_like refuses Keras's tracked list.
        if check_data_format(name, self.data_format) == "channels_first":
            raise KerasArgumentError(
                name,
                "a list fill_value with data_format='channels_first' is broadcast along the image "
                "width in Keras and fails unless the width is 3; give one number instead",
            )

    def draw(self, rng: np.random.Generator, height: int, width: int) -> ErasingDraw:
        """Side fractions sqrt(U(scale)) (x, y); start U(0, 1) * (side - length); then the coin."""
        low, high = keras_range(self.layer_name(), self.scale, "scale")
        ratio = np.sqrt(np.float32(rng.uniform(low, high, 2)))
        x0, x1 = crop_bounds(rng, width, ratio[:1])
        y0, y1 = crop_bounds(rng, height, ratio[1:])
        left, box_w = box_from_bounds(x0[0], x1[0], width)
        top, box_h = box_from_bounds(y0[0], y1[0], height)
        probability = rng.uniform(*keras_range(self.layer_name(), self.factor))
        erased = bool(rng.uniform() < probability)
        return ErasingDraw(erased, left, top, box_w, box_h, int(rng.integers(2**31)))

    def apply(self, image: np.ndarray, draw: Draw) -> np.ndarray:
        """Replace the box's pixels by the fill (clipped to `value_range`) when erased."""
        assert isinstance(draw, ErasingDraw)
        out = np.array(image, dtype=np.float32)
        if not draw.erased or draw.width * draw.height == 0:
            return out
        rows = slice(draw.top, draw.top + draw.height)
        cols = slice(draw.left, draw.left + draw.width)
        out[rows, cols] = self.fill(draw, out.shape)[rows, cols] if draw.fill is not None else self.box_fill(draw, out)
        return out

    def fill(self, draw: ErasingDraw, shape: tuple[int, ...]) -> np.ndarray:
        """The replayed fill (`draw.fill`, broadcast to `shape`), clipped to `value_range`."""
        low, high = plain_value_range(self.layer_name(), self.value_range)
        return _clip(np.broadcast_to(np.asarray(draw.fill, dtype=np.float32), shape), low, high)

    def box_fill(self, draw: ErasingDraw, image: np.ndarray) -> np.ndarray:
        """The box's fill: `fill_value`, or N(0, 1) * value_range[1] per pixel; clipped to the range."""
        low, high = plain_value_range(self.layer_name(), self.value_range)
        shape = (draw.height, draw.width, image.shape[2])
        if self.fill_value is None:
            noise = np.random.default_rng(draw.noise_seed).standard_normal(shape, dtype=np.float32)
            return _clip(noise * np.float32(high), low, high)
        return _clip(np.broadcast_to(np.asarray(self.fill_value, dtype=np.float32), shape), low, high)


LAYERS = (
    RandomGaussianBlur,
    RandomSharpness,
    RandomErasing,
    AutoContrast,
    Equalization,
    MixUp,
    CutMix,
    RandAugment,
    AugMix,
)
