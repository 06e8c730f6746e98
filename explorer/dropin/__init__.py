"""What users import into their own Keras code: `FastImageDataGenerator` and the training
batches (`AugmentedSequence`) on the engine.

Layer rule (checked by tests/test_layers.py): may use `augment` and `data`; one of the two
layers that import Keras.
"""
