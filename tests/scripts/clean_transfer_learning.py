"""MobileNetV2 with its own preprocess_input, no rescale, and a test set predicted in order."""

import numpy as np
import tensorflow as tf
from sklearn.metrics import classification_report
from tensorflow.keras.applications import mobilenet_v2
from tensorflow.keras.preprocessing.image import ImageDataGenerator

train_datagen = ImageDataGenerator(
    preprocessing_function=mobilenet_v2.preprocess_input,
    rotation_range=15,
    horizontal_flip=True,
    validation_split=0.2,
)
val_datagen = ImageDataGenerator(preprocessing_function=mobilenet_v2.preprocess_input, validation_split=0.2)

train_it = train_datagen.flow_from_directory("birds", target_size=(224, 224), subset="training", seed=7)
val_it = val_datagen.flow_from_directory("birds", target_size=(224, 224), subset="validation", seed=7)
test_it = val_datagen.flow_from_directory("birds_test", target_size=(224, 224), shuffle=False)

base = mobilenet_v2.MobileNetV2(include_top=False, weights="imagenet", input_shape=(224, 224, 3))
base.trainable = False
model = tf.keras.Sequential([
    base,
    tf.keras.layers.GlobalAveragePooling2D(),
    tf.keras.layers.Dense(train_it.num_classes, activation="softmax"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(train_it, validation_data=val_it, epochs=5)

predicted = np.argmax(model.predict(test_it), axis=1)
print(classification_report(test_it.classes, predicted))
