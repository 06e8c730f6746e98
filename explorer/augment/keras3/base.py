"""Keras 3's image augmentation layers, reproduced in NumPy and OpenCV: draw, then apply.

Each Keras layer has a frozen dataclass here with the same class name and the same arguments,
in Keras's order and with Keras's defaults (`RandomRotation(factor, fill_mode="reflect", ...)`).
Constructing one validates it as Keras's constructor does: what Keras refuses raises
`KerasArgumentError` with Keras's own reason. Each layer then splits Keras's work in two:

- `draw(rng, height, width)` draws what Keras's `get_random_transformation` draws for one
  image, from the same distributions, as a typed `Draw` (its `caption()` is a tile's caption);
- `apply(image, draw)` computes what Keras's `transform_images(..., training=True)` computes
  for one H x W x C float32 image (channels last) with those values.

Tests replay Keras's own draws through `apply` and compare with the real layer, on the
TensorFlow and JAX backends (tests/test_keras3_*.py). Nothing here imports Keras.

A `Stack` is the layers in the order the user wrote them; a layer may change the image's size
(RandomCrop), so each layer draws for the size the previous one returned.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

# Keyword arguments every Keras layer takes besides its own (keras.layers.Layer and the image
# preprocessing base); none of them changes the pixels of a float32 channels-last image.
COMMON_KWARGS = ("name", "dtype", "trainable", "autocast", "bounding_box_format", "input_shape")


class KerasArgumentError(ValueError):
    """An argument Keras itself refuses; the message is Keras's reason, led by the layer.

    Attributes:
        layer: The Keras class name, e.g. "RandomRotation".
        reason: Keras's own message for the refusal.
    """

    def __init__(self, layer: str, reason: str):
        super().__init__(f"keras.layers.{layer}: {reason}")
        self.layer = layer
        self.reason = reason


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, tuple):
        return "(" + ", ".join(_short(item) for item in value) + ")"
    return str(value)


@dataclass(frozen=True)
class Draw:
    """What one layer drew for one image. Each layer subclasses it with its own typed fields.

    `caption()` lists the fields in a tile's words; a subclass overrides it to add units.
    """

    def caption(self) -> str:
        parts = [f"{field.name} {_short(getattr(self, field.name))}" for field in dataclasses.fields(self)]
        return ", ".join(parts)


@dataclass(frozen=True)
class NoDraw(Draw):
    """A layer that draws nothing (Rescaling, CenterCrop, AutoContrast...)."""


@dataclass(frozen=True)
class KerasLayer:
    """Base of the reproduced layers. Subclasses are frozen dataclasses with Keras's fields.

    Subclasses validate in `__post_init__` (raise `KerasArgumentError`), and implement `draw`
    and `apply`. `keras_name` defaults to the class name.
    """

    keras_name: ClassVar[str] = ""

    @classmethod
    def layer_name(cls) -> str:
        return cls.keras_name or cls.__name__

    def draw(self, rng: np.random.Generator, height: int, width: int) -> Draw:
        """Draw this layer's values for one image of `height` x `width`, as Keras would."""
        return NoDraw()

    def apply(self, image: np.ndarray, draw: Draw) -> np.ndarray:
        """Apply `draw` to one H x W x C float32 image; return float32 (maybe another size)."""
        raise NotImplementedError

    def arguments(self) -> dict[str, Any]:
        """The arguments that differ from Keras's defaults, by name, in Keras's order."""
        changed = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.default is dataclasses.MISSING or value != field.default:
                changed[field.name] = value
        return changed

    def call_text(self) -> str:
        """The layer as Python source: `RandomRotation(factor=0.2, fill_mode='nearest')`."""
        args = ", ".join(f"{name}={value!r}" for name, value in self.arguments().items())
        return f"{self.layer_name()}({args})"


@dataclass(frozen=True)
class Stack:
    """Keras layers in the order the user wrote them, applied one after the other."""

    layers: tuple[KerasLayer, ...] = ()

    def run(self, image: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, tuple[Draw, ...]]:
        """Draw and apply each layer in turn; return the image and what each layer drew."""
        out = np.asarray(image, dtype=np.float32)
        draws = []
        for layer in self.layers:
            draw = layer.draw(rng, out.shape[0], out.shape[1])
            out = layer.apply(out, draw)
            draws.append(draw)
        return out, tuple(draws)

    def replay(self, image: np.ndarray, draws: Sequence[Draw]) -> np.ndarray:
        """Apply recorded draws again: the same image as `run` gave."""
        out = np.asarray(image, dtype=np.float32)
        for layer, draw in zip(self.layers, draws, strict=True):
            out = layer.apply(out, draw)
        return out

    def code(self) -> str:
        """The stack as `keras.Sequential([...])` source."""
        inner = "".join(f"    keras.layers.{layer.call_text()},\n" for layer in self.layers)
        return f"keras.Sequential([\n{inner}])"


def check_data_format(layer: str, value: Any) -> str:
    """Keras's `standardize_data_format`: None means channels_last here (Keras's default)."""
    if value is None:
        return "channels_last"
    text = str(value).lower()
    if text not in ("channels_first", "channels_last"):
        raise KerasArgumentError(
            layer,
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={text}",
        )
    return text


def check_seed(layer: str, seed: Any) -> None:
    """Keras's `SeedGenerator`: a seed is None or an int, else Keras's message.

    A bool passes Keras's own check but TensorFlow then refuses the seed tensor [True, 0]
    (the message below); JAX takes it. We refuse it, as Keras's default backend does.
    """
    if seed is not None and not isinstance(seed, int):
        raise KerasArgumentError(layer, f"Argument `seed` must be an integer. Received: seed={seed}")
    if isinstance(seed, bool):
        raise KerasArgumentError(layer, "Can't convert Python sequence with mixed types to Tensor.")


def base_factor(layer: str, factor: Any, bounds: tuple[float, float] = (-1, 1)) -> tuple[float, float]:
    """Keras's `BaseImagePreprocessingLayer._set_factor`: (lower, upper), Keras's message."""
    factor = factor or 0.0  # as Keras: None, 0 and [] mean no change
    message = (
        "The `factor` argument should be a number (or a list of two numbers) in the range "
        f"[{bounds[0]}, {bounds[1]}]. Received: factor={factor}"
    )
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or factor[0] > bounds[1] or factor[1] < bounds[0]:
            raise KerasArgumentError(layer, message)
        lower, upper = sorted(factor)
        return float(lower), float(upper)
    if isinstance(factor, (int, float)):
        if factor < bounds[0] or factor > bounds[1]:
            raise KerasArgumentError(layer, message)
        size = abs(factor)
        return float(max(-size, bounds[0])), float(size)
    raise KerasArgumentError(layer, message)
