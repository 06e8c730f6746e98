"""Augmentation Explorer: ImageDataGenerator's augmentations, faithful and fast.

Public API (stable names):
- `AugmentConfig`: IDG's augmentation settings, validated and immutable.
- `sample_transform(config, image_shape, rng)`: one image's random draws, as IDG draws them.
- `sample_batch(config, image_shape, count, seed)`: the draws for a batch from one seed.
- `apply_transform(x, params, config)`: IDG's `apply_transform`, quirks included.
- `augment_batch(images, config, seed, params=None)`: a batch augmented and standardized.
- `InputError`: the one error type for unusable user input.
- `load_image(source)`: any common image file to uint8 H x W x 3 or H x W x 1.
- `load_dataset(source, image_size)`: a class-per-folder folder or zip to a `Dataset`.
- `load_demo(name)`: the offline demo datasets, 'digits' and 'shapes'.
- `split_dataset(dataset, validation_fraction, seed)`: stratified, seeded `Split`.
- `FastImageDataGenerator(**idg_kwargs).flow(x, y, batch_size, shuffle, seed)`: a drop-in for
  IDG's `flow` on the engine (imports Keras on first use, not with the package).
"""

from .config import AugmentConfig
from .datasets import Dataset, LoadReport, load_dataset
from .demos import DEMO_NAMES, load_demo
from .engine import apply_transform, augment_batch, standardize
from .errors import InputError
from .images import load_image
from .sampling import sample_batch, sample_transform
from .split import Split, ValidationImages, split_dataset

__all__ = [
    "AugmentConfig",
    "FastImageDataGenerator",
    "DEMO_NAMES",
    "Dataset",
    "InputError",
    "LoadReport",
    "Split",
    "ValidationImages",
    "apply_transform",
    "augment_batch",
    "load_dataset",
    "load_demo",
    "load_image",
    "sample_batch",
    "sample_transform",
    "split_dataset",
    "standardize",
]


def __getattr__(name: str):
    # Keras takes seconds to import: only training code pays for it.
    if name == "FastImageDataGenerator":
        from .pipeline import FastImageDataGenerator

        return FastImageDataGenerator
    raise AttributeError(f"module 'explorer' has no attribute {name!r}")
