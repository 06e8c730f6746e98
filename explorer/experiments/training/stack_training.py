"""Training with a Keras 3 stack as users do: the real layers at the head of the model, or
in a `tf.data` map over the training batches (`records.stack_arm`).

The layers are built from the stack's arguments (`keras.layers.X(**arguments)`) after the
model, so every arm of a seed still starts from the same weights; their draws follow the
seed too (Keras seeds them from the global seed set before the model is built).

Imports Keras and TensorFlow (seconds): used by `fit` only.
"""

from __future__ import annotations

from collections.abc import Iterator

import keras
import numpy as np
import tensorflow as tf

from ...augment.keras3 import Stack
from ...errors import InputError
from ..records.stack_arm import IN_MAP, IN_MODEL, StackArm


def keras_layers(stack: Stack) -> list[keras.layers.Layer]:
    """The real Keras layers of a reproduced stack, with the same arguments."""
    return [getattr(keras.layers, layer.layer_name())(**layer.arguments()) for layer in stack.layers]


def check_size(arm: StackArm, image_shape: tuple[int, ...]) -> None:
    """InputError when the stack changes the image size (RandomCrop, Resizing, CenterCrop to
    another size): every arm trains the same model, on the training images' size."""
    height, width, _ = image_shape
    rng = np.random.default_rng(0)
    out, changing = np.zeros(image_shape, np.float32), None
    for layer in arm.stack.layers:  # one pass: the final size, and the first layer that changed it
        resized = layer.apply(out, layer.draw(rng, out.shape[0], out.shape[1]))
        changing = changing or (layer.call_text() if resized.shape[:2] != out.shape[:2] else None)
        out = resized
    if out.shape[:2] != (height, width):
        raise InputError(
            f"{changing} makes {out.shape[0]} x {out.shape[1]} images from the {height} x {width} training "
            "images, and every arm trains the same model on one size: set the image size to the size "
            "the stack makes (and take the crop out), or compare the stack without it"
        )


def with_stack(model: keras.Model, arm: StackArm) -> keras.Model:
    """IN_MODEL: the layers ahead of `model` in one model (idle when it predicts); IN_MAP:
    `model` as it is (the layers run in the data pipeline, `mapped`)."""
    if arm.placement != IN_MODEL:
        return model
    inputs = keras.Input(shape=model.input_shape[1:])
    x = inputs
    for layer in keras_layers(arm.stack):
        x = layer(x)
    return keras.Model(inputs, model(x), name=f"{model.name}_with_augmentation")


def mapped(batches, arm: StackArm, image_shape: tuple[int, ...]) -> tf.data.Dataset | Iterator:
    """IN_MAP: the training batches as a `tf.data.Dataset` mapped through the layers in
    training mode, as `train_ds.map(lambda x, y: (aug(x, training=True), y))` does; IN_MODEL:
    the batches as they are."""
    if arm.placement != IN_MAP:
        return batches
    augment = keras.Sequential(keras_layers(arm.stack))
    signature = (
        tf.TensorSpec((None, *image_shape), tf.float32),
        tf.TensorSpec((None,), tf.int64),
    )
    dataset = tf.data.Dataset.from_generator(
        lambda: ((np.asarray(x, np.float32), np.asarray(y, np.int64)) for x, y in batches), output_signature=signature
    )
    return dataset.map(lambda x, y: (augment(x, training=True), y))
