"""The article's example 1 (over-augmentation), with a separate, unaugmented validation generator."""

import tensorflow as tf
from tensorflow.keras.preprocessing.image import ImageDataGenerator

(x_train, y_train), (x_val, y_val) = tf.keras.datasets.cifar10.load_data()

datagen = ImageDataGenerator(
    rotation_range=40,  # Excessive rotation
    width_shift_range=0.2,  # Significant width shifting
    height_shift_range=0.2,  # Significant height shifting
    shear_range=0.2,  # Exaggerated shear
    zoom_range=0.2,  # High zoom level
    horizontal_flip=True,
    fill_mode="nearest",
)
val_datagen = ImageDataGenerator()

model = tf.keras.Sequential([
    tf.keras.layers.Input(shape=(32, 32, 3)),
    tf.keras.layers.Rescaling(1.0 / 255),
    tf.keras.layers.Conv2D(32, 3, activation="relu"),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(
    datagen.flow(x_train, y_train, batch_size=64),
    validation_data=val_datagen.flow(x_val, y_val, batch_size=64),
    epochs=30,
)
