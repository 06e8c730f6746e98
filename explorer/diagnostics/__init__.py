"""What the numbers mean: the doctor's rules (settings, images and pixel measurements), the
figures, per-class changes and the one-page report.

Layer rule (checked by tests/test_layers.py): may use every layer but `ui`, and never
imports Keras: it reads records and measures with the engine.
"""
