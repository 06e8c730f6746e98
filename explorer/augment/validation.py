"""Validation images: a read-only array type that the engine refuses to augment.

It lives in the augmentation core, not with the loaders that make it (`data.split`), so the
engine can refuse validation data without importing Pillow or the dataset readers.
"""

from __future__ import annotations

import numpy as np


class ValidationImages(np.ndarray):
    """Read-only validation images. `augment_batch` refuses them: validation data is never
    augmented, by construction rather than by care."""
