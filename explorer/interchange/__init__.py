"""Settings in and out: IDG code, Keras 3 layer code and JSON for export; pasted code and
JSON parsed (never run); the config in the URL.

Layer rule (checked by tests/test_layers.py): may use `augment` only. Code is text here:
nothing imports Keras.
"""
