"""Image and mask generators with the same seed but different geometric settings."""

import tensorflow as tf
from tensorflow.keras.preprocessing.image import ImageDataGenerator

SEED = 42

image_datagen = ImageDataGenerator(rotation_range=20, horizontal_flip=True, rescale=1.0 / 255)
mask_datagen = ImageDataGenerator(rotation_range=20, rescale=1.0 / 255)

image_it = image_datagen.flow_from_directory("seg/images", class_mode=None, seed=SEED, target_size=(128, 128))
mask_it = mask_datagen.flow_from_directory(  # PLANTED: mask_pair_mismatch
    "seg/masks", class_mode=None, seed=SEED, target_size=(128, 128), color_mode="grayscale"
)


def pairs():
    while True:
        yield next(image_it), next(mask_it)


inputs = tf.keras.Input(shape=(128, 128, 3))
outputs = tf.keras.layers.Conv2D(1, 1, activation="sigmoid")(inputs)
model = tf.keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(pairs(), steps_per_epoch=100, epochs=5)
