"""Training / validation split: stratified, seeded, and validation that cannot be augmented.

Not IDG's `validation_split`, which takes the FIRST fraction of the data (sorted by class,
that can be whole classes) and runs it through the same augmenting generator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..augment.validation import ValidationImages
from ..errors import InputError
from .datasets import Dataset


@dataclass(frozen=True)
class Split:
    train_images: np.ndarray
    train_labels: np.ndarray
    validation_images: ValidationImages
    validation_labels: np.ndarray
    class_names: list[str]
    validation_indices: np.ndarray  # where each validation image is in the dataset


def split_dataset(dataset: Dataset, validation_fraction: float = 0.2, seed: int = 0) -> Split:
    """Per class, a seeded shuffle sends round(fraction x n) images (at least 1, and at least 1
    left for training) to validation, so every class appears on both sides."""
    if not 0 < validation_fraction < 1:
        raise InputError(f"validation_fraction must be between 0 and 1 (exclusive); got {validation_fraction!r}")
    rng = np.random.RandomState(seed)
    train, validation = [], []
    for class_index, class_name in enumerate(dataset.class_names):
        members = np.flatnonzero(dataset.labels == class_index)
        if len(members) < 2:
            raise InputError(f"class {class_name} has {len(members)} image(s); at least 2 are needed to split")
        members = members[rng.permutation(len(members))]
        held_out = min(len(members) - 1, max(1, round(validation_fraction * len(members))))
        validation.append(members[:held_out])
        train.append(members[held_out:])
    train_index = np.sort(np.concatenate(train))
    validation_index = np.sort(np.concatenate(validation))
    validation_images = dataset.images[validation_index].view(ValidationImages)
    validation_images.flags.writeable = False
    return Split(
        train_images=dataset.images[train_index],
        train_labels=dataset.labels[train_index],
        validation_images=validation_images,
        validation_labels=dataset.labels[validation_index],
        class_names=list(dataset.class_names),
        validation_indices=validation_index,
    )
