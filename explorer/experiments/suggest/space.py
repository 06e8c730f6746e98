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
  nearly a 9);
- a choice the caller's `Veto` objects to is dropped the same way (the CLI and the worker
  pass the config doctor's warnings: shear_range=0.3 is a third of a degree, invisible).
  The doctor sits in a layer above this one, so it comes in as a callable.

What a checked suggestion says is `Suggestion.verdict` (`words`): the pick against
the user's settings first, then against no augmentation, the user's settings against no
augmentation, and what to do, with the one tone the page's colour and the report's box use.

No Keras here: the page and the CLI build and show the space without loading TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ...augment.config import AugmentConfig
from ...augment.keras3 import Stack
from ..analysis.stats import effect_from, interval_text, points
from ..records.spec import floats, interval, mapping, number
from ..records.stack_arm import StackArm
from .words import HELPS, KEEP_YOURS, NO_BETTER, UNCHECKED, WORSE, SuggestionVerdict, verdict_of

__all__ = ["HELPS", "KEEP_YOURS", "NO_BETTER", "UNCHECKED", "WORSE", "SuggestionVerdict", "verdict_of"]

SCALES = (0.0, 0.5, 1.0, 1.5)  # of each active range setting: removed, half, theirs, half more
SCALED = (
    "rotation_range",
    "width_shift_range",
    "height_shift_range",
    "shear_range",
    "zoom_range",
    "brightness_range",
    "channel_shift_range",
)
FLIPS = ("horizontal_flip", "vertical_flip")
ADDED = {"rotation_range": 10.0, "width_shift_range": 0.1, "height_shift_range": 0.1, "zoom_range": 0.1}
LOW_AFFINITY = 0.9  # the baseline keeps less than 90% of its clean accuracy: the setting is held off
DOCTOR_WARNS = "the config doctor warns about every value the search would try"  # a setting held off by the veto


@dataclass(frozen=True)
class Dimension:
    """One setting's choices (IDG keyword values), the user's own value among them when set."""

    setting: str
    choices: tuple
    user: Any
    why: str
    dropped: str = ""  # the choices left out for low affinity: "40.0 (keeps 85%), 60.0 (keeps 70%)"


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


class Objection(Protocol):
    """What a veto says about a config (a config doctor `Finding` is one): a stable code, and
    the sentence a user reads."""

    code: str
    message: str


# config -> the objections to it (the config doctor's warnings, from the CLI and the worker).
Veto = Callable[[AugmentConfig], Sequence[Objection]]


def objections(veto: Veto | None, candidate: AugmentConfig, base: AugmentConfig) -> list[Objection]:
    """What `veto` says about `candidate` that it does not already say about `base` (the same
    config with every random transform off: its preprocessing is the user's, not the search's)."""
    if veto is None:
        return []
    known = {item.code for item in veto(base)}
    return [item for item in veto(candidate) if item.code not in known]


def _dimension(config: AugmentConfig, setting: str) -> Dimension | None:
    value = getattr(config, setting)
    active = setting in config.active_transforms()
    if setting in FLIPS:
        return Dimension(setting, (False, True), value, "yours, or off" if active else "off, or on")
    if active:
        choices = tuple(dict.fromkeys(scaled(setting, value, scale) for scale in SCALES))
        return Dimension(setting, choices, value, "yours x0 (off), x0.5, x1, x1.5")
    if setting in ADDED:
        return Dimension(
            setting,
            (getattr(AugmentConfig(), setting), ADDED[setting]),
            value,
            f"not in yours; off, or {ADDED[setting]:g} (seldom changes a label)",
        )
    return None


