"""The preview's pure parts: input range, display scale, fill fraction, tint, captions, extremes."""

from __future__ import annotations

import numpy as np
import pytest

from explorer import AugmentConfig
from explorer.augment.presets import preset
from explorer.augment.sampling import sample_batch
from explorer.ui.preview import (
    _shrink,
    caption,
    extremes,
    fill_masks,
    random_grid,
    render,
    render_within,
    tint,
    to_display,
)

IMAGE = np.random.RandomState(0).randint(30, 220, (20, 30, 3)).astype(np.uint8)


def test_unchanged_tiles_show_the_image_for_both_input_ranges():
    for input_range in ("0-255", "0-1"):
        for config in (AugmentConfig(), AugmentConfig(rescale=1 / 255)):
            shown = render(IMAGE, config, [{}], input_range=input_range).tiles[0]
            assert np.abs(shown.astype(int) - IMAGE).max() <= 1


def test_brightness_on_zero_to_one_input_shows_idgs_black_tiles():
    lighting = preset("lighting").replace(rescale=None)
    black = random_grid(IMAGE, lighting, 4, seed=0, input_range="0-1").tiles
    assert black.max() == 0
    assert random_grid(IMAGE, lighting, 4, seed=0, input_range="0-255").tiles.mean() > 50


def test_standardized_output_is_stretched_for_display():
    config = AugmentConfig(samplewise_std_normalization=True)
    shown = to_display(np.random.RandomState(1).normal(size=(2, 4, 4, 3)), config, "0-255")
    assert shown.min() == 0 and shown.max() == 255


def test_fill_fraction_counts_pixels_sampled_from_outside():
    masks = fill_masks([{}, {"tx": 3}, {"ty": -10}, {"flip_horizontal": 1}], 20, 30)
    assert masks.mean(axis=(1, 2)).tolist() == [0.0, 3 / 30, 10 / 20, 0.0]
    assert masks[1][:, -3:].all() and not masks[1][:, :-3].any()  # content moved left, right edge filled


def test_tint_marks_only_filled_pixels():
    tiles = np.full((1, 4, 4, 1), 100, np.uint8)
    masks = np.zeros((1, 4, 4), bool)
    masks[0, 0, 0] = True
    tinted = tint(tiles, masks)
    assert tinted.shape == (1, 4, 4, 3)
    assert tinted[0, 0, 0].tolist() != [100, 100, 100] and tinted[0, 1, 1].tolist() == [100, 100, 100]


def test_captions_say_which_way_content_moved():
    text = caption({"theta": 12.34, "tx": 4.0, "ty": -2.5, "zx": 0.9, "zy": 1.1, "flip_horizontal": 1}, 0.125)
    assert text == "rot +12.3°, 4.0 px left, 2.5 px down, zoom 0.90/1.10, flip H, fill 12%"
    assert caption({"shear": 0.2}, 0) == "shear +0.20°, fill 0%"


def test_extremes_render_each_active_transform_alone_at_both_ends():
    labels = [label for label, _ in extremes(preset("over-augmentation"), (200, 300, 3))]
    assert labels == [
        "rotation -40°",
        "rotation +40°",
        "height_shift_range -40.0 px",
        "height_shift_range +40.0 px",
        "width_shift_range -60.0 px",
        "width_shift_range +60.0 px",
        "shear -0.2°",
        "shear +0.2°",
        "zoom 0.8",
        "zoom 1.2",
        "horizontal flip",
    ]
    assert extremes(AugmentConfig(), (8, 8, 3)) == []
    lighting = [label for label, _ in extremes(preset("lighting"), (8, 8, 3))]
    assert lighting == [
        "horizontal flip",
        "brightness 0.8",
        "brightness 1.2",
        "channel shift -0.1",
        "channel shift +0.1",
    ]


def test_thumbnails_and_labels():
    preview = render(IMAGE, AugmentConfig(), [{}, {"tx": 1}], thumbnail=15, labels=["a", "b"])
    assert preview.tiles.shape == (2, 10, 15, 3)
    assert preview.labels[1].startswith("b: 1.0 px left")


def test_tiles_are_shrunk_by_area_average_from_twice_their_size_and_bilinear_below():
    stripes = np.zeros((8, 8, 1), np.uint8)
    stripes[:, ::4] = 200  # a bright column in four: an area average keeps its mean (bilinear misses it)
    assert np.all(_shrink(stripes, (2, 2)) == 50)
    smooth = np.tile(np.linspace(0, 240, 12, dtype=np.uint8)[None, :, None], (12, 1, 3))
    small = _shrink(smooth, (10, 10))
    assert small.shape == (10, 10, 3) and np.all(np.diff(small[0, :, 0].astype(int)) > 0)  # still a ramp


def test_input_range_is_validated():
    with pytest.raises(ValueError, match="input_range"):
        render(IMAGE, AugmentConfig(), [{}], input_range="0-65535")


class _Clock:
    """A clock that moves `step` seconds each time it is read."""

    def __init__(self, step: float):
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_a_preview_over_its_time_budget_draws_the_first_tiles_of_the_same_draws_and_says_so():
    """First tile timed at 0.2 s, budget 0.5 s: 2 of 6 tiles, the same as the first 2 of the
    full set; the fill share the doctor reads is still every draw's."""
    config = AugmentConfig(rotation_range=40, width_shift_range=0.2)
    params = sample_batch(config, IMAGE.shape, 6, 3)
    full = render(IMAGE, config, params, thumbnail=16)
    cut = render_within(IMAGE, config, params, 0.5, clock=_Clock(0.2), thumbnail=16)
    assert cut.cut and cut.wanted == 6 and len(cut.tiles) == 2 and cut.tile_seconds == pytest.approx(0.2)
    np.testing.assert_array_equal(cut.tiles, full.tiles[:2])
    assert cut.labels == full.labels[:2] and cut.params == params[:2]
    np.testing.assert_allclose(cut.fill_fractions, full.fill_fractions)
    labelled = render_within(IMAGE, config, params, 0.5, labels=list("abcdef"), clock=_Clock(0.2))
    assert [label[0] for label in labelled.labels] == ["a", "b"]


@pytest.mark.parametrize("step, shown", [(1e-4, 6), (10.0, 1)])
def test_within_its_budget_every_tile_is_drawn_and_always_at_least_one(step, shown):
    config = AugmentConfig(zoom_range=0.3)
    preview = render_within(IMAGE, config, sample_batch(config, IMAGE.shape, 6, 0), 0.5, clock=_Clock(step))
    assert len(preview.tiles) == shown and preview.cut == (shown < 6) and len(preview.fill_fractions) == 6
