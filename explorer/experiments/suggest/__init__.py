"""Suggest: a search for a better augmentation config. The search space and its records,
without Keras (`space`), the Optuna search and the check on fresh seeds (`search`; its
`suggest()` is the entry point), the same search on Ray Tune (`ray_search`) and what a
suggestion's check says (`words`). Over a Keras 3 stack: its space (`stack_space`, no
Keras) and its search (`stack_search`), answered as a stack.

Group rule (checked by tests/test_layers.py): may import `records`, `analysis` and
`training`.
"""
