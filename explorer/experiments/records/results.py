"""What a run produced, as typed records with their JSON in and out: the result
(`RunResult`, result.json, with `ArmHistory` per arm), its verdict (`Summary`, with `Curve`,
`ClassEffect` and `ImageEffects`), the effects of an ablation (`Effect`, `AblationAnalysis`,
ablation.json) and where a run is (`Progress`, progress.json). What to train, the arm names
and the shared JSON readers are in `spec`.

The JSON layout is the one runs/ folders have always held, so runs written before these
records existed still load (tests/fixtures/legacy_runs). Readers are lenient where old or
partial files leave a field out (a run cut short has no summary) and strict about types.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from ...augment.config import AugmentConfig
from .spec import (
    AUGMENTED,
    FULL,
    IDG_ARM,
    METRICS,
    NO_INTERVAL,
    SPLIT_SEED,
    STACK_ARM,
    SUGGESTED,
    Interval,
    ModelRef,
    TrainSettings,
    config_json,
    configs,
    floats,
    interval,
    mapping,
    number,
    plain,
)
from .stack_arm import StackArm, stack_arms
from .status import RunState

# -- what came out ---------------------------------------------------------------------------------


@dataclass
class ArmHistory:
    """One arm's per-epoch metrics: one list per seed (in the run's seed order), one value per
    finished epoch. Accuracies are fractions."""

    train_accuracy: list[list[float]] = field(default_factory=list)
    val_accuracy: list[list[float]] = field(default_factory=list)
    train_loss: list[list[float]] = field(default_factory=list)
    val_loss: list[list[float]] = field(default_factory=list)
    epoch_seconds: list[list[float]] = field(default_factory=list)  # wall time of each finished epoch

    @classmethod
    def empty(cls, seeds: int) -> ArmHistory:
        return cls(*([[] for _ in range(seeds)] for _ in (*METRICS, "epoch_seconds")))

    def runs(self, metric: str) -> list[list[float]]:
        return getattr(self, metric)

    def finals(self, metric: str = "val_accuracy") -> list[float | None]:
        """Per seed, the last finished epoch's value (None where none finished)."""
        return [run[-1] if run else None for run in self.runs(metric)]

    def to_json(self) -> dict:
        data = {metric: [list(run) for run in self.runs(metric)] for metric in METRICS}
        if any(self.epoch_seconds):  # runs from before epoch timing keep their layout
            data["epoch_seconds"] = [list(run) for run in self.epoch_seconds]
        return data

    @classmethod
    def from_json(cls, data: Any) -> ArmHistory:
        data = mapping(data, "arm")
        return cls(
            **{
                metric: [[float(v) for v in (run or [])] for run in data.get(metric) or []]
                for metric in (*METRICS, "epoch_seconds")
            }
        )


@dataclass(frozen=True)
class Curve:
    """A metric per epoch over seeds: mean, sample SD (0 with one seed) and seed count."""

    mean: list[float]
    std: list[float]
    n: list[int]

    def to_json(self) -> dict:
        return plain(self)

    @classmethod
    def from_json(cls, data: Any) -> Curve:
        data = mapping(data, "curve")
        mean = [float(v) for v in data.get("mean") or []]
        return cls(
            mean,
            [float(v) for v in data.get("std") or [0.0] * len(mean)],
            [int(v) for v in data.get("n") or [2] * len(mean)],
        )


