"""Pixel statistics before and after augmentation: measurements only, no rules.

`measure_pixels(images, config, input_range, seed)` feeds the images to the engine as the
user's pipeline feeds them to ImageDataGenerator (uint8 as loaded for "0-255", divided by
255 for "0-1") and returns min, max, mean and std of that batch and of the augmented one as
a `PixelStats`. It decides nothing: the doctor's rules (`checks.py`) read the numbers, via
`diagnose(..., pixels=measure_pixels(...))`, to tell black output or a units mistake.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import numpy as np

from ..augment.config import as_config, check_input_range
from ..augment.engine import augment_batch


@dataclass(frozen=True)
class BatchStats:
    """Pixel values of a batch, in the units of that batch (plain floats).

    min, max, mean, std: over every pixel of every image. share_at_min: the share (0..1) of
    pixels at their own image's darkest value, averaged over pixels.
    """

    min: float
    max: float
    mean: float
    std: float
    share_at_min: float

    def to_json(self) -> dict:
        return {name: float(value) for name, value in asdict(self).items()}

    @classmethod
    def from_json(cls, data: dict) -> BatchStats:
        return cls(**{field.name: float(data[field.name]) for field in fields(cls)})


@dataclass(frozen=True)
class PixelStats:
    """The batch as fed to IDG (`original`, in the units of `input_range`) and after IDG's
    augmentation and standardization (`augmented`, so after rescale when there is one)."""

    input_range: str
    original: BatchStats
    augmented: BatchStats

    def to_json(self) -> dict:
        return {
            "input_range": self.input_range,
            "original": self.original.to_json(),
            "augmented": self.augmented.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict) -> PixelStats:
        return cls(
            input_range=check_input_range(data["input_range"]),
            original=BatchStats.from_json(data["original"]),
            augmented=BatchStats.from_json(data["augmented"]),
        )


def _batches(images) -> list[np.ndarray]:
    """The images as N x H x W x C batches: one batch when they share a shape, else one
    batch per image. A single H x W x C image or H x W grey images are accepted."""
    if isinstance(images, np.ndarray) and images.dtype != object:
        array = images
        if array.ndim == 2:
            array = array[None, :, :, None]
        elif array.ndim == 3:
            array = array[None] if array.shape[-1] in (1, 3, 4) else array[..., None]
        return [array]
    items = [np.asarray(image) for image in images]
    if not items:
        raise ValueError("measure_pixels needs at least one image")
    items = [item[..., None] if item.ndim == 2 else item for item in items]
    if len({item.shape for item in items}) == 1 and len({item.dtype for item in items}) == 1:
        return [np.stack(items)]
    return [item[None] for item in items]


def _fed(batch: np.ndarray, input_range: str) -> np.ndarray:
    """The batch as the pipeline feeds IDG: as loaded, or divided by 255 for "0-1" (float
    data already at most 1 is taken as divided)."""
    if input_range == "0-255":
        return batch
    if np.issubdtype(batch.dtype, np.floating) and batch.size and float(batch.max()) <= 1.0:
        return batch.astype(np.float32)
    return batch.astype(np.float32) / 255.0


def _share_at_min(batch: np.ndarray) -> float:
    """Mean over images of the share of pixels at that image's own darkest value."""
    flat = batch.reshape(len(batch), -1).astype(np.float64)
    low = flat.min(axis=1, keepdims=True)
    tolerance = 1e-9 + 1e-6 * np.abs(low)  # float noise, not a rule's threshold
    return float(np.mean(flat <= low + tolerance))


def _summary(batches: list[np.ndarray]) -> BatchStats:
    """min, max, mean, std over every pixel of every batch, and the share at each image's min."""
    count = sum(batch.size for batch in batches)
    total = sum(float(batch.sum(dtype=np.float64)) for batch in batches)
    mean = total / count
    squares = sum(float(np.square(batch.astype(np.float64) - mean).sum()) for batch in batches)
    share = sum(_share_at_min(batch) * batch.size for batch in batches) / count
    return BatchStats(
        min=float(min(float(batch.min()) for batch in batches)),
        max=float(max(float(batch.max()) for batch in batches)),
        mean=float(mean),
        std=float(math.sqrt(squares / count)),
        share_at_min=float(share),
    )


def measure_pixels(images, config, input_range: str = "0-255", seed: int = 0) -> PixelStats:
    """min, max, mean and std of the batch as fed to IDG and of the augmented batch.

    images: uint8 images as loaded (N x H x W x C, one H x W x C image, or a list of images;
    images of different sizes are augmented one by one). config: an `AugmentConfig` or a dict
    of IDG keyword arguments. input_range: "0-255" when the pipeline feeds IDG the images as
    loaded, "0-1" when it divides them by 255 first. seed: the draws of `augment_batch`
    (batch i of differently sized images uses seed + i).
    """
    config = as_config(config)
    check_input_range(input_range)
    fed = [_fed(batch, input_range) for batch in _batches(images)]
    if not fed or any(batch.size == 0 for batch in fed):
        raise ValueError("measure_pixels needs at least one non-empty image")
    augmented = [augment_batch(batch, config, seed=seed + index) for index, batch in enumerate(fed)]
    return PixelStats(input_range=input_range, original=_summary(fed), augmented=_summary(augmented))
