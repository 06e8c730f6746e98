"""Settings read from a config file as strings: horizontal_flip="False" still flips."""

import tensorflow as tf
from tensorflow.keras.preprocessing.image import ImageDataGenerator

train_datagen = ImageDataGenerator(rescale=1.0 / 255, rotation_range=5, horizontal_flip="False")  # PLANTED: string_flag
val_datagen = ImageDataGenerator(rescale=1.0 / 255)

train_gen = train_datagen.flow_from_directory("digits/train", target_size=(64, 64), color_mode="grayscale")
val_gen = val_datagen.flow_from_directory("digits/val", target_size=(64, 64), color_mode="grayscale")

model = tf.keras.Sequential([
    tf.keras.layers.Input(shape=(64, 64, 1)),
    tf.keras.layers.Conv2D(16, 3, activation="relu"),
    tf.keras.layers.GlobalAveragePooling2D(),
    tf.keras.layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(train_gen, validation_data=val_gen, epochs=10)
