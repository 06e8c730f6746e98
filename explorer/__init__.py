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
- `FastImageDataGenerator(**idg_kwargs)`: ImageDataGenerator's whole API (`flow`,
  `flow_from_directory`, `flow_from_dataframe`, `fit`, ...), batch for batch, on the engine.
- `IDGAugmentation(**idg_kwargs)`: the same augmentation as one Keras 3 layer, any backend,
  inside a model or a tf.data pipeline.
- `compare(data, config, model=..., seeds=..., epochs=...)` and `ablate(...)`: a comparison
  or an ablation from a notebook, returning `ComparisonResult` / `AblationResult` (`.verdict`,
  `.summary`, `.figure()`, `.to_html()`, shown in Jupyter); `dataset_from_arrays(x, y)`.

The code is layered (see docs/architecture.md): `augment` (NumPy and OpenCV only), `data`,
`interchange`, `dropin`, `experiments`, `diagnostics`, `ui`. Every name above is imported on
first use, so `import explorer.augment` loads neither Pillow nor Keras, and Keras (seconds to
import) is loaded only with `FastImageDataGenerator` or `IDGAugmentation`.
"""

from __future__ import annotations

import importlib

# public name -> the module that defines it
_EXPORTS = {
    "AugmentConfig": "explorer.augment.config",
    "apply_transform": "explorer.augment.engine",
    "augment_batch": "explorer.augment.engine",
    "standardize": "explorer.augment.engine",
    "sample_batch": "explorer.augment.sampling",
    "sample_transform": "explorer.augment.sampling",
    "ValidationImages": "explorer.augment.validation",
    "InputError": "explorer.errors",
    "load_image": "explorer.data.images",
    "Dataset": "explorer.data.datasets",
    "LoadReport": "explorer.data.datasets",
    "load_dataset": "explorer.data.datasets",
    "DEMO_NAMES": "explorer.data.demos",
    "load_demo": "explorer.data.demos",
    "Split": "explorer.data.split",
    "split_dataset": "explorer.data.split",
    "FastImageDataGenerator": "explorer.dropin.generator",
    "IDGAugmentation": "explorer.dropin.layer",
    "dataset_from_arrays": "explorer.data.datasets",
    "compare": "explorer.notebook",
    "ablate": "explorer.notebook",
    "ComparisonResult": "explorer.notebook",
    "AblationResult": "explorer.notebook",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'explorer' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
