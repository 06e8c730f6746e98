"""Training and what it produces, in five groups, each allowed to import only itself and the
groups listed before it (checked by tests/test_layers.py):

- `records`: the typed run spec, results, trials and the run status (no Keras);
- `analysis`: statistics, the verdict, per-class effects, the ablation's analysis (no Keras);
- `training`: the paired comparison, one trial, the models, the backends (Keras);
- `suggest`: the search for a better config, on Optuna or Ray Tune;
- `runs`: the spec built for a run, the run folders, the job queue, the worker process.

Layer rule: may use `augment`, `data` and `dropin`; one of the two layers that import Keras
(`training.paired`, `training.fit` and `training.models` do; the records, the analysis, the
backends' settings, the search space and the run folders load without it).
"""
