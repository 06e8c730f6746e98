"""keras.layers.RandomPerspective: the four corners moved at random, the image warped to match.

From Keras's source (3.15), what users do not expect:
- each image is warped with probability U(factor) / 2 on average for a number factor: Keras
  draws a probability uniform in [0, factor] and a threshold uniform in [0, 1), and warps when
  threshold < probability (factor=1.0 warps about half the images);
- each corner moves by `start * u` with u uniform in [-scale / 2, scale / 2] per coordinate:
  the top-left corner (0, 0) never moves, the top-right only sideways, the bottom-left only
  up and down;
- the outside is always filled with `fill_value` (there is no fill_mode).

The homography is solved from the corners as Keras does (an 8 x 8 linear system) and applied
through TensorFlow's projective resampler (`affine.remap` with the projective division).
Keras solves that system in float32; on large noise images the solution's rounding alone moves
values by about 0.01 (TensorFlow and JAX differ from each other by that much); given the
backend's own homography, the warp matches within 1e-3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .affine import INTERPOLATIONS, remap
from .base import Draw, KerasArgumentError, KerasLayer, base_factor, check_data_format, check_seed

_F32 = np.float32


def corners(height: int, width: int) -> np.ndarray:
    """Keras's start points: (x, y) of the top-left, top-right, bottom-left, bottom-right."""
    return np.array([[0, 0], [width - 1, 0], [0, height - 1], [width - 1, height - 1]], dtype=_F32)


def homography(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Keras's `compute_homography_matrix`: the 8-vector mapping output (end) to input (start)."""
    rows, target = [], []
    for (sx, sy), (ex, ey) in zip(start.astype(np.float64), end.astype(np.float64), strict=True):
        rows.append([ex, ey, 1, 0, 0, 0, -sx * ex, -sx * ey])
        rows.append([0, 0, 0, ex, ey, 1, -sy * ex, -sy * ey])
        target += [sx, sy]
    # Keras solves in float32, and the system is ill-conditioned (entries from 1 to width x
    # height): TensorFlow's and JAX's solutions differ from each other by about 1e-2 grey
    # levels on 300 x 200 noise. We solve in float64, nearest to the exact warp.
    return np.linalg.solve(np.array(rows), np.array(target)).astype(_F32)


def perspective_transform(image: np.ndarray, t: np.ndarray, interpolation: str, fill_value: float) -> np.ndarray:
    """`keras.ops.image.perspective_transform` of one H x W x C image (constant fill), given
    the homography `t` (see `homography`)."""
    height, width = image.shape[:2]
    t = np.asarray(t, dtype=_F32)
    xs = np.arange(width, dtype=_F32)[None, :]
    ys = np.arange(height, dtype=_F32)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        projection = t[6] * xs + t[7] * ys + _F32(1)
        x = (t[0] * xs + t[1] * ys + t[2]) / projection
        y = (t[3] * xs + t[4] * ys + t[5]) / projection
    # TensorFlow fills points whose projection is 0 (at infinity); they are far outside here.
    x = np.where(projection == 0, -1e6, np.nan_to_num(x, nan=-1e6)).astype(_F32)
    y = np.where(projection == 0, -1e6, np.nan_to_num(y, nan=-1e6)).astype(_F32)
    return remap(image, x, y, interpolation, fill_value)


@dataclass(frozen=True)
class PerspectiveDraw(Draw):
    """Whether the image is warped, and where its four corners go ((x, y) pixels, Keras's order:
    top-left, top-right, bottom-left, bottom-right)."""

    warped: bool
    corners: tuple[tuple[float, float], ...]
    size: tuple[int, int]  # (height, width) of the image drawn for
    matrix: tuple[float, ...] | None = None  # a homography solved elsewhere (tests: Keras's own)

    def caption(self) -> str:
        if not self.warped:
            return "no perspective"
        moved = np.hypot(*(np.array(self.corners, dtype=np.float64) - corners(*self.size)).T)
        return f"perspective, corners moved up to {float(moved.max()):.1f} px"


_PERSPECTIVE_BOUNDS = (0, 1)


@dataclass(frozen=True)
class RandomPerspective(KerasLayer):
    """keras.layers.RandomPerspective (see the module docstring for its draw)."""

    factor: Any = 1.0
    scale: Any = 1.0
    interpolation: Any = "bilinear"
    fill_value: Any = 0.0
    seed: Any = None
    data_format: Any = None

    def __post_init__(self):
        check_data_format("RandomPerspective", self.data_format)
        self.bounds()
        check_seed("RandomPerspective", self.seed)
        if self.scale < 0.0 or self.scale > 1.0:
            raise KerasArgumentError(
                "RandomPerspective",
                f"The `scale` argument should be a number in the range [0,1]. Received: scale={self.scale}",
            )
        if self.interpolation not in INTERPOLATIONS:
            raise KerasArgumentError(
                "RandomPerspective",
                f"Unknown `interpolation` {self.interpolation}. Expected of one {INTERPOLATIONS}.",
            )

    def bounds(self) -> tuple[float, float]:
        """The range of the warp probability (Keras's `_set_factor` with bounds [0, 1])."""
        if self.factor is None or (isinstance(self.factor, (list, tuple)) and not self.factor):
            # Keras calls `_set_factor` without turning None or [] into 0 first.
            raise KerasArgumentError(
                "RandomPerspective",
                "The `factor` argument should be a number (or a list of two numbers) in the range "
                f"[0, 1]. Received: factor={self.factor}",
            )
        return base_factor("RandomPerspective", self.factor, _PERSPECTIVE_BOUNDS)

    def draw(self, rng: np.random.Generator, height: int, width: int) -> PerspectiveDraw:
        """Keras's order: the probability, the threshold, then 4 x 2 corner factors."""
        probability = rng.uniform(*self.bounds())
        warped = bool(rng.uniform() < probability)
        half = 0.5 * float(self.scale)
        factors = rng.uniform(-half, half, (4, 2)).astype(_F32)
        start = corners(height, width)
        end = start + start * factors
        end_corners = tuple((float(x), float(y)) for x, y in end)
        return PerspectiveDraw(warped=warped, corners=end_corners, size=(height, width))

    def apply(self, image: np.ndarray, draw: PerspectiveDraw) -> np.ndarray:
        """The warped image, or the image itself when not drawn to warp."""
        image = np.asarray(image, dtype=_F32)
        if not draw.warped:
            return image.copy()
        if draw.matrix is None:
            t = homography(corners(*image.shape[:2]), np.array(draw.corners, dtype=_F32))
        else:
            t = np.array(draw.matrix, dtype=_F32)
        return perspective_transform(image, t, self.interpolation, float(self.fill_value))
