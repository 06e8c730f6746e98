"""A stack applied in tf.data maps: on the training data, and (wrongly) on the validation data
with training=True, so validation images are augmented too."""

import tensorflow as tf
from tensorflow.keras import layers as L

AUTOTUNE = tf.data.AUTOTUNE
ROTATION = 20 / 360
ZOOM = 0.2
SEED = 42

augment = tf.keras.Sequential(
    [
        L.RandomFlip("horizontal_and_vertical", seed=SEED),  # LAYER: RandomFlip
        L.RandomRotation(ROTATION, fill_mode="nearest"),  # LAYER: RandomRotation
        L.RandomTranslation(0.1, -0.1, fill_mode="constant", fill_value=0.0),  # LAYER: RandomTranslation
        L.RandomZoom(ZOOM, ZOOM, interpolation="nearest"),  # LAYER: RandomZoom
        L.RandomContrast(0.2),  # LAYER: RandomContrast
        L.RandomBrightness(factor=-0.1, value_range=(0, 255)),  # LAYER: RandomBrightness
    ]
)

train_ds = tf.keras.utils.image_dataset_from_directory("flowers", subset="training", validation_split=0.2, seed=1)
val_ds = tf.keras.utils.image_dataset_from_directory("flowers", subset="validation", validation_split=0.2, seed=1)

train_ds = train_ds.map(lambda x, y: (augment(x, training=True), y), num_parallel_calls=AUTOTUNE)  # PLACED: map
val_ds = val_ds.map(lambda x, y: (augment(x, training=True), y), num_parallel_calls=AUTOTUNE)  # PLACED: map validation

model = tf.keras.Sequential([L.Rescaling(1.0 / 255), L.Conv2D(16, 3, activation="relu"), L.Flatten(), L.Dense(5)])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(train_ds, validation_data=val_ds, epochs=10)
