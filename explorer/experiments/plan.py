"""What to train for a comparison or an ablation: one function builds the run spec for the
page and the command line alike."""

from __future__ import annotations

from ..augment.config import AugmentConfig
from ..errors import InputError
from .ablation import ablation_arms, probe_configs
from .spec import ABLATION, AUGMENTED, BASELINE, COMPARE, DatasetRef, RunSpec, TrainSettings


def build_spec(config: AugmentConfig, dataset: DatasetRef, settings: TrainSettings, mode: str = COMPARE,
               leave_one_out: bool = False) -> RunSpec:
    """The spec of a run.

    compare: the baseline (same preprocessing, every random transform off) against the
    config. ablation: the baseline, each active setting alone and, with leave_one_out, the
    full config and the full config minus each, plus the probes that measure affinity.
    InputError when no setting is active: every arm would train the same model.
    """
    if not config.active_transforms():
        raise InputError("no augmentation setting is active, so every arm would train the same model: "
                         "turn a setting on (move a slider, pick a preset or import your line) first")
    if mode == ABLATION:
        return RunSpec(dataset, config, ablation_arms(config, leave_one_out), settings, ABLATION,
                       probe_configs(config))
    if mode != COMPARE:
        raise ValueError(f"mode must be {COMPARE!r} or {ABLATION!r}; got {mode!r}")
    return RunSpec(dataset, config, {BASELINE: config.without_transforms(), AUGMENTED: config}, settings, COMPARE)
