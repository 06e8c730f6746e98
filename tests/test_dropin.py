"""The training input pipeline: seeded batch order shared by every arm, IDG-like flow."""

from __future__ import annotations

import numpy as np
import pytest

from explorer import (
    AugmentConfig,
    FastImageDataGenerator,
    InputError,
    load_demo,
    split_dataset,
)
from explorer.dropin.sequence import AugmentedSequence

IMAGES = np.random.RandomState(0).randint(0, 256, (50, 12, 12, 3)).astype(np.uint8)
LABELS = np.arange(50)
AUGMENT = AugmentConfig(rotation_range=30, horizontal_flip=True, rescale=1 / 255)


def test_flow_is_a_drop_in_for_idg_flow():
    flow = FastImageDataGenerator(rotation_range=30, rescale=1 / 255).flow(IMAGES, LABELS, batch_size=16, seed=3)
    assert len(flow) == 4
    x, y = flow[3]
    assert x.shape == (2, 12, 12, 3) and x.dtype == np.float32 and x.max() <= 1.0
    assert len(set(np.concatenate([flow[i][1] for i in range(4)]))) == 50  # every image once per epoch
    only_x = FastImageDataGenerator().flow(IMAGES, batch_size=10, shuffle=False)[0]
    np.testing.assert_array_equal(only_x, IMAGES[:10].astype(np.float32))
    with pytest.warns(UserWarning, match="hasn't been fit"):  # accepted as IDG accepts it, and as IDG warns
        FastImageDataGenerator(featurewise_center=True).flow(IMAGES, batch_size=10)[0]


def test_batch_order_depends_on_seed_and_epoch_not_on_augmentation():
    plain = AugmentedSequence(IMAGES, LABELS, AUGMENT.without_transforms(), batch_size=8, seed=5)
    augmented = AugmentedSequence(IMAGES, LABELS, AUGMENT, batch_size=8, seed=5)
    for _ in range(3):
        assert [plain[i][1].tolist() for i in range(len(plain))] == [
            augmented[i][1].tolist() for i in range(len(augmented))
        ]
        plain.on_epoch_end()
        augmented.on_epoch_end()
    assert plain.epoch_order(1).tolist() != plain.epoch_order(2).tolist()
    other_seed = AugmentedSequence(IMAGES, LABELS, AUGMENT, batch_size=8, seed=6)
    assert other_seed[0][1].tolist() != AugmentedSequence(IMAGES, LABELS, AUGMENT, batch_size=8, seed=5)[0][1].tolist()


def test_epoch_arrays_are_the_batches_in_order():
    sequence = AugmentedSequence(IMAGES, LABELS, AUGMENT, batch_size=8, seed=2)
    x, y = sequence.epoch_arrays(1)
    fresh = AugmentedSequence(IMAGES, LABELS, AUGMENT, batch_size=8, seed=2)
    fresh.on_epoch_end()
    batches = [fresh[i] for i in range(len(fresh))]
    np.testing.assert_allclose(x, np.concatenate([b[0] for b in batches]), atol=2e-5)
    np.testing.assert_array_equal(y, np.concatenate([b[1] for b in batches]))


def test_validation_images_cannot_go_through_the_pipeline():
    split = split_dataset(load_demo("digits", image_size=8), seed=0)
    sequence = AugmentedSequence(split.validation_images, split.validation_labels, AUGMENT, batch_size=8, seed=0)
    with pytest.raises(InputError, match="never augmented"):
        sequence[0]
