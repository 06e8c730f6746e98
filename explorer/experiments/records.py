"""The typed records of a run, with their JSON in and out: what to train (`RunSpec`), what
came out (`RunResult`), its verdict (`Summary`) and an ablation's analysis
(`AblationAnalysis`), plus the arm names every module shares.

The JSON layout is the one runs/ folders have always held (spec.json, result.json,
progress.json, ablation.json), so runs written before these records existed still load
(tests/fixtures/legacy_runs). Readers are lenient where old or partial files leave a field
out (a run cut short has no summary, a spec from before ablations has no mode) and strict
about types: a value of the wrong kind raises ValueError naming the field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

from ..augment.config import AugmentConfig

# -- arm names ----------------------------------------------------------------------------------

BASELINE = "baseline"  # every random transform off, same preprocessing
AUGMENTED = "augmented"  # the user's config (a comparison)
FULL = "full"  # the user's config (an ablation with leave-one-out)
ALONE = "only:"  # prefix: one setting alone on top of the baseline
WITHOUT = "without:"  # prefix: the full config minus one setting

COMPARE, ABLATION = "compare", "ablation"  # run modes
METRICS = ("train_accuracy", "val_accuracy", "train_loss", "val_loss")
SPLIT_SEED = 0  # one split for every seed and arm: only initial weights and batch order vary


def alone(setting: str) -> str:
    """The arm that trains with `setting` alone."""
    return ALONE + setting


def without(setting: str) -> str:
    """The arm that trains with the full config minus `setting`."""
    return WITHOUT + setting


def setting_of(arm: str, prefix: str) -> str | None:
    """The IDG keyword of an `only:`/`without:` arm (None for any other arm)."""
    return arm[len(prefix):] if arm.startswith(prefix) else None


# -- JSON helpers -------------------------------------------------------------------------------

Interval = tuple  # (low, high), both None when one seed gives no interval
NO_INTERVAL: Interval = (None, None)


def _mapping(data: Any, name: str) -> dict:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"{name} must be a JSON object; got {type(data).__name__}")
    return data


def _number(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number or null; got {value!r}")
    return None if math.isnan(value) else float(value)


def _interval(value: Any, name: str) -> Interval:
    if value is None:
        return NO_INTERVAL
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ValueError(f"{name} must be a pair [low, high]; got {value!r}")
    low, high = (_number(item, name) for item in value)
    return NO_INTERVAL if low is None or high is None else (low, high)


def _configs(data: Any, name: str) -> dict[str, AugmentConfig]:
    return {str(key): AugmentConfig.from_dict(value) for key, value in _mapping(data, name).items()}


def _config_json(configs: dict[str, AugmentConfig]) -> dict:
    return {name: config.to_dict() for name, config in configs.items()}


# -- what to train --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DatasetRef:
    """Where a run's images come from: a demo by name, or a folder or zip on this server."""

    kind: str  # "demo" or "path"
    name: str
    path: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("demo", "path"):
            raise ValueError(f"dataset kind must be 'demo' or 'path'; got {self.kind!r}")
        if self.kind == "path" and not self.path:
            raise ValueError("a dataset of kind 'path' needs a path")

    def to_json(self) -> dict:
        data = {"kind": self.kind, "name": self.name}
        if self.path is not None:
            data["path"] = self.path
        return data

    @classmethod
    def from_json(cls, data: Any) -> DatasetRef:
        data = _mapping(data, "dataset")
        return cls(str(data.get("kind", "")), str(data.get("name", "")), data.get("path"))


