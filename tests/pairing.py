"""Recording what pairing promises while a comparison trains: each model's initial weights
(in build order: seed 0's arms, then seed 1's, ...) and each epoch's batch order per seed."""

from __future__ import annotations

from explorer.dropin.sequence import AugmentedSequence
from explorer.experiments.training import paired
from explorer.experiments.training.models import ModelFactory


def record_training(monkeypatch, dataset, arms, settings, model=None, stacks=None):
    """Train; returns (result, initial weights per build, {(seed, epoch): [labels in batch order, per arm]})."""
    initial, orders = [], {}
    build, epoch_arrays = ModelFactory.build, AugmentedSequence.epoch_arrays

    def recording_build(self):
        built = build(self)
        initial.append([w.copy() for w in built.get_weights()])
        return built

    def recording_epoch_arrays(self, epoch):
        x, y = epoch_arrays(self, epoch)
        orders.setdefault((self.seed, epoch), []).append(y.tolist())
        return x, y

    monkeypatch.setattr(ModelFactory, "build", recording_build)
    monkeypatch.setattr(AugmentedSequence, "epoch_arrays", recording_epoch_arrays)
    result = paired.run_comparison(dataset, arms, settings, model=model, stacks=stacks)
    monkeypatch.undo()
    return result, initial, orders