def search_space(
    config: AugmentConfig, affinity: dict[tuple[str, int], float] | None = None, veto: Veto | None = None
) -> tuple[list[Dimension], list[Excluded]]:
    """The dimensions to search around `config`, and the settings held off.

    `affinity`: (setting, index of a choice) -> the baseline model's accuracy on validation
    images augmented by that choice alone over its clean accuracy. A choice below
    LOW_AFFINITY is dropped (choice 0 is always "off" and always kept). `veto`: a choice it
    objects to, set alone on the user's preprocessing, is dropped too (with the objection).
    A setting left with nothing but "off" is held off, with the reason."""
    dimensions, excluded = [], []
    base = config.without_transforms()
    for setting in (*SCALED, *FLIPS):
        dimension = _dimension(config, setting)
        if dimension is None:
            continue
        scores = {index: (affinity or {}).get((setting, index)) for index in range(1, len(dimension.choices))}
        low = {index: kept for index, kept in scores.items() if kept is not None and kept < LOW_AFFINITY}
        vetoed = {
            index: said[0].message
            for index in range(1, len(dimension.choices))
            if index not in low
            and (said := objections(veto, base.replace(**{setting: dimension.choices[index]}), base))
        }
        if len(low) + len(vetoed) == len(dimension.choices) - 1:
            if low:
                mildest, kept = min(low.items())
                reason = (
                    f"the baseline model keeps {kept:.0%} of its accuracy on validation images with "
                    f"{setting}={dimension.choices[mildest]!r} alone: it changes what the images show, so it "
                    "is held off"
                )
            else:
                mildest = min(vetoed)
                reason = (
                    f"{DOCTOR_WARNS} "
                    f"({', '.join(repr(dimension.choices[i]) for i in sorted(vetoed))}): {vetoed[mildest]}"
                )
            excluded.append(Excluded(setting, reason))
            continue
        if low or vetoed:
            parts = [f"{dimension.choices[i]!r} (keeps {kept:.0%})" for i, kept in low.items()]
            parts += [f"{dimension.choices[i]!r} (the config doctor warns)" for i in vetoed]
            dropped = ", ".join(parts)
            gone = set(low) | set(vetoed)
            dimension = Dimension(
                setting,
                tuple(c for i, c in enumerate(dimension.choices) if i not in gone),
                dimension.user,
                f"{dimension.why}; held off: {dropped}",
                dropped,
            )
        dimensions.append(dimension)
    return dimensions, excluded


def first_point(config: AugmentConfig, dimensions: list[Dimension]) -> dict[str, int]:
    """The user's config as choice indices: the first configuration a search tries. A value of
    theirs that was dropped (low affinity) becomes the strongest choice kept below it."""
    unfiltered = {d.setting: d.choices for d in search_space(config)[0]}
    point = {}
    for d in dimensions:
        value = getattr(config, d.setting)
        if value in d.choices:
            point[d.setting] = d.choices.index(value)
            continue
        order = unfiltered.get(d.setting, d.choices)
        mine = order.index(value) if value in order else 0
        point[d.setting] = max((i for i, c in enumerate(d.choices) if c in order and order.index(c) <= mine), default=0)
    return point


def config_from(config: AugmentConfig, choices: dict[str, Any], excluded: list[Excluded] = ()) -> AugmentConfig:
    """The user's config with each searched setting set to its choice and each held-off one off
    (preprocessing, fill mode and the rest stay theirs)."""
    off = AugmentConfig()
    changes = {item.setting: getattr(off, item.setting) for item in excluded}
    changes.update(choices)
    return config.replace(**changes)


def changes_from(user: AugmentConfig, suggested: AugmentConfig) -> dict[str, tuple[Any, Any]]:
    """setting -> (the user's value, the suggested one), for each setting that differs."""
    return {
        name: (getattr(user, name), getattr(suggested, name))
        for name in (*SCALED, *FLIPS)
        if getattr(user, name) != getattr(suggested, name)
    }


@dataclass
class TrialScore:
    """One configuration tried in the search: its choices and score (mean validation accuracy
    of the last epochs over the search seeds; None when pruned before the end, or never
    trained because the veto objected to the combination)."""

    number: int
    choices: dict[str, Any]
    score: float | None
    pruned: bool = False
    vetoed: str = ""  # why it was never trained: the veto's objection to this combination