@dataclass(frozen=True)
class Effect:
    """The paired effect of one change on validation accuracy (better - worse arm, fractions;
    per seed the mean of the last epochs, see `verdict.LAST_EPOCHS`) over the seeds where both
    arms finished the same epochs.

    `ci95` is the plain 95% t-interval; `ci_family` the Bonferroni interval at
    1 - 0.05/k when k = `family` settings were tested at once (equal to ci95 when k = 1;
    given only ci95, it is taken as ci_family). Decisions use `ci_family` (see `decision`),
    and so does every text that writes an effect (`stats.effect_text`). `family` 0: not
    recorded (ablation.json written before it was)."""

    transform: str  # the IDG keyword ("" for the full config against the baseline)
    delta_mean: float | None
    ci95: Interval = NO_INTERVAL
    ci_family: Interval = NO_INTERVAL
    per_seed: list[float] = field(default_factory=list)
    n_seeds: int = 0
    family: int = 1

    def __post_init__(self):
        if tuple(self.ci_family) == NO_INTERVAL and tuple(self.ci95) != NO_INTERVAL and self.family == 1:
            object.__setattr__(self, "ci_family", tuple(self.ci95))

    @property
    def level(self) -> float | None:
        """The confidence of `ci_family`: 1 - 0.05/family (None when not recorded)."""
        return 1 - 0.05 / self.family if self.family >= 1 else None

    def decision(self) -> str:
        """The one "clear of zero" decision: "hurts" when the family-wise interval lies
        entirely below zero, "helps" entirely above, else "unclear" (also with one seed)."""
        low, high = self.ci_family
        if low is None or high is None:
            return "unclear"
        return "hurts" if high < 0 else "helps" if low > 0 else "unclear"

    @property
    def agreeing(self) -> int:
        """How many seeds moved the same way as the mean (0 without a mean)."""
        return seeds_agreeing(self.per_seed)

    def to_json(self) -> dict:
        return plain(self) | {"seeds_agreeing": self.agreeing}

    @classmethod
    def from_json(cls, data: Any) -> Effect:
        data = mapping(data, "effect")
        ci95 = interval(data.get("ci95"), "ci95")
        ci_family = interval(data["ci_family"], "ci_family") if "ci_family" in data else ci95
        return cls(
            transform=str(data.get("transform", "")),
            delta_mean=number(data.get("delta_mean"), "delta_mean"),
            ci95=ci95,
            ci_family=ci_family,
            per_seed=[float(v) for v in data.get("per_seed") or []],
            n_seeds=int(data.get("n_seeds", 0)),
            family=int(data.get("family", 1 if tuple(ci_family) == tuple(ci95) else 0)),
        )


def seeds_agreeing(per_seed: list[float]) -> int:
    """How many per-seed values share the sign of their mean (a zero agrees with nothing)."""
    if not per_seed:
        return 0
    mean = sum(per_seed) / len(per_seed)
    return sum(1 for value in per_seed if value * mean > 0)


@dataclass(frozen=True)
class ClassEffect:
    """One class's change in validation accuracy with augmentation (the final models'
    confusion counts, paired by seed); `effect.ci_family` allows for every class at once."""

    name: str
    baseline_accuracy: float | None  # over the paired seeds' summed counts
    augmented_accuracy: float | None
    effect: Effect

    def to_json(self) -> dict:
        return {
            "class": self.name,
            "baseline_accuracy": self.baseline_accuracy,
            "augmented_accuracy": self.augmented_accuracy,
            "effect": self.effect.to_json(),
        }

    @classmethod
    def from_json(cls, data: Any) -> ClassEffect:
        data = mapping(data, "class effect")
        return cls(
            str(data.get("class", "")),
            number(data.get("baseline_accuracy"), "baseline_accuracy"),
            number(data.get("augmented_accuracy"), "augmented_accuracy"),
            Effect.from_json(data.get("effect")),
        )


@dataclass(frozen=True)
class ImageEffects:
    """Per validation image (in the result's validation order), in how many of `seeds` paired
    seeds augmentation fixed it (wrong without, right with) or broke it (the reverse)."""

    seeds: int
    fixed: list[int]
    broken: list[int]

    def most_broken(self, count: int = 12) -> list[int]:
        """Positions of the images broken in the most seeds (at least one), most first."""
        order = sorted((i for i, b in enumerate(self.broken) if b), key=lambda i: (-self.broken[i], i))
        return order[:count]

    def to_json(self) -> dict:
        return plain(self)

    @classmethod
    def from_json(cls, data: Any) -> ImageEffects:
        data = mapping(data, "images")
        return cls(
            int(data.get("seeds", 0)),
            [int(v) for v in data.get("fixed") or []],
            [int(v) for v in data.get("broken") or []],
        )


VERDICT_CODES = ("hurt", "likely_hurt", "no_difference", "likely_helped", "helped")


