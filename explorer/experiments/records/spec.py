"""What to train, as typed records with their JSON in and out: the dataset (`DatasetRef`),
the model (`ModelRef`), how every arm is trained (`TrainSettings`) and the whole run
(`RunSpec`, spec.json), plus the arm names and the JSON readers every record shares. What
came out is in `results`.

spec.json keeps the layout it has always had, so run folders written before these records
existed still load (tests/fixtures/legacy_runs). Readers are lenient where an old file
leaves a field out (a spec from before ablations has no mode) and strict about types: a
value of the wrong kind raises ValueError naming the field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

from ...augment.config import AugmentConfig
from .stack_arm import StackArm, stack_arms

# -- arm names ----------------------------------------------------------------------------------

BASELINE = "baseline"  # every random transform off, same preprocessing
AUGMENTED = "augmented"  # the user's config (a comparison)
FULL = "full"  # the user's config (an ablation with leave-one-out)
ALONE = "only:"  # prefix: one setting alone on top of the baseline
WITHOUT = "without:"  # prefix: the full config minus one setting
YOURS, SUGGESTED = "yours", "suggested"  # a suggestion's check: the user's config, and the pick
IDG_ARM, STACK_ARM = "idg", "stack"  # a migration check: the IDG config, and the Keras 3 stack

COMPARE, ABLATION, SUGGEST, MIGRATION = "compare", "ablation", "suggest", "migration"  # run modes
MODES = (COMPARE, ABLATION, SUGGEST, MIGRATION)
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
    return arm[len(prefix) :] if arm.startswith(prefix) else None


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
    """Where a run's images come from: a demo by name, a folder or zip on this server, or
    arrays a notebook passed (kept in that notebook only: such a run cannot be queued)."""

    kind: str  # "demo", "path" or "arrays"
    name: str
    path: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("demo", "path", "arrays"):
            raise ValueError(f"dataset kind must be 'demo', 'path' or 'arrays'; got {self.kind!r}")
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


# keras.applications architectures (checked against Keras in tests/test_models.py): named here
# so that the page can offer them without importing Keras.
APPLICATIONS = (
    "ConvNeXtBase",
    "ConvNeXtLarge",
    "ConvNeXtSmall",
    "ConvNeXtTiny",
    "ConvNeXtXLarge",
    "DenseNet121",
    "DenseNet169",
    "DenseNet201",
    "EfficientNetB0",
    "EfficientNetB1",
    "EfficientNetB2",
    "EfficientNetB3",
    "EfficientNetB4",
    "EfficientNetB5",
    "EfficientNetB6",
    "EfficientNetB7",
    "EfficientNetV2B0",
    "EfficientNetV2B1",
    "EfficientNetV2B2",
    "EfficientNetV2B3",
    "EfficientNetV2L",
    "EfficientNetV2M",
    "EfficientNetV2S",
    "InceptionResNetV2",
    "InceptionV3",
    "MobileNet",
    "MobileNetV2",
    "MobileNetV3Large",
    "MobileNetV3Small",
    "NASNetLarge",
    "NASNetMobile",
    "ResNet101",
    "ResNet101V2",
    "ResNet152",
    "ResNet152V2",
    "ResNet50",
    "ResNet50V2",
    "VGG16",
    "VGG19",
    "Xception",
)
SMALL_CNN, APPLICATION, MODEL_FILE = "small-cnn", "applications", "file"  # model kinds
FROM_SCRATCH, FROM_WEIGHTS = "scratch", "weights"  # how a model file's arms start
APPLICATION_IMAGE_SIZE = 224  # an architecture's input when none is chosen (ImageNet's usual size)


@dataclass(frozen=True)
class ModelRef:
    """The model every arm trains: our small CNN, a keras.applications architecture or the
    user's .keras file.

    applications: built with `weights=None` (random, seeded) or `weights` (a local weights
    file, or "imagenet" when Keras's cache holds it: nothing is downloaded), without its top,
    with a new softmax head. file: `start` is FROM_SCRATCH (the architecture re-initialized
    for every seed) or FROM_WEIGHTS (the file's weights are every arm's common start).
    """

    kind: str = SMALL_CNN
    name: str = ""  # applications: the architecture; file: the file's name as the user gave it
    path: str | None = None  # file: the .keras file on this machine
    weights: str | None = None  # applications: a weights file, or "imagenet" (from Keras's cache)
    start: str = FROM_SCRATCH  # file: FROM_SCRATCH or FROM_WEIGHTS

    def __post_init__(self) -> None:
        if self.kind not in (SMALL_CNN, APPLICATION, MODEL_FILE):
            raise ValueError(f"model kind must be {SMALL_CNN!r}, {APPLICATION!r} or {MODEL_FILE!r}; got {self.kind!r}")
        if self.kind == APPLICATION and self.name not in APPLICATIONS:
            close = [name for name in APPLICATIONS if name.lower() == self.name.lower()]
            hint = f" (did you mean {close[0]}?)" if close else f"; one of {', '.join(APPLICATIONS)}"
            raise ValueError(f"applications:{self.name} is not a keras.applications architecture{hint}")
        if self.kind == MODEL_FILE and not self.path:
            raise ValueError("a model file needs a path")
        if self.start not in (FROM_SCRATCH, FROM_WEIGHTS):
            raise ValueError(f"model start must be {FROM_SCRATCH!r} or {FROM_WEIGHTS!r}; got {self.start!r}")

    @classmethod
    def parse(cls, text: str, weights: str | None = None, start: str = FROM_SCRATCH) -> ModelRef:
        """`small-cnn`, `applications:NAME` or a path to a .keras file (the CLI's --model)."""
        text = text.strip()
        if text in ("", SMALL_CNN):
            if weights:
                raise ValueError("--weights goes with applications:NAME, not with the small CNN")
            return cls()
        if text.startswith(APPLICATION + ":"):
            return cls(APPLICATION, text.split(":", 1)[1], weights=weights)
        if text.lower().endswith(".keras"):
            if weights:
                raise ValueError(
                    "--weights goes with applications:NAME; a .keras file brings its own "
                    "(choose --start weights to train from them)"
                )
            return cls(MODEL_FILE, text.replace("\\", "/").rsplit("/", 1)[-1], path=text, start=start)
        raise ValueError(
            f"--model {text}: use small-cnn, applications:NAME (e.g. applications:MobileNetV3Small) "
            "or a path to a .keras file"
        )

    @property
    def default_image_size(self) -> int:
        """The image size when none is chosen: ImageNet's for an architecture, else the small
        CNN's (a .keras file with a fixed input size sets its own, see `plan.model_settings`)."""
        return APPLICATION_IMAGE_SIZE if self.kind == APPLICATION else TrainSettings().image_size

    @property
    def label(self) -> str:
        """The model in a few words, for the page, the CLI and the report."""
        if self.kind == APPLICATION:
            source = "random weights" if not self.weights else f"weights {self.weights.rsplit('/', 1)[-1]}"
            return f"keras.applications.{self.name} ({source})"
        if self.kind == MODEL_FILE:
            return f"{self.name} ({'from scratch' if self.start == FROM_SCRATCH else 'from its weights'})"
        return "small CNN"

    def to_json(self) -> dict:
        return {item.name: getattr(self, item.name) for item in fields(self)}

    @classmethod
    def from_json(cls, data: Any) -> ModelRef:
        data = mapping(data, "model")  # runs from before model choice: the small CNN
        known = {item.name for item in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


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
            (
                len(self.seeds) >= 1 and all(isinstance(s, int) and 0 <= s < 2**31 for s in self.seeds),
                "seeds",
                "one or more whole numbers >= 0",
            ),
            (1 <= self.epochs <= 500, "epochs", "1 to 500"),
            (1 <= self.batch_size <= 4096, "batch_size", "1 to 4096"),
            (0 < self.learning_rate <= 1, "learning_rate", "a number in (0, 1]"),
            (8 <= self.image_size <= 512, "image_size", "8 to 512 pixels"),
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
class SearchSettings:
    """A suggest run's search: how many configurations to try, and on how many fresh seeds
    the pick is checked (the search itself trains on the run's seeds)."""

    budget: int = 24
    check_seeds: int = 3

    def __post_init__(self) -> None:
        if not (isinstance(self.budget, int) and 1 <= self.budget <= 500):
            raise ValueError(f"budget must be 1 to 500 configurations; got {self.budget!r}")
        if not (isinstance(self.check_seeds, int) and 2 <= self.check_seeds <= 20):
            raise ValueError(f"check_seeds must be 2 to 20 (an interval needs two); got {self.check_seeds!r}")

    def to_json(self) -> dict:
        return {"budget": self.budget, "check_seeds": self.check_seeds}

    @classmethod
    def from_json(cls, data: Any) -> SearchSettings:
        data = mapping(data, "search")
        return cls(**{key: data[key] for key in ("budget", "check_seeds") if key in data})


@dataclass(frozen=True)
class RunSpec:
    """Everything a worker needs to run a comparison, an ablation or a suggestion (spec.json).

    `config` is the user's augmentation; `arms` are the configs trained (name -> config,
    paired by seed); `probes` augment validation images to measure affinity (ablation only);
    `search`: a suggest run's budget (its arms are the baseline and the user's config; the
    suggested arm joins them in the check). `stacks`: the arms that train with a Keras 3
    stack on top of their config's preprocessing (arm -> `StackArm`); a migration run trains
    the baseline, the IDG config (IDG_ARM) and the stack (STACK_ARM).
    """

    dataset: DatasetRef
    config: AugmentConfig
    arms: dict[str, AugmentConfig]
    settings: TrainSettings = TrainSettings()
    mode: str = COMPARE
    probes: dict[str, AugmentConfig] = field(default_factory=dict)
    model: ModelRef = ModelRef()
    search: SearchSettings | None = None
    stacks: dict[str, StackArm] = field(default_factory=dict)
    stack: StackArm | None = None  # the user's Keras 3 stack, when that is what the run is about

    def __post_init__(self) -> None:
        if set(self.stacks) - set(self.arms):
            raise ValueError(f"stacks name arms the run does not train: {sorted(set(self.stacks) - set(self.arms))}")
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(map(repr, MODES))}; got {self.mode!r}")
        if BASELINE not in self.arms:
            raise ValueError("a run needs a baseline arm")
        if (self.mode == SUGGEST) != (self.search is not None):
            raise ValueError("a suggest run, and only one, has search settings (budget, check_seeds)")

    def to_json(self) -> dict:
        # image_size sits at the top level, where spec.json has always kept it.
        settings = self.settings.to_json()
        image_size = settings.pop("image_size")
        data = {
            "mode": self.mode,
            "dataset": self.dataset.to_json(),
            "image_size": image_size,
            "config": self.config.to_dict(),
            "arms": config_json(self.arms),
            "settings": settings,
        }
        if self.probes:
            data["probes"] = config_json(self.probes)
        data["model"] = self.model.to_json()
        if self.search is not None:
            data["search"] = self.search.to_json()
        if self.stacks:
            data["stacks"] = {arm: stack.to_json() for arm, stack in self.stacks.items()}
        if self.stack is not None:
            data["stack"] = self.stack.to_json()
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
            model=ModelRef.from_json(data.get("model")),
            search=SearchSettings.from_json(data["search"]) if data.get("search") is not None else None,
            stacks=stack_arms(data.get("stacks")),
            stack=StackArm.from_json(data["stack"]) if data.get("stack") is not None else None,
        )
