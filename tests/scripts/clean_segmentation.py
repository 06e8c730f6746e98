"""The Keras docs' segmentation example done right: one dict of settings, one seed, fit first."""

import numpy as np
import tensorflow as tf
from tensorflow.keras.preprocessing.image import ImageDataGenerator

images = np.load("images.npy")
masks = np.load("masks.npy")

data_gen_args = dict(
    featurewise_center=True,
    featurewise_std_normalization=True,
    rotation_range=90,
    width_shift_range=0.1,
    height_shift_range=0.1,
    zoom_range=0.2,
)
image_datagen = ImageDataGenerator(**data_gen_args)
mask_datagen = ImageDataGenerator(**data_gen_args)

seed = 1
image_datagen.fit(images, augment=True, seed=seed)
mask_datagen.fit(masks, augment=True, seed=seed)

image_generator = image_datagen.flow_from_directory("data/images", class_mode=None, seed=seed)
mask_generator = mask_datagen.flow_from_directory("data/masks", class_mode=None, seed=seed)
train_generator = zip(image_generator, mask_generator)

inputs = tf.keras.Input(shape=(256, 256, 3))
outputs = tf.keras.layers.Conv2D(3, 1, activation="sigmoid")(inputs)
model = tf.keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(train_generator, steps_per_epoch=2000, epochs=50)
