"""Keras's current "Image classification from scratch": a list of layers, a function that runs
them in turn, applied in a tf.data map on the training data only."""

import keras
from keras import layers
from tensorflow import data as tf_data

data_augmentation_layers = [
    layers.RandomFlip("horizontal"),  # LAYER: RandomFlip
    layers.RandomRotation(0.1),  # LAYER: RandomRotation
]


def data_augmentation(images):
    for layer in data_augmentation_layers:
        images = layer(images)
    return images


train_ds, val_ds = keras.utils.image_dataset_from_directory(
    "PetImages", validation_split=0.2, subset="both", seed=1337, image_size=(180, 180), batch_size=128
)
train_ds = train_ds.map(  # PLACED: map
    lambda img, label: (data_augmentation(img), label),
    num_parallel_calls=tf_data.AUTOTUNE,
)
