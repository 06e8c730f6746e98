"""The article's example 3 (lighting), with a separate, unaugmented validation generator."""

import tensorflow as tf
from tensorflow.keras.preprocessing.image import ImageDataGenerator

datagen = ImageDataGenerator(
    brightness_range=[0.8, 1.2],  # Adjust brightness
    channel_shift_range=0.1,  # Adjust color channels
    horizontal_flip=True,
    rescale=1.0 / 255,
)
val_datagen = ImageDataGenerator(rescale=1.0 / 255)

train_generator = datagen.flow_from_directory("lighting/train", target_size=(96, 96), batch_size=32)
val_generator = val_datagen.flow_from_directory("lighting/val", target_size=(96, 96), batch_size=32)

model = tf.keras.Sequential([
    tf.keras.layers.Input(shape=(96, 96, 3)),
    tf.keras.layers.Conv2D(32, 3, activation="relu"),
    tf.keras.layers.GlobalAveragePooling2D(),
    tf.keras.layers.Dense(train_generator.num_classes, activation="softmax"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(train_generator, validation_data=val_generator, epochs=15)
