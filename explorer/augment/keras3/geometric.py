"""Keras 3's geometric layers: flips, affine warps (rotation, translation, zoom, shear), crops,
resizing and perspective.

Each class takes Keras's arguments in Keras's order with Keras's defaults, refuses what Keras
refuses with Keras's message, draws from Keras's distributions and applies what Keras's
`transform_images(..., training=True)` computes on TensorFlow (see `affine` for the resampler
and where JAX differs). What users do not expect, all from Keras's sources (3.15):

- RandomFlip accepts any `mode` without complaint; a mode other than "horizontal", "vertical"
  and "horizontal_and_vertical" never flips. "horizontal_and_vertical" draws ONE coin per
  image: half the images turn 180 degrees, none is flipped on one axis only.
- RandomRotation's factor is a fraction of a full turn (0.2 is up to 72 degrees either way);
  positive angles turn the content counter-clockwise, about the image centre.
- RandomZoom's factor f draws a scale 1 + f: positive f zooms OUT (the image shrinks inside
  a border of fill), negative f zooms in; `width_factor=None` reuses the height's scale.
- RandomShear shears about the top-left corner (the matrix has no centring), so the far
  corner moves most; x and y factors share one random sign.
- Every layer resamples the image again, each with its own fill.
- RandomCrop draws ONE window per batch in Keras (every image of a batch is cut at the same
  place; here each image draws its own). An image not larger than the target on both axes
  is cut at the target's size from a centred box and stretched back to it.
- Resizing, CenterCrop and RandomCrop check almost nothing when built: Keras fails (or
  returns empty images) on the first call. We refuse those arguments at construction.
- RandomPerspective (in `perspective`) warps about half the images at factor=1.0, and never
  moves the top-left corner.

Images are H x W x C float32, channels last; a layer built with data_format="channels_first"
computes on the transposed image what it computes here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .affine import (
    FILL_MODES,
    INTERPOLATIONS,
    affine_transform,
    aspect_box,
    keras_affine_matrix,
    pad_to_aspect,
    resize,
)
from .base import Draw, KerasArgumentError, KerasLayer, base_factor, check_data_format, check_seed
from .perspective import RandomPerspective

_F32 = np.float32


def check_fill_and_interpolation(layer: str, fill_mode: Any, interpolation: Any) -> None:
    """The affine layers' checks of `fill_mode`, then `interpolation`, with Keras's messages."""
    if fill_mode not in FILL_MODES:
        raise KerasArgumentError(layer, f"Unknown `fill_mode` {fill_mode}. Expected of one {FILL_MODES}.")
    if interpolation not in INTERPOLATIONS:
        raise KerasArgumentError(layer, f"Unknown `interpolation` {interpolation}. Expected of one {INTERPOLATIONS}.")


def named_factor(layer: str, factor: Any, name: str, message: str, low: float, low_open: bool) -> tuple[float, float]:
    """`_set_factor(factor, name)` of RandomTranslation, RandomZoom and RandomShear.

    Each number must lie in [low, 1] ((low, 1] when `low_open`); a number f means (-|f|, |f|).
    """

    def check(number):
        if number > 1.0 or number < low or (low_open and number == low):
            raise KerasArgumentError(layer, message + f"Received: input_number={number}")

    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise KerasArgumentError(layer, message + f"Received: {name}={factor}")
        check(factor[0])
        check(factor[1])
        lower, upper = sorted(factor)
        return float(lower), float(upper)
    if isinstance(factor, (int, float)):
        check(factor)
        return -float(abs(factor)), float(abs(factor))
    raise KerasArgumentError(layer, message + f"Received: {name}={factor}")


def _signed(value: float, unit: str = "") -> str:
    return f"{value:+.1f}{unit}"


@dataclass(frozen=True)
class FlipDraw(Draw):
    """Whether the image is flipped left-right (`horizontal`) and upside down (`vertical`)."""

    horizontal: bool
    vertical: bool

    def caption(self) -> str:
        if self.horizontal and self.vertical:
            return "flip both (180° turn)"
        if self.horizontal or self.vertical:
            return "flip left-right" if self.horizontal else "flip upside down"
        return "no flip"


@dataclass(frozen=True)
class RandomFlip(KerasLayer):
    """keras.layers.RandomFlip: one coin per image (<= 0.5 flips), for every axis of `mode`."""

    mode: Any = "horizontal_and_vertical"
    seed: Any = None
    data_format: Any = None

    def __post_init__(self):
        check_data_format("RandomFlip", self.data_format)
        check_seed("RandomFlip", self.seed)

    def draw(self, rng: np.random.Generator, height: int, width: int) -> FlipDraw:
        """One coin, as Keras: `uniform() <= 0.5` flips on each axis the mode names."""
        flip = bool(rng.uniform() <= 0.5)
        horizontal = self.mode in ("horizontal", "horizontal_and_vertical")
        vertical = self.mode in ("vertical", "horizontal_and_vertical")
        return FlipDraw(horizontal=flip and horizontal, vertical=flip and vertical)

    def apply(self, image: np.ndarray, draw: FlipDraw) -> np.ndarray:
        """The image flipped as drawn (a copy, float32)."""
        out = np.asarray(image, dtype=_F32)
        if draw.horizontal:
            out = out[:, ::-1]
        if draw.vertical:
            out = out[::-1]
        return np.ascontiguousarray(out)


@dataclass(frozen=True)
class _AffineLayer(KerasLayer):
    """Shared apply of the four affine layers: Keras's matrix through `affine_transform`."""

    def matrix(self, draw: Draw, height: int, width: int) -> np.ndarray:
        raise NotImplementedError

    def apply(self, image: np.ndarray, draw: Draw) -> np.ndarray:
        """Resample as Keras on TensorFlow: this layer's fill mode, fill value, interpolation."""
        image = np.asarray(image, dtype=_F32)
        matrix = self.matrix(draw, image.shape[0], image.shape[1])
        return affine_transform(image, matrix, self.interpolation, self.fill_mode, float(self.fill_value))


