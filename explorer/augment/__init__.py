"""The augmentation core: ImageDataGenerator's settings, random draws and warps.

Layer rule (checked by tests/test_layers.py): NumPy and OpenCV only. It imports no other
subpackage of `explorer` (only `explorer.errors`), and none of Pillow, Keras, TensorFlow,
Streamlit or matplotlib, so the preview, the training batches and the drop-in share it at
no import cost.
"""
