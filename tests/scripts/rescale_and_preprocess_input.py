"""Transfer learning with MobileNetV2: rescale on top of preprocess_input."""

import tensorflow as tf
from tensorflow.keras.applications import MobileNetV2
from tensorflow.keras.applications.mobilenet_v2 import preprocess_input
from tensorflow.keras.preprocessing.image import ImageDataGenerator

train_datagen = ImageDataGenerator(  # PLANTED: rescale_and_preprocess_input
    preprocessing_function=preprocess_input,
    rescale=1.0 / 255,
    rotation_range=15,
    horizontal_flip=True,
)
val_datagen = ImageDataGenerator(preprocessing_function=preprocess_input)

train_it = train_datagen.flow_from_directory("dataset/train", target_size=(224, 224), batch_size=32)
val_it = val_datagen.flow_from_directory("dataset/val", target_size=(224, 224), batch_size=32)

base = MobileNetV2(input_shape=(224, 224, 3), include_top=False, weights="imagenet")
base.trainable = False
model = tf.keras.Sequential([
    base,
    tf.keras.layers.GlobalAveragePooling2D(),
    tf.keras.layers.Dense(train_it.num_classes, activation="softmax"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(train_it, validation_data=val_it, epochs=5)
