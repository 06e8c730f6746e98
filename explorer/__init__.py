"""Augmentation Explorer: ImageDataGenerator's augmentations, faithful and fast.

Public API (stable names):
- `AugmentConfig`: IDG's augmentation settings, validated and immutable.
- `sample_transform(config, image_shape, rng)`: one image's random draws, as IDG draws them.
- `sample_batch(config, image_shape, count, seed)`: the draws for a batch from one seed.
- `apply_transform(x, params, config)`: IDG's `apply_transform`, quirks included.
- `augment_batch(images, config, seed, params=None)`: a batch augmented and standardized.
"""

from .config import AugmentConfig
from .engine import apply_transform, augment_batch, standardize
from .sampling import sample_batch, sample_transform

__all__ = [
    "AugmentConfig",
    "apply_transform",
    "augment_batch",
    "sample_batch",
    "sample_transform",
    "standardize",
]
