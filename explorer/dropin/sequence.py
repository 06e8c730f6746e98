"""Training batches from the engine: a Keras `PyDataset` of augmented, shuffled batches.

Imports Keras, so it is kept off the preview path.
The batch order depends only on the seed and the epoch, never on the augmentation, so two
arms of a comparison trained with the same seed see the same images in the same order.
"""

from __future__ import annotations

import keras
import numpy as np

from ..augment.config import AugmentConfig
from ..augment.engine import augment_batch
from ..augment.sampling import sample_batch

BLOCK_PIXELS = 1 << 22  # batches are augmented many at a time, up to this many pixels


class AugmentedSequence(keras.utils.PyDataset):
    """Shuffled, augmented batches of (images, labels) for `model.fit`.

    Epoch e visits the images in `RandomState(seed + 7919 * e).permutation(n)` order (or in
    order without shuffle); batch i of epoch e is augmented with its own seed, so a batch is
    the same however batches are grouped. Consecutive batches are augmented together in one
    engine call (small images are resampled many at a time), which keeps augmentation well
    under the training step's cost. Validation images are refused by the engine.
    """

    def __init__(
        self, images, labels, config: AugmentConfig, batch_size: int = 32, shuffle: bool = True, seed: int | None = None
    ):
        super().__init__(workers=1, use_multiprocessing=False)
        if labels is not None and len(labels) != len(images):
            raise ValueError(f"images and labels differ in length: {len(images)} and {len(labels)}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1; got {batch_size}")
        self.images, self.labels, self.config = images, labels, config
        self.batch_size, self.shuffle = int(batch_size), shuffle
        self.seed = int(np.random.randint(2**31 - 1)) if seed is None else int(seed)
        self.epoch = 0
        self.order = self.epoch_order(0)
        pixels_per_batch = self.batch_size * int(np.prod(np.shape(images)[1:]) or 1)
        self.block_batches = max(1, BLOCK_PIXELS // pixels_per_batch)
        self._block: tuple[int, int, np.ndarray] | None = None  # (epoch, first batch, images)

    def epoch_order(self, epoch: int) -> np.ndarray:
        if not self.shuffle:
            return np.arange(len(self.images))
        return np.random.RandomState((self.seed + 7919 * epoch) % 2**32).permutation(len(self.images))

    def __len__(self) -> int:
        return -(-len(self.images) // self.batch_size)

    def batch_indices(self, index: int) -> np.ndarray:
        return self.order[index * self.batch_size : (index + 1) * self.batch_size]

    def __getitem__(self, index: int):
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} of {len(self)}")
        chosen = self.batch_indices(index)
        images = self._augmented(index)
        return images if self.labels is None else (images, self.labels[chosen])

    def batch_seed(self, index: int) -> int:
        return (self.seed * 1_000_003 + self.epoch * 10_007 + index) % 2**32

    def _augmented(self, index: int) -> np.ndarray:
        """Batch `index`, from the block of consecutive batches augmented together."""
        block = self._block
        if block is None or block[0] != self.epoch or not block[1] <= index < block[1] + self.block_batches:
            first = index - index % self.block_batches
            block = self._block = (
                self.epoch,
                first,
                self._augment_batches(first, min(len(self), first + self.block_batches)),
            )
        start = (index - block[1]) * self.batch_size
        return block[2][start : start + self.batch_size]

    def epoch_arrays(self, epoch: int) -> tuple[np.ndarray, np.ndarray | None]:
        """The whole of epoch `epoch` as arrays, batches in order (same images and draws as
        `__getitem__`): for `model.fit(x, y, shuffle=False)`, which feeds arrays with less
        overhead per step than a PyDataset."""
        self.epoch, self.order = epoch, self.epoch_order(epoch)
        images = self._augment_batches(0, len(self))
        return images, None if self.labels is None else self.labels[self.order]

    def _augment_batches(self, first: int, last: int) -> np.ndarray:
        """Batches first..last-1 of the current epoch in one engine call, each with its own draws."""
        shape = np.shape(self.images)[1:]
        params = [
            draw
            for batch in range(first, last)
            for draw in sample_batch(self.config, shape, len(self.batch_indices(batch)), self.batch_seed(batch))
        ]
        chosen = self.order[first * self.batch_size : last * self.batch_size]
        return augment_batch(self.images[chosen], self.config, params=params)

    def on_epoch_end(self) -> None:
        self.epoch += 1
        self.order = self.epoch_order(self.epoch)