@dataclass(frozen=True)
class RotationDraw(Draw):
    """The angle in degrees; positive turns the content counter-clockwise."""

    angle: float

    def caption(self) -> str:
        return f"rotation {_signed(self.angle, '°')}"


@dataclass(frozen=True)
class RandomRotation(_AffineLayer):
    """keras.layers.RandomRotation: an angle uniform in factor x 360 degrees, about the centre."""

    factor: Any
    fill_mode: Any = "reflect"
    interpolation: Any = "bilinear"
    seed: Any = None
    fill_value: Any = 0.0
    data_format: Any = None

    def __post_init__(self):
        check_data_format("RandomRotation", self.data_format)
        base_factor("RandomRotation", self.factor)
        check_seed("RandomRotation", self.seed)
        check_fill_and_interpolation("RandomRotation", self.fill_mode, self.interpolation)

    def bounds(self) -> tuple[float, float]:
        """The range Keras draws the angle from, in degrees."""
        lower, upper = base_factor("RandomRotation", self.factor)
        return lower * 360.0, upper * 360.0

    def draw(self, rng: np.random.Generator, height: int, width: int) -> RotationDraw:
        """An angle uniform in `bounds()`."""
        return RotationDraw(angle=float(rng.uniform(*self.bounds())))

    def matrix(self, draw: RotationDraw, height: int, width: int) -> np.ndarray:
        return keras_affine_matrix(draw.angle, 1.0, 0.0, 0.0, height, width)


_TRANSLATION_MESSAGE = "The `factor` argument should be a number (or a list of two numbers) in the range [-1.0, 1.0]. "


@dataclass(frozen=True)
class TranslationDraw(Draw):
    """The shift in pixels: +x moves the content right, +y moves it down."""

    x: float
    y: float

    def caption(self) -> str:
        return f"shift {_signed(self.x)} px right, {_signed(self.y)} px down"


