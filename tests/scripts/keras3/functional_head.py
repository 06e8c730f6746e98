"""The augmentation layers at the head of a functional model, written one call at a time."""

from keras import Input, Model, layers

inputs = Input(shape=(224, 224, 3))
x = layers.RandomFlip("horizontal")(inputs)  # LAYER: RandomFlip, PLACED: model
x = layers.RandomRotation(  # LAYER: RandomRotation
    factor=(-0.05, 0.05),
    fill_mode="constant",
)(x)
x = layers.RandomContrast(0.1)(x)  # LAYER: RandomContrast
x = layers.Rescaling(1.0 / 255)(x)  # LAYER: Rescaling
x = layers.Conv2D(32, 3, activation="relu")(x)
x = layers.RandomFlip("vertical")(x)  # mid-model: not part of the head
x = layers.GlobalAveragePooling2D()(x)
outputs = layers.Dense(10, activation="softmax")(x)
model = Model(inputs, outputs)
