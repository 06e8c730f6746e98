"""Two demo datasets that work offline, chosen to show both sides of augmentation.

- `digits`: the 1,797 handwritten 8x8 digits scikit-learn ships (UCI optdigits test set,
  file in explorer/data, see its NOTICE), upscaled. Flips and large rotations destroy the
  label: a mirrored 2 or a 6 turned over are other digits or none.
- `shapes`: circles, squares, triangles pointing up and plus signs, drawn at random
  positions, sizes and colours from a fixed seed. Every shape is mirror-symmetric about the
  vertical axis, so horizontal flips preserve the label.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from ..errors import InputError
from .datasets import Dataset, LoadReport
from .images import resize

DATA_DIR = Path(__file__).resolve().parent
DEMO_NAMES = ("digits", "shapes")
SHAPE_CLASSES = ("circle", "square", "triangle", "plus")


def load_demo(name: str, image_size: int = 32) -> Dataset:
    """A demo dataset by name ('digits' or 'shapes') at image_size x image_size."""
    if name == "digits":
        return load_digits(image_size)
    if name == "shapes":
        return make_shapes(image_size)
    raise InputError(f"unknown demo dataset {name!r}; choose one of {', '.join(DEMO_NAMES)}")


def load_digits(image_size: int = 32) -> Dataset:
    """The 1,797 digits, 0..16 ink levels scaled to 0..255, upscaled bilinearly, grey (C = 1)."""
    with gzip.open(DATA_DIR / "digits.csv.gz", "rt") as handle:
        table = np.loadtxt(handle, delimiter=",", dtype=np.int64)
    pixels = np.rint(table[:, :64].reshape(-1, 8, 8) * (255 / 16)).astype(np.uint8)
    images = np.stack([resize(image[..., None], (image_size, image_size)) for image in pixels])
    report = LoadReport("digits (scikit-learn's copy of UCI optdigits)", loaded=len(images))
    return Dataset(images, table[:, 64].copy(), [str(digit) for digit in range(10)], report, name="digits")


def make_shapes(image_size: int = 32, per_class: int = 300, seed: int = 0) -> Dataset:
    """per_class images of each shape, RGB, generated deterministically from `seed`."""
    rng = np.random.RandomState(seed)
    scale = 4  # drawn large, then reduced: smooth edges
    side = image_size * scale
    images, labels = [], []
    for label, shape in enumerate(SHAPE_CLASSES):
        for _ in range(per_class):
            background = tuple(int(v) for v in rng.randint(0, 120, 3))
            colour = tuple(int(v) for v in rng.randint(135, 256, 3))
            radius = rng.uniform(0.18, 0.32) * side
            cx, cy = rng.uniform(radius, side - radius, 2)
            image = Image.new("RGB", (side, side), background)
            _draw(ImageDraw.Draw(image), shape, cx, cy, radius, colour)
            small = image.resize((image_size, image_size), Image.Resampling.BOX)
            noisy = np.asarray(small, np.int16) + rng.randint(-12, 13, (image_size, image_size, 3))
            images.append(np.clip(noisy, 0, 255).astype(np.uint8))
            labels.append(label)
    report = LoadReport(f"shapes (generated, seed {seed})", loaded=len(images))
    return Dataset(np.stack(images), np.array(labels, np.int64), list(SHAPE_CLASSES), report, name="shapes")


def _draw(draw: ImageDraw.ImageDraw, shape: str, cx: float, cy: float, r: float, colour: tuple) -> None:
    """Shapes symmetric about the vertical line through (cx, cy)."""
    if shape == "circle":
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
    elif shape == "square":
        draw.rectangle((cx - r, cy - r, cx + r, cy + r), fill=colour)
    elif shape == "triangle":
        draw.polygon([(cx, cy - r), (cx + r, cy + r), (cx - r, cy + r)], fill=colour)
    else:
        bar = r / 3
        draw.rectangle((cx - r, cy - bar, cx + r, cy + bar), fill=colour)
        draw.rectangle((cx - bar, cy - r, cx + bar, cy + r), fill=colour)
