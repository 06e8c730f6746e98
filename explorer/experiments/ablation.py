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
from .stats import paired_interval

BASELINE, FULL = "baseline", "full"
ALONE, WITHOUT = "only:", "without:"
MODES = ("one_at_a_time", "leave_one_out")


def ablation_arms(config: AugmentConfig, leave_one_out: bool = False) -> dict[str, AugmentConfig]:
    """The arms to train: the baseline (same preprocessing, no transform), each active
    setting alone and, with leave_one_out, the full config and the full config minus each."""
    base = config.without_transforms()
    settings = config.active_transforms()
    arms = {BASELINE: base}
    arms.update({ALONE + name: base.replace(**{name: getattr(config, name)}) for name in settings})
    if leave_one_out:
        arms[FULL] = config
        arms.update({WITHOUT + name: config.replace(**{name: getattr(base, name)}) for name in settings})
    return arms


def probe_configs(config: AugmentConfig) -> dict[str, AugmentConfig]:
    """Each active setting alone, to augment validation images for affinity."""
    base = config.without_transforms()
    return {name: base.replace(**{name: getattr(config, name)}) for name in config.active_transforms()}


def _final(result: dict, arm: str, metric: str = "val_accuracy") -> list[float | None]:
    runs = result["arms"].get(arm, {}).get(metric, [])
    return [run[-1] if run else None for run in runs]


def _paired(result: dict, better: str, worse: str, family: int = 1) -> dict:
    """Paired effect better - worse over seeds where both arms finished the same epochs.

    `ci95` is the plain 95% t-interval. With `family` settings tested at once, one of them
    would show a 95% interval clear of zero by chance about family/20 times, so the
    decisions (naming a setting, advising to drop or keep it) use `ci_family`, the
    Bonferroni interval at 1 - 0.05/family: 95% for the whole family of settings.
    """
    ours, theirs = result["arms"][better]["val_accuracy"], result["arms"][worse]["val_accuracy"]
    deltas = [a[-1] - b[-1] for a, b in zip(ours, theirs) if a and b and len(a) == len(b)]
    if not deltas:
        return {"delta_mean": None, "ci95": [None, None], "ci_family": [None, None], "per_seed": [], "n_seeds": 0}
    mean, low, high = paired_interval(deltas)
    _, family_low, family_high = paired_interval(deltas, confidence=1 - 0.05 / max(1, family))
    plain = [None, None] if math.isnan(low) else [low, high]
    adjusted = [None, None] if math.isnan(family_low) else [family_low, family_high]
    return {"delta_mean": mean, "ci95": plain, "ci_family": adjusted, "per_seed": deltas, "n_seeds": len(deltas)}


def _rank(rows: list[dict]) -> list[dict]:
    """Most harmful first; settings without a number last."""
    return sorted(rows, key=lambda row: (row["delta_mean"] is None, row["delta_mean"] if row["delta_mean"] is not None else 0))


def _ratio(values: list, references: list) -> float | None:
    pairs = [(v, r) for v, r in zip(values, references) if v is not None and r]
    return float(np.mean([v / r for v, r in pairs])) if pairs else None


def analyze(result: dict) -> dict:
    """The ablation's table, affinity, diversity and a sentence that claims no more than
    the intervals support."""
    arms = result["arms"]
    settings = [arm[len(ALONE):] for arm in arms if arm.startswith(ALONE)]
    family = len(settings)
    one = _rank([{"transform": name, **_paired(result, ALONE + name, BASELINE, family)} for name in settings])
    loo = []
    if FULL in arms:
        loo = _rank([{"transform": name, **_paired(result, FULL, WITHOUT + name, family)}
                     for name in settings if WITHOUT + name in arms])
    clean = _final(result, BASELINE)
    affinity = {name: _ratio(values, clean) for name, values in result.get("probe_accuracy", {}).items()}
    base_loss = _final(result, BASELINE, "train_loss")
    diversity = {name: _ratio(_final(result, ALONE + name, "train_loss"), base_loss) for name in settings}
    analysis = {
        "one_at_a_time": one,
        "leave_one_out": loo,
        "affinity": affinity,
        "diversity": diversity,
        "full": _paired(result, FULL, BASELINE) if FULL in arms else None,
    }
    analysis["sentence"] = sentence(analysis)
    analysis["recommendation"] = recommendation(analysis)
    return analysis


