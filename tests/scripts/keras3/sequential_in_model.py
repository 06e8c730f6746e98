"""Keras's "Image classification from scratch" style: a Sequential of augmentation layers used as
the first step of a functional model (active only in fit), and once to plot augmented images."""

import keras
import matplotlib.pyplot as plt
from keras import layers

image_size = (180, 180)

data_augmentation = keras.Sequential(
    [
        layers.RandomFlip("horizontal"),  # LAYER: RandomFlip
        layers.RandomRotation(0.1),  # LAYER: RandomRotation
        layers.RandomZoom(height_factor=(-0.2, 0.1), width_factor=None),  # LAYER: RandomZoom
    ],
    name="data_augmentation",
)

train_ds = keras.utils.image_dataset_from_directory(
    "PetImages", validation_split=0.2, subset="training", seed=1337, image_size=image_size
)

plt.figure(figsize=(10, 10))
for images, _ in train_ds.take(1):
    for i in range(9):
        augmented_images = data_augmentation(images)  # PLACED: call
        ax = plt.subplot(3, 3, i + 1)
        plt.imshow(augmented_images[0].numpy().astype("uint8"))

inputs = keras.Input(shape=image_size + (3,))
x = data_augmentation(inputs)  # PLACED: model
x = layers.Rescaling(1.0 / 255)(x)
x = layers.Conv2D(32, 3, activation="relu")(x)
x = layers.GlobalAveragePooling2D()(x)
outputs = layers.Dense(1)(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(train_ds, epochs=25)