@dataclass(frozen=True)
class Summary:
    """A comparison's verdict: the paired effect of augmentation on validation accuracy
    (fractions; the verdict states them in points), warnings, the curves, and the per-class
    and per-image effects.

    Per seed, the effect is the mean validation accuracy over the last `last_epochs` epochs,
    augmented minus baseline; `final_delta_mean` / `final_ci95` keep the final epoch's alone.
    `verdict_code` is one of VERDICT_CODES (None with no paired seed); `seeds_to_settle` is
    how many more seeds would probably make the interval clear zero (None when unknown)."""

    delta_mean: float | None
    ci95: Interval
    per_seed_delta: list[float]
    paired_seeds: list
    n_seeds: int
    unpaired_seeds: int
    baseline_final: float | None
    augmented_final: float | None
    verdict: str
    still_improving: bool
    warnings: list[str]
    per_epoch: dict[str, dict[str, Curve]]
    last_epochs: int = 1  # summaries written before the window estimator used the final epoch
    verdict_code: str | None = None
    seeds_to_settle: int | None = None
    final_delta_mean: float | None = None
    final_ci95: Interval = NO_INTERVAL
    baseline_accuracy: float | None = None  # window means over the paired seeds
    augmented_accuracy: float | None = None
    classes: list[ClassEffect] = field(default_factory=list)
    images: ImageEffects | None = None

    @property
    def seeds_agreeing(self) -> int:
        return seeds_agreeing(self.per_seed_delta)

    def to_json(self) -> dict:
        data = plain(self) | {"seeds_agreeing": self.seeds_agreeing}
        data["classes"] = [effect.to_json() for effect in self.classes]
        return data

    @classmethod
    def from_json(cls, data: Any) -> Summary:
        data = mapping(data, "summary")
        code = data.get("verdict_code")
        if code is not None and code not in VERDICT_CODES:
            raise ValueError(f"verdict_code must be one of {', '.join(VERDICT_CODES)}; got {code!r}")
        return cls(
            delta_mean=number(data.get("delta_mean"), "delta_mean"),
            ci95=interval(data.get("ci95"), "ci95"),
            per_seed_delta=floats(data.get("per_seed_delta")),
            paired_seeds=list(data.get("paired_seeds") or []),
            n_seeds=int(data.get("n_seeds", 0)),
            unpaired_seeds=int(data.get("unpaired_seeds", 0)),
            baseline_final=number(data.get("baseline_final"), "baseline_final"),
            augmented_final=number(data.get("augmented_final"), "augmented_final"),
            verdict=str(data.get("verdict", "")),
            still_improving=bool(data.get("still_improving", False)),
            warnings=[str(w) for w in data.get("warnings") or []],
            per_epoch={
                str(arm): {str(m): Curve.from_json(c) for m, c in mapping(curves, "per_epoch").items()}
                for arm, curves in mapping(data.get("per_epoch"), "per_epoch").items()
            },
            last_epochs=int(data.get("last_epochs", 1)),
            verdict_code=code,
            seeds_to_settle=data.get("seeds_to_settle"),
            final_delta_mean=number(data.get("final_delta_mean"), "final_delta_mean"),
            final_ci95=interval(data.get("final_ci95"), "final_ci95"),
            baseline_accuracy=number(data.get("baseline_accuracy"), "baseline_accuracy"),
            augmented_accuracy=number(data.get("augmented_accuracy"), "augmented_accuracy"),
            classes=[ClassEffect.from_json(row) for row in data.get("classes") or []],
            images=ImageEffects.from_json(data["images"]) if data.get("images") else None,
        )


@dataclass(frozen=True)
class AblationAnalysis:
    """Which setting hurts (ablation.json): effects most harmful first, affinity and
    diversity per setting, the full config's effect, and the wording of the result."""

    one_at_a_time: list[Effect]
    leave_one_out: list[Effect]
    affinity: dict[str, float | None]
    diversity: dict[str, float | None]
    full: Effect | None
    sentence: str
    recommendation: list[str]

    def to_json(self) -> dict:
        def row(effect: Effect) -> dict:  # both tables' rows carry the same fields
            return effect.to_json() | {
                "affinity": self.affinity.get(effect.transform),
                "diversity": self.diversity.get(effect.transform),
            }

        return {
            "one_at_a_time": [row(effect) for effect in self.one_at_a_time],
            "leave_one_out": [row(effect) for effect in self.leave_one_out],
            "affinity": dict(self.affinity),
            "diversity": dict(self.diversity),
            "full": self.full.to_json() if self.full else None,
            "sentence": self.sentence,
            "recommendation": list(self.recommendation),
        }

    @classmethod
    def from_json(cls, data: Any) -> AblationAnalysis:
        data = mapping(data, "ablation")

        def ratios(key: str) -> dict[str, float | None]:
            return {str(name): number(value, key) for name, value in mapping(data.get(key), key).items()}

        return cls(
            one_at_a_time=[Effect.from_json(row) for row in data.get("one_at_a_time") or []],
            leave_one_out=[Effect.from_json(row) for row in data.get("leave_one_out") or []],
            affinity=ratios("affinity"),
            diversity=ratios("diversity"),
            full=Effect.from_json(data["full"]) if data.get("full") else None,
            sentence=str(data.get("sentence", "")),
            recommendation=[str(line) for line in data.get("recommendation") or []],
        )