@dataclass
class Comparison:
    """The suggestion against another arm on the check seeds: per-seed paired differences in
    accuracy units (a fraction), their mean and 95% t-interval."""

    delta_mean: float | None
    ci95: tuple[float | None, float | None]
    deltas: list[float] = field(default_factory=list)

    @property
    def decision(self) -> str:
        """ "better" or "worse" when the interval is clear of zero, else "unclear"."""
        low, high = self.ci95
        if low is not None and low > 0:
            return "better"
        if high is not None and high < 0:
            return "worse"
        return "unclear"

    def text(self) -> str:
        if self.delta_mean is None:
            return "not checked"
        return f"{points(self.delta_mean)} points (95% CI {interval_text(self.ci95)})"

    def to_json(self) -> dict:
        return {"delta_mean": self.delta_mean, "ci95": list(self.ci95), "deltas": self.deltas}

    @classmethod
    def from_json(cls, data: Any, name: str) -> Comparison:
        data = mapping(data, name)
        return cls(number(data.get("delta_mean"), name), interval(data.get("ci95"), name), floats(data.get("deltas")))


def comparison_of(deltas: list[float]) -> Comparison:
    """Per-seed paired differences as a Comparison: their mean and 95% t-interval (the one
    way every comparison's interval is made, `stats.effect_from`)."""
    effect = effect_from("", deltas)
    return Comparison(effect.delta_mean, tuple(effect.ci95), [float(d) for d in deltas])


@dataclass(frozen=True)
class ChangeWorth:
    """One change from the user's config to the suggestion, and what it was worth in the
    search: the mean score of the configurations tried with the suggested value minus that
    of those tried with the user's (None when one side was never tried to the end)."""

    setting: str
    yours: Any
    suggested: Any
    worth: float | None
    with_suggested: int  # configurations scored with the suggested value
    with_yours: int
    note: str = ""  # why it has no worth: the setting was held off, or the user's value left out


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def change_worth(
    user: AugmentConfig,
    suggested: AugmentConfig,
    trials: list[TrialScore],
    excluded: list[Excluded] = (),
    dropped: dict[str, str] | None = None,
) -> list[ChangeWorth]:
    """Each change from `user` to `suggested`, with its worth among the scored `trials`;
    `dropped`: setting -> the choices the search left out for low affinity (why the user's
    value may never have been tried)."""
    held = {item.setting: item.reason for item in excluded}
    rows = []
    for name, (yours, pick) in changes_from(user, suggested).items():
        scored = [t for t in trials if t.score is not None and name in t.choices]
        mine = [t.score for t in scored if _same(t.choices[name], yours)]
        theirs = [t.score for t in scored if _same(t.choices[name], pick)]
        low, high = _mean(theirs), _mean(mine)
        worth = low - high if low is not None and high is not None else None
        note = (HELD_OFF_BY_DOCTOR if held[name].startswith(DOCTOR_WARNS) else HELD_OFF) if name in held else ""
        if not note and not mine and name in (dropped or {}):
            note = _left_out(dropped[name])
        rows.append(ChangeWorth(name, yours, pick, worth, len(theirs), len(mine), note))
    return rows


def _left_out(dropped: str) -> str:
    """Why the user's value was never tried: low affinity, the doctor's veto, or both."""
    why = [
        reason
        for mark, reason in (
            ("(keeps", "the baseline model keeping too little of its accuracy on images with it"),
            ("(the config doctor warns)", "the config doctor warning about it"),
        )
        if mark in dropped
    ]
    return f"not measured: yours was left out of the search, {' or '.join(why) or 'its values dropped'} ({dropped})"


HELD_OFF = "held off: it changes what the images show (the reason is given with the suggestion)"
HELD_OFF_BY_DOCTOR = (
    "held off: the config doctor warns about every value tried (the reason is given with the suggestion)"
)


def worth_text(change: ChangeWorth) -> str:
    """A change's worth in words: '+1.2 points (5 configurations with it, 3 with yours)'."""
    if change.note:
        return change.note
    if change.worth is None:
        return f"not measured ({change.with_suggested} configurations scored with it, {change.with_yours} with yours)"
    return (
        f"{points(change.worth)} points ({change.with_suggested} configurations with it, "
        f"{change.with_yours} with yours)"
    )


