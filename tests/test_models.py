"""The model every arm trains: our small CNN, keras.applications architectures and the user's
.keras file, each paired by seed (same initial weights, same batches), fitted to the data,
and the hardware and epoch times recorded. Real TensorFlow on tiny data."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explorer import AugmentConfig, InputError
from explorer.data.demos import make_shapes
from explorer.experiments.records.spec import (
    APPLICATIONS,
    FROM_SCRATCH,
    FROM_WEIGHTS,
    ModelRef,
    RunSpec,
    TrainSettings,
)

keras = pytest.importorskip("keras")
from pairing import record_training  # noqa: E402

from explorer.experiments.training.models import ModelFactory, no_downloads  # noqa: E402

TWO_SEEDS = TrainSettings(seeds=(0, 1), epochs=1, batch_size=16, image_size=32)
CONFIG = AugmentConfig(rotation_range=20, horizontal_flip=True)
ARMS = {"baseline": CONFIG.without_transforms(), "augmented": CONFIG}


@pytest.fixture(scope="module")
def shapes():
    return make_shapes(image_size=32, per_class=8)


def _save(model, path):
    model.save(path)
    return str(path)


@pytest.fixture(scope="module")
def model_files(tmp_path_factory):
    """Small .keras files: one whose head fits the 4 shapes, one with 10 outputs, one with
    logits, one taking 4 channels, one taking vectors."""
    folder = tmp_path_factory.mktemp("models")

    def cnn(outputs, activation="softmax", channels=3):
        return keras.Sequential(
            [
                keras.Input((32, 32, channels)),
                keras.layers.Conv2D(4, 3, strides=2),
                keras.layers.GlobalAveragePooling2D(),
                keras.layers.Dense(outputs, activation=activation),
            ]
        )

    keras.utils.set_random_seed(123)
    return {
        "fits": _save(cnn(4), folder / "fits.keras"),
        "ten": _save(cnn(10), folder / "ten.keras"),
        "logits": _save(cnn(4, activation=None), folder / "logits.keras"),
        "four_channels": _save(cnn(4, channels=4), folder / "four_channels.keras"),
        "free_size": _save(
            keras.Sequential(
                [
                    keras.Input((None, None, 3)),
                    keras.layers.GlobalAveragePooling2D(),
                    keras.layers.Dense(4, activation="softmax"),
                ]
            ),
            folder / "free_size.keras",
        ),
    }


def _same(a, b) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def _assert_paired(initial, orders, seeds_differ=True):
    assert len(initial) == 4
    assert _same(initial[0], initial[1]) and _same(initial[2], initial[3])  # per seed, every arm alike
    assert _same(initial[0], initial[2]) is not seeds_differ
    for key, seen in orders.items():
        assert len(seen) == 2 and seen[0] == seen[1], key


def test_application_names_are_keras_applications():
    assert set(APPLICATIONS) == {name for name in dir(keras.applications) if name[0].isupper()}


@pytest.mark.parametrize(
    "text, kind, name",
    [
        ("small-cnn", "small-cnn", ""),
        ("applications:MobileNetV3Small", "applications", "MobileNetV3Small"),
        ("/data/my model.keras", "file", "my model.keras"),
    ],
)
def test_model_option_is_parsed_and_kept_in_the_spec(text, kind, name):
    model = ModelRef.parse(text)
    assert (model.kind, model.name) == (kind, name)
    spec = RunSpec.from_json(RunSpec(load_ref(), CONFIG, ARMS, model=model).to_json())
    assert spec.model == model


def load_ref():
    from explorer.experiments.records.spec import DatasetRef

    return DatasetRef("demo", "shapes")


@pytest.mark.parametrize(
    "text, message",
    [
        ("applications:mobilenetv3small", "did you mean MobileNetV3Small"),
        ("applications:AlexNet", "not a keras.applications architecture"),
        ("resnet.h5", "small-cnn, applications:NAME"),
    ],
)
def test_unknown_models_are_named_in_the_error(text, message):
    with pytest.raises(ValueError, match=message):
        ModelRef.parse(text)


def test_specs_from_before_model_choice_train_the_small_cnn():
    data = RunSpec(load_ref(), CONFIG, ARMS).to_json()
    del data["model"]
    assert RunSpec.from_json(data).model == ModelRef()


@pytest.mark.slow
def test_small_cnn_arms_are_paired_and_epochs_are_timed(shapes, monkeypatch):
    result, initial, orders = record_training(monkeypatch, shapes, ARMS, TWO_SEEDS, ModelRef())
    _assert_paired(initial, orders)
    assert result.device.startswith(("CPU", "GPU"))
    assert all(len(run) == 1 and run[0] > 0 for history in result.arms.values() for run in history.epoch_seconds)
    saved = json.loads(json.dumps(result.to_json()))
    assert saved["model"]["kind"] == "small-cnn" and saved["device"] == result.device
    assert saved["arms"]["baseline"]["epoch_seconds"] == result.arms["baseline"].epoch_seconds


@pytest.mark.slow
def test_application_builds_are_paired_by_seed_and_grey_images_fill_its_three_channels():
    # Training an architecture traces large graphs (~30 s per fit here): the pairing is
    # checked where it is made, the build after seeding; the batch order does not depend on
    # the model (see the tests above). test_cli_models trains one for real.
    factory = ModelFactory(ModelRef.parse("applications:MobileNetV3Small"), (32, 32, 1), 10, scale_inputs=False)
    builds = []
    for seed in (0, 0, 1):
        keras.utils.set_random_seed(seed)
        builds.append(factory.build().get_weights())
    assert _same(builds[0], builds[1]) and not _same(builds[0], builds[2])
    keras.utils.set_random_seed(0)
    model = factory.build()
    assert model.input_shape == (None, 32, 32, 1) and model.output_shape == (None, 10)
    grey = np.arange(32 * 32, dtype=np.float32).reshape(1, 32, 32, 1) % 256
    rgb = keras.ops.convert_to_numpy(model.get_layer("fit_input")(grey))
    assert rgb.shape == (1, 32, 32, 3) and np.array_equal(rgb[..., 0], rgb[..., 2])


def test_application_preprocess_input_takes_the_place_of_rescale(shapes):
    factory = ModelFactory(ModelRef.parse("applications:ResNet50"), (32, 32, 3), 4, scale_inputs=False)
    factory.note_rescale(1 / 255)
    assert factory.data_config(CONFIG.replace(rescale=1 / 255)).rescale is None
    assert "preprocess_input" in factory.notes[0] and "keras.applications.resnet" in factory.notes[0]
    keras.utils.set_random_seed(0)
    model = factory.build()
    # ResNet's caffe preprocessing subtracts ImageNet's means from BGR: 0..255 in, centred out.
    fit = model.get_layer("fit_input")
    out = keras.ops.convert_to_numpy(fit(np.full((1, 32, 32, 3), 255.0, np.float32)))
    assert np.allclose(out[0, 0, 0], [255 - 103.939, 255 - 116.779, 255 - 123.68], atol=1e-3)
    assert model.output_shape == (None, 4)


def test_small_cnn_keeps_the_users_rescale(shapes):
    factory = ModelFactory(ModelRef(), (32, 32, 3), 4, scale_inputs=False)
    factory.note_rescale(1 / 255)
    assert factory.data_config(CONFIG.replace(rescale=1 / 255)).rescale == pytest.approx(1 / 255)
    assert factory.notes == []


def test_imagenet_weights_missing_from_the_cache_are_named_not_downloaded(tmp_path, monkeypatch):
    from keras.src.backend import config as keras_config

    monkeypatch.setattr(keras_config, "keras_home", lambda: str(tmp_path))
    factory = ModelFactory(
        ModelRef.parse("applications:MobileNetV3Small", weights="imagenet"), (32, 32, 3), 4, scale_inputs=False
    )
    with pytest.raises(InputError, match="not in Keras's cache .*nothing is downloaded"):
        factory.build()
    assert not any(tmp_path.rglob("*.h5"))


def test_no_downloads_restores_keras_after_use():
    from keras.src.utils import file_utils

    original = file_utils.urlretrieve
    with pytest.raises(InputError):
        with no_downloads("x"):
            file_utils.urlretrieve("https://example.invalid/w.h5", "/tmp/w.h5")
    assert file_utils.urlretrieve is original


def test_application_too_small_for_its_input_is_a_clear_error():
    factory = ModelFactory(ModelRef.parse("applications:MobileNetV3Small"), (16, 16, 3), 4, scale_inputs=False)
    with pytest.raises(InputError, match="cannot be built for 16 x 16"):
        factory.build()


@pytest.mark.slow
@pytest.mark.parametrize("start", [FROM_SCRATCH, FROM_WEIGHTS])
def test_model_file_arms_are_paired(shapes, model_files, monkeypatch, start):
    model = ModelRef.parse(model_files["fits"], start=start)
    result, initial, orders = record_training(monkeypatch, shapes, ARMS, TWO_SEEDS, model)
    saved = keras.saving.load_model(model_files["fits"]).get_weights()
    _assert_paired(initial, orders, seeds_differ=start == FROM_SCRATCH)
    assert _same(initial[0], saved) is (start == FROM_WEIGHTS)
    assert len(result.model_notes) == 1 and "no Rescaling or Normalization layer" in result.model_notes[0]


def test_a_model_file_that_scales_its_own_pixels_or_a_config_rescale_gets_no_note(model_files, tmp_path):
    scaled = tmp_path / "scaled.keras"
    keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            keras.layers.Rescaling(1 / 255),
            keras.layers.Flatten(),
            keras.layers.Dense(4, activation="softmax"),
        ]
    ).save(scaled)
    assert ModelFactory(ModelRef.parse(str(scaled)), (32, 32, 3), 4, scale_inputs=True).notes == []
    assert ModelFactory(ModelRef.parse(model_files["fits"]), (32, 32, 3), 4, scale_inputs=False).notes == []
    assert (
        "0..255 pixels" in ModelFactory(ModelRef.parse(model_files["fits"]), (32, 32, 3), 4, scale_inputs=True).notes[0]
    )


def test_model_file_head_is_replaced_when_its_outputs_do_not_fit(model_files):
    factory = ModelFactory(ModelRef.parse(model_files["ten"], start=FROM_WEIGHTS), (32, 32, 3), 4, scale_inputs=False)
    keras.utils.set_random_seed(0)
    model = factory.build()
    assert model.output_shape == (None, 4)
    assert any("10 units" in note and "4 classes" in note for note in factory.notes)
    file_conv = keras.saving.load_model(model_files["ten"]).layers[0].get_weights()
    assert _same(model.get_layer(index=1).get_weights(), file_conv)  # the body keeps the file's weights


def test_model_file_with_logits_is_trained_from_logits(model_files):
    factory = ModelFactory(ModelRef.parse(model_files["logits"]), (32, 32, 3), 4, scale_inputs=False)
    model = factory.build()
    assert factory.loss(model).get_config()["from_logits"] is True
    fits = ModelFactory(ModelRef.parse(model_files["fits"]), (32, 32, 3), 4, scale_inputs=False)
    assert fits.loss(fits.build()).get_config()["from_logits"] is False


def test_model_file_taking_other_channels_is_refused(model_files):
    with pytest.raises(InputError, match="4 channel.*dataset's have 3"):
        ModelFactory(ModelRef.parse(model_files["four_channels"]), (32, 32, 3), 4, scale_inputs=False)


def test_model_file_taking_rgb_gets_grey_images_repeated(model_files):
    factory = ModelFactory(ModelRef.parse(model_files["fits"]), (32, 32, 1), 4, scale_inputs=False)
    model = factory.build()
    assert model.input_shape == (None, 32, 32, 1) and any("grey" in note for note in factory.notes)


def test_model_file_sets_the_image_size_and_free_sizes_keep_the_chosen_one(model_files):
    from explorer.experiments.runs.plan import build_spec

    spec = build_spec(CONFIG, load_ref(), TrainSettings(image_size=48), model=ModelRef.parse(model_files["fits"]))
    assert spec.settings.image_size == 32
    free = build_spec(CONFIG, load_ref(), TrainSettings(image_size=48), model=ModelRef.parse(model_files["free_size"]))
    assert free.settings.image_size == 48
