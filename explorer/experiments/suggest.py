"""Suggest: the search space around the user's own ImageDataGenerator settings, and the
records of a search (issue 17).

The space is built from the user's config, one `Dimension` per setting:
- each active setting scaled (x0 = removed, x0.5, x1 = theirs, x1.5); a flip on or off;
- inactive settings that seldom destroy labels, added small (rotation 10 degrees, shifts of
  0.1, zoom 0.1) or left off;
- a choice whose affinity is low is dropped, and a setting left with nothing but "off" is
  held off (`Excluded`, with the reason): the baseline model, trained without augmentation,
  recognises far fewer validation images augmented by that choice alone than clean ones, so
  it moves images off the data's distribution or changes what they show (a flipped 6 is
  nearly a 9).

No Keras here: the page and the CLI build and show the space without loading TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..augment.config import AugmentConfig

SCALES = (0.0, 0.5, 1.0, 1.5)  # of each active range setting: removed, half, theirs, half more
SCALED = ("rotation_range", "width_shift_range", "height_shift_range", "shear_range", "zoom_range",
          "brightness_range", "channel_shift_range")
FLIPS = ("horizontal_flip", "vertical_flip")
ADDED = {"rotation_range": 10.0, "width_shift_range": 0.1, "height_shift_range": 0.1, "zoom_range": 0.1}
LOW_AFFINITY = 0.9  # the baseline keeps less than 90% of its clean accuracy: the setting is held off


@dataclass(frozen=True)
class Dimension:
    """One setting's choices (IDG keyword values), the user's own value among them when set."""

    setting: str
    choices: tuple
    user: Any
    why: str


@dataclass(frozen=True)
class Excluded:
    setting: str
    reason: str


def scaled(setting: str, value: Any, scale: float) -> Any:
    """`value` of `setting` made `scale` times as strong (0: off, the IDG default)."""
    off = getattr(AugmentConfig(), setting)
    if scale == 0:
        return off
    if setting == "brightness_range":
        low, high = value
        return (round(1 - (1 - low) * scale, 4), round(1 + (high - 1) * scale, 4))
    if setting == "zoom_range" and isinstance(value, tuple):
        low, high = value
        return (round(1 - (1 - low) * scale, 4), round(1 + (high - 1) * scale, 4))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        stronger = value * scale
        return int(round(stronger)) if isinstance(value, int) and value > 1 else round(float(stronger), 4)
    return value if scale >= 1 else off  # a list of shifts: kept or removed


def _dimension(config: AugmentConfig, setting: str) -> Dimension | None:
    value = getattr(config, setting)
    active = setting in config.active_transforms()
    if setting in FLIPS:
        return Dimension(setting, (False, True), value, "yours, or off" if active else "off, or on")
    if active:
        choices = tuple(dict.fromkeys(scaled(setting, value, scale) for scale in SCALES))
        return Dimension(setting, choices, value, "yours x0 (off), x0.5, x1, x1.5")
    if setting in ADDED:
        return Dimension(setting, (getattr(AugmentConfig(), setting), ADDED[setting]), value,
                         f"not in yours; off, or {ADDED[setting]:g} (seldom changes a label)")
    return None


def search_space(config: AugmentConfig, affinity: dict[tuple[str, int], float] | None = None
                 ) -> tuple[list[Dimension], list[Excluded]]:
    """The dimensions to search around `config`, and the settings held off.

    `affinity`: (setting, index of a choice) -> the baseline model's accuracy on validation
    images augmented by that choice alone over its clean accuracy. A choice below
    LOW_AFFINITY is dropped (choice 0 is always "off" and always kept); a setting left with
    nothing but "off" is held off, with the reason."""
    dimensions, excluded = [], []
    for setting in (*SCALED, *FLIPS):
        dimension = _dimension(config, setting)
        if dimension is None:
            continue
        scores = {index: (affinity or {}).get((setting, index)) for index in range(1, len(dimension.choices))}
        low = {index: kept for index, kept in scores.items() if kept is not None and kept < LOW_AFFINITY}
        if len(low) == len(dimension.choices) - 1:
            mildest, kept = min(low.items())
            excluded.append(Excluded(setting, f"the baseline model keeps {kept:.0%} of its accuracy on validation "
                                              f"images with {setting}={dimension.choices[mildest]!r} alone: it "
                                              "changes what the images show, so it is held off"))
            continue
        if low:
            dropped = ", ".join(f"{dimension.choices[i]!r} (keeps {kept:.0%})" for i, kept in low.items())
            dimension = Dimension(setting, tuple(c for i, c in enumerate(dimension.choices) if i not in low),
                                  dimension.user, f"{dimension.why}; held off: {dropped}")
        dimensions.append(dimension)
    return dimensions, excluded


def config_from(config: AugmentConfig, choices: dict[str, Any], excluded: list[Excluded] = ()) -> AugmentConfig:
    """The user's config with each searched setting set to its choice and each held-off one off
    (preprocessing, fill mode and the rest stay theirs)."""
    off = AugmentConfig()
    changes = {item.setting: getattr(off, item.setting) for item in excluded}
    changes.update(choices)
    return config.replace(**changes)


def changes_from(user: AugmentConfig, suggested: AugmentConfig) -> dict[str, tuple[Any, Any]]:
    """setting -> (the user's value, the suggested one), for each setting that differs."""
    return {name: (getattr(user, name), getattr(suggested, name)) for name in (*SCALED, *FLIPS)
            if getattr(user, name) != getattr(suggested, name)}


@dataclass
class TrialScore:
    """One configuration tried in the search: its choices and score (mean validation accuracy
    of the last epochs over the search seeds; None when pruned before the end)."""

    number: int
    choices: dict[str, Any]
    score: float | None
    pruned: bool = False


@dataclass
class Comparison:
    """The suggestion against another arm on the check seeds: per-seed paired differences in
    accuracy units (a fraction), their mean and 95% t-interval."""

    delta_mean: float | None
    ci95: tuple[float | None, float | None]
    deltas: list[float] = field(default_factory=list)


@dataclass
class Suggestion:
    """suggestion.json: what to use instead, and the proof on fresh seeds."""

    config: AugmentConfig
    user_config: AugmentConfig
    vs_baseline: Comparison
    vs_user: Comparison
    seeds_used_for_search: list[int]
    seeds_used_for_check: list[int]
    trials: list[TrialScore]
    excluded: list[Excluded] = field(default_factory=list)
    stopped: bool = False

    def to_json(self) -> dict:
        def comparison(item: Comparison) -> dict:
            return {"delta_mean": item.delta_mean, "ci95": list(item.ci95), "deltas": item.deltas}

        return {
            "config": self.config.to_idg_kwargs(only_changed=True),
            "user_config": self.user_config.to_idg_kwargs(only_changed=True),
            "vs_baseline": comparison(self.vs_baseline), "vs_user": comparison(self.vs_user),
            "seeds_used_for_search": list(self.seeds_used_for_search),
            "seeds_used_for_check": list(self.seeds_used_for_check),
            "trials": [{"number": t.number, "config": {k: _plain(v) for k, v in t.choices.items()},
                        "score": t.score, "pruned": t.pruned} for t in self.trials],
            "excluded": [{"setting": e.setting, "reason": e.reason} for e in self.excluded],
            "changes": {name: [_plain(a), _plain(b)] for name, (a, b) in changes_from(self.user_config,
                                                                                     self.config).items()},
            "stopped": self.stopped,
        }


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
