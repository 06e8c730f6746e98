"""Statistics for the with/without-augmentation comparison, paired by seed.

Pure Python and NumPy (no SciPy): the Student t quantile comes from the regularized
incomplete beta function, so the app can give honest confidence intervals without a
heavy dependency. `summarize` turns a comparison result into a verdict that claims no
more than the interval supports, plus the per-epoch curves the plots draw. `points`,
`interval_text` and `effect_text` are the one way numbers of an effect are written, in the
verdicts, the ablation's sentences, the report, the page and the CLI.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .records import AUGMENTED, BASELINE, METRICS, Curve, Effect, RunResult, Summary

IMPROVING_POINTS = 0.5  # last-epoch gain (percentage points) that counts as "still improving"
MIN_SEEDS = 3


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


# --- how effects are written ----------------------------------------------------------------


def points(fraction: float | None, signed: bool = True) -> str:
    """A fraction as percentage points, one decimal, signed by default: 0.031 -> '+3.1'.
    Never '-0.0'; a missing value (None or NaN) is '–'."""
    if fraction is None or math.isnan(fraction):
        return "–"
    text = f"{fraction * 100:{'+' if signed else ''}.1f}"
    return "0.0" if float(text) == 0 else text


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


# --- summary of a comparison result --------------------------------------------------------


def _runs(result: RunResult, arm: str, metric: str) -> list[list[float]]:
    """One list of per-epoch values per seed; a missing arm counts as no epochs."""
    history = result.arms.get(arm)
    return [list(run) for run in history.runs(metric)] if history else []


def _curve(runs: list[list[float]]) -> Curve:
    """Mean, std and seed count per epoch index, over the seeds that reached that epoch.

    std uses ddof=1 (sample sd) where at least 2 seeds reached the epoch, else ddof=0 (0.0).
    """
    mean, std, n = [], [], []
    for e in range(max((len(r) for r in runs), default=0)):
        values = np.array([r[e] for r in runs if len(r) > e], dtype=float)
        mean.append(float(values.mean()))
        std.append(float(values.std(ddof=1 if values.size >= 2 else 0)))
        n.append(int(values.size))
    return Curve(mean, std, n)


def _verdict(deltas: list[float], low, high) -> str:
    n = len(deltas)
    if n == 0:
        return "No paired results yet."
    mean = float(np.mean(deltas))
    if n == 1:
        return (
            f"One seed cannot give an interval: augmentation changed final validation accuracy "
            f"by {points(mean)} points on that seed; run at least {MIN_SEEDS} seeds before "
            f"drawing a conclusion."
        )
    ci = f"(95% CI {points(low)} to {points(high)} points, {n} paired seeds)"
    if high < 0:
        return (
            f"Augmentation hurt: final validation accuracy was {points(-mean, False)} points "
            f"lower with augmentation {ci}."
        )
    if low > 0:
        return (
            f"Augmentation helped: final validation accuracy was {points(mean, False)} points "
            f"higher with augmentation {ci}."
        )
    return (
        f"No detectable difference: augmentation changed final validation accuracy by "
        f"{points(mean)} points {ci}; the interval includes zero."
    )


def _still_improving(runs: list[list[float]]) -> bool:
    """Whether the augmented arm's mean validation accuracy was still rising at the end.

    Uses only the seeds that reached the arm's last epoch, so every epoch's mean is over
    the same seeds (a seed that stopped early cannot fake a jump). Needs >= 3 epochs.
    """
    longest = max((len(r) for r in runs), default=0)
    if longest < 3:
        return False
    mean = np.mean([r for r in runs if len(r) == longest], axis=0)
    gain_points = (mean[-1] - mean[:-1].max()) * 100
    return bool(gain_points > IMPROVING_POINTS + 1e-9)  # 1e-9: float noise at exactly 0.5


@dataclass(frozen=True)
class _Pairing:
    """Final validation accuracies of the two arms on the seeds that pair up."""

    paired: list
    unpaired: list
    base_final: list[float]
    aug_final: list[float]
    lengths: set

    @property
    def deltas(self) -> list[float]:
        return [a - b for a, b in zip(self.aug_final, self.base_final)]


def _pair(seeds: list, base_runs: list[list[float]], aug_runs: list[list[float]]) -> _Pairing:
    """A seed pairs when both arms finished at least one epoch and the SAME number of epochs."""
    pairing = _Pairing([], [], [], [], set())
    for i, seed in enumerate(seeds):
        b = base_runs[i] if i < len(base_runs) else []
        a = aug_runs[i] if i < len(aug_runs) else []
        if not b and not a:
            continue
        if len(a) != len(b) or not a:
            pairing.unpaired.append(seed)
            continue
        pairing.paired.append(seed)
        pairing.lengths.add(len(a))
        pairing.base_final.append(float(b[-1]))
        pairing.aug_final.append(float(a[-1]))
    return pairing


def _warnings(pairing: _Pairing, improving: bool) -> list[str]:
    warnings = []
    n = len(pairing.paired)
    if 0 < n < MIN_SEEDS:
        warnings.append(f"Fewer than {MIN_SEEDS} paired seeds: the interval is wide and unreliable.")
    if pairing.unpaired:
        warnings.append(
            f"{len(pairing.unpaired)} seed(s) left out ({', '.join(map(str, pairing.unpaired))}): the two arms "
            f"finished different numbers of epochs, so their final accuracies are not comparable."
        )
    if len(pairing.lengths) > 1:
        warnings.append(
            f"Paired seeds stopped at different epochs ({min(pairing.lengths)} to {max(pairing.lengths)}), "
            f"so their differences compare different training lengths."
        )
    if improving:
        warnings.append(
            "The augmented arm was still improving at the last epoch: augmented models converge "
            "more slowly, so a longer run may change the verdict."
        )
    return warnings


def summarize(result: RunResult, baseline: str = BASELINE, augmented: str = AUGMENTED) -> Summary:
    """The comparison's verdict, interval, warnings and per-epoch curves.

    Pairing: for each seed, each arm's final validation accuracy is the last epoch it
    finished. A seed counts as paired only when both arms finished at least one epoch and
    the SAME number of epochs, so each difference compares equally long training; seeds
    where the arms reached different epochs are excluded and counted in `unpaired_seeds`.
    Accuracies and deltas are fractions; the verdict states them in percentage points.

    `per_epoch[arm][metric]` is a `Curve` over every seed of that arm that reached the epoch
    (paired or not): std is ddof=1 with >= 2 values, else 0.
    """
    aug_runs = _runs(result, augmented, "val_accuracy")
    pairing = _pair(result.seeds, _runs(result, baseline, "val_accuracy"), aug_runs)
    deltas = pairing.deltas
    mean = low = high = None
    if deltas:
        mean, low, high = paired_interval(deltas)
        if math.isnan(low):
            low = high = None
    improving = _still_improving(aug_runs)
    return Summary(
        delta_mean=mean,
        ci95=(low, high),
        per_seed_delta=deltas,
        paired_seeds=pairing.paired,
        n_seeds=len(deltas),
        unpaired_seeds=len(pairing.unpaired),
        baseline_final=float(np.mean(pairing.base_final)) if deltas else None,
        augmented_final=float(np.mean(pairing.aug_final)) if deltas else None,
        verdict=_verdict(deltas, low, high),
        still_improving=improving,
        warnings=_warnings(pairing, improving),
        per_epoch={arm: {metric: _curve(history.runs(metric)) for metric in METRICS}
                   for arm, history in result.arms.items()},
    )
