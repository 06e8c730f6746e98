"""Statistics for the with/without-augmentation comparison, paired by seed.

The Student t quantile comes from SciPy (a runtime dependency: IDG's own spline warps
need it too). `points`, `interval_text` and `effect_text` are the one way numbers of an
effect are written (`effect_text` with the interval its decision uses, `decision_mark` the
decision's word), in the verdicts, the ablation's sentences, the report, the page and the
CLI. The verdict of a comparison is `verdict.summarize`.
"""

from __future__ import annotations

import math

import numpy as np

from ..records.results import Effect, seeds_agreeing

# --- Student t quantile ------------------------------------------------------------------


def t_quantile(p: float, df: float) -> float:
    """The Student t quantile: the t with P(T <= t) = p for `df` degrees of freedom
    (`scipy.stats.t.ppf`, imported on first use: SciPy's stats module takes a moment to load,
    and the page only needs it once a run ends)."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be strictly between 0 and 1; got {p!r}")
    if not df > 0:
        raise ValueError(f"df must be positive; got {df!r}")
    from scipy import stats

    return float(stats.t.ppf(p, df))


def paired_interval(deltas, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean of the paired differences and its t confidence interval: (mean, low, high).

    The interval is mean ± t_{(1+c)/2, n-1} · sd / sqrt(n) with the sample sd (ddof=1).
    One difference has no spread to estimate, so its bounds are NaN.
    """
    d = np.asarray(deltas, dtype=float).ravel()
    if d.size == 0:
        raise ValueError("paired_interval needs at least one difference")
    mean = float(d.mean())
    if d.size == 1:
        return mean, math.nan, math.nan
    half = t_quantile((1.0 + confidence) / 2.0, d.size - 1) * float(d.std(ddof=1)) / math.sqrt(d.size)
    return mean, mean - half, mean + half


def feasible(interval: tuple[float, float]) -> tuple[float, float]:
    """An interval for a difference of accuracies cut to what such a difference can be,
    -1..1 (-100..+100 points): with few seeds a t-interval reaches past them (3 seeds, 10
    classes at once: -281 to +164 points), which says nothing more and reads as nonsense.
    Whether it includes zero, so every decision, is unchanged."""
    low, high = interval
    return max(low, -1.0), min(high, 1.0)


def effect_from(name: str, deltas: list[float], family: int = 1) -> Effect:
    """The paired effect of per-seed differences: mean, 95% t-interval and, with `family`
    comparisons made at once, the Bonferroni interval at 1 - 0.05/family that decisions use
    (one of them would show a 95% interval clear of zero by chance about family/20 times)."""
    if not deltas:
        return Effect(name, None)
    mean, low, high = paired_interval(deltas)
    _, family_low, family_high = paired_interval(deltas, confidence=1 - 0.05 / max(1, family))
    plain = (None, None) if math.isnan(low) else feasible((low, high))
    adjusted = (None, None) if math.isnan(family_low) else feasible((family_low, family_high))
    return Effect(name, mean, plain, adjusted, [float(d) for d in deltas], len(deltas), max(1, family))


# --- how effects are written ----------------------------------------------------------------


def points(fraction: float | None, signed: bool = True) -> str:
    """A fraction as percentage points, one decimal, signed by default: 0.031 -> '+3.1'.
    Never '-0.0'; a missing value (None or NaN) is '–'."""
    if fraction is None or math.isnan(fraction):
        return "–"
    text = f"{fraction * 100:{'+' if signed else ''}.1f}"
    return "0.0" if float(text) == 0 else text


def percent(fraction: float | None) -> str:
    """A fraction as a percentage, one decimal: 0.966 -> '96.6%' ('–' when missing)."""
    return "–" if fraction is None else f"{fraction * 100:.1f}%"


def ratio_text(value: float | None) -> str:
    """A ratio such as affinity or diversity, two decimals ('–' when missing)."""
    return "–" if value is None else f"{value:.2f}"


def agreement_text(per_seed: list[float]) -> str:
    """'lower in 3 of 3 seeds': how many seeds moved the way their mean did ('' without any)."""
    if not per_seed:
        return ""
    n, direction = len(per_seed), "lower" if sum(per_seed) < 0 else "higher"
    return f"{direction} in {seeds_agreeing(per_seed)} of {n} seed{'s' if n > 1 else ''}"


def bound_text(fraction: float | None) -> str:
    """An interval's bound in points: one decimal, but a bound that is not zero keeps its
    sign where one decimal would round it to '0.0' (-0.0004 -> '-0.04', up to 3 decimals,
    then +-0.0001): an interval that clears zero is never printed as one that touches it."""
    text = points(fraction)
    if text != "0.0" or not fraction:
        return text
    value = fraction * 100
    for decimals in (2, 3):
        if round(value, decimals):
            return f"{value:+.{decimals}f}"
    return "+0.0001" if value > 0 else "-0.0001"  # rounded away from zero: the side is what counts


def interval_text(interval) -> str:
    """'-5.0 to -1.2' (points) for an interval of fractions; '-2.7 to -0.04' where the upper
    bound is below zero but rounds to it (`bound_text`)."""
    low, high = interval
    return f"{bound_text(low)} to {bound_text(high)}"


def level_text(level: float) -> str:
    """A confidence level as a percentage with the fewest decimals that keep it below 100:
    0.95 -> '95%', 1 - 0.05/7 -> '99.3%', 1 - 0.05/200 -> '99.98%'."""
    for decimals in range(1, 6):
        text = f"{level * 100:.{decimals}f}".rstrip("0").rstrip(".")
        if float(text) < 100:
            return f"{text}%"
    return f"{level * 100}%"


def interval_label(effect: Effect) -> str:
    """The name of the interval an effect's decision uses: '95% CI' for one comparison,
    'family-wise 99.3% CI' for 7 at once (Bonferroni), 'family-wise CI' when not recorded."""
    if effect.family == 1:
        return "95% CI"
    return "family-wise CI" if effect.level is None else f"family-wise {level_text(effect.level)} CI"


def effect_text(effect: Effect | None) -> str:
    """'-3.1 (95% CI -5.0 to -1.2)', '-3.1 (family-wise 99.3% CI -7.0 to +0.4)', '+1.0 (one
    seed: no interval)' or 'no finished paired runs'. The interval is the one `Effect.decision`
    uses, so a number is never printed beside a decision drawn from another interval."""
    if effect is None or effect.delta_mean is None:
        return "no finished paired runs"
    if effect.ci_family[0] is None:
        return f"{points(effect.delta_mean)} (one seed: no interval)"
    return f"{points(effect.delta_mean)} ({interval_label(effect)} {interval_text(effect.ci_family)})"


DECISION_WORDS = {"hurts": "hurts", "helps": "helps", "unclear": "unclear"}


def decision_mark(effect: Effect | None) -> str:
    """The table's word for an effect's decision: 'hurts', 'helps' or 'unclear' (also
    without a number), the same word the page, the CLI and the report print."""
    return "unclear" if effect is None else DECISION_WORDS[effect.decision()]