@dataclass(frozen=True)
class TrainSettings:
    """How every arm is trained: the seeds (one paired run per seed), epochs, batches."""

    seeds: tuple = (0, 1, 2)
    epochs: int = 10
    batch_size: int = 64
    learning_rate: float = 3e-3
    image_size: int = 32
    validation_fraction: float = 0.2

    def __post_init__(self):
        checks = [
            (len(self.seeds) >= 1 and all(isinstance(s, int) and 0 <= s < 2**31 for s in self.seeds),
             "seeds", "one or more whole numbers >= 0"),
            (1 <= self.epochs <= 500, "epochs", "1 to 500"),
            (1 <= self.batch_size <= 4096, "batch_size", "1 to 4096"),
            (0 < self.learning_rate <= 1, "learning_rate", "a number in (0, 1]"),
            (8 <= self.image_size <= 256, "image_size", "8 to 256 pixels"),
            (0 < self.validation_fraction < 1, "validation_fraction", "between 0 and 1"),
        ]
        for ok, name, accepted in checks:
            if not ok:
                raise ValueError(f"{name} must be {accepted}; got {getattr(self, name)!r}")
        object.__setattr__(self, "seeds", tuple(self.seeds))

    def to_json(self) -> dict:
        return {item.name: getattr(self, item.name) for item in fields(self)} | {"seeds": list(self.seeds)}

    @classmethod
    def from_json(cls, data: Any, **overrides) -> TrainSettings:
        known = {item.name for item in fields(cls)}
        values = {key: value for key, value in _mapping(data, "settings").items() if key in known}
        values.update(overrides)
        if "seeds" in values:
            values["seeds"] = tuple(values["seeds"])
        return cls(**values)


@dataclass(frozen=True)
class RunSpec:
    """Everything a worker needs to run a comparison or an ablation (spec.json).

    `config` is the user's augmentation; `arms` are the configs trained (name -> config,
    paired by seed); `probes` augment validation images to measure affinity (ablation only).
    """

    dataset: DatasetRef
    config: AugmentConfig
    arms: dict[str, AugmentConfig]
    settings: TrainSettings = TrainSettings()
    mode: str = COMPARE
    probes: dict[str, AugmentConfig] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.mode not in (COMPARE, ABLATION):
            raise ValueError(f"mode must be {COMPARE!r} or {ABLATION!r}; got {self.mode!r}")
        if BASELINE not in self.arms:
            raise ValueError("a run needs a baseline arm")

    def to_json(self) -> dict:
        # image_size sits at the top level, where spec.json has always kept it.
        settings = self.settings.to_json()
        image_size = settings.pop("image_size")
        data = {"mode": self.mode, "dataset": self.dataset.to_json(), "image_size": image_size,
                "config": self.config.to_dict(), "arms": _config_json(self.arms), "settings": settings}
        if self.probes:
            data["probes"] = _config_json(self.probes)
        return data

    @classmethod
    def from_json(cls, data: Any) -> RunSpec:
        data = _mapping(data, "spec")
        arms = _configs(data.get("arms"), "arms")
        # Specs written before the user's config was stored: it is the augmented or full arm.
        config = data.get("config") or next((arms[a].to_dict() for a in (AUGMENTED, FULL) if a in arms), {})
        return cls(
            dataset=DatasetRef.from_json(data.get("dataset")),
            config=AugmentConfig.from_dict(config),
            arms=arms,
            settings=TrainSettings.from_json(data.get("settings"), image_size=int(data.get("image_size", 32))),
            mode=str(data.get("mode", COMPARE)),
            probes=_configs(data.get("probes"), "probes"),
        )


# -- what came out ---------------------------------------------------------------------------------


@dataclass
class ArmHistory:
    """One arm's per-epoch metrics: one list per seed (in the run's seed order), one value per
    finished epoch. Accuracies are fractions."""

    train_accuracy: list[list[float]] = field(default_factory=list)
    val_accuracy: list[list[float]] = field(default_factory=list)
    train_loss: list[list[float]] = field(default_factory=list)
    val_loss: list[list[float]] = field(default_factory=list)

    @classmethod
    def empty(cls, seeds: int) -> ArmHistory:
        return cls(*([[] for _ in range(seeds)] for _ in METRICS))

    def runs(self, metric: str) -> list[list[float]]:
        return getattr(self, metric)

    def finals(self, metric: str = "val_accuracy") -> list[float | None]:
        """Per seed, the last finished epoch's value (None where none finished)."""
        return [run[-1] if run else None for run in self.runs(metric)]

    def to_json(self) -> dict:
        return {metric: [list(run) for run in self.runs(metric)] for metric in METRICS}

    @classmethod
    def from_json(cls, data: Any) -> ArmHistory:
        data = _mapping(data, "arm")
        return cls(**{metric: [[float(v) for v in (run or [])] for run in data.get(metric) or []]
                      for metric in METRICS})