@dataclass(frozen=True)
class RandomTranslation(_AffineLayer):
    """keras.layers.RandomTranslation: shifts uniform in factor x height and factor x width."""

    height_factor: Any
    width_factor: Any
    fill_mode: Any = "reflect"
    interpolation: Any = "bilinear"
    seed: Any = None
    fill_value: Any = 0.0
    data_format: Any = None

    def __post_init__(self):
        check_data_format("RandomTranslation", self.data_format)
        self.bounds()
        check_fill_and_interpolation("RandomTranslation", self.fill_mode, self.interpolation)
        check_seed("RandomTranslation", self.seed)

    def bounds(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """(height fractions, width fractions) Keras draws from."""
        fraction = (_TRANSLATION_MESSAGE, -1.0, False)
        heights = named_factor("RandomTranslation", self.height_factor, "height_factor", *fraction)
        widths = named_factor("RandomTranslation", self.width_factor, "width_factor", *fraction)
        return heights, widths

    def draw(self, rng: np.random.Generator, height: int, width: int) -> TranslationDraw:
        """Height fraction then width fraction, each times the image's size (float32 as Keras)."""
        heights, widths = self.bounds()
        dy = _F32(rng.uniform(*heights)) * _F32(height)
        dx = _F32(rng.uniform(*widths)) * _F32(width)
        return TranslationDraw(x=float(dx), y=float(dy))

    def matrix(self, draw: TranslationDraw, height: int, width: int) -> np.ndarray:
        return np.array([1, 0, -draw.x, 0, 1, -draw.y, 0, 0], dtype=_F32)


_ZOOM_MESSAGE = (
    "The `height_factor` and `width_factor` arguments should be a number (or a list of two numbers) "
    "in the range (-1.0, 1.0]. "
)


def _zoom_words(scale: float) -> str:
    return f"x {scale:.2f} ({'out' if scale > 1 else 'in' if scale < 1 else 'none'})"


@dataclass(frozen=True)
class ZoomDraw(Draw):
    """Keras's scales: above 1 zooms out (the content shrinks), below 1 zooms in."""

    height_zoom: float
    width_zoom: float

    def caption(self) -> str:
        if self.height_zoom == self.width_zoom:
            return f"zoom {_zoom_words(self.height_zoom)}"
        return f"zoom {_zoom_words(self.height_zoom)} tall, {_zoom_words(self.width_zoom)} wide"


@dataclass(frozen=True)
class RandomZoom(_AffineLayer):
    """keras.layers.RandomZoom: scales uniform in 1 + factor, about the centre."""

    height_factor: Any
    width_factor: Any = None
    fill_mode: Any = "reflect"
    interpolation: Any = "bilinear"
    seed: Any = None
    fill_value: Any = 0.0
    data_format: Any = None

    def __post_init__(self):
        self.bounds()
        check_fill_and_interpolation("RandomZoom", self.fill_mode, self.interpolation)
        check_seed("RandomZoom", self.seed)
        check_data_format("RandomZoom", self.data_format)  # Keras checks it last here

    def bounds(self) -> tuple[tuple[float, float], tuple[float, float] | None]:
        """(height scales, width scales or None when the width follows the height)."""
        zoom = (_ZOOM_MESSAGE, -1.0, True)
        low, high = named_factor("RandomZoom", self.height_factor, "height_factor", *zoom)
        heights = (1.0 + low, 1.0 + high)
        if self.width_factor is None:
            return heights, None
        low, high = named_factor("RandomZoom", self.width_factor, "width_factor", *zoom)
        return heights, (1.0 + low, 1.0 + high)

    def draw(self, rng: np.random.Generator, height: int, width: int) -> ZoomDraw:
        """The height's scale, then the width's (or the same one)."""
        heights, widths = self.bounds()
        height_zoom = float(_F32(rng.uniform(*heights)))
        width_zoom = height_zoom if widths is None else float(_F32(rng.uniform(*widths)))
        return ZoomDraw(height_zoom=height_zoom, width_zoom=width_zoom)

    def matrix(self, draw: ZoomDraw, height: int, width: int) -> np.ndarray:
        zx, zy = _F32(draw.width_zoom), _F32(draw.height_zoom)
        x_offset = ((_F32(width) - _F32(1)) / _F32(2)) * (_F32(1) - zx)
        y_offset = ((_F32(height) - _F32(1)) / _F32(2)) * (_F32(1) - zy)
        return np.array([zx, 0, x_offset, 0, zy, y_offset, 0, 0], dtype=_F32)


_SHEAR_MESSAGE = "The `factor` argument should be a number (or a list of two numbers) in the range [0, 1.0]. "


@dataclass(frozen=True)
class ShearDraw(Draw):
    """Shear factors: column moves by x * row, row moves by y * column (about the top-left)."""

    x: float
    y: float

    def caption(self) -> str:
        return f"shear x {self.x:+.2f}, y {self.y:+.2f}"


@dataclass(frozen=True)
class RandomShear(_AffineLayer):
    """keras.layers.RandomShear: factors uniform in x_factor, y_factor, one shared random sign."""

    x_factor: Any = 0.0
    y_factor: Any = 0.0
    interpolation: Any = "bilinear"
    fill_mode: Any = "reflect"
    fill_value: Any = 0.0
    data_format: Any = None
    seed: Any = None

    def __post_init__(self):
        check_data_format("RandomShear", self.data_format)
        self.bounds()
        check_fill_and_interpolation("RandomShear", self.fill_mode, self.interpolation)
        check_seed("RandomShear", self.seed)

    def bounds(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """(x range, y range) before the random sign."""
        shear = (_SHEAR_MESSAGE, 0.0, False)
        xs = named_factor("RandomShear", self.x_factor, "x_factor", *shear)
        ys = named_factor("RandomShear", self.y_factor, "y_factor", *shear)
        return xs, ys

    def draw(self, rng: np.random.Generator, height: int, width: int) -> ShearDraw:
        """Keras's order: the sign (-1 when uniform > 0.5), then y, then x."""
        xs, ys = self.bounds()
        sign = -1.0 if rng.uniform() > 0.5 else 1.0
        y = _F32(rng.uniform(*ys))
        x = _F32(rng.uniform(*xs))
        return ShearDraw(x=float(x * sign), y=float(y * sign))

    def matrix(self, draw: ShearDraw, height: int, width: int) -> np.ndarray:
        return np.array([1, draw.x, 0, draw.y, 1, 0, 0, 0], dtype=_F32)


def check_size(layer: str, height: Any, width: Any) -> None:
    """Target sizes must be whole pixels, at least 1.

    Keras's constructors take anything here and fail (or return empty images) on the first
    call; we refuse up front, in these words.
    """
    for value in (height, width):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise KerasArgumentError(
                layer,
                f"`height` and `width` must be positive integers. Received: height={height}, width={width}",
            )


@dataclass(frozen=True)
class CropDraw(Draw):
    """The crop's top-left corner in pixels."""

    top: int
    left: int

    def caption(self) -> str:
        return f"crop from x {self.left}, y {self.top}"


@dataclass(frozen=True)
class RandomCrop(KerasLayer):
    """keras.layers.RandomCrop: a random `height` x `width` window (Keras: one per batch).

    An image not larger than the target on both axes gets Keras's centred aspect box instead,
    sliced at the target's size and stretched to it (bilinear).
    """

    height: Any
    width: Any
    seed: Any = None
    data_format: Any = None

    def __post_init__(self):
        check_seed("RandomCrop", self.seed)
        check_data_format("RandomCrop", self.data_format)
        check_size("RandomCrop", self.height, self.width)

    def draw(self, rng: np.random.Generator, height: int, width: int) -> CropDraw:
        """Top then left, uniform over the positions that fit (Keras truncates a float draw)."""
        if height > self.height and width > self.width:
            top = int(_F32(rng.uniform(0, float(height - self.height + 1))))
            left = int(_F32(rng.uniform(0, float(width - self.width + 1))))
            return CropDraw(top=min(top, height - self.height), left=min(left, width - self.width))
        top, left, _, _ = aspect_box(height, width, self.height, self.width)
        return CropDraw(top=top, left=left)

    def apply(self, image: np.ndarray, draw: CropDraw) -> np.ndarray:
        """The window (clipped by the image), resized to the target when it is smaller."""
        image = np.asarray(image, dtype=_F32)
        out = image[draw.top : draw.top + self.height, draw.left : draw.left + self.width]
        if out.shape[:2] != (self.height, self.width):
            return resize(out, self.height, self.width)
        return np.ascontiguousarray(out)


@dataclass(frozen=True)
class CenterCrop(KerasLayer):
    """keras.layers.CenterCrop: the centre window; a smaller image gets `smart_resize`."""

    height: Any
    width: Any
    data_format: Any = None

    def __post_init__(self):
        check_data_format("CenterCrop", self.data_format)
        check_size("CenterCrop", self.height, self.width)

    def apply(self, image: np.ndarray, draw: Draw) -> np.ndarray:
        """Crop at ((H - h) // 2, (W - w) // 2), or aspect crop and bilinear resize."""
        image = np.asarray(image, dtype=_F32)
        height, width = image.shape[:2]
        if height >= self.height and width >= self.width:
            top, left = (height - self.height) // 2, (width - self.width) // 2
            return np.ascontiguousarray(image[top : top + self.height, left : left + self.width])
        top, left, crop_height, crop_width = aspect_box(height, width, self.height, self.width)
        return resize(image[top : top + crop_height, left : left + crop_width], self.height, self.width)


_RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")
REPRODUCED_RESIZE = ("bilinear", "nearest")


@dataclass(frozen=True)
class Resizing(KerasLayer):
    """keras.layers.Resizing: resize to `height` x `width`, maybe cropping or padding first.

    Reproduced: interpolation "bilinear" and "nearest" without antialias. Keras's constructor
    checks only `data_format`; the backend refuses the rest on the first call, and so do we,
    here, with the backend's messages.
    """

    height: Any
    width: Any
    interpolation: Any = "bilinear"
    crop_to_aspect_ratio: Any = False
    pad_to_aspect_ratio: Any = False
    fill_mode: Any = "constant"
    fill_value: Any = 0.0
    antialias: Any = False
    data_format: Any = None

    def __post_init__(self):
        check_data_format("Resizing", self.data_format)
        check_size("Resizing", self.height, self.width)
        if self.interpolation not in _RESIZE_INTERPOLATIONS:
            raise KerasArgumentError(
                "Resizing",
                "Invalid value for argument `interpolation`. Expected of one "
                f"{_RESIZE_INTERPOLATIONS}. Received: interpolation={self.interpolation}",
            )
        if self.fill_mode != "constant":
            raise KerasArgumentError(
                "Resizing",
                "Invalid value for argument `fill_mode`. Only `'constant'` is supported. "
                f"Received: fill_mode={self.fill_mode}",
            )
        if self.pad_to_aspect_ratio and self.crop_to_aspect_ratio:
            raise KerasArgumentError(
                "Resizing", "Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`."
            )

    def reproduced(self) -> bool:
        """Whether `apply` reproduces this configuration (else it raises NotImplementedError)."""
        return self.interpolation in REPRODUCED_RESIZE and not self.antialias

    def apply(self, image: np.ndarray, draw: Draw) -> np.ndarray:
        """Crop or pad to the target's aspect ratio if asked, then resize."""
        if not self.reproduced():
            raise NotImplementedError(
                f"Resizing(interpolation={self.interpolation!r}, antialias={self.antialias!r}) is not "
                f"reproduced; reproduced: {REPRODUCED_RESIZE} without antialias"
            )
        image = np.asarray(image, dtype=_F32)
        if self.crop_to_aspect_ratio:
            top, left, crop_height, crop_width = aspect_box(*image.shape[:2], self.height, self.width)
            image = image[top : top + crop_height, left : left + crop_width]
        elif self.pad_to_aspect_ratio:
            image = pad_to_aspect(image, self.height, self.width, float(self.fill_value))
        return resize(image, self.height, self.width, self.interpolation)


LAYERS = (
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    RandomShear,
    RandomCrop,
    CenterCrop,
    Resizing,
    RandomPerspective,
)
