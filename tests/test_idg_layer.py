"""IDGAugmentation (issue 18): ImageDataGenerator as one Keras 3 layer. Given IDG's own
parameters it equals IDG's `apply_transform` (the real class, the oracle) within 0.01 for
every exact fill mode and order; its draws follow IDG's distributions; it trains inside a
model, maps over a tf.data pipeline, saves and loads back in safe mode; and the same holds on
JAX (a fresh interpreter)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from explorer.augment.config import AugmentConfig  # noqa: E402
from explorer.dropin.layer import IDGAugmentation, resampling_notes  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EVERYTHING = dict(
    rotation_range=40,
    width_shift_range=0.3,
    height_shift_range=0.25,
    shear_range=20,
    zoom_range=(0.7, 1.4),
    horizontal_flip=True,
    vertical_flip=True,
    channel_shift_range=30,
    brightness_range=(0.5, 1.5),
    cval=7.0,
)


def _images(photo, count=6, height=37, width=53):
    """Non-square crops of the sample photo (IDG's pivot is off-centre on them), 0..255 floats."""
    return np.stack([photo[i * 20 : i * 20 + height, i * 30 : i * 30 + width] for i in range(count)]).astype("float32")


def _columns(params: list[dict]) -> dict:
    return {key: np.array([p[key] for p in params], dtype="float64") for key in params[0] if params[0][key] is not None}


@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("fill_mode", ["nearest", "reflect", "wrap", "constant"])
def test_given_idgs_parameters_it_equals_idgs_apply_transform(make_idg, photo, fill_mode, order):
    config = AugmentConfig(**EVERYTHING, fill_mode=fill_mode, interpolation_order=order)
    idg, images = make_idg(config), _images(photo)
    params = [idg.get_random_transform(image.shape, seed=index) for index, image in enumerate(images)]
    want = np.stack([idg.apply_transform(image, p) for image, p in zip(images, params)])
    got = np.asarray(IDGAugmentation(**config.to_idg_kwargs()).transform_images(images, _columns(params)))
    assert got.shape == want.shape and np.abs(got - want).max() <= 0.01


def test_int_and_list_shifts_and_pure_geometry_equal_idg(make_idg, photo):
    for kwargs in (
        {"width_shift_range": 5, "height_shift_range": [-3, 0, 4]},
        {"rotation_range": 90, "zoom_range": 0.5, "fill_mode": "constant", "cval": 0.0},
    ):
        config = AugmentConfig(**kwargs)
        idg, images = make_idg(config), _images(photo)
        params = [idg.get_random_transform(image.shape, seed=10 + index) for index, image in enumerate(images)]
        want = np.stack([idg.apply_transform(image, p) for image, p in zip(images, params)])
        got = np.asarray(IDGAugmentation(**kwargs).transform_images(images, _columns(params)))
        assert np.abs(got - want).max() <= 0.01, kwargs


def _idg_draws(make_idg, config, shape, count):
    idg = make_idg(config)
    return [idg.get_random_transform(shape, seed=index) for index in range(count)]


def test_drawn_parameters_follow_idgs_distributions(make_idg):
    from scipy import stats

    config = AugmentConfig(
        rotation_range=30,
        width_shift_range=0.2,
        height_shift_range=4,
        shear_range=15,
        zoom_range=(0.8, 1.3),
        horizontal_flip=True,
        channel_shift_range=20,
        brightness_range=(0.6, 1.2),
    )
    count, shape = 3000, (12, 20, 3)
    theirs = _columns(_idg_draws(make_idg, config, shape, count))
    layer = IDGAugmentation(seed=0, **config.to_idg_kwargs())
    mine = {
        k: np.asarray(v)
        for k, v in layer.get_random_transformation(np.zeros((count, *shape), "float32")).items()
        if v is not None
    }
    for key in ("theta", "ty", "shear", "zx", "zy", "channel_shift_intensity", "brightness"):
        assert stats.ks_2samp(mine[key], theirs[key]).pvalue > 1e-3, key  # continuous: same distribution
    # tx: an int range of 4 draws {-3..3} (0 twice as often: +0 and -0); flips: a fair coin.
    assert set(np.unique(mine["tx"])) == set(np.unique(theirs["tx"])) == set(range(-3, 4))
    for value in range(-3, 4):
        assert abs(np.mean(mine["tx"] == value) - np.mean(theirs["tx"] == value)) < 0.04, value
    assert abs(mine["flip_horizontal"].mean() - 0.5) < 0.04 and not mine["flip_vertical"].any()
    assert abs(np.corrcoef(mine["zx"], mine["zy"])[0, 1]) < 0.06  # zx and zy drawn independently
    assert mine["ty"].min() >= -0.2 * 20 and mine["ty"].max() <= 0.2 * 20  # a fraction of the WIDTH
    # A list picks an element, then a random sign (IDG's docstring example has negatives).
    listed = AugmentConfig(width_shift_range=[-3, 0, 5])
    theirs = _columns(_idg_draws(make_idg, listed, shape, count))["ty"]
    mine = np.asarray(
        IDGAugmentation(seed=1, **listed.to_idg_kwargs()).get_random_transformation(
            np.zeros((count, *shape), "float32")
        )["ty"]
    )
    assert set(np.unique(mine)) == set(np.unique(theirs)) == {-5, -3, 0, 3, 5}
    for value in (-5, -3, 0, 3, 5):
        assert abs(np.mean(mine == value) - np.mean(theirs == value)) < 0.04, value


def test_it_augments_in_training_and_only_rescales_in_inference():
    layer = IDGAugmentation(rotation_range=30, horizontal_flip=True, rescale=1 / 255, seed=1)
    images = np.random.RandomState(0).uniform(0, 255, (4, 16, 16, 3)).astype("float32")
    assert np.allclose(np.asarray(layer(images, training=False)), images / 255, atol=1e-6)
    augmented = np.asarray(layer(images, training=True))
    assert augmented.shape == images.shape and not np.allclose(augmented, images / 255, atol=1e-3)
    assert np.asarray(layer(images[0], training=False)).shape == (16, 16, 3)  # one image


def test_it_trains_inside_a_model_and_saves_and_loads_back_in_safe_mode(tmp_path):
    rng = np.random.RandomState(0)
    x, y = rng.uniform(0, 255, (32, 16, 16, 3)).astype("float32"), rng.randint(0, 2, 32)
    model = keras.Sequential(
        [
            keras.Input((16, 16, 3)),
            IDGAugmentation(
                rotation_range=20,
                width_shift_range=[-2, 2],
                zoom_range=0.1,
                fill_mode="constant",
                rescale=1 / 255,
                seed=3,
            ),
            keras.layers.Conv2D(4, 3),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy")
    loss = model.fit(x, y, epochs=1, batch_size=8, verbose=0).history["loss"]
    assert np.isfinite(loss[0])
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")  # safe_mode=True: no Lambda, no pickled code
    layer = loaded.layers[0]
    assert isinstance(layer, IDGAugmentation) and layer.idg == model.layers[0].idg
    assert layer.idg.width_shift_range == (-2, 2)
    assert np.allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_it_maps_over_a_tf_data_pipeline():
    import tensorflow as tf

    images = np.random.RandomState(1).uniform(0, 255, (8, 16, 16, 3)).astype("float32")
    layer = IDGAugmentation(rotation_range=40, brightness_range=(0.5, 1.5), seed=2)
    batches = list(tf.data.Dataset.from_tensor_slices(images).batch(4).map(layer).as_numpy_iterator())
    assert [b.shape for b in batches] == [(4, 16, 16, 3)] * 2
    assert not np.allclose(np.concatenate(batches), images)
    assert np.all(np.concatenate(batches) == np.floor(np.concatenate(batches)))  # brightness: whole levels


def test_it_is_importable_from_the_package_like_the_drop_in():
    import explorer

    assert explorer.IDGAugmentation is IDGAugmentation and "IDGAugmentation" in explorer.__all__


def test_modes_without_an_exact_counterpart_are_taken_with_a_warning_naming_what_differs():
    with pytest.warns(UserWarning, match="fill_mode='mirror' is resampled as 'reflect'"):
        layer = IDGAugmentation(rotation_range=10, fill_mode="mirror", interpolation_order=1)
    assert layer.fill_mode == "reflect"
    assert resampling_notes(AugmentConfig(rotation_range=10, fill_mode="grid-mirror")) == []  # SciPy's 'reflect'
    assert "bilinearly" in resampling_notes(AugmentConfig(rotation_range=10, interpolation_order=3))[0]
    assert IDGAugmentation.from_config(layer.get_config()).idg == layer.idg


JAX_SCRIPT = """
import sys
import numpy as np
import keras
assert keras.backend.backend() == "jax"
from explorer.augment.config import AugmentConfig
from explorer.augment.engine import apply_transform
from explorer.augment.sampling import sample_transform
from explorer.dropin.layer import IDGAugmentation

rng = np.random.RandomState(0)
images = rng.uniform(0, 255, (5, 13, 19, 3)).astype("float32")
for mode in ("nearest", "reflect", "wrap", "constant"):
    for order in (0, 1):
        kw = dict(rotation_range=40, width_shift_range=0.3, height_shift_range=0.3, shear_range=20, zoom_range=0.3,
                  horizontal_flip=True, channel_shift_range=30, fill_mode=mode, cval=7.0, interpolation_order=order)
        config = AugmentConfig(**kw)
        params = [sample_transform(config, images.shape[1:], rng) for _ in images]
        want = np.stack([apply_transform(x, p, config) for x, p in zip(images, params)])
        given = {k: np.array([p[k] for p in params]) for k in params[0] if params[0][k] is not None}
        got = np.asarray(IDGAugmentation(**kw).transform_images(images, given))
        assert np.abs(got - want).max() <= 0.01, (mode, order, np.abs(got - want).max())

model = keras.Sequential([keras.Input((13, 19, 3)), IDGAugmentation(rotation_range=20, rescale=1 / 255, seed=0),
                          keras.layers.Conv2D(2, 3), keras.layers.GlobalAveragePooling2D(),
                          keras.layers.Dense(2, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy")
loss = model.fit(images, np.array([0, 1, 0, 1, 0]), epochs=1, batch_size=5, verbose=0).history["loss"]
assert np.isfinite(loss[0])

import tensorflow as tf  # tf.data under the JAX backend: the layer computes with TensorFlow there
out = list(tf.data.Dataset.from_tensor_slices(images).batch(5).map(IDGAugmentation(rotation_range=30, seed=1))
           .as_numpy_iterator())
assert out[0].shape == images.shape and not np.allclose(out[0], images)
print("ok")
"""


@pytest.mark.slow
def test_on_jax_it_equals_the_engine_trains_and_maps_over_tf_data():
    pytest.importorskip("jax")
    run = subprocess.run(
        [sys.executable, "-c", JAX_SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": str(ROOT)},
    )
    assert run.returncode == 0 and run.stdout.strip().endswith("ok"), run.stderr[-3000:]
