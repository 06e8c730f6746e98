"""The comparison, with real TensorFlow on tiny data: pairing, validation, stop, results."""

from __future__ import annotations

import numpy as np
import pytest

from explorer import AugmentConfig
from explorer.data.demos import make_shapes

keras = pytest.importorskip("keras")
pytestmark = pytest.mark.slow  # real training (the README's quick loop skips it)
from pairing import record_training  # noqa: E402

from explorer.experiments.records.spec import METRICS, TrainSettings  # noqa: E402
from explorer.experiments.training import paired  # noqa: E402  (imports Keras)
from explorer.experiments.training.models import ModelFactory  # noqa: E402

TINY = TrainSettings(seeds=(0, 1), epochs=2, batch_size=16, image_size=16)
AUGMENTED = AugmentConfig(rotation_range=30, horizontal_flip=True, rescale=1 / 255)
ARMS = {"baseline": AUGMENTED.without_transforms(), "augmented": AUGMENTED}


@pytest.fixture(scope="module")
def shapes():
    return make_shapes(image_size=16, per_class=12)


def test_arms_share_initial_weights_and_batch_order_per_seed(shapes, monkeypatch):
    _, initial, orders = record_training(monkeypatch, shapes, ARMS, TINY)
    # Build order: seed 0 baseline, seed 0 augmented, seed 1 baseline, seed 1 augmented.
    for first, second in ((0, 1), (2, 3)):
        assert all(np.array_equal(a, b) for a, b in zip(initial[first], initial[second]))
    assert not all(np.array_equal(a, b) for a, b in zip(initial[0], initial[2]))
    for (seed, epoch), seen in orders.items():
        assert len(seen) == 2 and seen[0] == seen[1], (seed, epoch)
    assert orders[(0, 0)][0] != orders[(1, 0)][0]


def test_validation_data_is_never_augmented(shapes, monkeypatch):
    seen = []
    fit = keras.Model.fit

    def spying_fit(self, *args, **kwargs):
        seen.append(kwargs["validation_data"][0].copy())
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", spying_fit)
    paired.run_comparison(shapes, ARMS, TINY)
    split = paired.prepare(shapes, TINY)
    expected = np.asarray(split.validation_images, dtype=np.float32) / 255  # preprocessing only
    assert seen and all(np.allclose(x, expected) for x in seen)


def test_results_hold_every_epoch_of_every_arm_and_seed(shapes):
    result = paired.run_comparison(shapes, ARMS, TINY)
    assert result.status == "finished"
    for arm in ARMS:
        for metric in METRICS:
            values = result.arms[arm].runs(metric)
            assert len(values) == 2 and all(len(per_seed) == 2 for per_seed in values)
    summary = result.summary
    assert summary.n_seeds == 2 and None not in summary.ci95 and summary.verdict
    assert result.settings == TINY  # what was trained is recorded, image size included
    assert all(matrix is not None for matrices in result.confusion.values() for matrix in matrices)


def test_stop_ends_within_a_batch_and_keeps_finished_epochs(shapes):
    batches = []

    def stop_after_first_epoch_and_a_batch():
        return len(batches) > steps + 2  # the trial's start, epoch 1's batches and its end, a batch

    split = paired.prepare(shapes, TINY)
    steps = -(-len(split.train_labels) // TINY.batch_size)
    result = paired.run_comparison(
        shapes,
        ARMS,
        TINY,
        progress=batches.append,
        should_stop=stop_after_first_epoch_and_a_batch,
    )
    assert result.status == "stopped"
    assert len(batches) == steps + 3  # stopped right after the batch that saw the request
    assert batches[0].trials_running == 1 and batches[0].trials_total == 4 and batches[0].done_fraction == 0
    assert [len(v) for v in result.arms["baseline"].val_accuracy] == [1, 0]  # epoch 1 kept, epoch 2 not
    assert result.arms["augmented"].val_accuracy == [[], []]


def test_settings_are_validated():
    with pytest.raises(ValueError, match="epochs"):
        TrainSettings(epochs=0)
    with pytest.raises(ValueError, match="seeds"):
        TrainSettings(seeds=())


def test_more_seeds_train_only_the_new_ones_and_keep_the_finished(shapes, monkeypatch):
    two = paired.run_comparison(shapes, ARMS, TINY)
    built = []
    build = ModelFactory.build
    monkeypatch.setattr(ModelFactory, "build", lambda *a, **k: built.append(1) or build(*a, **k))
    three_settings = TrainSettings(seeds=(0, 1, 2), epochs=2, batch_size=16, image_size=16)
    three = paired.run_comparison(shapes, ARMS, three_settings, earlier=two)
    assert len(built) == len(ARMS)  # one new seed, every arm; seeds 0 and 1 kept
    for arm in ARMS:
        assert three.arms[arm].val_accuracy[:2] == two.arms[arm].val_accuracy
        assert three.confusion[arm][:2] == two.confusion[arm] and three.predictions[arm][:2] == two.predictions[arm]
        assert len(three.arms[arm].val_accuracy[2]) == 2 and three.confusion[arm][2] is not None
    assert three.summary.n_seeds == 3
    # the new seed is what a fresh run trains for it: pairing is per seed
    monkeypatch.undo()
    fresh = paired.run_comparison(shapes, ARMS, TrainSettings(seeds=(2,), epochs=2, batch_size=16, image_size=16))
    for arm in ARMS:
        assert three.arms[arm].val_accuracy[2] == pytest.approx(fresh.arms[arm].val_accuracy[0])


def test_an_earlier_result_of_other_training_is_not_reused(shapes):
    two = paired.run_comparison(shapes, ARMS, TINY)
    other = TrainSettings(seeds=(0, 1), epochs=3, batch_size=16, image_size=16)  # more epochs: retrain all
    result = paired.run_comparison(shapes, ARMS, other, earlier=two)
    assert all(len(run) == 3 for arm in ARMS for run in result.arms[arm].val_accuracy)


def test_predictions_follow_the_validation_images(shapes):
    result = paired.run_comparison(shapes, ARMS, TINY)
    split = paired.prepare(shapes, TINY)
    assert result.validation_indices == split.validation_indices.tolist()
    assert result.validation_labels == shapes.labels[split.validation_indices].tolist()
    for arm in ARMS:
        for seed_index, predicted in enumerate(result.predictions[arm]):
            counts = np.zeros((4, 4), int)
            np.add.at(counts, (result.validation_labels, predicted), 1)
            assert counts.tolist() == result.confusion[arm][seed_index]
