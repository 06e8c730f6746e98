"""brightness_range given as one number: ImageDataGenerator refuses it."""

import tensorflow as tf
from tensorflow.keras.preprocessing.image import ImageDataGenerator

train_datagen = ImageDataGenerator(rescale=1.0 / 255, brightness_range=0.2)  # PLANTED: idg_refuses
val_datagen = ImageDataGenerator(rescale=1.0 / 255)

train_gen = train_datagen.flow_from_directory("photos/train", target_size=(96, 96))
val_gen = val_datagen.flow_from_directory("photos/val", target_size=(96, 96))

model = tf.keras.applications.EfficientNetB0(weights=None, classes=train_gen.num_classes, input_shape=(96, 96, 3))
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(train_gen, validation_data=val_gen, epochs=10)
