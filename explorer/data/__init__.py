"""Getting images in: image files, class-per-folder datasets (folders and zips), the
stratified split and the offline demo datasets, with their data files.

Layer rule (checked by tests/test_layers.py): may use `augment`; Pillow is decoded here and
nowhere below.
"""
