"""`keras.ops.image.affine_transform` in NumPy and OpenCV, as TensorFlow computes it.

Keras's RandomRotation, RandomTranslation, RandomZoom and RandomShear build an inverse map
`(a0, a1, a2, b0, b1, b2, 0, 0)`: output pixel (x, y) (x = column, y = row, pixel centres at
integers) reads the input at (a0 x + a1 y + a2, b0 x + b1 y + b2). On TensorFlow this is
`ImageProjectiveTransformV3`, whose kernel (tensorflow/core/kernels/image/image_ops.h):

- computes the source position in float32, then folds it into [0, n - 1] by the fill mode
  before interpolating: 'reflect' mirrors about the outer pixel edges (dcba|abcd|dcba),
  'nearest' clamps, 'constant' leaves it alone, and each neighbour outside the image reads
  `fill_value` (so the last half pixel blends towards it);
- 'wrap' is folded with the period n - 1 in its division but n in its step, then clamped: a
  point less than one pixel outside an edge reads the opposite edge's pixel alone, not a
  blend across the seam, and points more than n - 1 pixels outside land on an edge pixel. JAX's
  `map_coordinates` wraps with `index % n` instead; the two differ there (tests measure it);
- 'bilinear' weighs the four neighbours by (ceil - x) and (x - floor); 'nearest' rounds half
  away from zero (`std::round`; JAX's `lax.round` too).

OpenCV >= 5 remaps float32 images with exact sub-pixel weights (within about 3e-5 grey levels
of the float64 formula on 0..255 noise), so the folded positions go through `cv2.remap`;
nearest sampling rounds here first and remaps whole-pixel positions, which OpenCV reads exactly.
"""

from __future__ import annotations

import cv2
import numpy as np

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")

_F32 = np.float32


