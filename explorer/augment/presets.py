"""Named starting points: nothing, and the three examples of the article that started it all."""

from __future__ import annotations

from .config import AugmentConfig

PRESETS: dict[str, dict] = {
    "none": {},
    "over-augmentation": dict(
        rotation_range=40,
        width_shift_range=0.2,
        height_shift_range=0.2,
        shear_range=0.2,
        zoom_range=0.2,
        horizontal_flip=True,
        fill_mode="nearest",
    ),
    "measured": dict(
        rotation_range=10,
        width_shift_range=0.1,
        height_shift_range=0.1,
        horizontal_flip=True,
        rescale=1 / 255,
    ),
    "lighting": dict(brightness_range=[0.8, 1.2], channel_shift_range=0.1, horizontal_flip=True, rescale=1 / 255),
}


def preset(name: str) -> AugmentConfig:
    """The preset's config (KeyError for an unknown name)."""
    return AugmentConfig(**PRESETS[name])
