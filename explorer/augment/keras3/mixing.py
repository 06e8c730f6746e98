"""Keras 3's batch-mixing layers: MixUp and CutMix mix each image with another of its batch.

Keras draws a permutation of the batch; image i is mixed with image `permutation[i]` (maybe
itself). One image alone cannot say what its partner looks like, so the partner is part of
the draw: `draw_batch(rng, images)` draws for a whole batch as Keras does and binds each
partner's pixels into the image's `MixDraw`/`CutMixDraw`. `draw(rng, height, width)` (the
contract's one-image draw) has no partner and mixes the image with itself: MixUp then keeps
the image and CutMix pastes the image's own pixels.

Keras's order of draws: MixUp draws the permutation, then the weights ~ Beta(alpha, alpha);
CutMix draws alpha ~ U(factor) + 1e-6 (one per batch), the weights ~ Beta(alpha, alpha), the
box starts along x then y, then the permutation. Labels are not images: not handled here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .base import Draw, KerasArgumentError, KerasLayer, check_data_format
from .ranges import keras_range


def box_from_bounds(start: float, end: float, length: int) -> tuple[int, int]:
    """The pixels `p` with `start <= p < end` (Keras's float mask) as (first, count)."""
    if not (np.isfinite(start) and np.isfinite(end)):
        return 0, 0
    first = int(min(max(np.ceil(start), 0), length))
    stop = int(min(max(np.ceil(end), 0), length))
    return first, max(stop - first, 0)


@dataclass(frozen=True)
class MixDraw(Draw):
    """MixUp's draw: output = weight * image + (1 - weight) * partner.

    `partner` is the partner's index in its batch (-1: the image itself); `partner_image`
    its pixels (None: the image itself).
    """

    weight: float
    partner: int = -1
    partner_image: np.ndarray | None = field(default=None, compare=False, repr=False)

    def caption(self) -> str:
        who = "itself" if self.partner < 0 else f"image {self.partner}"
        return f"mix {self.weight:.2f} of this + {1 - self.weight:.2f} of {who}"


@dataclass(frozen=True)
class MixUp(KerasLayer):
    """keras.layers.MixUp: a Beta(alpha, alpha) blend of each image with a shuffled partner."""

    alpha: Any = 0.2
    data_format: Any = None
    seed: Any = None

    def __post_init__(self) -> None:
        check_data_format(self.layer_name(), self.data_format)
        alpha = _one_number(self.alpha)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not alpha > 0:
            raise KerasArgumentError(
                self.layer_name(),
                "alpha must be a number > 0 (Beta(alpha, alpha) weights). Keras's constructor takes "
                "anything, then fails when the layer runs, or draws NaN weights (alpha <= -1; 0 on JAX), "
                f"0.5 (0 on TensorFlow) or values of no distribution (-1 < alpha < 0). Received: alpha={alpha}",
            )

    def draw(self, rng: np.random.Generator, height: int, width: int) -> MixDraw:
        """A weight ~ Beta(alpha, alpha); no partner (see `draw_batch`)."""
        return MixDraw(float(self._weights(rng, 1)[0]))

    def _weights(self, rng: np.random.Generator, count: int) -> np.ndarray:
        alpha = float(_one_number(self.alpha))
        return rng.beta(alpha, alpha, count)

    def draw_batch(self, rng: np.random.Generator, images: Sequence[np.ndarray]) -> list[MixDraw]:
        """Keras's draw for a batch: a permutation, then one weight per image; partners bound."""
        order = rng.permutation(len(images))
        weights = self._weights(rng, len(images))
        return [MixDraw(float(w), int(j), np.asarray(images[j], np.float32)) for w, j in zip(weights, order)]

    def apply(self, image: np.ndarray, draw: Draw) -> np.ndarray:
        """weight * image + (1 - weight) * partner, in float32."""
        assert isinstance(draw, MixDraw)
        image = np.asarray(image, dtype=np.float32)
        partner = image if draw.partner_image is None else np.asarray(draw.partner_image, np.float32)
        weight = np.float32(draw.weight)
        return weight * image + (np.float32(1.0) - weight) * partner


def _one_number(value: Any) -> Any:
    # Keras broadcasts a one-item list of alphas over the batch: the same as the number.
    return value[0] if isinstance(value, (tuple, list)) and len(value) == 1 else value


@dataclass(frozen=True)
class CutMixDraw(Draw):
    """CutMix's draw: the box (pixels) pasted from the partner image at the same place."""

    left: int
    top: int
    width: int
    height: int
    partner: int = -1
    partner_image: np.ndarray | None = field(default=None, compare=False, repr=False)

    def caption(self) -> str:
        who = "itself" if self.partner < 0 else f"image {self.partner}"
        return f"paste {self.width}x{self.height} px from {who} at ({self.left}, {self.top})"


@dataclass(frozen=True)
class CutMix(KerasLayer):
    """keras.layers.CutMix: paste a box of side sqrt(1 - Beta) from a shuffled partner."""

    factor: Any = 1.0
    seed: Any = None
    data_format: Any = None

    def __post_init__(self) -> None:
        check_data_format(self.layer_name(), self.data_format)
        keras_range(self.layer_name(), self.factor)

    def draw(self, rng: np.random.Generator, height: int, width: int) -> CutMixDraw:
        """One image's box as Keras draws it (alpha, weight, x start, y start); no partner."""
        return self._boxes(rng, height, width, 1)[0]

    def draw_batch(self, rng: np.random.Generator, images: Sequence[np.ndarray]) -> list[CutMixDraw]:
        """Keras's draw for a batch of same-size images; each partner's pixels bound."""
        height, width = np.asarray(images[0]).shape[:2]
        boxes = self._boxes(rng, height, width, len(images))
        order = rng.permutation(len(images))
        return [
            dataclasses.replace(box, partner=int(j), partner_image=np.asarray(images[j], np.float32))
            for box, j in zip(boxes, order)
        ]

    def _boxes(self, rng: np.random.Generator, height: int, width: int, count: int) -> list[CutMixDraw]:
        alpha = np.float32(rng.uniform(*keras_range(self.layer_name(), self.factor))) + np.float32(1e-6)
        weights = np.float32(rng.beta(alpha, alpha, count))
        ratio = np.sqrt(np.float32(1.0) - weights)
        starts_x, ends_x = crop_bounds(rng, width, ratio)
        starts_y, ends_y = crop_bounds(rng, height, ratio)
        boxes = []
        for i in range(count):
            left, box_w = box_from_bounds(starts_x[i], ends_x[i], width)
            top, box_h = box_from_bounds(starts_y[i], ends_y[i], height)
            boxes.append(CutMixDraw(left, top, box_w, box_h))
        return boxes

    def apply(self, image: np.ndarray, draw: Draw) -> np.ndarray:
        """The image with the box's pixels taken from the partner (itself when none)."""
        assert isinstance(draw, CutMixDraw)
        out = np.array(image, dtype=np.float32)
        if draw.partner_image is not None:
            rows = slice(draw.top, draw.top + draw.height)
            cols = slice(draw.left, draw.left + draw.width)
            out[rows, cols] = np.asarray(draw.partner_image, np.float32)[rows, cols]
        return out


def crop_bounds(rng: np.random.Generator, length: int, ratio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keras's `_compute_crop_bounds`: length ratio * L, start U(0, 1) * (L - length), float32."""
    crop = (ratio * np.float32(length)).astype(np.float32)
    start = np.float32(rng.uniform(size=len(ratio))) * (np.float32(length) - crop)
    return start, (start + crop).astype(np.float32)
