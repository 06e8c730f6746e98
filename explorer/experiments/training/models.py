"""The model every arm trains, built afresh for each arm and seed: our small CNN, a
keras.applications architecture, or the user's .keras file.

Pairing is kept for every kind: `ModelFactory.build` is called right after
`keras.utils.set_random_seed(seed)`, and every weight it creates comes from Keras's seeded
initializers, or from a file that is the same for every arm (a weights file, the user's
model "from these weights"). So the arms of one seed start from identical weights.

What the data need to fit the model is done inside the model, the same for every arm:
a grey image is repeated into the 3 channels an architecture or a file asks for, and an
architecture's own `preprocess_input` runs on the 0..255 images in place of `rescale`.
Nothing is downloaded: ImageNet weights come from Keras's cache or not at all.

Imports Keras (seconds): used by the job worker, the CLI and the notebook API only.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import keras

from ...augment.config import AugmentConfig
from ...errors import InputError
from ..records.spec import APPLICATION, FROM_WEIGHTS, MODEL_FILE, ModelRef
from .model_file import inspect_model_file

SOFTMAX = "softmax"


def build_small_cnn(input_shape: tuple, classes: int, scale_inputs: bool) -> keras.Model:
    """A small CNN: two strided convolutions and a dense layer (about 30 k weights), fast
    enough for 2 arms x 3 seeds x 10 epochs of digits in well under a minute on 2 cores."""
    layers = [keras.Input(input_shape)]
    if scale_inputs:
        layers.append(keras.layers.Rescaling(1 / 255))  # the same for every arm
    layers += [
        keras.layers.Conv2D(16, 3, strides=2, padding="same", activation="relu"),
        keras.layers.Conv2D(32, 3, strides=2, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(classes, activation="softmax"),
    ]
    return keras.Sequential(layers)


class FitInput(keras.layers.Layer):
    """The data made to fit a model's input: grey repeated into RGB, then an architecture's
    `preprocess_input` (keras.applications.<family>), both inside the model so that every
    arm gets the same."""

    def __init__(self, repeat_grey: bool = False, family: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.repeat_grey, self.family = repeat_grey, family

    def call(self, inputs):
        x = keras.ops.cast(inputs, "float32")
        if self.repeat_grey:
            x = keras.ops.concatenate([x, x, x], axis=-1)
        if self.family:
            x = getattr(keras.applications, self.family).preprocess_input(x)
        return x

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], 3) if self.repeat_grey else tuple(input_shape)

    def get_config(self):
        return super().get_config() | {"repeat_grey": self.repeat_grey, "family": self.family}


def application_family(name: str) -> str:
    """The keras.applications module of an architecture ('mobilenet_v3' for MobileNetV3Small):
    where its preprocess_input lives."""
    return getattr(keras.applications, name).__module__.rsplit(".", 1)[-1]


@contextlib.contextmanager
def no_downloads(what: str):
    """Keras's `get_file` finds cached files as usual; a download raises InputError instead."""
    from keras.src.utils import file_utils

    def refuse(origin, target, *args, **kwargs):
        cache = Path(target).parent
        raise InputError(
            f"{what}: the weights file {Path(target).name} is not in Keras's cache ({cache}) and nothing is "
            "downloaded at run time. Copy it there (running keras.applications with weights='imagenet' once on a "
            "machine with internet puts it there), give a weights file of your own, or train from random weights"
        )

    original = file_utils.urlretrieve
    file_utils.urlretrieve = refuse
    try:
        yield
    finally:
        file_utils.urlretrieve = original


