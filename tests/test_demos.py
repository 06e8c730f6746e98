"""The offline demo datasets: digits (flips destroy labels) and shapes (horizontal flips keep them)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from explorer import DEMO_NAMES, InputError, load_demo
from explorer.data.demos import SHAPE_CLASSES, _draw


def test_digits_are_scikit_learns_1797_upscaled():
    digits = load_demo("digits", image_size=32)
    assert digits.images.shape == (1797, 32, 32, 1) and digits.images.dtype == np.uint8
    assert digits.class_names == [str(d) for d in range(10)]
    assert list(digits.class_counts().values()) == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert digits.images.max() == 255 and digits.images.min() == 0
    assert load_demo("digits", image_size=24).images.shape[1:] == (24, 24, 1)


def test_digits_are_not_mirror_symmetric():
    # A mirrored digit is not the same digit: the point of this demo.
    digits = load_demo("digits", image_size=16).images.astype(float)
    mirrored_distance = np.abs(digits - digits[:, :, ::-1]).mean()
    assert mirrored_distance > 20


def test_shapes_are_deterministic_balanced_rgb():
    shapes = load_demo("shapes", image_size=32)
    assert shapes.images.shape == (1200, 32, 32, 3)
    assert shapes.class_names == list(SHAPE_CLASSES)
    assert set(shapes.class_counts().values()) == {300}
    np.testing.assert_array_equal(shapes.images, load_demo("shapes", image_size=32).images)


@pytest.mark.parametrize("shape", SHAPE_CLASSES)
def test_every_shape_is_symmetric_under_horizontal_flip(shape):
    image = Image.new("L", (101, 101), 0)
    _draw(ImageDraw.Draw(image), shape, 50, 50, 30, 255)
    mask = np.asarray(image) > 127
    assert mask.sum() > 500
    assert (mask != mask[:, ::-1]).sum() <= 0.02 * mask.sum()


def test_unknown_demo_is_an_input_error():
    assert DEMO_NAMES == ("digits", "shapes")
    with pytest.raises(InputError, match="unknown demo dataset 'cifar'"):
        load_demo("cifar")
