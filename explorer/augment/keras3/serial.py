"""A stack as JSON and back, and which of its layers draw.

A run folder (spec.json, result.json) keeps the stack it trained as Keras keeps a layer's
config: `[{"class_name": "RandomRotation", "config": {"factor": 0.1}}, ...]`, with only the
arguments that differ from Keras's defaults (`KerasLayer.arguments`), so `keras.layers.X(**config)`
builds the real layer and `stack_from_json` the reproduced one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import LAYERS
from .base import KerasLayer, NoDraw, Stack


def _tuples(value: Any) -> Any:
    """JSON lists back to the tuples the dataclasses hold (factor pairs, value ranges)."""
    return tuple(_tuples(item) for item in value) if isinstance(value, list) else value


def _lists(value: Any) -> Any:
    return [_lists(item) for item in value] if isinstance(value, tuple) else value


def layer_json(layer: KerasLayer) -> dict:
    """One layer as `{"class_name": ..., "config": {...}}` (JSON-ready)."""
    return {"class_name": layer.layer_name(), "config": {k: _lists(v) for k, v in layer.arguments().items()}}


def stack_json(stack: Stack) -> list[dict]:
    """The stack as a list of `layer_json` entries, in order."""
    return [layer_json(layer) for layer in stack.layers]


def stack_from_json(data: Any) -> Stack:
    """The stack `stack_json` wrote. ValueError naming the entry for anything else (an
    unknown class, arguments Keras refuses: `KerasArgumentError` is a ValueError)."""
    if not isinstance(data, list):
        raise ValueError(f"a stack must be a JSON list of layers; got {type(data).__name__}")
    layers = []
    for index, entry in enumerate(data):
        if not isinstance(entry, dict) or not isinstance(entry.get("config", {}), dict):
            raise ValueError(f"stack layer {index} must be an object with class_name and config")
        name = entry.get("class_name")
        if name not in LAYERS:
            raise ValueError(f"stack layer {index}: {name!r} is not a Keras layer the explorer reproduces")
        config = {str(key): _tuples(value) for key, value in entry.get("config", {}).items()}
        try:
            layers.append(LAYERS[name](**config))
        except TypeError as error:
            raise ValueError(f"stack layer {index} ({name}): {error}") from None
    return Stack(tuple(layers))


def draws_randomly(layer: KerasLayer) -> bool:
    """Whether the layer draws anything (RandomFlip, RandomRotation...) rather than doing the
    same to every image (Rescaling, Resizing, CenterCrop, AutoContrast, Equalization)."""
    return not isinstance(layer.draw(np.random.default_rng(0), 32, 32), NoDraw)
