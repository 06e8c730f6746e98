"""Training and what it produces: the typed run records, the paired comparison, ablation,
statistics, the run folders, the job queue and the worker process.

Layer rule (checked by tests/test_layers.py): may use `augment`, `data` and `dropin`; one of
the two layers that import Keras (only `training` and `worker` do; the records, statistics
and run folders load without it).
"""
