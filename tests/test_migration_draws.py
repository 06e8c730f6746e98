"""Migration check, side by side (issue 31, item 5): an IDG config against a Keras 3 stack on
the same images, draws on a shared axis and the mean images' difference.

The stacks are the ones `keras_layers_code` writes for a config, parsed back with
`parse_stack`, or hand-written ones with a known difference (RandomRotation(0.2) is 72°).
The sign conventions are proven on a marked image: a draw that moves the mark the same way on
both sides must read the same value on both sides.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from PIL import Image

from explorer.augment.config import AugmentConfig
from explorer.augment.engine import apply_transform
from explorer.augment.keras3 import Stack
from explorer.augment.keras3.composite import RandAugment
from explorer.augment.keras3.geometric import (
    FlipDraw,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomShear,
    RandomTranslation,
    RandomZoom,
    RotationDraw,
    ShearDraw,
    TranslationDraw,
    ZoomDraw,
)
from explorer.diagnostics.migration_draws import (
    ASPECT,
    FLIP_X,
    ROTATION,
    SHEAR,
    SHIFT_X,
    SHIFT_Y,
    ZOOM_X,
    ZOOM_Y,
    DrawQuantity,
    idg_draw_values,
    side_by_side,
    stack_draw_values,
)
from explorer.diagnostics.migration_plots import side_by_side_figure
from explorer.interchange.export import keras_layers_code
from explorer.interchange.keras_stack import parse_stack

ROOT = Path(__file__).resolve().parents[1]
SIZE = 64
DRAWS = 200
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def _sample_images() -> np.ndarray:
    """The page's sample images, RGB, resized to 64 x 64 (as the page's preview passes them)."""
    paths = sorted(p for p in (ROOT / "sample_images").iterdir() if p.suffix in (".jpg", ".png"))
    return np.stack(
        [
            cv2.resize(
                np.asarray(Image.open(p).convert("RGB"), dtype=np.float32), (SIZE, SIZE), interpolation=cv2.INTER_AREA
            )
            for p in paths
        ]
    )


IMAGES = _sample_images()


def _exported(config: AugmentConfig) -> Stack:
    code, _ = keras_layers_code(config)
    return parse_stack(code).stack


def _quantile_tolerance(count: int) -> float:
    """Allowed gap between the two sides' quantiles, as a share of the spread.

    A sample quantile of a uniform draw has standard error sqrt(p (1 - p) / n) of the spread
    (largest at the median); two independent sides give sqrt(2) times that. The magnification
    1 / z is not uniform: its density falls to 2/3 of a uniform's at the top (z = 1.2 against
    0.8), which widens the error by 1.5. Four such errors: a real gap fails, noise does not.
    """
    return 4 * 1.5 * math.sqrt(2 * 0.25 / count)


def test_exported_stack_draws_what_idg_draws_and_the_mean_images_agree():
    config = AugmentConfig(rotation_range=20, zoom_range=0.2, horizontal_flip=True)
    side = side_by_side(config, _exported(config), IMAGES, draws=DRAWS, seed=3)
    names = {q.name for q in side.quantities}
    assert names == {ROTATION, ZOOM_X, ZOOM_Y, ASPECT, FLIP_X}
    count = len(IMAGES) * DRAWS
    tolerance = _quantile_tolerance(count)
    for quantity in side.quantities:
        assert len(quantity.idg) == len(quantity.stack) == count
        assert not quantity.differs, quantity.name
        if quantity.is_flag:
            assert abs(quantity.idg_mean - quantity.stack_mean) < 4 * math.sqrt(2 * 0.25 / count)
            continue
        spread = max(np.ptp(quantity.idg), np.ptp(quantity.stack))
        gaps = np.abs(np.quantile(quantity.idg, QUANTILES) - np.quantile(quantity.stack, QUANTILES))
        assert gaps.max() <= tolerance * spread, (quantity.name, gaps / spread)
    rotation = side.quantity(ROTATION)
    assert rotation.idg_range[0] == pytest.approx(-20, abs=0.5)
    assert rotation.stack_range[1] == pytest.approx(20, abs=0.5)
    assert 0 < side.noise_floor < 10
    # Two resamplings (rotation, then zoom) against one warp: a little extra blur, within
    # what sampling alone gives, twice over.
    assert side.mean_difference <= 2 * side.noise_floor
    assert side.difference.shape == (SIZE, SIZE) and side.difference.dtype == np.float32
    assert side.mean_difference == pytest.approx(float(side.difference.mean()))


def test_rotation_factor_taken_for_degrees_draws_72_degrees_and_the_words_say_it():
    config = AugmentConfig(rotation_range=20)
    stack = Stack((RandomRotation(0.2, fill_mode="nearest"),))
    side = side_by_side(config, stack, IMAGES[:4], draws=150, seed=1)
    rotation = side.quantity(ROTATION)
    assert rotation.differs
    assert rotation.idg_range == pytest.approx((-20, 20), abs=1)
    assert rotation.stack_range == pytest.approx((-72, 72), abs=2)
    sentence = next(w for w in side.words if w.startswith("rotation:"))
    assert sentence.startswith("rotation: IDG -20..20°, the stack ") and sentence.endswith("(differs)")
    low, high = (float(v) for v in re.search(r"the stack (-?\d+)\.\.(-?\d+)°", sentence).groups())
    assert (low, high) == pytest.approx((-72, 72), abs=2)
    assert side.mean_difference > 2 * side.noise_floor


def test_random_zoom_ties_the_axes_and_its_positive_factors_zoom_out():
    config = AugmentConfig(zoom_range=0.2)
    tied = side_by_side(config, Stack((RandomZoom(0.2, fill_mode="nearest"),)), IMAGES[:3], draws=150)
    # RandomZoom(0.2) draws 1 -/+ 0.2 like IDG, but one scale for both axes: no aspect change.
    assert not tied.quantity(ZOOM_X).differs
    aspect = tied.quantity(ASPECT)
    assert aspect.differs
    assert aspect.stack_range == pytest.approx((1.0, 1.0))
    assert aspect.idg_range[0] < 0.75 and aspect.idg_range[1] > 1.35
    assert any(w.startswith(ASPECT) and "x1 always" in w for w in tied.words)
    out_only = Stack((RandomZoom((0.0, 0.2), (0.0, 0.2), fill_mode="nearest"),))
    side = side_by_side(config, out_only, IMAGES[:3], draws=150)
    for name in (ZOOM_X, ZOOM_Y):
        zoom = side.quantity(name)
        assert zoom.differs
        assert zoom.stack_range[1] <= 1.0 and zoom.stack_range[0] == pytest.approx(1 / 1.2, abs=0.01)
        assert zoom.idg_range[1] == pytest.approx(1.25, abs=0.01)


def _mark(points: tuple[tuple[int, int], ...] = ((14, 44),)) -> np.ndarray:
    image = np.zeros((SIZE, SIZE, 1), dtype=np.float32)
    for row, col in points:
        image[row : row + 4, col : col + 4] = 255
    return image


def _centroid(image: np.ndarray, rows: slice = slice(None)) -> tuple[float, float]:
    weights = np.where(image[rows, :, 0] > 50, image[rows, :, 0], 0).astype(np.float64)
    ys, xs = np.nonzero(weights)
    offset = rows.start or 0
    w = weights[ys, xs]
    return float((ys * w).sum() / w.sum()) + offset, float((xs * w).sum() / w.sum())


_NEUTRAL = {"theta": 0, "tx": 0, "ty": 0, "shear": 0, "zx": 1, "zy": 1, "flip_horizontal": 0, "flip_vertical": 0}
_CONSTANT = AugmentConfig(fill_mode="constant")
# (IDG params, the stack layer and draw meant to move the mark the same way, the quantity,
# the value both must read, and where the mark must go as seen on the image: d(row), d(col)).
SIGN_CASES = {
    "rotation_counter_clockwise": (
        {"theta": 20},
        RandomRotation(0.1, fill_mode="constant"),
        RotationDraw(20.0),
        ROTATION,
        20.0,
        (-1, -1),  # a mark up and right of the centre turns up and left
    ),
    "shift_right": (
        {"tx": -5},
        RandomTranslation(0.1, 0.1, fill_mode="constant"),
        TranslationDraw(5.0, 0.0),
        SHIFT_X,
        5.0,
        (0, 1),
    ),
    "shift_down": (
        {"ty": -5},
        RandomTranslation(0.1, 0.1, fill_mode="constant"),
        TranslationDraw(0.0, 5.0),
        SHIFT_Y,
        5.0,
        (1, 0),
    ),
    "zoom_in_across": (
        {"zx": 0.8},
        RandomZoom(0.2, 0.2, fill_mode="constant"),
        ZoomDraw(1.0, 0.8),
        ZOOM_X,
        1.25,
        (0, 1),  # a mark right of the centre moves further right
    ),
    "zoom_in_down": (
        {"zy": 0.8},
        RandomZoom(0.2, 0.2, fill_mode="constant"),
        ZoomDraw(0.8, 1.0),
        ZOOM_Y,
        1.25,
        (-1, 0),  # a mark above the centre moves further up
    ),
    "flip_left_right": (
        {"flip_horizontal": 1},
        RandomFlip("horizontal"),
        FlipDraw(True, False),
        FLIP_X,
        1.0,
        (0, -1),
    ),
}


@pytest.mark.parametrize("case", sorted(SIGN_CASES))
def test_a_draw_that_moves_a_marked_image_alike_reads_alike_on_both_sides(case):
    idg_params, layer, draw, name, value, direction = SIGN_CASES[case]
    image = _mark()
    idg_out = apply_transform(image, {**_NEUTRAL, **idg_params}, _CONSTANT)
    stack_out = layer.apply(image, draw)
    assert _centroid(idg_out) == pytest.approx(_centroid(stack_out), abs=0.3)
    moved = np.subtract(_centroid(idg_out), _centroid(image))
    for axis in (0, 1):
        if direction[axis]:
            assert np.sign(moved[axis]) == direction[axis] and abs(moved[axis]) > 1, moved
        else:
            assert abs(moved[axis]) < 0.3, moved
    assert idg_draw_values({**_NEUTRAL, **idg_params})[name] == pytest.approx(value)
    values, unmapped = stack_draw_values(Stack((layer,)), (draw,))
    assert values[name] == pytest.approx(value, rel=1e-6) and unmapped == ()


def test_shear_angle_means_lower_rows_move_right_on_both_sides():
    # Two marks 24 rows apart: the lower one moves right of the upper one by tan(angle) * 24.
    # IDG shears about the centre, RandomShear about the corner: only the relative move compares.
    image = _mark(((14, 30), (38, 30)))
    idg_out = apply_transform(image, {**_NEUTRAL, "shear": 15}, _CONSTANT)
    slope = -math.tan(math.radians(15))
    layer, draw = RandomShear(0.5, fill_mode="constant"), ShearDraw(slope, 0.0)
    stack_out = layer.apply(image, draw)
    upper, lower = slice(0, 28), slice(28, SIZE)
    expected = math.tan(math.radians(15)) * 24
    for out in (idg_out, stack_out):
        relative = _centroid(out, lower)[1] - _centroid(out, upper)[1]
        assert relative == pytest.approx(expected, abs=0.5)
    assert idg_draw_values({**_NEUTRAL, "shear": 15})[SHEAR] == pytest.approx(15)
    assert stack_draw_values(Stack((layer,)), (draw,))[0][SHEAR] == pytest.approx(15, abs=1e-4)


def test_layers_drawing_one_quantity_compose():
    layers = (RandomRotation(0.1), RandomRotation(0.1), RandomZoom(0.2), RandomZoom(0.2), RandomFlip(), RandomFlip())
    draws = (RotationDraw(10.0), RotationDraw(5.0), ZoomDraw(0.8, 0.8), ZoomDraw(0.5, 0.5))
    draws += (FlipDraw(True, True), FlipDraw(True, False))
    values, _ = stack_draw_values(Stack(layers), draws)
    assert values[ROTATION] == pytest.approx(15.0)
    assert values[ZOOM_X] == pytest.approx(2.5) and values[ZOOM_Y] == pytest.approx(2.5)
    assert values[FLIP_X] == 0.0 and values["vertical flip"] == 1.0


def test_a_stack_that_crops_is_resized_back_and_says_so():
    config = AugmentConfig(horizontal_flip=True)
    stack = Stack((RandomCrop(48, 48), RandomFlip("horizontal")))
    side = side_by_side(config, stack, IMAGES[:3], draws=60)
    assert side.resized
    assert side.difference.shape == (SIZE, SIZE)
    assert side.not_compared == ("RandomCrop",)
    assert any("resized back" in w for w in side.words)
    assert any("RandomCrop" in w for w in side.words)
    # A 48 px window stretched to 64 px is a 1.33x zoom: far beyond sampling noise.
    assert side.mean_difference > 3 * side.noise_floor
    assert not side.quantity(FLIP_X).differs


def test_work_is_capped_and_the_words_say_so():
    config = AugmentConfig(horizontal_flip=True)
    stack = Stack((RandomFlip("horizontal"),))
    images = np.repeat(IMAGES[:1, :16, :16], 30, axis=0).astype(np.uint8)
    side = side_by_side(config, stack, images, draws=200)
    assert side.images == 30 and side.draws == 4000 // 30
    assert any("Capped" in w for w in side.words)
    assert len(side.quantity(FLIP_X).idg) == 30 * side.draws


def test_same_seed_same_answer_other_seed_other_draws():
    config = AugmentConfig(rotation_range=30, width_shift_range=0.1)
    stack = _exported(config)
    first = side_by_side(config, stack, IMAGES[:2], draws=40, seed=5)
    again = side_by_side(config, stack, IMAGES[:2], draws=40, seed=5)
    other = side_by_side(config, stack, IMAGES[:2], draws=40, seed=6)
    assert first == again and np.array_equal(first.difference, again.difference)
    assert first.quantity(ROTATION).idg != other.quantity(ROTATION).idg


def test_figure_has_one_histogram_per_quantity_the_map_and_its_colour_bar():
    config = AugmentConfig(rotation_range=40, width_shift_range=0.2, height_shift_range=0.2, horizontal_flip=True)
    side = side_by_side(config, Stack((RandomRotation(0.2),)), IMAGES[:2], draws=50)
    figure = side_by_side_figure(side)
    assert len(figure.axes) == len(side.quantities) + 2
    titles = [ax.get_title() for ax in figure.axes]
    assert "rotation (differs)" in titles
    assert any("mean difference" in t for t in titles)
    assert figure.get_size_inches()[0] * figure.dpi == pytest.approx(1100)
    figure.canvas.draw()  # lays out without error


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rotation=st.sampled_from([0, 10, 45]),
    width_shift=st.sampled_from([0.0, 0.1, 0.3]),
    height_shift=st.sampled_from([0.0, 0.15]),
    zoom=st.sampled_from([0.0, 0.1, 0.3]),
    horizontal=st.booleans(),
    vertical=st.booleans(),
)
def test_the_exported_stack_draws_like_its_config(rotation, width_shift, height_shift, zoom, horizontal, vertical):
    config = AugmentConfig(
        rotation_range=rotation,
        width_shift_range=width_shift,
        height_shift_range=height_shift,
        zoom_range=zoom,
        horizontal_flip=horizontal,
        vertical_flip=vertical,
    )
    assume(config.active_transforms())  # an empty config exports no stack
    small = IMAGES[:2, ::2, ::2]
    side = side_by_side(config, _exported(config), small, draws=150, seed=rotation + 7)
    assert [q.name for q in side.quantities if q.differs] == []


def test_differs_separates_a_wider_range_from_sampling_noise():
    # 300 draws a side, as 2 images x 150 draws: equal uniforms never differ, +/-40 against
    # +/-72 always does, for every one of 20 seeds.
    for seed in range(20):
        rng = np.random.default_rng(seed)
        same = DrawQuantity(ROTATION, "°", tuple(rng.uniform(-40, 40, 300)), tuple(rng.uniform(-40, 40, 300)))
        wider = DrawQuantity(ROTATION, "°", tuple(rng.uniform(-40, 40, 300)), tuple(rng.uniform(-72, 72, 300)))
        assert not same.differs and wider.differs, seed
    flips = DrawQuantity(FLIP_X, "0/1", (0.0, 1.0) * 150, (0.0,) * 300)
    assert flips.is_flag and flips.differs and flips.idg_mean == 0.5 and flips.stack_range == (0.0, 0.0)


def test_a_composite_layer_maps_its_ops_and_names_what_it_cannot():
    # RandAugment picks 2 of its ops per image: rotation is drawn for a share of images only,
    # which differs from IDG's every image even where the ranges overlap.
    config = AugmentConfig(rotation_range=30, horizontal_flip=True)
    stack = Stack((RandAugment(), RandomFlip("horizontal")))
    side = side_by_side(config, stack, IMAGES[:2], draws=150)
    rotation = side.quantity(ROTATION)
    assert rotation.idg_share == 1.0 and 0.02 < rotation.stack_share < 0.5
    assert rotation.differs
    assert not side.quantity(FLIP_X).differs
    assert side.not_compared == ("RandAugment",)  # e.g. its Solarization and Equalization ops
