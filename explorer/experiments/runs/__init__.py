"""A run's life: the spec built for the page and the CLI (`plan`), the run folders and their
files (`folders`), the server's queue and its warm worker (`queue`), one run in its own
process (`worker`), the queue started with the server (`service`), the server's limits
(`limits`) and the disk (`storage`: uploads, retention, a full disk).

Group rule (checked by tests/test_layers.py): may import every other group; nothing in
`experiments` imports it back.
"""