def _points(value: float) -> str:
    return f"{value * 100:+.1f}"


def _interval(row: dict, key: str = "ci95") -> str:
    low, high = row[key]
    return f"{_points(low)} to {_points(high)}"


def _clear(row: dict, below: bool) -> bool:
    """The family-wise interval lies entirely below (or above) zero."""
    low, high = row.get("ci_family", [None, None])
    if low is None:
        return False
    return high < 0 if below else low > 0


def sentence(analysis: dict) -> str:
    """Names the most harmful setting only when its family-wise interval excludes zero;
    otherwise says what the full config and leave-one-out show, with their intervals."""
    rows = [row for row in analysis["one_at_a_time"] if row["delta_mean"] is not None]
    if not rows:
        return "No finished paired runs yet."
    worst = rows[0]
    if worst["ci95"][0] is None:
        return (f"{worst['transform']} looks most harmful ({_points(worst['delta_mean'])} points) but one seed "
                f"cannot give an interval: run at least 3 seeds.")
    family = len(rows)
    if _clear(worst, below=True):
        return (f"{worst['transform']} hurts most: alone it changes final validation accuracy by "
                f"{_points(worst['delta_mean'])} points (95% CI {_interval(worst)}; still below zero after "
                f"allowing for {family} settings tested at once), over {worst['n_seeds']} paired seeds.")
    text = (f"No setting is clearly harmful on its own: the lowest, {worst['transform']}, changes final validation "
            f"accuracy by {_points(worst['delta_mean'])} points (95% CI {_interval(worst)}), an interval that "
            f"includes zero once {family} settings tested at once are allowed for.")
    full, loo = analysis.get("full"), [row for row in analysis.get("leave_one_out", []) if row["delta_mean"] is not None]
    if full and full["delta_mean"] is not None and full["ci95"][1] is not None and full["ci95"][1] < 0:
        text += (f" Together they hurt: the full config changes it by {_points(full['delta_mean'])} points "
                 f"(95% CI {_interval(full)}).")
        if loo:
            top = loo[0]
            text += (f" Leaving out {top['transform']} recovers the most: {_points(-top['delta_mean'])} points "
                     f"(95% CI {_points(-top['ci95'][1])} to {_points(-top['ci95'][0])})." if top["ci95"][0] is not None else "")
    return text


def recommendation(analysis: dict) -> list[str]:
    """Which settings to drop or soften, backed by family-wise intervals (see `_paired`)."""
    advice = []
    for row in analysis["one_at_a_time"]:
        name, delta = row["transform"], row["delta_mean"]
        if delta is None or row["ci95"][0] is None:
            continue
        affinity = analysis["affinity"].get(name)
        affinity_text = f"; affinity {affinity:.2f}" if affinity is not None else ""
        if _clear(row, below=True):
            advice.append(f"Drop or soften {name}: {_points(delta)} points alone (95% CI {_interval(row)}){affinity_text}.")
        elif _clear(row, below=False):
            advice.append(f"Keep {name}: {_points(delta)} points alone (95% CI {_interval(row)}){affinity_text}.")
    for row in analysis.get("leave_one_out", []):
        if row["delta_mean"] is not None and _clear(row, below=True):
            advice.append(f"Drop {row['transform']}: the full config without it scores {_points(-row['delta_mean'])} "
                          f"points higher (95% CI {_points(-row['ci95'][1])} to {_points(-row['ci95'][0])}).")
    if not advice:
        advice.append("No single setting has an interval clear of zero once the number of settings is allowed for: "
                      "run more seeds or epochs before changing one setting; start from the settings with the "
                      "lowest effect and affinity.")
    return advice
