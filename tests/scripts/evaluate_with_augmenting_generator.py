"""Training is fine, but the final test score is measured through the augmenting generator."""

import tensorflow as tf

ImageDataGenerator = tf.keras.preprocessing.image.ImageDataGenerator

(x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
x_train = x_train.reshape(-1, 28, 28, 1)
x_test = x_test.reshape(-1, 28, 28, 1)

augment = tf.keras.preprocessing.image.ImageDataGenerator(rotation_range=10, zoom_range=[0.9, 1.0], rescale=1 / 255)
plain = ImageDataGenerator(rescale=1 / 255)

model = tf.keras.Sequential([
    tf.keras.layers.Input(shape=(28, 28, 1)),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(128, activation="relu"),
    tf.keras.layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(augment.flow(x_train, y_train, batch_size=128), validation_data=plain.flow(x_test, y_test), epochs=5)
loss, accuracy = model.evaluate(augment.flow(x_test, y_test, shuffle=False))  # PLANTED: validation_augmented
print(f"test accuracy: {accuracy:.3f}")
