"""Per-class and per-image effects of augmentation, from the final models of each seed.

An average can rise while some classes fall (Balestriero, Bottou & LeCun 2022, "The Effects
of Regularization and Data Augmentation are Class Dependent"): `class_effects` gives every
class its own paired change in validation accuracy with an interval over seeds, and flags a
class only when its family-wise interval (all classes at once) lies below zero.
`image_effects` counts, per validation image, the seeds where augmentation fixed it (wrong
without, right with) or broke it (the reverse).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ..records.results import ClassEffect, ImageEffects, RunResult
from ..records.spec import BASELINE
from .stats import effect_from


def paired_confusion_seeds(result: RunResult, arm: str, baseline: str = BASELINE) -> list[int]:
    """Seed indices where both the arm and the baseline have a confusion matrix."""
    ours, theirs = result.confusion.get(arm) or [], result.confusion.get(baseline) or []
    return [i for i, (a, b) in enumerate(zip(ours, theirs)) if a is not None and b is not None]


def summed_confusion(result: RunResult, arm: str, seeds: Iterable[int]) -> np.ndarray:
    """The arm's confusion counts (rows: true class) summed over the given seed indices."""
    matrices = result.confusion.get(arm) or []
    return np.sum([np.asarray(matrices[i], dtype=np.int64) for i in seeds], axis=0)


def class_accuracy(counts: np.ndarray) -> list[float | None]:
    """Per true class: correct / all images of that class (None for a class with none)."""
    rows = counts.sum(axis=1)
    return [float(counts[i, i] / rows[i]) if rows[i] else None for i in range(len(rows))]


def class_names(result: RunResult, classes: int) -> list[str]:
    """The result's class names, or "class 0", "class 1", ... when it has none (or too few)."""
    names = [str(name) for name in result.class_names]
    return names if len(names) == classes else [f"class {i}" for i in range(classes)]


def class_effects(result: RunResult, arm: str, baseline: str = BASELINE) -> list[ClassEffect]:
    """Each class's change in validation accuracy, arm minus baseline, paired by seed, most
    harmed first (classes without a number last). Empty without paired confusion matrices."""
    seeds = paired_confusion_seeds(result, arm, baseline)
    if not seeds:
        return []
    per_seed = [
        (
            class_accuracy(np.asarray(result.confusion[arm][i])),
            class_accuracy(np.asarray(result.confusion[baseline][i])),
        )
        for i in seeds
    ]
    classes = len(per_seed[0][0])
    names = class_names(result, classes)
    ours = class_accuracy(summed_confusion(result, arm, seeds))
    theirs = class_accuracy(summed_confusion(result, baseline, seeds))
    effects = []
    for c in range(classes):
        deltas = [a[c] - b[c] for a, b in per_seed if a[c] is not None and b[c] is not None]
        effects.append(ClassEffect(names[c], theirs[c], ours[c], effect_from(names[c], deltas, classes)))
    missing = math.inf
    return sorted(effects, key=lambda e: missing if e.effect.delta_mean is None else e.effect.delta_mean)


def image_effects(result: RunResult, arm: str, baseline: str = BASELINE) -> ImageEffects | None:
    """Per validation image, the seeds where the arm's final model fixed or broke it against
    the baseline's; None when the result holds no predictions for both."""
    labels = np.asarray(result.validation_labels)
    ours, theirs = result.predictions.get(arm) or [], result.predictions.get(baseline) or []
    seeds = [i for i, (a, b) in enumerate(zip(ours, theirs)) if a is not None and b is not None]
    if not seeds or not labels.size:
        return None
    fixed = np.zeros(labels.size, np.int64)
    broken = np.zeros(labels.size, np.int64)
    for i in seeds:
        right = np.asarray(ours[i]) == labels
        right_before = np.asarray(theirs[i]) == labels
        fixed += right & ~right_before
        broken += right_before & ~right
    return ImageEffects(len(seeds), fixed.tolist(), broken.tolist())
