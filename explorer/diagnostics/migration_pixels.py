"""Migration check, pixels: the mean augmented image of an IDG config against a Keras 3
stack's, per image, and where the two differ.

For each image, the mean over `draws` IDG outputs minus the mean over `draws` stack outputs,
signed per pixel, then absolute, averaged over channels and images: an H x W map in grey
levels (0..255). The same number between two independent IDG estimates is the noise floor:
what sampling alone gives with that many draws. Stack outputs are brought back to 0..255
through the stack's Rescaling layers, and resized to the input size when the stack changes it
(RandomCrop, CenterCrop, Resizing): INTER_AREA when shrinking, INTER_LINEAR when enlarging.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import cv2
import numpy as np

from ..augment.config import AugmentConfig
from ..augment.engine import augment_batch
from ..augment.keras3 import Draw, Stack
from ..augment.keras3.render import range_after

BAND = 0.1  # the border band: the outer 10% of rows and of columns
CHUNK = 256  # IDG outputs warped at once (bounds memory for many draws of one image)


@dataclass(frozen=True)
class PixelDifference:
    """Where the mean IDG image and the mean stack image differ.

    Attributes:
        difference: H x W float32 grey levels, |mean IDG - mean stack|, averaged over
            channels and images.
        mean_difference: The map's mean, grey levels.
        noise_floor: The same mean between two independent IDG estimates, grey levels.
        border_share: Share (0..1) of the summed difference inside the outer 10% band.
        band_area: Share (0..1) of the pixels in that band.
        resized: Whether the stack's outputs had another size and were resized back.
    """

    difference: np.ndarray = field(compare=False, repr=False)
    mean_difference: float
    noise_floor: float
    border_share: float
    band_area: float
    resized: bool


def band_margins(height: int, width: int) -> tuple[int, int]:
    """The border band's depth in rows and in columns: 10% of each side, at least 1 pixel."""
    return max(1, round(BAND * height)), max(1, round(BAND * width))


def border_band(height: int, width: int) -> np.ndarray:
    """H x W bool: the outer 10% of rows and columns (at least one pixel each side)."""
    rows, cols = band_margins(height, width)
    band = np.ones((height, width), dtype=bool)
    band[rows : height - rows, cols : width - cols] = False
    return band


def _idg_mean(config: AugmentConfig, image: np.ndarray, params: list[dict]) -> np.ndarray:
    """The mean of IDG's outputs for one image over `params` (float64 sum, in chunks)."""
    total = np.zeros(image.shape, dtype=np.float64)
    for start in range(0, len(params), CHUNK):
        part = params[start : start + CHUNK]
        batch = np.broadcast_to(image, (len(part),) + image.shape)
        total += augment_batch(batch, config, params=part).sum(axis=0, dtype=np.float64)
    return total / len(params)


def _fit(out: np.ndarray, height: int, width: int) -> np.ndarray:
    """A stack output at the input's size: area when shrinking, bilinear when enlarging."""
    shrink = out.shape[0] * out.shape[1] > height * width
    flag = cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
    resized = cv2.resize(np.ascontiguousarray(out), (width, height), interpolation=flag)
    return resized.reshape(height, width, -1)


def _stack_mean(stack: Stack, image: np.ndarray, draws: int, rng: np.random.Generator):
    """The mean of the stack's outputs for one image (grey levels), what each run drew, and
    whether the outputs had another size."""
    height, width = image.shape[:2]
    low, high = range_after(stack.layers, 0.0, 255.0)
    to_grey = 255.0 / ((high - low) or 1.0)
    total = np.zeros(image.shape, dtype=np.float64)
    runs, resized = [], False
    for _ in range(draws):
        out, drawn = stack.run(image, rng)
        if out.shape[:2] != (height, width):
            out, resized = _fit(out, height, width), True
        total += out
        runs.append(drawn)
    mean = (total / draws - low) * to_grey
    return mean, runs, resized


def _gap(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """|first - second| per pixel, averaged over channels and images: H x W."""
    return np.abs(first - second).mean(axis=(0, 3))


def mean_difference_map(
    config: AugmentConfig,
    stack: Stack,
    batch: np.ndarray,
    params: tuple[list[dict], list[dict]],
    draws: int,
    seed: int,
) -> tuple[PixelDifference, list[tuple[Draw, ...]]]:
    """The mean images of both sides compared, and what each stack run drew (image by image).

    Args:
        config: IDG's settings, without rescale or standardization (grey levels).
        stack: The Keras 3 stack, fed each image as 0..255 float32.
        batch: N x H x W x C float32 images, 0..255.
        params: Two independent IDG draws, `draws` per image each, image after image.
        draws: Outputs per image and side.
        seed: The stack's stream: image i draws from `default_rng([seed, i])`.

    Returns:
        The difference and, for each stack run (image after image), its layers' draws.
    """
    count = batch.shape[0]

    def one(index: int):
        image = batch[index]
        window = slice(index * draws, (index + 1) * draws)
        first = _idg_mean(config, image, params[0][window])
        second = _idg_mean(config, image, params[1][window])
        stacked = _stack_mean(stack, image, draws, np.random.default_rng([seed, index]))
        return first, second, stacked

    workers = max(1, min(2, os.cpu_count() or 1, count))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(one, range(count)))
    first = np.stack([r[0] for r in results])
    second = np.stack([r[1] for r in results])
    stacked = np.stack([r[2][0] for r in results])
    difference = _gap(first, stacked).astype(np.float32)
    band = border_band(*difference.shape)
    total = float(difference.sum())
    pixels = PixelDifference(
        difference=difference,
        mean_difference=float(difference.mean()),
        noise_floor=float(_gap(first, second).mean()),
        border_share=float(difference[band].sum() / total) if total > 0 else 0.0,
        band_area=float(band.mean()),
        resized=any(r[2][2] for r in results),
    )
    return pixels, [run for r in results for run in r[2][1]]


def common_images(images, count: int = 9, side: int = 64) -> np.ndarray:
    """Up to `count` images of any sizes and channels as one N x side x side x 3 float32
    batch in 0..255 (grey images repeated to RGB, resized with INTER_AREA): the same images
    for both sides of `side_by_side`, whatever the page, the CLI or a notebook holds."""
    batch = []
    for image in list(images)[:count]:
        pixels = np.asarray(image, dtype=np.float32)
        if pixels.ndim == 2:
            pixels = pixels[..., None]
        if pixels.shape[-1] == 1:
            pixels = np.repeat(pixels, 3, axis=-1)
        batch.append(cv2.resize(pixels[..., :3], (side, side), interpolation=cv2.INTER_AREA))
    if not batch:
        raise ValueError("side by side needs at least one image")
    return np.stack(batch)
