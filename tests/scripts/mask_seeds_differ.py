"""Segmentation as in the Keras docs, but the image and mask iterators get different seeds."""

import tensorflow as tf
from tensorflow.keras.preprocessing.image import ImageDataGenerator

data_gen_args = dict(
    rotation_range=90,
    width_shift_range=0.1,
    height_shift_range=0.1,
    zoom_range=0.2,
)
image_datagen = ImageDataGenerator(**data_gen_args)
mask_datagen = ImageDataGenerator(**data_gen_args)

image_generator = image_datagen.flow_from_directory("data/images", class_mode=None, seed=1)
mask_generator = mask_datagen.flow_from_directory("data/masks", class_mode=None, seed=2)
train_generator = zip(image_generator, mask_generator)  # PLANTED: mask_pair_mismatch

inputs = tf.keras.Input(shape=(256, 256, 3))
x = tf.keras.layers.Conv2D(16, 3, padding="same", activation="relu")(inputs)
outputs = tf.keras.layers.Conv2D(3, 1, activation="sigmoid")(x)
model = tf.keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(train_generator, steps_per_epoch=2000, epochs=50)