@dataclass(frozen=True)
class Curve:
    """A metric per epoch over seeds: mean, sample SD (0 with one seed) and seed count."""

    mean: list[float]
    std: list[float]
    n: list[int]

    def to_json(self) -> dict:
        return {"mean": list(self.mean), "std": list(self.std), "n": list(self.n)}

    @classmethod
    def from_json(cls, data: Any) -> Curve:
        data = _mapping(data, "curve")
        mean = [float(v) for v in data.get("mean") or []]
        return cls(mean, [float(v) for v in data.get("std") or [0.0] * len(mean)],
                   [int(v) for v in data.get("n") or [2] * len(mean)])


@dataclass(frozen=True)
class Summary:
    """A comparison's verdict: the paired effect of augmentation on final validation
    accuracy (fractions; the verdict states them in points), warnings, and the curves."""

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

    def to_json(self) -> dict:
        data = {item.name: getattr(self, item.name) for item in fields(self)}
        data["ci95"] = list(self.ci95)
        data["per_epoch"] = {arm: {metric: curve.to_json() for metric, curve in curves.items()}
                             for arm, curves in self.per_epoch.items()}
        return data

    @classmethod
    def from_json(cls, data: Any) -> Summary:
        data = _mapping(data, "summary")
        return cls(
            delta_mean=_number(data.get("delta_mean"), "delta_mean"),
            ci95=_interval(data.get("ci95"), "ci95"),
            per_seed_delta=[float(v) for v in data.get("per_seed_delta") or []],
            paired_seeds=list(data.get("paired_seeds") or []),
            n_seeds=int(data.get("n_seeds", 0)),
            unpaired_seeds=int(data.get("unpaired_seeds", 0)),
            baseline_final=_number(data.get("baseline_final"), "baseline_final"),
            augmented_final=_number(data.get("augmented_final"), "augmented_final"),
            verdict=str(data.get("verdict", "")),
            still_improving=bool(data.get("still_improving", False)),
            warnings=[str(w) for w in data.get("warnings") or []],
            per_epoch={str(arm): {str(m): Curve.from_json(c) for m, c in _mapping(curves, "per_epoch").items()}
                       for arm, curves in _mapping(data.get("per_epoch"), "per_epoch").items()},
        )


