"""A run as independent trials: one arm trained on one seed, with everything it needs.

A comparison or an ablation is a list of `Trial`s (arm, seed) that share one `TrialContext`
(the split, the preprocessed validation images, the settings, the model and, for a cluster,
the bytes of the model or weights file) plus the step that combines their `TrialResult`s
(`paired.run_comparison`). `fit.run_trial` trains one trial anywhere: in the worker
process, in a process of a local pool, or in a Ray task on another machine (`backends`). As
it goes it reports `TrialEvent`s (started, every batch, every finished epoch with its
`EpochMetrics`).

No Keras here: these records travel between processes and machines, and whatever unpacks
them (Ray's event queue, for one) must not have to load TensorFlow to read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...augment.config import AugmentConfig
from ...data.split import Split
from .spec import METRICS, ModelRef, TrainSettings
from .stack_arm import StackArm

HISTORY = (*METRICS, "epoch_seconds")  # what a trial records per finished epoch


@dataclass(frozen=True)
class Trial:
    """One arm on one seed: `seed_index` is the seed's place in the run's seed list; `stack`:
    the Keras 3 layers the arm runs on top of its config, if it is a stack's arm."""

    arm: str
    seed_index: int
    seed: int
    config: AugmentConfig
    stack: StackArm | None = None

    @property
    def key(self) -> tuple[str, int]:
        return self.arm, self.seed_index

    @property
    def label(self) -> str:
        return f"{self.arm}, seed {self.seed}"


@dataclass
class TrialContext:
    """What every trial of a run shares. `model_files`: the model's files (a .keras file, a
    weights file) by the path the ModelRef names, for machines that cannot read that path."""

    split: Split
    validation_x: np.ndarray  # the validation images preprocessed (never augmented)
    settings: TrainSettings
    model: ModelRef
    shared: AugmentConfig  # the preprocessing every arm shares
    probes: dict[str, AugmentConfig] = field(default_factory=dict)  # already fitted to the model
    model_files: dict[str, bytes] = field(default_factory=dict)
    log_dir: Path | None = None  # TensorBoard logs, where the trial can write them

    @property
    def steps(self) -> int:
        """Batches per epoch."""
        return -(-len(self.split.train_labels) // self.settings.batch_size)


@dataclass(frozen=True)
class EpochMetrics:
    train_accuracy: float
    train_loss: float
    val_accuracy: float
    val_loss: float
    epoch_seconds: float  # wall time of the epoch, validation included


@dataclass(frozen=True)
class TrialEvent:
    """A trial's news: started (epoch 0), a batch ended (1-based epoch and batch), an
    epoch finished (`metrics` set), or the trial returned (`ended`, its result on its way)."""

    arm: str
    seed_index: int
    seed: int
    epoch: int = 0
    batch: int = 0
    metrics: EpochMetrics | None = None
    time: float = 0.0  # wall clock where the trial runs (time.time())
    ended: bool = False

    @property
    def key(self) -> tuple[str, int]:
        return self.arm, self.seed_index


@dataclass
class TrialResult:
    """A trial's outcome. `history`: metric (HISTORY) -> one value per finished epoch."""

    arm: str
    seed_index: int
    seed: int
    history: dict[str, list[float]]
    confusion: list[list[int]] | None = None
    predictions: list[int] | None = None
    probe_accuracy: dict[str, float] = field(default_factory=dict)
    stopped: bool = False
    device: str = ""  # what trained it: "CPU (2 cores)", "GPU: NVIDIA H200", ...

    @property
    def key(self) -> tuple[str, int]:
        return self.arm, self.seed_index


def plan_trials(
    arms: dict[str, AugmentConfig],
    seeds: tuple[int, ...],
    kept: set[int] = frozenset(),
    stacks: dict[str, StackArm] | None = None,
) -> list[Trial]:
    """Every arm on every seed not `kept` (finished earlier), seed by seed: a local run
    trains them in this order, so a stopped run has whole seeds first."""
    return [
        Trial(arm, index, seed, config, (stacks or {}).get(arm))
        for index, seed in enumerate(seeds)
        if seed not in kept
        for arm, config in arms.items()
    ]


def model_files(model: ModelRef) -> dict[str, bytes]:
    """The files a model is read from, by path, to send to machines that cannot read them."""
    paths = [model.path, model.weights if model.weights and model.weights != "imagenet" else ""]
    return {path: Path(path).read_bytes() for path in paths if path and Path(path).is_file()}
