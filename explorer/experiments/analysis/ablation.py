"""Which setting hurts: one change at a time against the same baseline, over paired seeds.

- one-at-a-time: the baseline, and each active setting alone. A setting's effect is
  acc(setting alone) - acc(baseline).
- leave-one-out: the full config, and the full config minus each setting. A setting's
  effect is acc(full) - acc(full without it): what it adds on top of the others.
Both are paired by seed (same initial weights and batch order, see `training`), negative =
the setting costs accuracy. Each effect has one decision, `Effect.decision`: its family-wise
(Bonferroni) interval, allowing for every setting tested at once, below zero (hurts), above
(helps) or across (unclear). The sentence, the tables (`effect_rows`), the chart's colours,
the recommendation, the report and the CLI all print that interval and that decision.
- interactions: when the settings' effects alone do not add up to the full config's (their
  sum lies outside its interval), the finding says so and names the settings whose removal
  recovers most (leave-one-out; `interaction`).
- affinity (Gontijo-Lopes et al. 2020, "Affinity and Diversity"), no retraining: the
  baseline model's accuracy on validation images augmented by one setting, divided by its
  clean validation accuracy. Low affinity: the setting pushes images off the data's
  distribution. diversity: the final training loss with the setting alone divided by the
  baseline's (harder training data).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...augment.config import AugmentConfig
from ..records.results import AblationAnalysis, Effect, RunResult
from ..records.spec import ALONE, BASELINE, FULL, alone, setting_of, without
from .stats import (
    agreement_text,
    decision_mark,
    effect_from,
    effect_text,
    interval_label,
    interval_text,
    points,
    ratio_text,
)
from .verdict import ABLATION_UNTRAINED as UNTRAINED
from .verdict import one_class_only, paired_deltas, stopped_note


def ablation_arms(config: AugmentConfig, leave_one_out: bool = False) -> dict[str, AugmentConfig]:
    """The arms to train: the baseline (same preprocessing, no transform), each active
    setting alone and, with leave_one_out, the full config and the full config minus each."""
    base = config.without_transforms()
    settings = config.active_transforms()
    arms = {BASELINE: base}
    arms.update({alone(name): base.replace(**{name: getattr(config, name)}) for name in settings})
    if leave_one_out:
        arms[FULL] = config
        arms.update({without(name): config.replace(**{name: getattr(base, name)}) for name in settings})
    return arms


def probe_configs(config: AugmentConfig) -> dict[str, AugmentConfig]:
    """Each active setting alone, to augment validation images for affinity."""
    base = config.without_transforms()
    return {name: base.replace(**{name: getattr(config, name)}) for name in config.active_transforms()}


def paired_effect(result: RunResult, better: str, worse: str, transform: str = "", family: int = 1) -> Effect:
    """Paired effect better - worse, per seed the mean validation accuracy of the last epochs
    (`verdict.LAST_EPOCHS`), over seeds where both arms finished the same epochs. With
    `family` settings tested at once, decisions use the Bonferroni interval (`effect_from`)."""
    deltas = paired_deltas(result.arms[better].val_accuracy, result.arms[worse].val_accuracy)
    return effect_from(transform, deltas, family)


def _rank(effects: list[Effect]) -> list[Effect]:
    """Most harmful first; settings without a number last."""
    return sorted(effects, key=lambda e: (e.delta_mean is None, e.delta_mean if e.delta_mean is not None else 0))


def _ratio(values: list, references: list) -> float | None:
    pairs = [(v, r) for v, r in zip(values, references) if v is not None and r]
    return float(np.mean([v / r for v, r in pairs])) if pairs else None


def analyze(result: RunResult) -> AblationAnalysis:
    """The ablation's table, affinity, diversity and a sentence that claims no more than
    the intervals support."""
    arms = result.arms
    settings = [name for arm in arms if (name := setting_of(arm, ALONE)) is not None]
    family = len(settings)
    one = _rank([paired_effect(result, alone(name), BASELINE, name, family) for name in settings])
    loo = []
    if FULL in arms:
        loo = _rank(
            [paired_effect(result, FULL, without(name), name, family) for name in settings if without(name) in arms]
        )
    clean = arms[BASELINE].finals() if BASELINE in arms else []
    base_loss = arms[BASELINE].finals("train_loss") if BASELINE in arms else []
    analysis = AblationAnalysis(
        one_at_a_time=one,
        leave_one_out=loo,
        affinity={name: _ratio(values, clean) for name, values in result.probe_accuracy.items()},
        diversity={name: _ratio(arms[alone(name)].finals("train_loss"), base_loss) for name in settings},
        full=paired_effect(result, FULL, BASELINE) if FULL in arms and BASELINE in arms else None,
        sentence="",
        recommendation=[],
    )
    untrained = UNTRAINED if one_class_only(result, arms) else ""
    advice = recommendation(analysis)
    if untrained:
        advice.insert(
            0,
            "Every arm predicted a single class: train for more epochs, with a lower learning rate, "
            "or from pretrained weights before reading these effects.",
        )
    return AblationAnalysis(
        **{
            **vars(analysis),
            "sentence": stopped_note(result) + untrained + sentence(analysis),
            "recommendation": advice,
        }
    )


def current_analysis(result: RunResult) -> AblationAnalysis | None:
    """The ablation as this version words it: analysed again from the result's arms (cheap,
    and a run saved by an older version then says what the tables beside it say, in the page
    and in its history entry alike), else the stored one."""
    if result.ablation is not None and BASELINE in result.arms and any(setting_of(arm, ALONE) for arm in result.arms):
        return analyze(result)
    return result.ablation


MAX_NAMED = 3  # settings named in one sentence; the tables have them all
PRINTED = 0.001  # 0.1 points, the precision effects are printed at: a sum called outside an interval prints outside it


# --- the tables ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EffectRow:
    """One row of an ablation table, as the page, the CLI and the report print it: the
    change with the interval its decision uses (`stats.effect_text`) and that decision's word
    (`stats.decision_mark`), so no table prints one interval beside a decision from another."""

    setting: str
    change: str
    decision: str  # "hurts", "helps" or "unclear"
    seeds: str
    affinity: str
    diversity: str


CHANGE_HEADING = "change, points (the interval the decision uses)"


def effect_rows(effects: list[Effect], analysis: AblationAnalysis) -> list[EffectRow]:
    """One table layout for both views: setting, effect with interval, decision, seeds,
    affinity, diversity."""
    return [
        EffectRow(
            e.transform,
            effect_text(e),
            decision_mark(e),
            agreement_text(e.per_seed),
            ratio_text(analysis.affinity.get(e.transform)),
            ratio_text(analysis.diversity.get(e.transform)),
        )
        for e in effects
    ]


# --- interactions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Interaction:
    """Whether the settings one at a time explain the full config's effect: their effects'
    sum (fractions) against the full config's interval. When it lies outside, the settings
    interact, and `recovering` names the leave-one-out effects whose removal recovers most
    (most first; empty without leave-one-out or when leaving out any one does not help)."""

    alone_sum: float
    full: Effect
    explained: bool
    recovering: list[Effect]


def interaction(analysis: AblationAnalysis) -> Interaction | None:
    """The settings alone against the settings together; None when a number is missing (an
    unfinished arm, or one seed: no interval for the full config)."""
    full, alone_rows = analysis.full, analysis.one_at_a_time
    if full is None or full.delta_mean is None or full.ci_family[0] is None or not alone_rows:
        return None
    if any(effect.delta_mean is None for effect in alone_rows):
        return None
    total = float(sum(effect.delta_mean for effect in alone_rows))
    low, high = full.ci_family
    explained = low - PRINTED <= total <= high + PRINTED
    return Interaction(total, full, explained, _recovering(analysis.leave_one_out))


def _recovering(loo: list[Effect]) -> list[Effect]:
    """The leave-one-out effects whose removal recovers accuracy: those whose decision says
    hurts, or else the single largest recovery (named with its unclear interval)."""
    gains = sorted((e for e in loo if e.delta_mean is not None and e.delta_mean < 0), key=lambda e: e.delta_mean)
    clear = [e for e in gains if e.decision() == "hurts"]
    return clear or gains[:1]


# --- the finding in words --------------------------------------------------------------------


def _change(effect: Effect) -> str:
    """'-3.9 points (family-wise 99.2% CI -7.0 to -0.8)': the number and the interval its
    decision uses."""
    if effect.ci_family[0] is None:
        return f"{points(effect.delta_mean)} points (one paired seed: no interval)"
    return f"{points(effect.delta_mean)} points ({interval_label(effect)} {interval_text(effect.ci_family)})"


def _recovered(effect: Effect, suffix: str = "") -> str:
    """What leaving a setting out gives back: minus its leave-one-out effect, with the
    interval its decision uses, turned around."""
    size = f"{points(-effect.delta_mean, signed=False)} points{suffix}"
    if effect.ci_family[0] is None:
        return f"{size} (one paired seed: no interval)"
    low, high = effect.ci_family
    unclear = ", an interval that includes zero" if effect.decision() == "unclear" else ""
    return f"{size} ({interval_label(effect)} {interval_text((-high, -low))}{unclear})"


def _names(effects: list[Effect]) -> str:
    names = [effect.transform for effect in effects[:MAX_NAMED]]
    more = len(effects) - len(names)
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return listed + (f" (and {more} more)" if more > 0 else "")


def _alone(rows: list[Effect]) -> str:
    """What the settings do one at a time: every setting whose decision says hurts, most
    harmful first; "no setting is clearly harmful" only when none does."""
    hurting = [effect for effect in rows if effect.decision() == "hurts"]
    seeds = max(effect.n_seeds for effect in rows)
    if len(hurting) == 1:
        return (
            f"Alone, {hurting[0].transform} hurts: it changes validation accuracy by {_change(hurting[0])}, "
            f"over {seeds} paired seeds."
        )
    if hurting:
        each = "; ".join(f"{effect.transform} {_change(effect)}" for effect in hurting[:MAX_NAMED])
        return f"Alone, {_names(hurting)} hurt validation accuracy ({each}), over {seeds} paired seeds."
    unclear = [effect for effect in rows if effect.decision() == "unclear"]
    if not unclear:
        return (
            f"Alone, every setting helps: the least, {rows[0].transform}, changes validation accuracy by "
            f"{_change(rows[0])}."
        )
    worst = unclear[0]
    which = "the lowest" if worst is rows[0] else "the lowest of those the data cannot call"
    if worst.ci_family[0] is None:
        return (
            f"Alone, no setting can be called harmful yet: {which}, {worst.transform}, changes validation "
            f"accuracy by {points(worst.delta_mean)} points, but one paired seed gives no interval."
        )
    return (
        f"Alone, no setting is clearly harmful: {which}, {worst.transform}, changes validation accuracy "
        f"by {_change(worst)}, an interval that includes zero."
    )


def _together(full: Effect) -> str:
    """What the full config does against the baseline."""
    if full.ci_family[0] is None:
        return f"Together they change it by {points(full.delta_mean)} points (one paired seed: no interval)."
    verb = "cost" if full.delta_mean < 0 else "add"
    unclear = ", an interval that includes zero" if full.decision() == "unclear" else ""
    size = points(abs(full.delta_mean), False)
    return f"Together they {verb} {size} points ({interval_label(full)} {interval_text(full.ci_family)}{unclear})."


def _interacts(found: Interaction | None, has_loo: bool) -> str:
    """When the settings alone do not add up to the full config's effect: say so, and what
    leave-one-out found (or that it would find it)."""
    if found is None or found.explained:
        return ""
    text = (
        f"Each setting alone, added up, gives {points(found.alone_sum)} points, outside that interval "
        f"({interval_text(found.full.ci_family)}): the settings interact, so no setting alone explains "
        f"the full config's effect."
    )
    if not has_loo:
        text += " Leave-one-out (the full config minus each setting) would show which removal recovers most."
    return text


def _without(loo: list[Effect], found: Interaction | None) -> str:
    """What leaving out the settings that cost the full config most gives back."""
    recovering = found.recovering if found is not None else _recovering(loo)
    if not recovering:
        return "Leaving out any one setting does not raise it: each adds to the full config."
    top, others = recovering[0], recovering[1:MAX_NAMED]
    text = f"Without {top.transform} the config recovers {_recovered(top)}"
    if len(loo) > 1:
        text += ", the most of any setting"
    if others:
        text += "; without " + "; without ".join(f"{e.transform}, {_recovered(e)}" for e in others)
    return text + "."


def sentence(analysis: AblationAnalysis) -> str:
    """The finding in plain words, from both views: the settings together, whether the
    settings alone explain it (else they interact), the full config without each, and each
    setting alone. A setting is named as harmful only when its decision
    (`Effect.decision`, the family-wise interval) says hurts, and the interval quoted beside
    it is that one."""
    rows = [effect for effect in analysis.one_at_a_time if effect.delta_mean is not None]
    if not rows:
        return "No finished paired runs yet."
    parts = []
    if analysis.full is not None and analysis.full.delta_mean is not None:
        parts.append(_together(analysis.full))
    loo = [effect for effect in analysis.leave_one_out if effect.delta_mean is not None]
    found = interaction(analysis)
    parts.append(_interacts(found, bool(loo)))
    if loo:
        parts.append(_without(loo, found))
    parts.append(_alone(rows))
    return " ".join(part for part in parts if part)


def _alone_text(effect: Effect, analysis: AblationAnalysis) -> str:
    affinity = analysis.affinity.get(effect.transform)
    affinity_text = f"; affinity {affinity:.2f}" if affinity is not None else ""
    return f"{_change(effect)} alone{affinity_text}"


def recommendation(analysis: AblationAnalysis) -> list[str]:
    """Which settings to drop or soften, most useful first, each from its decision
    (`Effect.decision`): what leaving a setting out of the full config recovers leads (it is
    what the user's own config gains), then what each setting does alone. A setting is never
    both to drop and to keep."""
    loo = {effect.transform: effect for effect in analysis.leave_one_out if effect.delta_mean is not None}
    found = interaction(analysis)
    advice, dropped = [], set()
    for effect in sorted((e for e in loo.values() if e.decision() == "hurts"), key=lambda e: e.delta_mean):
        advice.append(f"Drop {effect.transform}: the full config without it scores {_recovered(effect, ' higher')}.")
        dropped.add(effect.transform)
    if found is not None and not found.explained:
        unclear = [e for e in found.recovering if e.transform not in dropped]
        if unclear and not dropped:
            top = unclear[0]
            advice.append(
                f"Look first at {top.transform}: the settings interact, and without it the full config "
                f"scores {_recovered(top, ' higher')}; run more seeds before dropping it."
            )
        elif not loo:
            advice.append(
                f"The settings interact (alone they add up to {points(found.alone_sum)} points, together "
                f"{points(found.full.delta_mean)}): run the ablation with leave-one-out to find which "
                "setting to drop."
            )
    for effect in analysis.one_at_a_time:
        if effect.delta_mean is None or effect.transform in dropped:
            continue
        together = loo.get(effect.transform)
        if effect.decision() == "hurts":
            if together is not None and together.decision() == "helps":
                advice.append(
                    f"{effect.transform} costs accuracy alone ({_change(effect)}) but "
                    f"adds {_change(together)} to the full config: keep it only with the others."
                )
            else:
                advice.append(f"Drop or soften {effect.transform}: {_alone_text(effect, analysis)}.")
        elif effect.decision() == "helps":
            advice.append(f"Keep {effect.transform}: {_alone_text(effect, analysis)}.")
    kept = {line.split(":")[0].removeprefix("Keep ") for line in advice if line.startswith("Keep ")}
    for effect in analysis.leave_one_out:
        if effect.delta_mean is not None and effect.decision() == "helps" and effect.transform not in kept:
            advice.append(
                f"Keep {effect.transform}: the full config without it scores "
                f"{points(effect.delta_mean, signed=False)} points lower ({interval_label(effect)} "
                f"{interval_text((-effect.ci_family[1], -effect.ci_family[0]))})."
            )
    if not advice:
        advice.append(
            "No single setting has an interval clear of zero once the number of settings is allowed for: "
            "run more seeds or epochs before changing one setting; start from the settings with the "
            "lowest effect and affinity."
        )
    return advice
