"""What a run's numbers say, computed from the records, no Keras: statistics and the one way
effects are written (`stats`), the verdict of a comparison (`verdict`), per-class and
per-image effects (`breakdown`) and the ablation's analysis (`ablation`).

Group rule (checked by tests/test_layers.py): may import `records` only.
"""