Matrix = list  # counts[true class][predicted class]


@dataclass
class RunResult:
    """Everything a run produced (result.json), rewritten after every finished epoch.

    `arms` name -> per-epoch metrics per seed; `confusion` arm -> per seed the final model's
    validation confusion counts (None until that arm and seed finish); `predictions` the same
    model's predicted class per validation image (in `validation_indices` order); `probe_accuracy`
    setting -> per seed the baseline model's accuracy on validation images augmented by that
    setting alone (affinity). `summary` (baseline vs augmented or full) and `ablation` are
    set when the run ends."""

    dataset: str = ""
    class_names: list[str] = field(default_factory=list)
    settings: TrainSettings = TrainSettings()
    split_seed: int = SPLIT_SEED
    train_images: int | None = None
    validation_images: int | None = None
    configs: dict[str, AugmentConfig] = field(default_factory=dict)
    arms: dict[str, ArmHistory] = field(default_factory=dict)
    status: RunState = RunState.RUNNING  # RUNNING until it ends: FINISHED or STOPPED
    confusion: dict[str, list[Matrix | None]] = field(default_factory=dict)
    probe_accuracy: dict[str, list[float | None]] = field(default_factory=dict)
    predictions: dict[str, list[list[int] | None]] = field(default_factory=dict)  # arm -> per seed
    validation_labels: list[int] = field(default_factory=list)
    validation_indices: list[int] = field(default_factory=list)  # each validation image's dataset index
    summary: Summary | None = None
    ablation: AblationAnalysis | None = None
    model: ModelRef = ModelRef()
    device: str = ""  # what trained: "CPU (2 cores)", "GPU: NVIDIA H200", ...
    model_notes: list[str] = field(default_factory=list)  # what was done to fit the model to the data
    backend: str = ""  # where the trials trained: "local: one trial at a time", "Ray cluster at ...", ...
    stacks: dict[str, StackArm] = field(default_factory=dict)  # arms that ran a Keras 3 stack

    @property
    def seeds(self) -> list:
        return list(self.settings.seeds)

    @property
    def headline_arm(self) -> str | None:
        """The arm a verdict compares with the baseline: augmented, else full, else a
        suggestion's pick, else a migration's stack (None if none)."""
        return next((arm for arm in (AUGMENTED, FULL, SUGGESTED, STACK_ARM) if arm in self.arms), None)

    @property
    def is_migration(self) -> bool:
        """A migration check: the IDG config's arm against the stack's, paired."""
        return IDG_ARM in self.arms and STACK_ARM in self.arms

    def to_json(self) -> dict:
        settings = self.settings.to_json() | {"split_seed": self.split_seed}
        if self.train_images is not None:
            settings.update(train_images=self.train_images, validation_images=self.validation_images)
        data = {
            "dataset": self.dataset,
            "class_names": list(self.class_names),
            "settings": settings,
            "configs": config_json(self.configs),
            "arms": {arm: h.to_json() for arm, h in self.arms.items()},
            "status": str(self.status),
            "confusion": self.confusion,
            "probe_accuracy": self.probe_accuracy,
        }
        if self.predictions:
            data.update(
                predictions=self.predictions,
                validation_labels=self.validation_labels,
                validation_indices=self.validation_indices,
            )
        if self.summary is not None:
            data["summary"] = self.summary.to_json()
        if self.ablation is not None:
            data["ablation"] = self.ablation.to_json()
        data.update(
            model=self.model.to_json(), device=self.device, model_notes=list(self.model_notes), backend=self.backend
        )
        if self.stacks:
            data["stacks"] = {arm: stack.to_json() for arm, stack in self.stacks.items()}
        return data

    def mean_epoch_seconds(self) -> float | None:
        """Mean wall time of the epochs trained (None when none has finished or none was timed)."""
        times = [t for history in self.arms.values() for run in history.epoch_seconds for t in run]
        return sum(times) / len(times) if times else None

    @classmethod
    def from_json(cls, data: Any) -> RunResult:
        data = mapping(data, "result")
        arms = {str(arm): ArmHistory.from_json(h) for arm, h in mapping(data.get("arms"), "arms").items()}
        raw = mapping(data.get("settings"), "settings")
        if not raw.get("seeds"):  # partial or hand-made results: one seed per recorded run
            longest = max((len(h.runs(m)) for h in arms.values() for m in METRICS), default=0)
            raw = {**raw, "seeds": list(range(max(1, longest)))}
        return cls(
            dataset=str(data.get("dataset", "")),
            class_names=[str(name) for name in data.get("class_names") or []],
            settings=TrainSettings.from_json(raw),
            split_seed=int(raw.get("split_seed", SPLIT_SEED)),
            train_images=raw.get("train_images"),
            validation_images=raw.get("validation_images"),
            configs=configs(data.get("configs"), "configs"),
            arms=arms,
            status=RunState.parse(data.get("status"), RunState.RUNNING),
            confusion={
                str(arm): list(matrices or []) for arm, matrices in mapping(data.get("confusion"), "confusion").items()
            },
            probe_accuracy={
                str(name): [number(v, "probe_accuracy") for v in values or []]
                for name, values in mapping(data.get("probe_accuracy"), "probe_accuracy").items()
            },
            predictions={
                str(arm): [None if run is None else [int(v) for v in run] for run in runs or []]
                for arm, runs in mapping(data.get("predictions"), "predictions").items()
            },
            validation_labels=[int(v) for v in data.get("validation_labels") or []],
            validation_indices=[int(v) for v in data.get("validation_indices") or []],
            summary=Summary.from_json(data["summary"]) if data.get("summary") else None,
            ablation=AblationAnalysis.from_json(data["ablation"]) if data.get("ablation") else None,
            model=ModelRef.from_json(data.get("model")),
            device=str(data.get("device") or ""),
            model_notes=[str(note) for note in data.get("model_notes") or []],
            backend=str(data.get("backend") or ""),
            stacks=stack_arms(data.get("stacks")),
        )


