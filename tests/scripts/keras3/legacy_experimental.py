"""A TF 2.x script: the augmentation layers under their experimental.preprocessing names, the
model built with .add calls, a layer that Keras 3 removed."""

import tensorflow as tf
from tensorflow.keras.layers.experimental import preprocessing
from tensorflow.keras.layers.experimental.preprocessing import RandomFlip as Flip

model = tf.keras.models.Sequential()  # PLACED: model
model.add(Flip("horizontal"))  # LAYER: RandomFlip
model.add(tf.keras.layers.experimental.preprocessing.RandomRotation(0.2))  # LAYER: RandomRotation
model.add(preprocessing.RandomHeight(0.1))  # FINDING: not_in_keras3
model.add(preprocessing.Rescaling(1.0 / 255))  # LAYER: Rescaling
model.add(tf.keras.layers.Conv2D(32, 3, activation="relu"))
model.add(tf.keras.layers.Flatten())
model.add(tf.keras.layers.Dense(10))
