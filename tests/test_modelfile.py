"""explorer.experiments.training.model_file: a user's .keras file is inspected without Keras, and every
hostile or unusable file is refused with one sentence that names it, the problem and the fix.

The model files are real: saved by Keras 3 once per module into a temporary folder. Hostile
archives are written by hand with zipfile.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import warnings
import zipfile
from pathlib import Path

import pytest

from explorer.errors import InputError
from explorer.experiments.training import model_file as model_file_module
from explorer.experiments.training.model_file import ModelFileInfo, inspect_model_file
from hostile_files import dataset_corpus, image_corpus

ROOT = Path(__file__).resolve().parents[1]


# -- model files --------------------------------------------------------------------------------


def _models(keras) -> dict:
    """name -> a function building the model (called only for the files a test asks for)."""
    L = keras.layers

    def image_input(shape=(32, 32, 3)):
        return keras.Input(shape)

    def functional(body, shape=(32, 32, 3)):
        inputs = image_input(shape)
        return keras.Model(inputs, body(inputs))

    def trunk():
        return keras.Sequential([image_input(), L.Conv2D(4, 3), L.GlobalAveragePooling2D()])

    def mobilenet_with_head():
        base = keras.applications.MobileNetV3Small(
            weights=None, input_shape=(96, 96, 3), include_top=False, pooling="avg"
        )
        return functional(lambda x: L.Dense(4, activation="softmax")(base(x)), (96, 96, 3))

    return {
        "sequential": lambda: keras.Sequential(
            [image_input(), L.Conv2D(4, 3), L.GlobalAveragePooling2D(), L.Dense(5, activation="softmax")]
        ),
        "functional_logits": lambda: functional(
            lambda x: L.Dense(3)(L.GlobalAveragePooling2D()(L.Conv2D(4, 3)(x))), (64, 64, 3)
        ),
        "nested": lambda: functional(lambda x: L.Dense(2, activation="sigmoid")(trunk()(x))),
        "output_from_nested": lambda: functional(
            lambda x: keras.Sequential([image_input(), L.Flatten(), L.Dense(6, activation="softmax")])(x)
        ),
        "activation_layer": lambda: keras.Sequential([image_input(), L.Flatten(), L.Dense(7), L.Activation("softmax")]),
        "softmax_layer": lambda: keras.Sequential([image_input(), L.Flatten(), L.Dense(8), L.Softmax()]),
        "functional_activation_layer": lambda: functional(
            lambda x: L.Activation("sigmoid")(L.Dense(9)(L.Flatten()(x)))
        ),
        "free_size": lambda: keras.Sequential([image_input((None, None, 1)), L.GlobalAveragePooling2D(), L.Dense(3)]),
        "mobilenet": mobilenet_with_head,
        "lambda": lambda: keras.Sequential(
            [image_input(), L.Lambda(lambda x: x * 2, name="double"), L.Flatten(), L.Dense(5)]
        ),
        "nested_lambda": lambda: functional(
            lambda x: L.Dense(2)(
                keras.Sequential([image_input(), L.Lambda(lambda t: t + 1, name="shift"), L.Flatten()])(x)
            )
        ),
        "lambda_activation": lambda: keras.Sequential(
            [image_input(), L.Flatten(), L.Dense(5, activation=lambda x: x, name="head")]
        ),
        "two_inputs": lambda: _two_inputs(keras),
        "vectors": lambda: keras.Sequential([keras.Input((784,)), L.Dense(10, activation="softmax")]),
    }


def _two_inputs(keras):
    left, right = keras.Input((8, 8, 3)), keras.Input((8, 8, 3))
    merged = keras.layers.Concatenate()([left, right])
    return keras.Model([left, right], keras.layers.Dense(1)(keras.layers.Flatten()(merged)))


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    """model_file("sequential") -> the path of that model saved by Keras (saved once per module)."""
    keras = pytest.importorskip("keras")
    folder, builders, saved = tmp_path_factory.mktemp("models"), _models(keras), {}

    def get(name: str) -> Path:
        if name not in saved:
            path = folder / f"{name}.keras"
            with warnings.catch_warnings():  # Keras warns when it serializes a lambda: that is the point here
                warnings.simplefilter("ignore")
                builders[name]().save(path)
            saved[name] = path
        return saved[name]

    return get


def _zip(members: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return buffer.getvalue()


def _config_zip(config) -> bytes:
    return _zip({"config.json": json.dumps(config), "metadata.json": '{"keras_version": "3.15.1"}'})


def _refused(source, *fragments: str, name: str | None = None) -> str:
    with pytest.raises(InputError) as caught:
        inspect_model_file(source, name)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message
    return message


# -- models that pass ---------------------------------------------------------------------------


def test_sequential_model_reports_input_shape_outputs_and_softmax(model_file):
    info = inspect_model_file(model_file("sequential"))
    assert info == ModelFileInfo(
        name="sequential.keras",
        class_name="Sequential",
        input_shape=(32, 32, 3),
        outputs=5,
        output_activation="softmax",
        layers=3,
        keras_version=info.keras_version,
    )
    assert info.keras_version and info.keras_version.startswith("3.")


def test_functional_model_with_logits_reports_linear_activation(model_file):
    info = inspect_model_file(model_file("functional_logits"))
    assert (info.class_name, info.input_shape, info.outputs, info.output_activation) == (
        "Functional",
        (64, 64, 3),
        3,
        "linear",
    )
    assert info.layers == 3  # Conv2D, pooling, Dense: the input layer is not counted


def test_sequential_inside_functional_is_read_through(model_file):
    info = inspect_model_file(model_file("nested"))
    assert (info.input_shape, info.outputs, info.output_activation, info.layers) == ((32, 32, 3), 2, "sigmoid", 2)


def test_output_of_a_nested_model_is_followed_into_it(model_file):
    info = inspect_model_file(model_file("output_from_nested"))
    assert (info.input_shape, info.outputs, info.output_activation) == ((32, 32, 3), 6, "softmax")


@pytest.mark.parametrize(
    ("model", "units", "activation"),
    [
        ("activation_layer", 7, "softmax"),
        ("softmax_layer", 8, "softmax"),
        ("functional_activation_layer", 9, "sigmoid"),
    ],
)
def test_separate_activation_layer_gives_the_activation_and_the_units_of_the_dense_before_it(
    model_file, model, units, activation
):
    info = inspect_model_file(model_file(model))
    assert (info.outputs, info.output_activation) == (units, activation)


def test_free_image_size_is_none_in_the_input_shape(model_file):
    assert inspect_model_file(model_file("free_size")).input_shape == (None, None, 1)


def test_mobilenet_backbone_with_a_head_is_inspected_quickly(model_file):
    path = model_file("mobilenet")
    start = time.perf_counter()
    info = inspect_model_file(path)
    assert time.perf_counter() - start < 1.0  # the config is ~160 KB of JSON; no Keras involved
    assert (info.input_shape, info.outputs, info.output_activation) == ((96, 96, 3), 4, "softmax")


def test_bytes_str_and_path_give_the_same_description(model_file):
    path = model_file("sequential")
    from_path = inspect_model_file(path)
    assert inspect_model_file(str(path)) == from_path
    assert inspect_model_file(path.read_bytes(), "sequential.keras") == from_path
    assert inspect_model_file(path.read_bytes()).name == "the model file"


def test_registered_and_object_activations_are_reported_by_name():
    def model(activation):
        return {
            "module": "keras",
            "class_name": "Sequential",
            "config": {
                "layers": [
                    {"class_name": "InputLayer", "config": {"batch_shape": [None, 8, 8, 3]}},
                    {"class_name": "Dense", "config": {"units": 4, "activation": activation}},
                ]
            },
        }

    registered = {"module": "builtins", "class_name": "function", "config": "my>swishy", "registered_name": "function"}
    layer = {"module": "keras.layers", "class_name": "LeakyReLU", "config": {"negative_slope": 0.3}}
    assert inspect_model_file(_config_zip(model(registered))).output_activation == "my>swishy"
    assert inspect_model_file(_config_zip(model(layer))).output_activation == "LeakyReLU"


def test_unknown_layout_gives_none_fields_instead_of_failing():
    unbuilt = {
        "module": "keras",
        "class_name": "Sequential",
        "config": {
            "layers": [{"class_name": "Flatten", "config": {}}, {"class_name": "GlobalAveragePooling2D", "config": {}}]
        },
    }
    info = inspect_model_file(_zip({"config.json": json.dumps(unbuilt)}), "odd.keras")
    assert (info.input_shape, info.outputs, info.output_activation, info.keras_version) == (None, None, None, None)
    bare = inspect_model_file(_config_zip({"class_name": "Functional", "config": "junk"}))
    assert (bare.input_shape, bare.outputs, bare.layers) == (None, None, 0)


def test_model_with_several_outputs_has_no_single_output_count():
    config = {
        "class_name": "Functional",
        "config": {
            "layers": [
                {"name": "in", "class_name": "InputLayer", "config": {"batch_shape": [None, 8, 8, 3]}},
                {"name": "a", "class_name": "Dense", "config": {"units": 2}},
                {"name": "b", "class_name": "Dense", "config": {"units": 3}},
            ],
            "input_layers": ["in", 0, 0],
            "output_layers": [["a", 0, 0], ["b", 0, 0]],
        },
    }
    info = inspect_model_file(_config_zip(config))
    assert (info.input_shape, info.outputs) == ((8, 8, 3), None)


# -- code stored in the file --------------------------------------------------------------------


def test_lambda_layer_is_refused_with_safe_mode_reason(model_file):
    _refused(
        model_file("lambda"),
        "lambda.keras",
        "Lambda layer, 'double'",
        "safe mode refuses",
        "runs code stored in the file",
        "register_keras_serializable",
    )


def test_lambda_layer_inside_a_nested_model_is_refused(model_file):
    _refused(model_file("nested_lambda"), "Lambda layer, 'shift'", "safe mode refuses")


def test_lambda_given_as_an_activation_is_refused(model_file):
    _refused(model_file("lambda_activation"), "Python lambda in layer 'head'", "safe mode refuses")


def test_keras_safe_mode_refuses_what_the_inspector_refuses_and_loads_what_it_accepts(model_file):
    keras = pytest.importorskip("keras")
    for refused in ("lambda", "nested_lambda", "lambda_activation"):
        with pytest.raises(Exception):  # noqa: B017 - Keras raises ValueError or TypeError
            keras.saving.load_model(model_file(refused), safe_mode=True)
    assert keras.saving.load_model(model_file("nested"), safe_mode=True).output_shape == (None, 2)


# -- files that are not .keras models -----------------------------------------------------------


def test_hdf5_model_is_refused_with_the_keras3_save_hint(tmp_path):
    h5py = pytest.importorskip("h5py")
    path = tmp_path / "old_model.h5"
    with h5py.File(path, "w") as file:
        file.attrs["keras_version"] = "2.15.0"
    _refused(path, "old_model.h5", "legacy HDF5 (.h5)", 'model.save("model.keras")', "Keras 3")
    _refused(b"\x89HDF\r\n\x1a\n" + bytes(100), "HDF5", name="weights.h5")


@pytest.mark.parametrize("data", [os.urandom(4096), b"", b"PK\x03\x04 truncated"], ids=["random", "empty", "stub"])
def test_bytes_that_are_not_a_zip_are_not_a_keras_model_file(data):
    _refused(
        data,
        "upload.keras",
        "not a Keras model file (.keras is a zip archive holding config.json)",
        name="upload.keras",
    )


def test_truncated_keras_file_is_refused(model_file):
    data = model_file("sequential").read_bytes()
    _refused(data[: len(data) // 2], "not a Keras model file", name="cut.keras")


def test_hostile_images_and_archives_are_not_keras_model_files():
    for name, data in {**image_corpus(), **dataset_corpus()}.items():
        _refused(data, name, "not a Keras model file", name=name)


def test_encrypted_config_json_is_refused_as_damaged():
    data = bytearray(_config_zip({"class_name": "Sequential", "config": {}}))
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # local and central headers
        start = -1
        while (start := data.find(signature, start + 1)) >= 0:
            data[start + flags_at] |= 0x01  # "encrypted": zipfile then asks for a password
    _refused(bytes(data), "not a Keras model file", name="locked.keras")


def test_zip_without_config_json_is_not_a_keras_model_file():
    dataset = _zip({"cats/1.png": b"\x89PNG", "dogs/1.png": b"\x89PNG"})
    _refused(dataset, "pets.zip", "without config.json", "not a Keras model file", name="pets.zip")


def test_config_json_over_the_cap_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setattr(model_file_module, "MAX_CONFIG_BYTES", 1000)
    bomb = _zip({"config.json": " " * 50_000 + "{}"})  # compresses to a few hundred bytes
    assert len(bomb) < 1000
    _refused(bomb, "bomb.keras", "config.json unpacks to", "limit", name="bomb.keras")


def test_file_over_the_size_limit_is_refused_with_both_sizes_in_mb(monkeypatch, model_file):
    monkeypatch.setattr(model_file_module, "MAX_MODEL_BYTES", 2**20)
    big = bytes(3 * 2**20)
    _refused(big, "big.keras is 3.0 MB, over the 1.0 MB limit", name="big.keras")
    monkeypatch.setattr(model_file_module, "MAX_MODEL_BYTES", 1000)
    _refused(model_file("sequential"), "sequential.keras is", " MB, over the ", "MB limit")


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
        ('["a", "list"]', "holds a JSON list, not a model description"),
    ],
)
def test_config_that_is_not_a_json_object_is_refused(config, fragment):
    _refused(_zip({"config.json": config}), "broken.keras", fragment, name="broken.keras")


def test_single_saved_layer_is_not_a_model():
    layer = {"module": "keras.layers", "class_name": "Dense", "config": {"units": 3}, "registered_name": None}
    _refused(_config_zip(layer), "dense.keras holds a single Dense layer, not a model", name="dense.keras")


def test_config_without_a_class_name_is_refused():
    _refused(
        _config_zip({"config": {"layers": []}}), "nameless.keras: its config.json names no class", name="nameless.keras"
    )


def test_custom_model_class_is_refused():
    custom = {"module": None, "class_name": "MyNet", "config": {}, "registered_name": "MyNet"}
    _refused(_config_zip(custom), "custom class 'MyNet'", "keras.Sequential", name="mynet.keras")


def test_two_input_model_is_refused(model_file):
    _refused(model_file("two_inputs"), "two_inputs.keras takes 2 inputs; images need one")


def test_vector_input_model_is_refused_with_its_shape(model_file):
    _refused(model_file("vectors"), "takes inputs of shape (784,); images need (height, width, channels)")


def test_missing_path_is_an_input_error(tmp_path):
    _refused(tmp_path / "nowhere.keras", "nowhere.keras: no such file")
    _refused(tmp_path, "no such file")


def test_inspecting_does_not_import_keras_or_tensorflow():
    code = (
        "import explorer.experiments.training.model_file, sys; "
        "assert 'keras' not in sys.modules and 'tensorflow' not in sys.modules"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
