"""Training and what it produces: the typed run records, the paired comparison, ablation,
statistics, the run folders, the job queue, the worker process and the backends its trials
train on (this process, a local pool, Ray).

Layer rule (checked by tests/test_layers.py): may use `augment`, `data` and `dropin`; one of
the two layers that import Keras (`training`, `fitting` and `models` do; the records, the
trial records, the backends' settings, statistics and run folders load without it).
"""
