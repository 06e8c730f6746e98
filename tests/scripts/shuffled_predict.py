"""A test set scored with a confusion matrix, predicted through a shuffling iterator."""

import numpy as np
import tensorflow as tf
from sklearn.metrics import classification_report, confusion_matrix
from tensorflow.keras.preprocessing.image import ImageDataGenerator

train_datagen = ImageDataGenerator(rescale=1.0 / 255, rotation_range=10, horizontal_flip=True)
test_datagen = ImageDataGenerator(rescale=1.0 / 255)

train_generator = train_datagen.flow_from_directory("chest_xray/train", target_size=(128, 128), batch_size=32)
val_generator = test_datagen.flow_from_directory("chest_xray/val", target_size=(128, 128), batch_size=32)
test_generator = test_datagen.flow_from_directory("chest_xray/test", target_size=(128, 128), batch_size=32)

model = tf.keras.Sequential([
    tf.keras.layers.Input(shape=(128, 128, 3)),
    tf.keras.layers.Conv2D(32, 3, activation="relu"),
    tf.keras.layers.GlobalAveragePooling2D(),
    tf.keras.layers.Dense(2, activation="softmax"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(train_generator, validation_data=val_generator, epochs=10)

predictions = model.predict(test_generator)  # PLANTED: shuffled_predict
predicted_classes = np.argmax(predictions, axis=1)
print(confusion_matrix(test_generator.classes, predicted_classes))
print(classification_report(test_generator.classes, predicted_classes))