def _same(a: Any, b: Any) -> bool:
    return _plain(a) == _plain(b)


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
    dropped: dict[str, str] = field(default_factory=dict)  # setting -> choices left out (low affinity)
    user_vs_baseline: Comparison | None = None  # the user's config against no augmentation, same seeds
    stack: StackArm | None = None  # a stack search's pick (Keras 3 layers); `config` then holds the preprocessing
    user_stack: StackArm | None = None  # the user's stack it started from

    @property
    def yours_vs_baseline(self) -> Comparison:
        """The user's settings against no augmentation on the check seeds: stored, else (a
        suggestion.json from before it was) the per-seed differences of the two comparisons,
        (suggested - baseline) - (suggested - yours)."""
        if self.user_vs_baseline is not None:
            return self.user_vs_baseline
        pick, mine = self.vs_baseline.deltas, self.vs_user.deltas
        if not pick or len(pick) != len(mine):
            return Comparison(None, (None, None))
        return comparison_of([a - b for a, b in zip(pick, mine)])

    @property
    def verdict(self) -> SuggestionVerdict:
        return verdict_of(self)

    @property
    def changes(self) -> list[ChangeWorth]:
        """Each change from the user's settings (or stack: layers removed, added, scaled) to
        the suggestion, with what it was worth in the search."""
        if self.stack is not None:
            from .stack_space import stack_change_worth  # it builds on this module

            return stack_change_worth(self.user_stack or StackArm(Stack()), self.stack, self.trials, self.excluded)
        return change_worth(self.user_config, self.config, self.trials, self.excluded, self.dropped)

    @property
    def sentence(self) -> str:
        """The suggestion and its check in one sentence (the run history's headline): against
        the user's settings first, then against no augmentation, then what to do when the
        best found is no better than none."""
        changes = ", ".join(change_words(c, self.stack is not None) for c in self.changes)
        what = (
            f"Suggested: {changes}"
            if changes
            else ("Your stack was" if self.stack else "Your settings were") + " the best found"
        )
        if not self.checked:
            return f"{what} (not checked on fresh seeds)."
        seeds = len(self.seeds_used_for_check)
        against_yours = f"{self.vs_user.text()} against yours, " if changes else ""
        advice = {
            NO_BETTER: " No better than no augmentation: drop augmentation, or keep it mild.",
            WORSE: " Worse than no augmentation: drop augmentation.",
        }.get(self.verdict.tone, "")
        return (
            f"{what}: {against_yours}{self.vs_baseline.text()} against no augmentation, over {seeds} fresh "
            f"seeds.{advice}"
        )

    @property
    def checked(self) -> bool:
        return self.vs_user.delta_mean is not None or self.vs_baseline.delta_mean is not None

    def to_json(self) -> dict:
        return {
            "config": self.config.to_idg_kwargs(only_changed=True),
            "user_config": self.user_config.to_idg_kwargs(only_changed=True),
            "vs_baseline": self.vs_baseline.to_json(),
            "vs_user": self.vs_user.to_json(),
            "seeds_used_for_search": list(self.seeds_used_for_search),
            "seeds_used_for_check": list(self.seeds_used_for_check),
            "trials": [
                {
                    "number": t.number,
                    "config": {k: _plain(v) for k, v in t.choices.items()},
                    "score": t.score,
                    "pruned": bool(t.pruned),
                    "vetoed": t.vetoed,
                }
                for t in self.trials
            ],
            "excluded": [{"setting": e.setting, "reason": e.reason} for e in self.excluded],
            "dropped": dict(self.dropped),
            "changes": [
                {
                    "setting": c.setting,
                    "yours": _plain(c.yours),
                    "suggested": _plain(c.suggested),
                    "worth": c.worth,
                    "with_suggested": c.with_suggested,
                    "with_yours": c.with_yours,
                    "note": c.note,
                }
                for c in self.changes
            ],
            "stopped": self.stopped,
            "user_vs_baseline": self.user_vs_baseline.to_json() if self.user_vs_baseline is not None else None,
            "stack": self.stack.to_json() if self.stack is not None else None,
            "user_stack": self.user_stack.to_json() if self.user_stack is not None else None,
        }

    @classmethod
    def from_json(cls, data: Any) -> Suggestion:
        data = mapping(data, "suggestion")
        trials = [
            TrialScore(
                int(t["number"]),
                {
                    k: tuple(v) if isinstance(v, list) else v  # pairs as searched
                    for k, v in mapping(t.get("config"), "trial config").items()
                },
                number(t.get("score"), "score"),
                bool(t.get("pruned", False)),
                str(t.get("vetoed") or ""),
            )
            for t in data.get("trials") or []
        ]
        return cls(
            AugmentConfig.from_dict(mapping(data.get("config"), "config")),
            AugmentConfig.from_dict(mapping(data.get("user_config"), "user_config")),
            Comparison.from_json(data.get("vs_baseline"), "vs_baseline"),
            Comparison.from_json(data.get("vs_user"), "vs_user"),
            [int(s) for s in data.get("seeds_used_for_search") or []],
            [int(s) for s in data.get("seeds_used_for_check") or []],
            trials,
            [Excluded(str(e["setting"]), str(e["reason"])) for e in data.get("excluded") or []],
            bool(data.get("stopped", False)),
            {str(k): str(v) for k, v in mapping(data.get("dropped"), "dropped").items()},
            Comparison.from_json(data["user_vs_baseline"], "user_vs_baseline")
            if data.get("user_vs_baseline") is not None
            else None,
            StackArm.from_json(data["stack"]) if data.get("stack") is not None else None,
            StackArm.from_json(data["user_stack"]) if data.get("user_stack") is not None else None,
        )


