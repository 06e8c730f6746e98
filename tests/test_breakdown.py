"""Per-class and per-image effects: a class harmed while the average rises is flagged, with
its own interval; images fixed and broken are counted per seed."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explorer.experiments.analysis.breakdown import class_effects, image_effects
from explorer.experiments.analysis.stats import paired_interval
from explorer.experiments.analysis.verdict import summarize
from explorer.experiments.records.results import RunResult, Summary

SEEDS = 4
NAMES = ["cat", "dog", "bird"]


def _confusion(correct: list[int], total: int = 50) -> list[list[int]]:
    """A 3-class confusion matrix with `correct[c]` of `total` right per class (errors go to the next class)."""
    matrix = np.zeros((3, 3), int)
    for c, right in enumerate(correct):
        matrix[c, c] = right
        matrix[c, (c + 1) % 3] = total - right
    return matrix.tolist()


def _result() -> RunResult:
    """Augmentation lifts cat and bird by 6 and dog falls by about 8 of 50 in every seed."""
    rng = np.random.default_rng(0)
    base = [[40 + rng.integers(-1, 2), 42 + rng.integers(-1, 2), 38 + rng.integers(-1, 2)] for _ in range(SEEDS)]
    aug = [[b[0] + 6, b[1] - 8 + rng.integers(-1, 2), b[2] + 6] for b in base]
    curves = {"val_accuracy": [[0.8, 0.8, 0.8]] * SEEDS}
    labels = [0, 1, 2, 1]
    return RunResult.from_json(
        {
            "class_names": NAMES,
            "settings": {"seeds": list(range(SEEDS)), "epochs": 3},
            "arms": {"baseline": curves, "augmented": {"val_accuracy": [[0.82, 0.82, 0.82]] * SEEDS}},
            "confusion": {"baseline": [_confusion(c) for c in base], "augmented": [_confusion(c) for c in aug]},
            # image 0 fixed in seeds 0-1, image 1 broken in every seed, image 3 broken in seed 2 only
            "predictions": {
                "baseline": [[2, 1, 2, 1], [2, 1, 2, 1], [0, 1, 2, 1], [0, 1, 2, 1]],
                "augmented": [[0, 0, 2, 1], [0, 0, 2, 1], [0, 0, 2, 0], [0, 0, 2, 1]],
            },
            "validation_labels": labels,
            "validation_indices": [10, 11, 12, 13],
        }
    )


def test_a_class_harmed_while_the_average_rises_is_flagged_with_its_own_interval():
    effects = class_effects(_result(), "augmented")
    assert [e.name for e in effects][0] == "dog"  # most harmed first
    dog = effects[0]
    result = _result()
    per_seed = [
        result.confusion["augmented"][i][1][1] / 50 - result.confusion["baseline"][i][1][1] / 50 for i in range(SEEDS)
    ]
    mean, low, high = paired_interval(per_seed)
    assert dog.effect.per_seed == pytest.approx(per_seed) and dog.effect.ci95 == pytest.approx((low, high))
    assert dog.effect.decision() == "hurts"  # family-wise over the 3 classes, still below zero
    assert {e.name: e.effect.decision() for e in effects[1:]} == {"cat": "helps", "bird": "helps"}
    assert dog.baseline_accuracy == pytest.approx(sum(r[1][1] for r in result.confusion["baseline"]) / 200)


def test_the_family_wise_interval_keeps_noise_unflagged():
    result = _result()
    noisy = [_confusion([40, 42 + d, 38]) for d in (-3, 2, -2, 1)]
    result.confusion["augmented"] = noisy
    dog = next(e for e in class_effects(result, "augmented") if e.name == "dog")
    assert dog.effect.decision() == "unclear"


def test_images_fixed_and_broken_per_seed():
    effects = image_effects(_result(), "augmented")
    assert effects.seeds == SEEDS
    assert effects.fixed == [2, 0, 0, 0] and effects.broken == [0, 4, 0, 1]
    assert effects.most_broken() == [1, 3]


def test_the_summary_carries_them_and_round_trips():
    summary = summarize(_result())
    assert [c.name for c in summary.classes][0] == "dog" and summary.images.broken == [0, 4, 0, 1]
    assert Summary.from_json(json.loads(json.dumps(summary.to_json()))) == summary


def test_no_confusion_or_predictions_means_no_breakdown():
    result = _result()
    result.confusion, result.predictions = {}, {}
    assert class_effects(result, "augmented") == [] and image_effects(result, "augmented") is None
