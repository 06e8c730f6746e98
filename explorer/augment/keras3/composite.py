"""Keras 3's composite layers: RandAugment and AugMix pick among eleven other layers.

RandAugment applies `num_ops` layers picked among eleven, one after the other.
Keras builds its eleven layers from RandAugment's arguments (the `factor` pair goes to each as
Keras passes it), picks `num_ops` indices uniformly *once per batch* and draws one
transformation per layer per batch. A layer picked twice applies the same draw twice. We pick
per image (the same distribution for each tile) and keep that reuse.

AugMix runs `num_chains` chains of up to `chain_depth` layers (each step one of the layers or
none, picked by Python's unseeded `random.choice`: Keras's own picks cannot be replayed from a
seed), mixes the chains with Dirichlet(alpha) weights, blends the result with the image by a
Beta(alpha, alpha) weight and clips to `value_range`. Keras draws the weights once per batch.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from .base import Draw, KerasArgumentError, KerasLayer, check_data_format
from .ranges import keras_range

# Keras's `_AUGMENT_LAYERS`, in its order (the indices it draws).
RAND_AUGMENT_OPS = (
    "RandomShear",
    "RandomTranslation",
    "RandomRotation",
    "RandomBrightness",
    "RandomColorDegeneration",
    "RandomContrast",
    "RandomSharpness",
    "Solarization",
    "RandomPosterization",
    "AutoContrast",
    "Equalization",
)


def build_ops(owner: Any, names: tuple[str, ...]) -> dict[str, KerasLayer]:
    """The layers Keras builds inside RandAugment or AugMix, from the owner's arguments.

    Each gets the owner's `factor` pair as Keras passes it; RandomPosterization gets
    max(1, int(8 * upper)) bits. A layer's refusal is the owner's (Keras builds them all in
    the owner's constructor).
    """
    from . import LAYERS  # the sibling families, registered by the package

    factor = keras_range(owner.layer_name(), owner.factor)
    common = {"data_format": owner.data_format}
    ranged = {"value_range": owner.value_range, **common}
    warp = {"interpolation": owner.interpolation, **common}
    arguments = {
        "RandomShear": {"x_factor": factor, "y_factor": factor, **warp},
        "RandomTranslation": {"height_factor": factor, "width_factor": factor, **warp},
        "RandomRotation": {"factor": factor, **warp},
        "RandomBrightness": {"factor": factor, **ranged},
        "RandomColorDegeneration": {"factor": factor, **ranged},
        "RandomContrast": {"factor": factor, **ranged},
        "RandomSharpness": {"factor": factor, **ranged},
        "Solarization": {"addition_factor": factor, "threshold_factor": factor, **ranged},
        "RandomPosterization": {"factor": max(1, int(8 * factor[1])), **ranged},
        "AutoContrast": ranged,
        "Equalization": ranged,
    }
    ops = {}
    for op in names:
        known = {field.name for field in dataclasses.fields(LAYERS[op])}
        # data_format does not change a pointwise layer: ours may not take it (Solarization).
        kwargs = {key: value for key, value in arguments[op].items() if key in known or key != "data_format"}
        try:
            ops[op] = LAYERS[op](**kwargs)
        except KerasArgumentError as error:
            raise KerasArgumentError(owner.layer_name(), error.reason) from error
    return ops


@dataclass(frozen=True)
class ChainDraw(Draw):
    """The layers applied in order (Keras class names) and what each drew."""

    ops: tuple[str, ...]
    draws: tuple[Draw, ...]

    def caption(self) -> str:
        if not self.ops:
            return "no ops"
        return "; ".join(f"{op.removeprefix('Random')} ({draw.caption() or 'no draw'})" for op, draw in self)

    def __iter__(self):
        return iter(zip(self.ops, self.draws, strict=True))


@dataclass(frozen=True)
class RandAugment(KerasLayer):
    """keras.layers.RandAugment: `num_ops` of eleven augmentations of strength `factor`."""

    value_range: Any = (0, 255)
    num_ops: Any = 2
    factor: Any = 0.5
    interpolation: Any = "bilinear"
    seed: Any = None
    data_format: Any = None

    def __post_init__(self) -> None:
        name = self.layer_name()
        check_data_format(name, self.data_format)
        keras_range(name, self.factor)
        self.ops()  # Keras builds its layers in the constructor: their refusals are its refusals
        if isinstance(self.num_ops, bool) or not isinstance(self.num_ops, int) or self.num_ops < 0:
            raise KerasArgumentError(
                name, f"num_ops must be a whole number >= 0; Keras fails when it runs. Received: num_ops={self.num_ops}"
            )

    @functools.cached_property
    def _ops(self) -> dict[str, KerasLayer]:
        return build_ops(self, RAND_AUGMENT_OPS)

    def ops(self) -> dict[str, KerasLayer]:
        """The eleven layers Keras builds, by class name, in Keras's order."""
        return self._ops

    def draw(self, rng: np.random.Generator, height: int, width: int) -> ChainDraw:
        """`num_ops` indices ~ U{0..10}; one draw per picked layer, reused when picked again."""
        picked = [RAND_AUGMENT_OPS[i] for i in rng.integers(0, len(RAND_AUGMENT_OPS), self.num_ops)]
        drawn: dict[str, Draw] = {}
        for op in picked:
            if op not in drawn:
                drawn[op] = self.ops()[op].draw(rng, height, width)
        return ChainDraw(tuple(picked), tuple(drawn[op] for op in picked))

    def apply(self, image: np.ndarray, draw: Draw) -> np.ndarray:
        """Each picked layer's `apply`, in order."""
        assert isinstance(draw, ChainDraw)
        out = np.asarray(image, dtype=np.float32)
        for op, op_draw in draw:
            out = self.ops()[op].apply(out, op_draw)
        return out


# Keras's AUGMENT_LAYERS_ALL (all_ops=True) and AUGMENT_LAYERS, in its order.
AUG_MIX_OPS = (
    "RandomShear",
    "RandomTranslation",
    "RandomRotation",
    "RandomPosterization",
    "Solarization",
    "AutoContrast",
    "Equalization",
    "RandomBrightness",
    "RandomColorDegeneration",
    "RandomContrast",
    "RandomSharpness",
)


@dataclass(frozen=True)
class AugMixDraw(Draw):
    """AugMix's draw: output = weight * image + (1 - weight) * sum(chain_weights[c] * chain c).

    Each chain is the layers applied in order to a copy of the image.
    """

    weight: float
    chain_weights: tuple[float, ...]
    chains: tuple[ChainDraw, ...]

    def caption(self) -> str:
        chains = " | ".join(f"{w:.2f} x [{chain.caption()}]" for w, chain in zip(self.chain_weights, self.chains))
        return f"keep {self.weight:.2f} of the image; mix {chains}"


@dataclass(frozen=True)
class AugMix(KerasLayer):
    """keras.layers.AugMix: a Beta(alpha) blend of the image and Dirichlet(alpha)-mixed chains."""

    value_range: Any = (0, 255)
    num_chains: Any = 3
    chain_depth: Any = 3
    factor: Any = 0.3
    alpha: Any = 1.0
    all_ops: Any = True
    interpolation: Any = "bilinear"
    seed: Any = None
    data_format: Any = None

    def __post_init__(self) -> None:
        name = self.layer_name()
        check_data_format(name, self.data_format)
        keras_range(name, self.factor)
        self.ops()  # Keras builds its layers in the constructor: their refusals are its refusals
        for arg in ("num_chains", "chain_depth"):
            value = getattr(self, arg)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise KerasArgumentError(
                    name, f"{arg} must be a whole number >= 0; Keras fails when it runs. Received: {arg}={value}"
                )
        alpha = self.alpha
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not alpha > 0:
            raise KerasArgumentError(
                name,
                "alpha must be a number > 0 (Dirichlet and Beta weights); Keras fails when it runs "
                f"or mixes with NaN weights. Received: alpha={alpha}",
            )

    @functools.cached_property
    def _ops(self) -> dict[str, KerasLayer]:
        return build_ops(self, AUG_MIX_OPS if self.all_ops else AUG_MIX_OPS[:7])

    def ops(self) -> dict[str, KerasLayer]:
        """The layers Keras picks from (eleven, or seven without `all_ops`), by class name."""
        return self._ops

    def draw(self, rng: np.random.Generator, height: int, width: int) -> AugMixDraw:
        """Chain weights ~ Dirichlet(alpha), weight ~ Beta(alpha, alpha); each step of each chain
        one of the layers or none (uniform), each with its own draw."""
        alpha = float(self.alpha)
        chain_weights = rng.dirichlet([alpha] * self.num_chains) if self.num_chains else np.zeros(0)
        weight = float(rng.beta(alpha, alpha))
        names = (*self.ops(), None)
        chains = []
        for _ in range(self.num_chains):
            picked = [names[i] for i in rng.integers(0, len(names), self.chain_depth)]
            ops = tuple(op for op in picked if op is not None)
            chains.append(ChainDraw(ops, tuple(self.ops()[op].draw(rng, height, width) for op in ops)))
        return AugMixDraw(weight, tuple(float(w) for w in chain_weights), tuple(chains))

    def apply(self, image: np.ndarray, draw: Draw) -> np.ndarray:
        """Run each chain on a copy, mix them, blend with the image, clip to `value_range`."""
        assert isinstance(draw, AugMixDraw)
        image = np.asarray(image, dtype=np.float32)
        outputs = []
        for chain in draw.chains:
            out = image
            for op, op_draw in chain:
                out = self.ops()[op].apply(out, op_draw)
            outputs.append(out)
        return self.mix(image, outputs, draw)

    def mix(self, image: np.ndarray, chain_outputs: list[np.ndarray], draw: AugMixDraw) -> np.ndarray:
        """Keras's mixing of the chains' outputs with the image, in float32, then the clip."""
        mixed = np.zeros_like(image)
        for chain_weight, out in zip(draw.chain_weights, chain_outputs, strict=True):
            mixed += out * np.float32(chain_weight)
        weight = np.float32(draw.weight)
        blended = weight * image + (np.float32(1) - weight) * mixed
        # TensorFlow's clip_by_value (value_range as given, not sorted): see pixel.RandomGaussianBlur.
        low, high = (np.float32(v) for v in self.value_range[:2])
        return np.maximum(np.minimum(blended, high), low).astype(np.float32)
