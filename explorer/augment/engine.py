"""Applying drawn parameters: IDG's `apply_transform` and `standardize`, fast.

One warp per image (the flips are folded into it), then IDG's pointwise steps in IDG's order:
channel shift, brightness. `augment_batch` adds `rescale` and samplewise standardization,
which IDG applies after the transform, and equals the first batch of
`ImageDataGenerator(**kw).flow(images, batch_size=len(images), shuffle=False, seed=seed)`.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..errors import InputError
from .config import AugmentConfig
from .geometry import idg_matrices
from .sampling import sample_batch
from .validation import ValidationImages
from .warp import NATIVE_MODES, needs_scipy, warp_exact, warp_fast, warp_scipy


def _as_image_batch(images) -> np.ndarray:
    if isinstance(images, ValidationImages):
        raise InputError("these are validation images; validation data is never augmented")
    array = np.asarray(images)
    if array.ndim != 4:
        raise ValueError(f"images must be a batch N x H x W x C; got shape {array.shape}")
    if array.shape[-1] not in (1, 3, 4):
        raise ValueError(f"images must have 1, 3 or 4 channels; got {array.shape[-1]}")
    if array.shape[0] == 0 or array.shape[1] < 2 or array.shape[2] < 2:
        raise ValueError(f"images must hold at least one image of at least 2 x 2 pixels; got shape {array.shape}")
    return array


def channel_shift(x: np.ndarray, intensity: float) -> np.ndarray:
    """IDG's channel shift: ONE offset for all channels, in raw pixel units, clipped to the
    image's OWN min and max (a 0..250 image shifted by +30 stays <= 250). Computed with IDG's
    expression, so in the image's precision: the sum feeds brightness's uint8 truncation."""
    return np.clip(x + intensity, x.min(), x.max())


def brightness_shift(x: np.ndarray, brightness: float) -> np.ndarray:
    """IDG's brightness: PIL `ImageEnhance.Brightness` on the image cast to uint8.

    For data in [0, 255] the result is trunc(float32(b) * trunc(x)), clipped to 0..255
    (100 * 1.234 -> 123): fractions are truncated away. Quirk: data in 0..1 truncates to 0,
    so brightness on already-rescaled images returns an all-black image. Data outside
    [0, 255] is first stretched to 0..255 and stretched back after. A 4th (alpha) channel is
    kept as it is, as PIL does.
    """
    x_min, x_max = x.min(), x.max()
    stretch = x_min < 0 or x_max > 255
    data = x.astype(np.float32)
    if stretch:
        data = data - data.min()
        top = data.max()
        if top != 0:
            data /= top
        data *= 255
    levels = data.astype(np.uint8)
    # Pillow's ImagingBlend against black, in C float arithmetic (factor 0 and 1 included).
    blended = np.float32(brightness) * levels.astype(np.float32)
    blended = np.clip(blended, 0, 255).astype(np.uint8)
    if x.shape[-1] == 4:
        blended[..., 3] = levels[..., 3]
    result = blended.astype(np.float32)
    if stretch:
        result = result / 255 * (x_max - x_min) + x_min
    return result


# Work is split across threads (OpenCV and NumPy's large loops release the GIL) once a batch
# holds this many pixels; below it, thread hand-offs cost more than they save.
PARALLEL_MIN_PIXELS = 1 << 17
# The exact path's float64 temporaries are bounded by resampling this many pixels at a time.
EXACT_CHUNK_PIXELS = 1 << 16
_POOL: ThreadPoolExecutor | None = None


def _workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _in_parallel(count: int, pixels: int, work) -> None:
    """Run work(start, stop) over [0, count), split across threads for big batches."""
    global _POOL
    parts = min(_workers(), count) if count * pixels >= PARALLEL_MIN_PIXELS else 1
    if parts <= 1:
        work(0, count)
        return
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=_workers(), thread_name_prefix="augment")
    bounds = np.linspace(0, count, parts + 1).astype(int)
    for future in [_POOL.submit(work, start, stop) for start, stop in zip(bounds[:-1], bounds[1:])]:
        future.result()


def _transform_batch(
    batch: np.ndarray, params: list[dict], config: AugmentConfig, out: np.ndarray, exact: bool = False
) -> np.ndarray:
    """IDG's `apply_transform` for each image of a batch (float, or uint8 cast to float32 as
    IDG's flow casts it), written into float32 `out`. `exact` takes SciPy's arithmetic even
    without brightness in `params` (for a caller that applies brightness itself after).

    The draws are already made, so images are independent and may be processed in any order.
    """
    height, width = batch.shape[1:3]
    if needs_scipy(config.fill_mode, config.interpolation_order):
        return _transform_batch_scipy(batch, params, config, out)
    mode = NATIVE_MODES[config.fill_mode]
    matrices = idg_matrices(params, height, width)
    flips = np.array(
        [(bool(p.get("flip_horizontal", False)), bool(p.get("flip_vertical", False))) for p in params]
    ).reshape(-1, 2)
    exact = exact or config.interpolation_order == 0 or any(p.get("brightness") is not None for p in params)

    def work(start: int, stop: int) -> None:
        if exact:
            step = max(1, EXACT_CHUNK_PIXELS // (height * width))
            for first in range(start, stop, step):
                last = min(stop, first + step)
                source = batch[first:last]
                if source.dtype != np.float64:
                    source = source.astype(np.float32, copy=False)  # IDG's flow casts first, too
                warped = warp_exact(
                    source, matrices[first:last], flips[first:last], mode, config.cval, config.interpolation_order
                )
                for index in range(first, last):
                    # Stored in the image's precision, as SciPy stores its double sums.
                    out[index] = _pointwise(warped[index - first].astype(source.dtype), params[index])
        else:
            # uint8 is cast to float32 inside, as IDG's flow casts before warping.
            warp_fast(batch[start:stop], matrices[start:stop], flips[start:stop], mode, config.cval, out[start:stop])
            for index in range(start, stop):
                if params[index].get("channel_shift_intensity") is not None:
                    out[index] = _pointwise(out[index], params[index])

    _in_parallel(len(params), height * width, work)
    return out


def _transform_batch_scipy(batch: np.ndarray, params: list[dict], config: AugmentConfig, out: np.ndarray) -> np.ndarray:
    """IDG's `apply_transform` through SciPy, image by image, for spline orders 2-5 and the
    SciPy-only modes (see `warp.needs_scipy`): as slow as IDG, and as exact."""
    height, width = batch.shape[1:3]

    def work(start: int, stop: int) -> None:
        for index in range(start, stop):
            source = batch[index]
            if source.dtype != np.float64:
                source = source.astype(np.float32, copy=False)  # IDG's flow casts first, too
            warped = warp_scipy(source, params[index], config.fill_mode, config.cval, config.interpolation_order)
            out[index] = _pointwise(warped.astype(source.dtype, copy=False), params[index])

    _in_parallel(len(params), height * width, work)
    return out


def _pointwise(y: np.ndarray, params: dict) -> np.ndarray:
    """IDG's steps after the warp (the flips are already folded into it): channel shift, then
    brightness."""
    if params.get("channel_shift_intensity") is not None:
        y = channel_shift(y, params["channel_shift_intensity"])
    if params.get("brightness") is not None:
        y = brightness_shift(y, params["brightness"])
    return y


def apply_transform(x, params: dict, config: AugmentConfig) -> np.ndarray:
    """What `ImageDataGenerator(**config.to_idg_kwargs()).apply_transform(x, params)` returns,
    as float32.

    x is H x W x C (C = 1, 3 or 4), float or integer (converted as IDG's `flow` does). IDG's
    quirks are reproduced, not fixed: swapped shift axes, off-centre pivot on non-square
    images, zoom > 1 zooming out (`geometry`); 'wrap' with period n-1 and 'constant' filling
    any position outside [0, n-1] with cval, no blending at the edge
    (`geometry.map_to_border`); channel shift clipped to the image's own range; brightness
    through uint8 truncation (`brightness_shift`). Rescale and standardization are not part of it
    (see `augment_batch`).
    """
    if isinstance(x, ValidationImages):
        raise InputError("this is a validation image; validation data is never augmented")
    x = np.asarray(x)
    if x.ndim != 3 or x.shape[-1] not in (1, 3, 4):
        raise ValueError(f"x must be one image H x W x C with C = 1, 3 or 4; got shape {x.shape}")
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float32)
    out = np.empty(x.shape, dtype=np.float32)
    return _transform_batch(x[None], [params], config, out[None])[0]


def standardize(batch: np.ndarray, config: AugmentConfig) -> np.ndarray:
    """IDG's `standardize` for the settings we support, in place, in IDG's order:
    x *= rescale; then per image x -= mean; x /= std + 1e-6.

    Quirk kept from IDG: samplewise_std_normalization turns samplewise_center on.
    """
    if config.rescale:
        batch *= config.rescale
    axes = tuple(range(1, batch.ndim))
    if config.samplewise_center or config.samplewise_std_normalization:
        batch -= batch.mean(axis=axes, keepdims=True)
    if config.samplewise_std_normalization:
        batch /= batch.std(axis=axes, keepdims=True) + 1e-6
    return batch


def augment_batch(
    images, config: AugmentConfig, seed: int = 0, params: list[dict] | None = None, exact: bool = False
) -> np.ndarray:
    """Augment a batch N x H x W x C (float or uint8) with one draw per image.

    Returns float32 N x H x W x C: each image transformed as IDG's `apply_transform` would,
    then rescaled and standardized as IDG's `standardize` would. The draws come from
    `sample_batch(config, images.shape[1:], N, seed)` (reproducible from the seed; call it
    yourself to see what each image got, and pass the list back as `params`). `exact`: warp
    in SciPy's arithmetic, as brightness needs, even when `params` have none.
    """
    batch = _as_image_batch(images)
    count = batch.shape[0]
    if params is None:
        params = sample_batch(config, batch.shape[1:], count, seed)
    elif len(params) != count:
        raise ValueError(f"params has {len(params)} entries for {count} images")
    if batch.dtype not in (np.float32, np.uint8):
        batch = batch.astype(np.float32)  # as IDG's flow does; uint8 is cast per thread
    out = np.empty(batch.shape, dtype=np.float32)
    return standardize(_transform_batch(batch, params, config, out, exact), config)


class _Rows:
    """`source[indices]` read a slice at a time, by the thread that warps it: a batch picked
    from a large array is not copied first (one serial copy less per batch)."""

    def __init__(self, source: np.ndarray, indices: np.ndarray):
        self.source, self.indices = source, np.asarray(indices)
        self.shape, self.dtype = (len(self.indices),) + source.shape[1:], source.dtype

    def __getitem__(self, key):
        return self.source[self.indices[key]]


def augment_rows(source: np.ndarray, indices, config: AugmentConfig, params: list[dict]) -> np.ndarray:
    """`augment_batch(source[indices], config, params=params)`, without gathering the rows first."""
    _as_image_batch(source[:1])
    if source.dtype not in (np.float32, np.uint8) or len(indices) != len(params) or not len(indices):
        return augment_batch(source[indices], config, params=params)
    rows = _Rows(source, indices)
    out = np.empty(rows.shape, dtype=np.float32)
    return standardize(_transform_batch(rows, params, config, out), config)
