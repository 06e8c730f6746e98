"""Statistics for the with/without-augmentation comparison, paired by seed.

Pure Python and NumPy (no SciPy): the Student t quantile comes from the regularized
incomplete beta function, so the app can give honest confidence intervals without a
heavy dependency. `points`, `interval_text` and `effect_text` are the one way numbers of an
effect are written, in the verdicts, the ablation's sentences, the report, the page and the
CLI. The verdict of a comparison is `summary.summarize`.
"""

from __future__ import annotations

import math

import numpy as np

from .records import Effect, seeds_agreeing

# --- Student t quantile ------------------------------------------------------------------


def _beta_cf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz's method)."""
    tiny, eps = 1e-300, 1e-16
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        for num in (
            m * (b - m) * x / ((a + m2 - 1.0) * (a + m2)),
            -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0)),
        ):
            d = 1.0 + num * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + num / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < eps:
            return h
    return h  # not reached for the t distribution's parameters


def _betainc(a: float, b: float, x: float, y: float) -> float:
    """Regularized incomplete beta I_x(a, b); `y` is 1 - x, passed in to keep its precision."""
    if x <= 0.0:
        return 0.0
    if y <= 0.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(y)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_cf(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_cf(b, a, y) / b


def _t_tail(t: float, df: float) -> float:
    """P(T > t) for t >= 0."""
    t2 = t * t
    return 0.5 * _betainc(df / 2.0, 0.5, df / (df + t2), t2 / (df + t2))


def t_quantile(p: float, df: float) -> float:
    """The Student t quantile: the t with P(T <= t) = p for `df` degrees of freedom.

    Found by bracketing and bisecting the upper tail probability, which is computed
    directly (not as 1 - CDF) so small tail probabilities keep their precision.
    """
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be strictly between 0 and 1; got {p!r}")
    if not df > 0:
        raise ValueError(f"df must be positive; got {df!r}")
    if p == 0.5:
        return 0.0
    tail = min(p, 1.0 - p)  # solve P(T > t) = tail for t > 0, then fix the sign
    lo, hi = 0.0, 1.0
    while _t_tail(hi, df) > tail:
        lo, hi = hi, hi * 2.0
    while hi - lo > 1e-13 * max(1.0, hi):
        mid = 0.5 * (lo + hi)
        if _t_tail(mid, df) > tail:
            lo = mid
        else:
            hi = mid
    t = 0.5 * (lo + hi)
    return t if p > 0.5 else -t


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


def effect_from(name: str, deltas: list[float], family: int = 1) -> Effect:
    """The paired effect of per-seed differences: mean, 95% t-interval and, with `family`
    comparisons made at once, the Bonferroni interval at 1 - 0.05/family that decisions use
    (one of them would show a 95% interval clear of zero by chance about family/20 times)."""
    if not deltas:
        return Effect(name, None)
    mean, low, high = paired_interval(deltas)
    _, family_low, family_high = paired_interval(deltas, confidence=1 - 0.05 / max(1, family))
    plain = (None, None) if math.isnan(low) else (low, high)
    adjusted = (None, None) if math.isnan(family_low) else (family_low, family_high)
    return Effect(name, mean, plain, adjusted, [float(d) for d in deltas], len(deltas))


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


def interval_text(interval) -> str:
    """'-5.0 to -1.2' (points) for an interval of fractions."""
    low, high = interval
    return f"{points(low)} to {points(high)}"


def effect_text(effect: Effect | None) -> str:
    """'-3.1 (95% CI -5.0 to -1.2)', '+1.0 (one seed: no interval)' or 'no finished paired runs'."""
    if effect is None or effect.delta_mean is None:
        return "no finished paired runs"
    if effect.ci95[0] is None:
        return f"{points(effect.delta_mean)} (one seed: no interval)"
    return f"{points(effect.delta_mean)} (95% CI {interval_text(effect.ci95)})"
