"""Fine-tuning MobileNetV2 with ResNet50's preprocess_input."""

import tensorflow as tf
from tensorflow.keras.applications.resnet50 import preprocess_input
from tensorflow.keras.preprocessing.image import ImageDataGenerator

train_datagen = ImageDataGenerator(
    preprocessing_function=preprocess_input,  # PLANTED: preprocess_input_family_mismatch
    rotation_range=10,
    horizontal_flip=True,
)
test_datagen = ImageDataGenerator(preprocessing_function=preprocess_input)

train_generator = train_datagen.flow_from_directory("images/train", target_size=(224, 224))
validation_generator = test_datagen.flow_from_directory("images/val", target_size=(224, 224))

base_model = tf.keras.applications.MobileNetV2(weights="imagenet", include_top=False, input_shape=(224, 224, 3))
x = tf.keras.layers.GlobalAveragePooling2D()(base_model.output)
outputs = tf.keras.layers.Dense(10, activation="softmax")(x)
model = tf.keras.Model(base_model.input, outputs)
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(train_generator, validation_data=validation_generator, epochs=5)