@dataclass
class ModelFactory:
    """Builds the run's model for each arm and seed (call `build` after seeding Keras).

    `input_shape` is the dataset's (height, width, channels); `scale_inputs` is whether the
    arms' preprocessing leaves pixels in 0..255 (the small CNN then rescales itself).
    `notes` say what was done to fit the model to the data, in the user's words."""

    ref: ModelRef
    input_shape: tuple
    classes: int
    scale_inputs: bool
    notes: list[str] = field(default_factory=list)
    _loaded: keras.Model | None = None
    _weights: list | None = None

    def __post_init__(self) -> None:
        if self.ref.kind == MODEL_FILE:
            self._load_file()

    @property
    def feeds_raw_pixels(self) -> bool:
        """Whether the images must reach the model in 0..255: an architecture's own
        preprocess_input takes the place of `rescale`."""
        return self.ref.kind == APPLICATION

    def data_config(self, config: AugmentConfig) -> AugmentConfig:
        """The config an arm's images are made with: the user's, minus `rescale` where the
        model's preprocess_input replaces it."""
        if self.feeds_raw_pixels and config.rescale:
            return config.replace(rescale=None)
        return config

    def note_rescale(self, rescale) -> None:
        if self.feeds_raw_pixels and rescale:
            self.notes.append(
                f"rescale={rescale:g} set aside: {self.ref.name}'s preprocess_input "
                f"(keras.applications.{application_family(self.ref.name)}) takes 0..255 images and runs in its place"
            )

    def build(self) -> keras.Model:
        if self.ref.kind == APPLICATION:
            return self._application()
        if self.ref.kind == MODEL_FILE:
            return self._from_file()
        return build_small_cnn(self.input_shape, self.classes, self.scale_inputs)

    def loss(self, model: keras.Model):
        """Sparse cross-entropy on the model's probabilities, or on its logits when its last
        layer has no softmax."""
        logits = _activation_of(model.layers[-1]) not in (SOFTMAX, None)
        return keras.losses.SparseCategoricalCrossentropy(from_logits=logits)

    # -- keras.applications ----------------------------------------------------------------------

    def _application(self) -> keras.Model:
        name, (height, width, channels) = self.ref.name, self.input_shape
        build = getattr(keras.applications, name)
        weights = self.ref.weights or None
        what = f"keras.applications.{name}" + (f" with weights {weights}" if weights else "")
        try:
            with no_downloads(what):
                base = build(include_top=False, weights=weights, input_shape=(height, width, 3), pooling="avg")
        except InputError:
            raise
        except (ValueError, OSError) as error:
            raise InputError(f"{what} cannot be built for {height} x {width} images: {error}") from None
        inputs = keras.Input(self.input_shape)
        x = FitInput(repeat_grey=channels == 1, family=application_family(name), name="fit_input")(inputs)
        outputs = keras.layers.Dense(self.classes, activation="softmax", name="head")(base(x))
        return keras.Model(inputs, outputs, name=f"{name}_for_{self.classes}_classes")

    # -- the user's .keras file ------------------------------------------------------------------

    def _load_file(self) -> None:
        path = Path(self.ref.path)
        inspect_model_file(path, self.ref.name)  # InputError for what safe mode or we cannot take
        try:
            model = keras.saving.load_model(path, compile=False, safe_mode=True)
        except Exception as error:  # Keras raises many kinds for a file it cannot rebuild
            raise InputError(f"{self.ref.name} could not be loaded by Keras (safe mode): {error}") from None
        self._check_input(model)
        self._loaded, self._weights = model, model.get_weights()
        if self.scale_inputs and not _scales_pixels(model):
            self.notes.append(
                f"{self.ref.name} has no Rescaling or Normalization layer and the config no rescale: "
                "it trains on 0..255 pixels, as your ImageDataGenerator line would feed it (set "
                "rescale=1/255 if the model expects 0..1)"
            )

    def _check_input(self, model: keras.Model) -> None:
        shape = tuple(model.inputs[0].shape[1:]) if len(model.inputs) == 1 else None
        if shape is None or len(shape) != 3:
            raise InputError(
                f"{self.ref.name} takes inputs of shape {shape}; images need one input "
                "of shape (height, width, channels)"
            )
        height, width, channels = self.input_shape
        if shape[:2] not in ((height, width), (None, None)):
            raise InputError(
                f"{self.ref.name} takes {shape[0]} x {shape[1]} images; the dataset was loaded at {height} x {width}"
            )
        if shape[2] != channels and not (shape[2] == 3 and channels == 1):
            raise InputError(f"{self.ref.name} takes images with {shape[2]} channel(s); the dataset's have {channels}")
        if shape[2] == 3 and channels == 1:
            self.notes.append(f"the dataset's grey images are repeated into the 3 channels {self.ref.name} takes")

    def _from_file(self) -> keras.Model:
        model = keras.models.clone_model(self._loaded)  # fresh layers, weights from seeded initializers
        if self.ref.start == FROM_WEIGHTS:
            model.set_weights(self._weights)  # every arm starts from the file's weights
        model = self._fit_head(model)
        channels = self.input_shape[2]
        if model.inputs[0].shape[-1] == 3 and channels == 1:
            inputs = keras.Input(self.input_shape)
            model = keras.Model(inputs, model(FitInput(repeat_grey=True, name="fit_input")(inputs)))
        return model

    def _fit_head(self, model: keras.Model) -> keras.Model:
        """The model, or the model with a new softmax head when its output does not give one
        score per class (the head is the last Dense layer and what follows it)."""
        units = model.outputs[0].shape[-1] if len(model.outputs) == 1 else None
        activation = _activation_of(model.layers[-1])
        if units == self.classes and activation in (SOFTMAX, "linear"):
            return model
        dense = next((layer for layer in reversed(model.layers) if isinstance(layer, keras.layers.Dense)), None)
        if dense is None:
            raise InputError(
                f"{self.ref.name} has {units} outputs and no Dense layer to replace with a head "
                f"for the dataset's {self.classes} classes"
            )
        features = dense.input
        head = keras.layers.Dense(self.classes, activation="softmax", name="replaced_head")(features)
        note = (
            f"{self.ref.name}'s output ({units} units, {activation}) was replaced by a softmax head for the "
            f"dataset's {self.classes} classes"
        )
        if note not in self.notes:
            self.notes.append(note)
        return keras.Model(model.inputs, head, name=f"{model.name}_head{self.classes}")


def _scales_pixels(model: keras.Model) -> bool:
    """Whether a model scales its own input: a Rescaling or Normalization layer anywhere in it
    (nested models included)."""
    for layer in model._flatten_layers(include_self=False, recursive=True):
        if isinstance(layer, (keras.layers.Rescaling, keras.layers.Normalization)):
            return True
    return False


def _activation_of(layer) -> str | None:
    """The name of a layer's activation ('softmax', 'linear', ...), None when it has none."""
    if isinstance(layer, keras.layers.Softmax):
        return SOFTMAX
    activation = getattr(layer, "activation", None)
    if activation is None:
        return None
    return getattr(activation, "__name__", str(activation))


def training_device() -> str:
    """What trains, in words: the first GPU TensorFlow sees, else the CPU."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            name = tf.config.experimental.get_device_details(gpus[0]).get("device_name", gpus[0].name)
            more = f" (+{len(gpus) - 1} more, unused)" if len(gpus) > 1 else ""
            return f"GPU: {name}{more}"
    elif keras.backend.backend() == "jax":
        import jax

        device = jax.devices()[0]
        if device.platform != "cpu":
            return f"GPU: {device.device_kind}"
    return f"CPU ({os.cpu_count()} cores)"