@dataclass(frozen=True)
class Progress:
    """Where a run is (progress.json): reported after every batch and as every epoch ends.

    Epochs are counted over everything the run trains (every arm x seed x epoch; seeds kept
    from an earlier result are not trained again). `epoch_seconds` is the measured pace: the
    wall time from the start of training to the end of the latest finished epoch over the
    epochs finished, so what each arm and seed repeats (building the model, tracing its
    graphs, the evaluation after it) is part of it. It is None until an epoch has finished:
    the first batches include TensorFlow's graph tracing and say nothing about the pace
    (extrapolating from them once promised 1285 s for a run that ended 38 s later)."""

    arm: str
    seed: int
    epoch: int  # 1-based epoch being trained (or just finished), of `epochs`
    batch: int  # 1-based, of `batches`
    batches: int
    done_fraction: float  # epochs finished, plus the share of the current one, over epochs_total
    elapsed: float  # seconds since training started
    epochs: int = 0  # per arm and seed
    epochs_done: int = 0  # finished epochs, over every arm and seed this run trains
    epochs_total: int = 0
    epoch_seconds: float | None = None  # mean seconds per finished epoch; None before the first
    time: float | None = None  # wall clock of the report (time.time())
    trials_done: int = 0  # trials (one arm on one seed) finished, training and waiting to start
    trials_running: int = 0
    trials_total: int = 0
    backend: str = ""  # where they train (RunResult.backend)

    @property
    def trials_waiting(self) -> int:
        return max(0, self.trials_total - self.trials_done - self.trials_running)

    @property
    def epochs_left(self) -> float:
        """Epochs still to train, the current one counted by its finished batches."""
        return max(0.0, self.epochs_total * (1 - self.done_fraction))

    @property
    def eta(self) -> float | None:
        """Seconds left at the measured pace: epoch_seconds x epochs_left; None before the
        first epoch has finished."""
        return None if self.epoch_seconds is None else self.epoch_seconds * self.epochs_left

    def to_json(self) -> dict:
        return plain(self) | {"eta": self.eta}  # eta for readers of the file; derived on reading

    @classmethod
    def from_json(cls, data: Any) -> Progress:
        data = mapping(data, "progress")
        known = {item.name for item in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})
