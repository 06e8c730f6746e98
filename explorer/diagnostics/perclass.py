"""Per-class changes for the report: validation accuracy per class for each arm against the
baseline, and the confusions that grew, from the confusion matrices a run stores (the
per-class effects with intervals over seeds are `experiments.analysis.breakdown`).

`per_class(result)` sums the counts over seeds (rows: true class, columns: predicted class).
Each arm is compared with the baseline over the seeds where BOTH have a matrix, so the two
sums cover the same seeds (a stopped run may lack the last seed of an arm).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..experiments.analysis.breakdown import class_accuracy, class_names, paired_confusion_seeds, summed_confusion
from ..experiments.records.results import RunResult
from ..experiments.records.spec import BASELINE

TOP_PAIRS = 3


@dataclass(frozen=True)
class ConfusionPair:
    """One off-diagonal cell that grew: images of `true` predicted as `predicted`."""

    true: str
    predicted: str
    baseline_count: int
    arm_count: int
    increase: int

    def sentence(self) -> str:
        """'6 predicted as 9: +14 images (3 → 17)'."""
        return (
            f"{self.true} predicted as {self.predicted}: +{self.increase} images "
            f"({self.baseline_count} → {self.arm_count})"
        )


@dataclass(frozen=True)
class ClassChange:
    """One arm against the baseline, per class (fractions; None for a class with no
    validation image), over `n_seeds` seeds both have; up to 3 confusions that grew most."""

    n_seeds: int
    accuracy: list[float | None]
    baseline_accuracy: list[float | None]
    change: list[float | None]
    most_affected_pairs: list[ConfusionPair]


@dataclass(frozen=True)
class PerClass:
    class_names: list[str]
    baseline: str
    baseline_accuracy: list[float | None] | None  # every baseline seed with a matrix
    n_seeds: int
    arms: dict[str, ClassChange]


def _grown(ours: np.ndarray, theirs: np.ndarray, names: list[str]) -> list[ConfusionPair]:
    """The off-diagonal cells whose count grew most (ties: larger count, then position)."""
    increase = ours - theirs
    classes = len(names)
    cells = [
        (int(increase[i, j]), int(ours[i, j]), i, j)
        for i in range(classes)
        for j in range(classes)
        if i != j and increase[i, j] > 0
    ]
    cells.sort(key=lambda cell: (-cell[0], -cell[1], cell[2], cell[3]))
    return [
        ConfusionPair(names[i], names[j], int(theirs[i, j]), count, grown) for grown, count, i, j in cells[:TOP_PAIRS]
    ]


def per_class(result: RunResult, baseline: str = BASELINE) -> PerClass:
    """Per-class validation accuracy of every arm against the baseline (see the module)."""
    confusion = result.confusion
    base = confusion.get(baseline) or []
    base_seeds = [i for i, matrix in enumerate(base) if matrix is not None]
    shapes = [np.shape(m) for matrices in confusion.values() for m in (matrices or []) if m is not None]
    classes = shapes[0][0] if shapes else len(result.class_names)
    names = class_names(result, classes)
    arms = {}
    for arm in confusion:
        seeds = paired_confusion_seeds(result, arm, baseline) if arm != baseline else []
        if not seeds:
            continue
        ours, theirs = summed_confusion(result, arm, seeds), summed_confusion(result, baseline, seeds)
        accuracy, reference = class_accuracy(ours), class_accuracy(theirs)
        change = [a - b if a is not None and b is not None else None for a, b in zip(accuracy, reference)]
        arms[arm] = ClassChange(len(seeds), accuracy, reference, change, _grown(ours, theirs, names))
    base_accuracy = class_accuracy(summed_confusion(result, baseline, base_seeds)) if base_seeds else None
    return PerClass(names, baseline, base_accuracy, len(base_seeds), arms)
