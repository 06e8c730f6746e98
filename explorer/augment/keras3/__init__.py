"""Keras 3's image augmentation layers in NumPy and OpenCV (see `base` for the contract).

`LAYERS` maps each reproduced Keras class name to its dataclass. Each module owns a family:
`geometric` (flips, crops and affine warps), `color` (brightness, contrast, hue...), `pixel`
(blur, sharpness, erasing, histogram layers and the composite RandAugment).
"""

from __future__ import annotations

from . import color, geometric, pixel
from .base import COMMON_KWARGS, Draw, KerasArgumentError, KerasLayer, NoDraw, Stack

LAYERS: dict[str, type[KerasLayer]] = {
    cls.layer_name(): cls for module in (geometric, color, pixel) for cls in module.LAYERS
}

__all__ = ["COMMON_KWARGS", "LAYERS", "Draw", "KerasArgumentError", "KerasLayer", "NoDraw", "Stack"]
