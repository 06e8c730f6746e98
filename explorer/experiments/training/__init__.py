"""Training: the paired comparison as trials combined (`paired`), one trial (one arm on one
seed) trained anywhere (`fit`), the model every arm trains (`models`), a user's `.keras`
file checked without Keras (`model_file`) and where trials train (`backends`: this process,
a local pool, Ray).

`paired`, `fit` and `models` import Keras; `backends` and `model_file` load without it.
Group rule (checked by tests/test_layers.py): may import `records` and `analysis` (a
finished comparison is summarized with `analysis.verdict`).
"""
