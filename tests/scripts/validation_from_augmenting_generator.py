"""Cats vs dogs from folders: the validation images go through the training generator."""

from tensorflow.keras import layers, models
from tensorflow.keras.preprocessing.image import ImageDataGenerator

IMG_SIZE = (150, 150)
BATCH_SIZE = 32

train_datagen = ImageDataGenerator(
    rescale=1.0 / 255,
    rotation_range=20,
    width_shift_range=0.1,
    height_shift_range=0.1,
    horizontal_flip=True,
)

train_generator = train_datagen.flow_from_directory(
    "data/train", target_size=IMG_SIZE, batch_size=BATCH_SIZE, class_mode="binary"
)
validation_generator = train_datagen.flow_from_directory(
    "data/validation", target_size=IMG_SIZE, batch_size=BATCH_SIZE, class_mode="binary"
)

model = models.Sequential([
    layers.Input(shape=(150, 150, 3)),
    layers.Conv2D(32, 3, activation="relu"),
    layers.MaxPooling2D(),
    layers.Conv2D(64, 3, activation="relu"),
    layers.MaxPooling2D(),
    layers.Flatten(),
    layers.Dense(64, activation="relu"),
    layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])

history = model.fit(  # PLANTED: validation_augmented
    train_generator,
    epochs=20,
    validation_data=validation_generator,
)
