"""What to train for a comparison, an ablation or a suggestion: one function builds the run
spec for the page and the command line alike."""

from __future__ import annotations

from dataclasses import replace

from ...augment.config import AugmentConfig
from ...errors import InputError
from ..analysis.ablation import ablation_arms, probe_configs
from ..records.spec import (
    ABLATION,
    AUGMENTED,
    BASELINE,
    COMPARE,
    MODEL_FILE,
    SUGGEST,
    YOURS,
    DatasetRef,
    ModelRef,
    RunSpec,
    SearchSettings,
    TrainSettings,
)
from ..training.model_file import inspect_model_file


def model_settings(model: ModelRef, settings: TrainSettings) -> TrainSettings:
    """The settings a model can train with: a .keras file with a fixed input size sets the
    image size (InputError, naming the problem, for a file that cannot be used at all)."""
    if model.kind != MODEL_FILE:
        return settings
    info = inspect_model_file(model.path, model.name)
    height, width = info.input_shape[:2]
    if height is None and width is None:
        return settings
    if height != width or height is None:
        raise InputError(
            f"{model.name} takes {height} x {width} images; comparisons train on square images: "
            "save the model with a square input (or with None for height and width)"
        )
    if not 8 <= height <= 512:
        raise InputError(f"{model.name} takes {height} x {width} images; comparisons train at 8 to 512 px")
    return replace(settings, image_size=int(height))


def build_spec(
    config: AugmentConfig,
    dataset: DatasetRef,
    settings: TrainSettings,
    mode: str = COMPARE,
    leave_one_out: bool = False,
    model: ModelRef | None = None,
    search: SearchSettings | None = None,
) -> RunSpec:
    """The spec of a run.

    compare: the baseline (same preprocessing, every random transform off) against the
    config. ablation: the baseline, each active setting alone and, with leave_one_out, the
    full config and the full config minus each, plus the probes that measure affinity.
    suggest: a search around the config (`search`, default SearchSettings()), checked against
    the baseline and the config itself; it may start from no setting at all (it adds some).
    InputError when a comparison or ablation has no setting active: every arm would train
    the same model. `model`
    (default: the small CNN) is what every arm trains; a .keras file is checked here, before
    anything is queued, and sets the image size when its input has one.
    """
    model = model or ModelRef()
    settings = model_settings(model, settings)
    if mode == SUGGEST:
        return RunSpec(
            dataset,
            config,
            {BASELINE: config.without_transforms(), YOURS: config},
            settings,
            SUGGEST,
            model=model,
            search=search or SearchSettings(),
        )
    if not config.active_transforms():
        raise InputError(
            "no augmentation setting is active, so every arm would train the same model: "
            "turn a setting on (move a slider, pick a preset or import your line) first"
        )
    if mode == ABLATION:
        return RunSpec(
            dataset, config, ablation_arms(config, leave_one_out), settings, ABLATION, probe_configs(config), model
        )
    if mode != COMPARE:
        raise ValueError(f"mode must be {COMPARE!r}, {ABLATION!r} or {SUGGEST!r}; got {mode!r}")
    return RunSpec(
        dataset, config, {BASELINE: config.without_transforms(), AUGMENTED: config}, settings, COMPARE, model=model
    )