@dataclass(frozen=True)
class Effect:
    """The paired effect of one change on final validation accuracy (better - worse arm,
    fractions) over the seeds where both arms finished the same epochs.

    `ci95` is the plain 95% t-interval; `ci_family` the Bonferroni interval at
    1 - 0.05/k when k settings were tested at once (equal to ci95 when k = 1). Decisions use
    `ci_family` (see `decision`)."""

    transform: str  # the IDG keyword ("" for the full config against the baseline)
    delta_mean: float | None
    ci95: Interval = NO_INTERVAL
    ci_family: Interval = NO_INTERVAL
    per_seed: list[float] = field(default_factory=list)
    n_seeds: int = 0

    def decision(self) -> str:
        """The one "clear of zero" decision: "hurts" when the family-wise interval lies
        entirely below zero, "helps" entirely above, else "unclear" (also with one seed)."""
        low, high = self.ci_family
        if low is None or high is None:
            return "unclear"
        return "hurts" if high < 0 else "helps" if low > 0 else "unclear"

    def to_json(self) -> dict:
        return {"transform": self.transform, "delta_mean": self.delta_mean, "ci95": list(self.ci95),
                "ci_family": list(self.ci_family), "per_seed": list(self.per_seed), "n_seeds": self.n_seeds}

    @classmethod
    def from_json(cls, data: Any) -> Effect:
        data = _mapping(data, "effect")
        ci95 = _interval(data.get("ci95"), "ci95")
        return cls(
            transform=str(data.get("transform", "")),
            delta_mean=_number(data.get("delta_mean"), "delta_mean"),
            ci95=ci95,
            ci_family=_interval(data["ci_family"], "ci_family") if "ci_family" in data else ci95,
            per_seed=[float(v) for v in data.get("per_seed") or []],
            n_seeds=int(data.get("n_seeds", 0)),
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
        return {
            "one_at_a_time": [effect.to_json() for effect in self.one_at_a_time],
            "leave_one_out": [effect.to_json() for effect in self.leave_one_out],
            "affinity": dict(self.affinity), "diversity": dict(self.diversity),
            "full": self.full.to_json() if self.full else None,
            "sentence": self.sentence, "recommendation": list(self.recommendation),
        }

    @classmethod
    def from_json(cls, data: Any) -> AblationAnalysis:
        data = _mapping(data, "ablation")

        def ratios(key: str) -> dict[str, float | None]:
            return {str(name): _number(value, key) for name, value in _mapping(data.get(key), key).items()}

        return cls(
            one_at_a_time=[Effect.from_json(row) for row in data.get("one_at_a_time") or []],
            leave_one_out=[Effect.from_json(row) for row in data.get("leave_one_out") or []],
            affinity=ratios("affinity"), diversity=ratios("diversity"),
            full=Effect.from_json(data["full"]) if data.get("full") else None,
            sentence=str(data.get("sentence", "")),
            recommendation=[str(line) for line in data.get("recommendation") or []],
        )


Matrix = list  # counts[true class][predicted class]


@dataclass
class RunResult:
    """Everything a run produced (result.json), rewritten after every finished epoch.

    `arms` name -> per-epoch metrics per seed; `confusion` arm -> per seed the final model's
    validation confusion counts (None until that arm and seed finish); `probe_accuracy`
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
    status: str = "running"
    confusion: dict[str, list[Matrix | None]] = field(default_factory=dict)
    probe_accuracy: dict[str, list[float | None]] = field(default_factory=dict)
    summary: Summary | None = None
    ablation: AblationAnalysis | None = None

    @property
    def seeds(self) -> list:
        return list(self.settings.seeds)

    @property
    def headline_arm(self) -> str | None:
        """The arm a verdict compares with the baseline: augmented, else full (None if neither)."""
        return next((arm for arm in (AUGMENTED, FULL) if arm in self.arms), None)

    def to_json(self) -> dict:
        settings = self.settings.to_json() | {"split_seed": self.split_seed}
        if self.train_images is not None:
            settings.update(train_images=self.train_images, validation_images=self.validation_images)
        data = {
            "dataset": self.dataset, "class_names": list(self.class_names), "settings": settings,
            "configs": _config_json(self.configs), "arms": {arm: h.to_json() for arm, h in self.arms.items()},
            "status": self.status, "confusion": self.confusion, "probe_accuracy": self.probe_accuracy,
        }
        if self.summary is not None:
            data["summary"] = self.summary.to_json()
        if self.ablation is not None:
            data["ablation"] = self.ablation.to_json()
        return data

    @classmethod
    def from_json(cls, data: Any) -> RunResult:
        data = _mapping(data, "result")
        arms = {str(arm): ArmHistory.from_json(h) for arm, h in _mapping(data.get("arms"), "arms").items()}
        raw = _mapping(data.get("settings"), "settings")
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
            configs=_configs(data.get("configs"), "configs"),
            arms=arms,
            status=str(data.get("status", "running")),
            confusion={str(arm): list(matrices or [])
                       for arm, matrices in _mapping(data.get("confusion"), "confusion").items()},
            probe_accuracy={str(name): [_number(v, "probe_accuracy") for v in values or []]
                            for name, values in _mapping(data.get("probe_accuracy"), "probe_accuracy").items()},
            summary=Summary.from_json(data["summary"]) if data.get("summary") else None,
            ablation=AblationAnalysis.from_json(data["ablation"]) if data.get("ablation") else None,
        )


@dataclass(frozen=True)
class Progress:
    """Where a run is (progress.json): reported after every batch."""

    arm: str
    seed: int
    epoch: int  # 1-based epoch being trained
    batch: int
    batches: int
    done_fraction: float
    elapsed: float
    eta: float | None
    time: float | None = None  # wall clock of the report (time.time())

    def to_json(self) -> dict:
        return {item.name: getattr(self, item.name) for item in fields(self)}

    @classmethod
    def from_json(cls, data: Any) -> Progress:
        data = _mapping(data, "progress")
        known = {item.name for item in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})
