"""Code export: IDG code that rebuilds the config, Keras 3 layers that build, run and match
IDG where the semantics say they should, and notes for every setting that does not."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from explorer import AugmentConfig, apply_transform
from explorer.interchange.export import (
    EXPLORER_INSTALL,
    IDG_IMPORT,
    config_json,
    exact_layer_code,
    idg_code,
    keras_layers_code,
)

ARTICLE = {
    "over_augmentation": AugmentConfig(
        rotation_range=40,
        width_shift_range=0.2,
        height_shift_range=0.2,
        shear_range=0.2,
        zoom_range=0.2,
        horizontal_flip=True,
        fill_mode="nearest",
    ),
    "moderate": AugmentConfig(
        rotation_range=10,
        width_shift_range=0.1,
        height_shift_range=0.1,
        horizontal_flip=True,
        rescale=1.0 / 255,
    ),
    "photometric": AugmentConfig(
        brightness_range=[0.8, 1.2],
        channel_shift_range=0.1,
        horizontal_flip=True,
        rescale=1.0 / 255,
    ),
}
OTHERS = {
    "defaults": AugmentConfig(),
    "pixel_shifts": AugmentConfig(width_shift_range=[2, 4], height_shift_range=5, fill_mode="constant", cval=3),
    "float_pixels": AugmentConfig(width_shift_range=6.0, height_shift_range=0.3, interpolation_order=0),
    "everything": AugmentConfig(
        rotation_range=25.5,
        width_shift_range=0.1,
        height_shift_range=0.15,
        shear_range=12,
        zoom_range=(0.8, 1.3),
        brightness_range=(0.5, 1.5),
        channel_shift_range=30,
        horizontal_flip=True,
        vertical_flip=True,
        fill_mode="wrap",
        interpolation_order=0,
        rescale=1 / 127.5,
        samplewise_std_normalization=True,
    ),
    "beyond_layer_limits": AugmentConfig(
        rotation_range=720, zoom_range=(0.0, 3.0), channel_shift_range=300, width_shift_range=0.9
    ),
    "brightness_only": AugmentConfig(brightness_range=(0.9, 1.1)),
    "samplewise_center": AugmentConfig(samplewise_center=True),
    # Values only IDG's own arithmetic gives a meaning: negative ranges, list shifts with
    # negatives, a zoom below 0, pairs in decreasing order, SciPy-only modes, a spline order.
    "idg_oddities": AugmentConfig(
        rotation_range=-30,
        width_shift_range=[-2, 0, 2],
        height_shift_range=-3,
        shear_range=-10,
        zoom_range=1.5,
        brightness_range=(1.2, 0.0),
        channel_shift_range=-40,
        fill_mode="grid-wrap",
        interpolation_order=3,
    ),
    "reversed_zoom_mirror": AugmentConfig(zoom_range=(1.2, 0.8), fill_mode="mirror"),
}
CONFIGS = {**ARTICLE, **OTHERS}


class RecordingIDG:
    """Stands in for ImageDataGenerator: records the keyword arguments it was given."""

    def __init__(self, *args, **kwargs):
        assert not args
        self.kwargs = kwargs


def run_idg_code(code: str) -> dict:
    assert code.startswith(IDG_IMPORT + "\n")
    namespace = {"ImageDataGenerator": RecordingIDG}
    exec(code[len(IDG_IMPORT) :], namespace)
    return namespace["datagen"].kwargs


def build_layers(config, image_shape):
    code, _ = keras_layers_code(config, image_shape)
    namespace = {}
    exec(code, namespace)
    return namespace["data_augmentation"]


def layers_of(model, name):
    return [layer for layer in model.layers if type(layer).__name__ == name]


def run(layer, x):
    return keras.ops.convert_to_numpy(layer(x[None], training=True))[0]


# -- ImageDataGenerator code --------------------------------------------------------------


def test_idg_code_with_default_settings_is_an_empty_call():
    assert idg_code(AugmentConfig()) == f"{IDG_IMPORT}\n\ndatagen = ImageDataGenerator()\n"


def test_idg_code_prints_clean_literals_for_the_article_config():
    code = idg_code(ARTICLE["over_augmentation"])
    assert code == (
        f"{IDG_IMPORT}\n\ndatagen = ImageDataGenerator(\n"
        "    rotation_range=40,\n    width_shift_range=0.2,\n    height_shift_range=0.2,\n"
        "    shear_range=0.2,\n    zoom_range=0.2,\n    horizontal_flip=True,\n)\n"
    )
    assert "rescale=1 / 255," in idg_code(ARTICLE["moderate"])
    assert "brightness_range=[0.8, 1.2]," in idg_code(ARTICLE["photometric"])


@pytest.mark.parametrize(
    "kwargs, line",
    [
        ({"width_shift_range": 3}, "width_shift_range=3,"),  # int: whole pixels, kept an int
        ({"width_shift_range": 3.0}, "width_shift_range=3.0,"),  # float >= 1: continuous pixels
        ({"height_shift_range": [2, 4.5]}, "height_shift_range=[2, 4.5],"),
        ({"zoom_range": (0.8, 1.2)}, "zoom_range=[0.8, 1.2],"),
        ({"rescale": 1 / 255 + 1e-13}, "rescale=1 / 255,"),
        ({"rescale": 1 / 3}, "rescale=1 / 3,"),
        ({"rescale": 0.25}, "rescale=0.25,"),
        ({"rescale": 1 / 127.5}, f"rescale={1 / 127.5!r},"),
        ({"fill_mode": "constant", "cval": -1.5}, "cval=-1.5,"),
        ({"interpolation_order": 0}, "interpolation_order=0,"),
    ],
)
def test_idg_code_values_are_python_literals(kwargs, line):
    assert f"    {line}\n" in idg_code(AugmentConfig(**kwargs))


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_idg_code_round_trips_through_a_recording_stub(name):
    config = CONFIGS[name]
    recorded = run_idg_code(idg_code(config))
    assert recorded == {
        key: pytest.approx(value) if key == "rescale" else value
        for key, value in config.to_idg_kwargs(only_changed=True).items()
    }
    assert AugmentConfig(**recorded) == config
    for key in ("width_shift_range", "height_shift_range"):  # int (whole pixels) stays int
        value = getattr(config, key)
        if key in recorded:
            assert type(recorded[key]) is (list if isinstance(value, tuple) else type(value))


def test_idg_code_runs_with_the_real_image_data_generator(idg_class):
    namespace = {}
    exec(idg_code(ARTICLE["moderate"]), namespace)
    datagen = namespace["datagen"]
    assert isinstance(datagen, idg_class)
    assert datagen.rotation_range == 10 and datagen.rescale == pytest.approx(1 / 255)


def test_config_json_is_pretty_and_round_trips():
    config = OTHERS["everything"]
    text = config_json(config)
    assert text.startswith('{\n  "rotation_range": 25.5,')
    assert AugmentConfig.from_dict(json.loads(text)) == config


# -- Keras 3 layers -----------------------------------------------------------------------


@pytest.mark.parametrize("image_shape", [(24, 24, 3), (20, 36), None], ids=["square", "wide", "unknown"])
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_keras_layers_code_builds_and_runs(name, image_shape):
    height, width = image_shape[:2] if image_shape else (24, 24)
    model = build_layers(CONFIGS[name], image_shape)
    batch = np.random.default_rng(0).uniform(0, 255, (2, height, width, 3)).astype("float32")
    out = keras.ops.convert_to_numpy(model(batch, training=True))
    assert out.shape == batch.shape and np.isfinite(out).all()


def test_default_config_gives_an_identity_and_no_notes():
    code, notes = keras_layers_code(AugmentConfig(), (32, 32))
    assert "keras.layers.Identity()" in code and notes == []


def test_geometric_layers_get_idg_fill_mode_and_interpolation():
    model = build_layers(OTHERS["everything"], (32, 32))
    geometric = [layer for layer in model.layers if hasattr(layer, "fill_mode")]
    assert [type(layer).__name__ for layer in geometric] == [
        "RandomRotation",
        "RandomTranslation",
        "RandomShear",
        "RandomZoom",
    ]
    assert all(layer.fill_mode == "wrap" and layer.interpolation == "nearest" for layer in geometric)
    # IDG's default is 'nearest'; the layers' own default ('reflect') must not leak through.
    model = build_layers(ARTICLE["over_augmentation"], (32, 32))
    assert all(layer.fill_mode == "nearest" for layer in model.layers if hasattr(layer, "fill_mode"))
    constant = build_layers(OTHERS["pixel_shifts"], (32, 32))
    assert layers_of(constant, "RandomTranslation")[0].fill_value == 3


def test_layer_order_follows_idg():
    model = build_layers(OTHERS["everything"], (32, 32))
    assert [type(layer).__name__ for layer in model.layers] == [
        "RandomRotation",
        "RandomTranslation",
        "RandomShear",
        "RandomZoom",
        "RandomBrightness",
        "RandomFlip",
        "RandomFlip",
        "Rescaling",
        "Lambda",
        "Lambda",
    ]


def test_zoom_has_idg_sign_zoom_above_one_zooms_out_in_both():
    """IDG zoom 1.5 and RandomZoom factor +0.5 both zoom OUT (content shrinks), and agree."""
    size = 41
    x = np.zeros((size, size, 3), np.float32)
    x[13:28, 13:28] = 255
    for zoom in (1.5, 0.7):
        zoom_layer = layers_of(build_layers(AugmentConfig(zoom_range=(zoom, zoom)), (size, size)), "RandomZoom")[0]
        assert zoom_layer.height_lower == zoom_layer.height_upper == pytest.approx(zoom - 1)
        assert zoom_layer.width_lower == zoom_layer.width_upper == pytest.approx(zoom - 1)
        keras_out = run(zoom_layer, x)
        ours = apply_transform(x, {"zx": zoom, "zy": zoom}, AugmentConfig())
        area, keras_area, our_area = ((image > 127).sum() for image in (x, keras_out, ours))
        assert (keras_area < area) == (our_area < area) == (zoom > 1)
        np.testing.assert_allclose(keras_out, ours, atol=0.01)


def test_translation_swaps_axes_like_idg_on_a_non_square_image():
    """width_shift_range=0.25 on 20 x 40: IDG moves rows by 0.25 * 40 = 10 px, i.e. half the height."""
    height, width = 20, 40
    x = np.random.default_rng(1).uniform(0, 255, (height, width, 3)).astype(np.float32)
    model = build_layers(AugmentConfig(width_shift_range=0.25, height_shift_range=0.1), (height, width))
    translation = layers_of(model, "RandomTranslation")[0]
    assert translation.height_upper == pytest.approx(0.5)  # 0.25 * W / H
    assert translation.width_upper == pytest.approx(0.05)  # 0.1 * H / W
    down = keras.layers.RandomTranslation((0.5, 0.5), (0.0, 0.0), fill_mode="nearest")
    across = keras.layers.RandomTranslation((0.0, 0.0), (0.25, 0.25), fill_mode="nearest")
    # Ranges are symmetric, so a layer shift matches IDG's with one of the two signs.
    assert min(np.abs(run(down, x) - apply_transform(x, {"ty": ty}, AugmentConfig())).max() for ty in (10, -10)) < 0.01
    assert (
        min(np.abs(run(across, x) - apply_transform(x, {"tx": tx}, AugmentConfig())).max() for tx in (10, -10)) < 0.01
    )


def test_rotation_factor_is_degrees_over_360_and_matches_idg_on_a_square():
    x = np.random.default_rng(2).uniform(0, 255, (32, 32, 3)).astype(np.float32)
    rotation = layers_of(build_layers(AugmentConfig(rotation_range=30), (32, 32)), "RandomRotation")[0]
    assert rotation.factor == pytest.approx((-30 / 360, 30 / 360))
    fixed = keras.layers.RandomRotation((30 / 360, 30 / 360), fill_mode="nearest")
    np.testing.assert_allclose(run(fixed, x), apply_transform(x, {"theta": 30}, AugmentConfig()), atol=0.01)


@pytest.mark.parametrize(
    "image_shape, expect_note, words",
    [((32, 32), False, ""), ((20, 36), True, "20 x 36"), (None, True, "square")],
)
def test_rotation_and_zoom_notes_depend_on_the_image_shape(image_shape, expect_note, words):
    _, notes = keras_layers_code(AugmentConfig(rotation_range=10, zoom_range=0.1), image_shape)
    for field in ("rotation_range", "zoom_range"):
        found = [note for note in notes if note.startswith(field)]
        assert bool(found) == expect_note
        assert all(words in note for note in found)


def test_shift_notes_explain_the_swap_and_the_units():
    _, notes = keras_layers_code(AugmentConfig(width_shift_range=0.1), None)
    assert any("swaps the axes" in note for note in notes)
    assert any("square images are assumed" in note for note in notes)
    code, notes = keras_layers_code(AugmentConfig(width_shift_range=4, height_shift_range=[1, 3]), None)
    assert "IMAGE_HEIGHT, IMAGE_WIDTH = " in code and "3 / IMAGE_HEIGHT" in code
    assert any(note.startswith("width_shift_range: an int range") for note in notes)
    assert any(note.startswith("height_shift_range: IDG picks one of [1, 3]") for note in notes)
    model = build_layers(AugmentConfig(width_shift_range=4, height_shift_range=[1, 3]), (30, 60))
    translation = layers_of(model, "RandomTranslation")[0]
    assert translation.height_upper == pytest.approx(3 / 30) and translation.width_upper == pytest.approx(3 / 60)


def test_brightness_range_has_no_layer_and_a_note():
    code, notes = keras_layers_code(ARTICLE["photometric"], (32, 32))
    assert "# brightness_range=[0.8, 1.2]" in code
    assert code.count("RandomBrightness(") == 1  # the channel shift's, not brightness_range's
    assert any(note.startswith("brightness_range:") and "custom layer" in note for note in notes)


def test_channel_shift_becomes_random_brightness_in_pixel_units():
    model = build_layers(AugmentConfig(channel_shift_range=51), (32, 32))
    brightness = layers_of(model, "RandomBrightness")[0]
    assert brightness.factor == pytest.approx((-0.2, 0.2)) and list(brightness.value_range) == [0, 255]
    _, notes = keras_layers_code(AugmentConfig(channel_shift_range=51), (32, 32))
    assert any(note.startswith("channel_shift_range:") and "own min and max" in note for note in notes)


def test_shear_uses_the_same_slope_and_says_it_is_not_exact():
    shear = layers_of(build_layers(AugmentConfig(shear_range=30), (32, 32)), "RandomShear")[0]
    assert shear.x_factor == pytest.approx((-0.5, 0.5)) and shear.y_factor == (0, 0)
    _, notes = keras_layers_code(AugmentConfig(shear_range=0.2), (32, 32))
    assert any(note.startswith("shear_range:") and "uncentred" in note and "degrees" in note for note in notes)


def test_other_notes_fill_mode_stacking_and_samplewise():
    _, notes = keras_layers_code(OTHERS["everything"], (32, 32))
    assert any(note.startswith("fill_mode: 'wrap'") for note in notes)
    assert any(note.startswith("stacked layers:") for note in notes)
    assert any(note.startswith("samplewise_center") and "Normalization" in note for note in notes)
    _, single = keras_layers_code(AugmentConfig(rotation_range=10), (32, 32))
    assert single == []  # one exact layer on a square image: nothing to warn about


def test_samplewise_lambdas_standardize_each_image_like_idg():
    config = AugmentConfig(samplewise_std_normalization=True, rescale=1 / 255)
    batch = np.random.default_rng(3).uniform(0, 255, (2, 8, 8, 3)).astype("float32")
    out = keras.ops.convert_to_numpy(build_layers(config, (8, 8))(batch, training=True))
    for image in out:
        assert abs(image.mean()) < 1e-5 and image.std() == pytest.approx(1, abs=1e-4)


def test_factors_beyond_layer_limits_are_cut_with_a_note():
    model = build_layers(OTHERS["beyond_layer_limits"], (32, 32))
    assert layers_of(model, "RandomRotation")[0].factor == (-1.0, 1.0)
    zoom = layers_of(model, "RandomZoom")[0]
    assert (zoom.height_lower, zoom.height_upper) == pytest.approx((-0.99, 1.0))
    _, notes = keras_layers_code(OTHERS["beyond_layer_limits"], (32, 32))
    for field in ("rotation_range", "zoom_range", "channel_shift_range"):
        assert any(note.startswith(field) and "was cut to" in note for note in notes)


def test_bad_image_shape_is_refused():
    with pytest.raises(ValueError, match="image_shape"):
        keras_layers_code(AugmentConfig(), (0, 32))


def test_odd_idg_values_become_the_layers_nearest_meaning_with_notes():
    code, notes = keras_layers_code(CONFIGS["idg_oddities"], (24, 24, 3))
    assert "RandomRotation(factor=30 / 360" in code and "RandomShear(x_factor=0.173648" in code
    assert 'fill_mode="wrap"' in code
    text = " ".join(notes)
    assert "'grid-wrap' (a SciPy mode IDG passes through)" in text and "bilinear" in text
    assert "height_shift_range: -3 is below 0" in text
    code, _ = keras_layers_code(CONFIGS["reversed_zoom_mirror"], (24, 24, 3))
    assert "RandomZoom(height_factor=(-0.2, 0.2)" in code and 'fill_mode="reflect"' in code


def test_the_exact_keras_3_line_is_one_layer_that_builds_and_says_what_it_cannot_take():
    code, notes = exact_layer_code(ARTICLE["over_augmentation"])
    assert code.startswith("from explorer import IDGAugmentation\n") and "rotation_range=40," in code and notes == []
    namespace: dict = {}
    exec(code, namespace)  # our own generated code, not a user's
    layer = namespace["data_augmentation"]
    assert layer.idg == ARTICLE["over_augmentation"]
    (note,) = exact_layer_code(AugmentConfig(rotation_range=10, fill_mode="mirror"))[1]
    assert "closest of nearest, reflect, wrap, constant" in note
    assert exact_layer_code(AugmentConfig(rotation_range=10, fill_mode="grid-mirror"))[1] == []


def test_the_exact_keras_3_line_says_how_to_install_explorer():
    """`explorer` is not on PyPI: the code says where it comes from, as a comment under its import."""
    for config in (AugmentConfig(), AugmentConfig(rotation_range=10)):
        code = exact_layer_code(config)[0]
        assert code.splitlines()[:2] == ["from explorer import IDGAugmentation", EXPLORER_INSTALL]
        assert EXPLORER_INSTALL.startswith("# ") and "not on PyPI" in EXPLORER_INSTALL
        assert "pip install . in a clone of the Augmentation Explorer repository" in EXPLORER_INSTALL
        compile(code, "<exact layer>", "exec")  # still Python
