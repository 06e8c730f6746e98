"""Which setting hurts: one change at a time against the same baseline, over paired seeds.

- one-at-a-time: the baseline, and each active setting alone. A setting's effect is
  acc(setting alone) - acc(baseline).
- leave-one-out: the full config, and the full config minus each setting. A setting's
  effect is acc(full) - acc(full without it): what it adds on top of the others.
Both are paired by seed (same initial weights and batch order, see `training`), reported
with a 95% t-interval, negative = the setting costs accuracy.
- affinity (Gontijo-Lopes et al. 2020, "Affinity and Diversity"), no retraining: the
  baseline model's accuracy on validation images augmented by one setting, divided by its
  clean validation accuracy. Low affinity: the setting pushes images off the data's
  distribution. diversity: the final training loss with the setting alone divided by the
  baseline's (harder training data).
"""

from __future__ import annotations

import numpy as np

from ..augment.config import AugmentConfig
from .records import AblationAnalysis, Effect, RunResult
from .spec import ALONE, BASELINE, FULL, alone, setting_of, without
from .stats import effect_from, interval_text, points
from .summary import one_class_only, paired_deltas, stopped_note


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
    (`summary.LAST_EPOCHS`), over seeds where both arms finished the same epochs. With
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
        loo = _rank([paired_effect(result, FULL, without(name), name, family)
                     for name in settings if without(name) in arms])
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
        advice.insert(0, "Every arm predicted a single class: train for more epochs, with a lower learning rate, "
                         "or from pretrained weights before reading these effects.")
    return AblationAnalysis(**{**vars(analysis), "sentence": stopped_note(result) + untrained + sentence(analysis),
                               "recommendation": advice})


UNTRAINED = ("No arm learned: in every seed every model answered one class for every validation image, so "
             "these effects say nothing about the settings. ")


def _recovered(effect: Effect, suffix: str) -> str:
    """What leaving a setting out gives back (a harmful setting's, so a gain): minus its
    leave-one-out effect, with its interval."""
    low, high = effect.ci95
    return f"{points(-effect.delta_mean, signed=False)} points{suffix} (95% CI {interval_text((-high, -low))})"


def _alone(rows: list[Effect]) -> str:
    """What the settings do one at a time: the most harmful named only when it is clear."""
    worst, family = rows[0], len(rows)
    if worst.ci95[0] is None:
        return (f"Alone, {worst.transform} looks most harmful ({points(worst.delta_mean)} points) but one paired "
                "seed gives no interval.")
    if worst.decision() == "hurts":
        return (f"{worst.transform} hurts most: alone it changes validation accuracy by "
                f"{points(worst.delta_mean)} points (95% CI {interval_text(worst.ci95)}; still below zero after "
                f"allowing for {family} settings tested at once), over {worst.n_seeds} paired seeds.")
    return (f"Alone, no setting is clearly harmful: the lowest, {worst.transform}, changes validation accuracy "
            f"by {points(worst.delta_mean)} points (95% CI {interval_text(worst.ci95)}), an interval that includes "
            f"zero once {family} settings tested at once are allowed for.")


def _together(full: Effect) -> str:
    """What the full config does against the baseline."""
    if full.ci95[0] is None:
        return f"Together they change it by {points(full.delta_mean)} points (one paired seed: no interval)."
    verb = "cost" if full.delta_mean < 0 else "add"
    unclear = ", an interval that includes zero" if full.decision() == "unclear" else ""
    size = points(abs(full.delta_mean), False)
    return f"Together they {verb} {size} points (95% CI {interval_text(full.ci95)}{unclear})."


def _without(top: Effect, family: int) -> str:
    """What leaving out the setting that costs the full config most gives back."""
    if top.delta_mean >= 0:
        return "Leaving out any one setting does not raise it: each adds to the full config."
    if top.ci95[0] is None:
        return f"Without {top.transform} the config recovers {points(-top.delta_mean)} points (one paired seed)."
    unclear = (f"; an interval that includes zero once {family} settings are allowed for"
               if top.decision() == "unclear" else "")
    return f"Without {top.transform} the config recovers {_recovered(top, '')}{unclear}."


def sentence(analysis: AblationAnalysis) -> str:
    """The finding in plain words, from both views: each setting alone, the settings together,
    and the full config without each. A setting is named as harmful only when its
    family-wise interval excludes zero."""
    rows = [effect for effect in analysis.one_at_a_time if effect.delta_mean is not None]
    if not rows:
        return "No finished paired runs yet."
    parts = [_alone(rows)]
    if analysis.full is not None and analysis.full.delta_mean is not None:
        parts.append(_together(analysis.full))
    loo = [effect for effect in analysis.leave_one_out if effect.delta_mean is not None]
    if loo:
        parts.append(_without(loo[0], len(loo)))
    return " ".join(parts)


def recommendation(analysis: AblationAnalysis) -> list[str]:
    """Which settings to drop or soften, backed by family-wise intervals (see `paired_effect`)."""
    advice = []
    for effect in analysis.one_at_a_time:
        if effect.delta_mean is None or effect.ci95[0] is None:
            continue
        affinity = analysis.affinity.get(effect.transform)
        affinity_text = f"; affinity {affinity:.2f}" if affinity is not None else ""
        alone_text = f"{points(effect.delta_mean)} points alone (95% CI {interval_text(effect.ci95)}){affinity_text}"
        if effect.decision() == "hurts":
            advice.append(f"Drop or soften {effect.transform}: {alone_text}.")
        elif effect.decision() == "helps":
            advice.append(f"Keep {effect.transform}: {alone_text}.")
    for effect in analysis.leave_one_out:
        if effect.delta_mean is not None and effect.decision() == "hurts":
            gain = _recovered(effect, " higher")
            advice.append(f"Drop {effect.transform}: the full config without it scores {gain}.")
    if not advice:
        advice.append("No single setting has an interval clear of zero once the number of settings is allowed for: "
                      "run more seeds or epochs before changing one setting; start from the settings with the "
                      "lowest effect and affinity.")
    return advice
