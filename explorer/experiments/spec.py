"""What to train, as typed records with their JSON in and out: the dataset (`DatasetRef`),
how every arm is trained (`TrainSettings`) and the whole run (`RunSpec`, spec.json), plus the
arm names and the JSON readers every record shares. What came out is in `records`.

spec.json keeps the layout it has always had, so run folders written before these records
existed still load (tests/fixtures/legacy_runs). Readers are lenient where an old file
leaves a field out (a spec from before ablations has no mode) and strict about types: a
value of the wrong kind raises ValueError naming the field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, is_dataclass
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


def mapping(data: Any, name: str) -> dict:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"{name} must be a JSON object; got {type(data).__name__}")
    return data


def number(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number or null; got {value!r}")
    return None if math.isnan(value) else float(value)


def interval(value: Any, name: str) -> Interval:
    if value is None:
        return NO_INTERVAL
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ValueError(f"{name} must be a pair [low, high]; got {value!r}")
    low, high = (number(item, name) for item in value)
    return NO_INTERVAL if low is None or high is None else (low, high)


def plain(value: Any) -> Any:
    """A record as JSON-ready values: dataclasses as objects, tuples as lists."""
    if is_dataclass(value):
        return {item.name: plain(getattr(value, item.name)) for item in fields(value)}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


def floats(values: Any) -> list[float]:
    return [float(v) for v in values or []]


def configs(data: Any, name: str) -> dict[str, AugmentConfig]:
    return {str(key): AugmentConfig.from_dict(value) for key, value in mapping(data, name).items()}


def config_json(configs: dict[str, AugmentConfig]) -> dict:
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
        data = mapping(data, "dataset")
        return cls(str(data.get("kind", "")), str(data.get("name", "")), data.get("path"))


@dataclass(frozen=True)
class TrainSettings:
    """How every arm is trained: the seeds (one paired run per seed), epochs, batches."""

    seeds: tuple = (0, 1, 2)
    epochs: int = 8  # with 3 seeds: a verdict on digits in under 45 s on 2 cores (bench_verdict.py)
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
        values = {key: value for key, value in mapping(data, "settings").items() if key in known}
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
                "config": self.config.to_dict(), "arms": config_json(self.arms), "settings": settings}
        if self.probes:
            data["probes"] = config_json(self.probes)
        return data

    @classmethod
    def from_json(cls, data: Any) -> RunSpec:
        data = mapping(data, "spec")
        arms = configs(data.get("arms"), "arms")
        # Specs written before the user's config was stored: it is the augmented or full arm.
        config = data.get("config") or next((arms[a].to_dict() for a in (AUGMENTED, FULL) if a in arms), {})
        return cls(
            dataset=DatasetRef.from_json(data.get("dataset")),
            config=AugmentConfig.from_dict(config),
            arms=arms,
            settings=TrainSettings.from_json(data.get("settings"), image_size=int(data.get("image_size", 32))),
            mode=str(data.get("mode", COMPARE)),
            probes=configs(data.get("probes"), "probes"),
        )
