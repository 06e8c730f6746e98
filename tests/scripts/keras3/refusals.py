"""What Keras refuses and what cannot be read without running the code: each is a finding on
its line, and the other layers are still taken."""

import random

import keras

Z = 0.3
rotation = random.uniform(0.1, 0.2)

augmentation = keras.Sequential(
    [
        keras.layers.RandomFlip(mode="sideways"),  # LAYER: RandomFlip (Keras takes any mode, and flips nothing)
        keras.layers.RandomRotation(0.1, data_format="NHWC"),  # FINDING: keras_refuses
        keras.layers.RandomRotation(rotation),  # FINDING: unresolved_argument
        keras.layers.RandomZoom(Z, fill_mod="nearest"),  # FINDING: keras_refuses
        keras.layers.RandomFlip("horizontal", None, None, 4),  # FINDING: keras_refuses
        keras.layers.RandomTranslation(0.1),  # FINDING: keras_refuses
        keras.layers.RandomZoom(Z, name="zoom", trainable=False),  # LAYER: RandomZoom
        keras.layers.RandomContrast(factor=1.5),  # FINDING: keras_refuses
        keras.layers.RandomBrightness(0.2, value_range=[0.0, 1.0]),  # LAYER: RandomBrightness
    ]
)
