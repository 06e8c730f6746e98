"""What a run is and what came out of it, as typed records that load without Keras: the run
spec and its settings (`spec`), the result, summary and effects (`results`), a trial and its
events (`trials`), and the run folder's status file with the run states (`status`).

Group rule (checked by tests/test_layers.py): imports no other group of `experiments`.
"""
