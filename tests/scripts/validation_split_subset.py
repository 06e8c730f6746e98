"""Flowers from one folder, split with validation_split: the validation subset is augmented."""

import tensorflow as tf
from tensorflow.keras.preprocessing.image import ImageDataGenerator

DATA_DIR = "flower_photos"

datagen = ImageDataGenerator(
    rescale=1.0 / 255,
    rotation_range=30,
    zoom_range=[0.9, 1.0],
    horizontal_flip=True,
    validation_split=0.2,
)

train_gen = datagen.flow_from_directory(
    DATA_DIR, target_size=(224, 224), batch_size=32, subset="training"
)
val_gen = datagen.flow_from_directory(  # PLANTED: validation_augmented
    DATA_DIR, target_size=(224, 224), batch_size=32, subset="validation"
)

model = tf.keras.Sequential([
    tf.keras.layers.Input(shape=(224, 224, 3)),
    tf.keras.layers.Conv2D(16, 3, activation="relu"),
    tf.keras.layers.GlobalAveragePooling2D(),
    tf.keras.layers.Dense(5, activation="softmax"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(train_gen, validation_data=val_gen, epochs=10)
