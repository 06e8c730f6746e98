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

import math

import numpy as np

from ..augment.config import AugmentConfig
from .records import ALONE, BASELINE, FULL, AblationAnalysis, Effect, RunResult, alone, setting_of, without
from .stats import interval_text, paired_interval, points


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
    """Paired effect better - worse over seeds where both arms finished the same epochs.

    `ci95` is the plain 95% t-interval. With `family` settings tested at once, one of them
    would show a 95% interval clear of zero by chance about family/20 times, so the
    decisions (naming a setting, advising to drop or keep it) use `ci_family`, the
    Bonferroni interval at 1 - 0.05/family: 95% for the whole family of settings.
    """
    ours, theirs = result.arms[better].val_accuracy, result.arms[worse].val_accuracy
    deltas = [a[-1] - b[-1] for a, b in zip(ours, theirs) if a and b and len(a) == len(b)]
    if not deltas:
        return Effect(transform, None)
    mean, low, high = paired_interval(deltas)
    _, family_low, family_high = paired_interval(deltas, confidence=1 - 0.05 / max(1, family))
    plain = (None, None) if math.isnan(low) else (low, high)
    adjusted = (None, None) if math.isnan(family_low) else (family_low, family_high)
    return Effect(transform, mean, plain, adjusted, deltas, len(deltas))


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
    return AblationAnalysis(**{**vars(analysis), "sentence": sentence(analysis),
                               "recommendation": recommendation(analysis)})


def _recovered(effect: Effect, suffix: str) -> str:
    """What leaving a setting out gives back: minus its leave-one-out effect, with its interval."""
    low, high = effect.ci95
    return f"{points(-effect.delta_mean)} points{suffix} (95% CI {interval_text((-high, -low))})"


def sentence(analysis: AblationAnalysis) -> str:
    """Names the most harmful setting only when its family-wise interval excludes zero;
    otherwise says what the full config and leave-one-out show, with their intervals."""
    rows = [effect for effect in analysis.one_at_a_time if effect.delta_mean is not None]
    if not rows:
        return "No finished paired runs yet."
    worst = rows[0]
    if worst.ci95[0] is None:
        return (f"{worst.transform} looks most harmful ({points(worst.delta_mean)} points) but one seed "
                f"cannot give an interval: run at least 3 seeds.")
    family = len(rows)
    if worst.decision() == "hurts":
        return (f"{worst.transform} hurts most: alone it changes final validation accuracy by "
                f"{points(worst.delta_mean)} points (95% CI {interval_text(worst.ci95)}; still below zero after "
                f"allowing for {family} settings tested at once), over {worst.n_seeds} paired seeds.")
    text = (f"No setting is clearly harmful on its own: the lowest, {worst.transform}, changes final validation "
            f"accuracy by {points(worst.delta_mean)} points (95% CI {interval_text(worst.ci95)}), an interval that "
            f"includes zero once {family} settings tested at once are allowed for.")
    full = analysis.full
    loo = [effect for effect in analysis.leave_one_out if effect.delta_mean is not None]
    if full is not None and full.decision() == "hurts":
        text += (f" Together they hurt: the full config changes it by {points(full.delta_mean)} points "
                 f"(95% CI {interval_text(full.ci95)}).")
        if loo and loo[0].ci95[0] is not None:
            text += f" Leaving out {loo[0].transform} recovers the most: {_recovered(loo[0], '')}."
    return text


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