def source_positions(matrix: np.ndarray, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Where each output pixel reads the input, H x W (x, y) in float32, as TensorFlow does.

    `matrix` is Keras's 8-vector (a0, a1, a2, b0, b1, b2, c0, c1); c0 = c1 = 0 for the affine
    layers, so the projective division is by 1.
    """
    a0, a1, a2, b0, b1, b2 = (_F32(value) for value in np.asarray(matrix, dtype=_F32)[:6])
    xs = np.arange(width, dtype=_F32)[None, :]
    ys = np.arange(height, dtype=_F32)[:, None]
    x = (a0 * xs + a1 * ys) + a2
    y = (b0 * xs + b1 * ys) + b2
    return x.astype(_F32), y.astype(_F32)


def _reflect(coord: np.ndarray, length: int) -> np.ndarray:
    period = _F32(2 * length)
    below = np.trunc(-coord / period) * period + coord
    below = np.where(below < -length, below + period, -below - 1)
    above = coord - np.trunc(coord / period) * period
    above = np.where(above >= length, period - above - 1, above)
    return np.where(coord < 0, below, np.where(coord > length - 1, above, coord))


def _wrap(coord: np.ndarray, length: int) -> np.ndarray:
    span = _F32(length - 1)
    below = coord + _F32(length) * (np.trunc(-coord / span) + 1)
    above = coord - _F32(length) * np.trunc(coord / span)
    return np.where(coord < 0, below, np.where(coord > length - 1, above, coord))


def fold(coord: np.ndarray, length: int, fill_mode: str) -> np.ndarray:
    """TensorFlow's `MapCoordinate`: a float32 position mapped into the image by `fill_mode`.

    'constant' leaves positions as they are (neighbours outside read `fill_value`); the other
    modes return positions in [0, length - 1]. Only positions outside are computed on.
    """
    coord = np.array(coord, dtype=_F32)
    if fill_mode == "constant":
        return coord
    if length <= 1:
        return np.zeros_like(coord)
    outside = (coord < 0) | (coord > length - 1)
    if not outside.any():
        return coord
    if fill_mode in ("reflect", "wrap"):
        with np.errstate(invalid="ignore", over="ignore"):
            folder = _reflect if fill_mode == "reflect" else _wrap
            coord[outside] = folder(coord[outside], length)
    return np.clip(coord, 0, length - 1, out=coord)


def round_half_away(coord: np.ndarray) -> np.ndarray:
    """`std::round` on float32 positions, in float64 so that 0.49999997 + 0.5 stays below 1."""
    wide = coord.astype(np.float64)
    return (np.sign(wide) * np.floor(np.abs(wide) + 0.5)).astype(_F32)


def remap(image: np.ndarray, x: np.ndarray, y: np.ndarray, interpolation: str, fill_value: float) -> np.ndarray:
    """Sample an H x W x C float32 image at float32 positions (x, y); outside reads fill_value.

    Bilinear weighs the neighbours exactly (OpenCV >= 5 in float32); nearest rounds half away
    from zero. Positions already folded into the image never read the fill.
    """
    if interpolation == "nearest":
        x, y, flag = round_half_away(x), round_half_away(y), cv2.INTER_NEAREST
    else:
        flag = cv2.INTER_LINEAR
    # Far-away positions (a huge zoom-out) would overflow OpenCV's integer parts: any position
    # two pixels outside reads only the fill.
    x = np.clip(x, -2.0, image.shape[1] + 1.0, dtype=_F32)
    y = np.clip(y, -2.0, image.shape[0] + 1.0, dtype=_F32)
    channels = image.shape[2]
    planes = []
    for start in range(0, channels, 4):  # cv2.remap takes at most 4 channels at once
        part = np.ascontiguousarray(image[:, :, start : start + 4], dtype=_F32)
        out = cv2.remap(part, x, y, flag, borderMode=cv2.BORDER_CONSTANT, borderValue=(float(fill_value),) * 4)
        planes.append(out.reshape(x.shape + (part.shape[2],)))
    return planes[0] if len(planes) == 1 else np.concatenate(planes, axis=2)


def affine_transform(
    image: np.ndarray,
    matrix: np.ndarray,
    interpolation: str,
    fill_mode: str,
    fill_value: float,
    wrap: str = "tensorflow",
) -> np.ndarray:
    """`keras.ops.image.affine_transform` of one H x W x C float32 image on TensorFlow.

    `matrix` is Keras's 8-vector inverse map (see the module docstring); the output has the
    input's size. `wrap="jax"` wraps as Keras's JAX backend does instead (`index % n` for
    each neighbour); every other mode is the same on both backends.
    """
    height, width = image.shape[:2]
    x, y = source_positions(matrix, height, width)
    if fill_mode == "wrap" and wrap == "jax":
        return _remap_wrapped(image, x, y, interpolation)
    x = fold(x, width, fill_mode)
    y = fold(y, height, fill_mode)
    return remap(image, x, y, interpolation, fill_value)


def _remap_wrapped(image: np.ndarray, x: np.ndarray, y: np.ndarray, interpolation: str) -> np.ndarray:
    """JAX's 'wrap': positions taken modulo the size, neighbours across the seam blended."""
    height, width = image.shape[:2]
    if interpolation == "nearest":
        x, y, flag = round_half_away(x), round_half_away(y), cv2.INTER_NEAREST
    else:
        flag = cv2.INTER_LINEAR
    # Whole periods only (the fraction stays as it was), in float64 to keep it exact.
    x = (x - np.floor(x.astype(np.float64) / width) * width).astype(_F32)
    y = (y - np.floor(y.astype(np.float64) / height) * height).astype(_F32)
    planes = [
        cv2.remap(np.ascontiguousarray(image[:, :, c]), x, y, flag, borderMode=cv2.BORDER_WRAP)
        for c in range(image.shape[2])
    ]
    return np.stack(planes, axis=2).astype(_F32)


def keras_affine_matrix(
    angle: float, scale: float, shear_x: float, shear_y: float, height: int, width: int
) -> np.ndarray:
    """Keras's `_compute_affine_matrix` about the image centre, in float32 as Keras does.

    Angles in degrees; the layers that use it (RandomRotation) pass scale 1 and no shear.
    """
    radians = _F32(np.pi / 180.0)
    theta = _F32(angle) * radians
    tan_x = np.tan(_F32(shear_x) * radians, dtype=_F32)
    tan_y = np.tan(_F32(shear_y) * radians, dtype=_F32)
    cos_t, sin_t = np.cos(theta, dtype=_F32), np.sin(theta, dtype=_F32)
    cx = _F32(0.5) * (_F32(width) - 1)
    cy = _F32(0.5) * (_F32(height) - 1)
    scale = _F32(scale)
    a0 = scale * (cos_t + tan_x * sin_t)
    a1 = scale * (-sin_t + tan_x * cos_t)
    a2 = cx - cx * a0 - cy * a1
    b0 = scale * (tan_y * cos_t + sin_t)
    b1 = scale * (tan_y * -sin_t + cos_t)
    b2 = cy - cx * b0 - cy * b1
    return np.array([a0, a1, a2, b0, b1, b2, 0, 0], dtype=_F32)


# --- resizing, as `tf.image.resize(..., antialias=False)` -------------------------------------


def _bilinear_centres(in_size: int, out_size: int) -> np.ndarray:
    """TensorFlow's half-pixel bilinear sample positions, clamped into the image.

    `ResizeBilinear` reads rows max(floor(c), 0) and min(ceil(c), n - 1) with weight c - floor(c);
    a clamped position reads the same values, so OpenCV's remap of the clamped positions
    (exact sub-pixel weights) gives TensorFlow's result.
    """
    scale = _F32(in_size) / _F32(out_size)
    centre = (np.arange(out_size, dtype=_F32) + _F32(0.5)) * scale - _F32(0.5)
    return np.clip(centre, 0, in_size - 1).astype(_F32)


def _nearest_taps(in_size: int, out_size: int) -> np.ndarray:
    """TensorFlow's half-pixel nearest neighbour: floor((i + 0.5) * in / out), clamped."""
    scale = _F32(in_size) / _F32(out_size)
    centre = (np.arange(out_size, dtype=_F32) + _F32(0.5)) * scale
    return np.clip(np.floor(centre), 0, in_size - 1).astype(np.intp)


def resize(image: np.ndarray, height: int, width: int, interpolation: str = "bilinear") -> np.ndarray:
    """An H x W x C float32 image resized to `height` x `width` as TensorFlow does.

    Bilinear (`ResizeBilinear`, half-pixel centres, edges clamped) and nearest
    (`ResizeNearestNeighbor`, half-pixel centres); no antialiasing.
    """
    image = np.asarray(image, dtype=_F32)
    if interpolation == "nearest":
        rows = _nearest_taps(image.shape[0], height)
        cols = _nearest_taps(image.shape[1], width)
        return np.ascontiguousarray(image[rows][:, cols])
    if interpolation != "bilinear":
        raise NotImplementedError(f"resize: interpolation={interpolation!r} is not reproduced here")
    x = np.broadcast_to(_bilinear_centres(image.shape[1], width)[None, :], (height, width))
    y = np.broadcast_to(_bilinear_centres(image.shape[0], height)[:, None], (height, width))
    return remap(image, np.ascontiguousarray(x), np.ascontiguousarray(y), "bilinear", 0.0)


def aspect_box(height: int, width: int, target_height: int, target_width: int) -> tuple[int, int, int, int]:
    """Keras's centred crop with the target's aspect ratio: (top, left, crop height, crop width).

    Sizes are truncated as Keras does (`int(float(width * target_height) / target_width)`),
    at least 1 and at most the image.
    """
    crop_height = int(_F32(width * target_height) / _F32(target_width))
    crop_height = max(min(height, crop_height), 1)
    crop_width = int(_F32(height * target_width) / _F32(target_height))
    crop_width = max(min(width, crop_width), 1)
    return int((height - crop_height) / 2), int((width - crop_width) / 2), crop_height, crop_width


def pad_to_aspect(image: np.ndarray, target_height: int, target_width: int, fill_value: float) -> np.ndarray:
    """Keras's `pad_to_aspect_ratio`: the same number of fill rows (or columns) on both sides.

    The padded size is truncated to whole pixels and each side gets half of the difference
    (rounded down), as Keras's TensorFlow backend does.
    """
    height, width, channels = image.shape
    pad_height = max(height, int(_F32(width * target_height) / _F32(target_width)))
    pad_width = max(width, int(_F32(height * target_width) / _F32(target_height)))
    top, left = int((pad_height - height) / 2), int((pad_width - width) / 2)
    if top > 0:
        band = np.full((top, width, channels), fill_value, dtype=_F32)
        image = np.concatenate([band, image, band], axis=0)
    if left > 0:
        band = np.full((image.shape[0], left, channels), fill_value, dtype=_F32)
        image = np.concatenate([band, image, band], axis=1)
    return image