@dataclass(frozen=True)
class SearchProgress:
    """search.json, rewritten as the search goes: configurations done of the budget, the
    share of the one training now, the best score so far and its config, every score so far
    (None: pruned), the phase ("affinity", "search" or "check") and the seconds spent."""

    done: int
    budget: int
    best_score: float | None
    best: AugmentConfig | None
    phase: str
    fraction: float = 0.0
    scores: tuple = ()
    elapsed: float = 0.0
    best_stack: StackArm | None = None  # a stack search's best so far (then `best` is None)

    @property
    def eta(self) -> float | None:
        """Seconds left in the search at the pace so far (None before a configuration is done)."""
        progressed = self.done + self.fraction
        if self.phase != "search" or not self.done or progressed >= self.budget:
            return None
        return self.elapsed / progressed * (self.budget - progressed)

    def to_json(self) -> dict:
        return {
            "done": self.done,
            "budget": self.budget,
            "best_score": self.best_score,
            "best": self.best.to_idg_kwargs(only_changed=True) if self.best is not None else None,
            "phase": self.phase,
            "fraction": self.fraction,
            "scores": list(self.scores),
            "elapsed": self.elapsed,
            "best_stack": self.best_stack.to_json() if self.best_stack is not None else None,
        }

    @classmethod
    def from_json(cls, data: Any) -> SearchProgress:
        data = mapping(data, "search progress")
        best = data.get("best")
        return cls(
            int(data.get("done", 0)),
            int(data.get("budget", 0)),
            number(data.get("best_score"), "best_score"),
            AugmentConfig.from_dict(best) if best is not None else None,
            str(data.get("phase", "search")),
            float(number(data.get("fraction"), "fraction") or 0.0),
            tuple(number(v, "scores") for v in data.get("scores") or []),
            float(number(data.get("elapsed"), "elapsed") or 0.0),
            StackArm.from_json(data["best_stack"]) if data.get("best_stack") is not None else None,
        )


def change_words(change: ChangeWorth, stack: bool) -> str:
    """One change in the headline: "rotation_range 20 -> 10", or for a stack's layers
    `stack_space.change_text` ("RandomFlip removed (...)", "RandomZoom(...) added")."""
    if stack:
        from .stack_space import change_text

        return change_text(change.setting, change.yours, change.suggested)
    return f"{change.setting} {_plain(change.yours)!r} -> {_plain(change.suggested)!r}"


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
