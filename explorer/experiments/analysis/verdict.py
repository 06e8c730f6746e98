"""The verdict of a comparison: a paired effect per seed, an honest interval, and wording
whose strength follows the evidence.

The estimator: per seed, the effect is the mean validation accuracy over the last
`LAST_EPOCHS` finished epochs, augmented minus baseline, for the seeds where both arms
finished the same epochs. Averaging the last epochs uses evidence a final epoch alone wastes
(an augmented arm swings by several points from epoch to epoch); the t-interval over seeds is
the same as ever. The final epoch's effect is kept beside it.

The wording ladder (`verdict_code`): hurt / helped when the 95% interval is clear of zero;
likely_hurt / likely_helped when the interval spans zero but at least 3 in 4 seeds agree with
the point estimate (with how many more seeds would probably settle it); no_difference
otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..records.results import AblationAnalysis, Curve, RunResult, Summary, seeds_agreeing
from ..records.spec import AUGMENTED, BASELINE, IDG_ARM, METRICS, STACK_ARM
from ..records.status import RunState
from .breakdown import class_effects, image_effects
from .stats import agreement_text, feasible, interval_text, paired_interval, points, t_quantile

LAST_EPOCHS = 3  # the effect per seed is the mean over this many last epochs
AGREEMENT = 0.75  # share of seeds that must agree with the mean for a "likely" verdict
MAX_EXTRA_SEEDS = 50  # beyond this, "more seeds would settle it" is not a useful promise
IMPROVING_POINTS = 0.5  # last-epoch gain (percentage points) that counts as "still improving"
MIN_SEEDS = 3


@dataclass(frozen=True)
class Wording:
    """What a comparison compares, in its words: `subject` starts a verdict ("Augmentation
    hurt"), `with_what` ends its size ("... points lower with augmentation"); `before` and
    `after` head the two arms' columns; `difference` is the effect ("augmented minus
    baseline"); `broken` says what a broken validation image is."""

    subject: str
    with_what: str
    before: str = "without"
    after: str = "with"
    difference: str = "augmented minus baseline"
    broken: str = "right without augmentation and wrong with it"


AUGMENTATION = Wording("augmentation", "with augmentation")
MIGRATION = Wording(
    "the migration",
    "with the Keras 3 stack than with ImageDataGenerator",
    before="IDG",
    after="stack",
    difference="the Keras 3 stack's minus ImageDataGenerator's",
    broken="right with ImageDataGenerator and wrong with the Keras 3 stack",
)


def wording(result: RunResult) -> Wording:
    """The words of a run's comparison: a migration check's, or augmentation's."""
    return MIGRATION if result.is_migration else AUGMENTATION


ESTIMATOR_HELP = (
    "Per seed, the effect is the mean validation accuracy over the last {k} epochs, {difference} "
    "(the same initial weights and batches); the 95% interval is a t-interval over the paired "
    "seeds. Verdicts: hurt or helped when the interval is clear of zero; probably hurt or helped when it "
    "is not but at least 3 in 4 seeds agree; otherwise no detectable difference."
)


def window(run: list[float], last_epochs: int = LAST_EPOCHS) -> float:
    """The mean of a run's last `last_epochs` values (all of them when it has fewer)."""
    return float(np.mean(run[-last_epochs:]))


def paired_deltas(better: list[list[float]], worse: list[list[float]], last_epochs: int = LAST_EPOCHS) -> list[float]:
    """Per seed that both finished the same epochs: window(better) - window(worse)."""
    return [window(a, last_epochs) - window(b, last_epochs) for a, b in zip(better, worse) if a and len(a) == len(b)]


def _runs(result: RunResult, arm: str, metric: str) -> list[list[float]]:
    """One list of per-epoch values per seed; a missing arm counts as no epochs."""
    history = result.arms.get(arm)
    return [list(run) for run in history.runs(metric)] if history else []


def _curve(runs: list[list[float]]) -> Curve:
    """Mean, std and seed count per epoch index, over the seeds that reached that epoch.
    std uses ddof=1 (sample sd) where at least 2 seeds reached the epoch, else 0."""
    mean, std, n = [], [], []
    for e in range(max((len(r) for r in runs), default=0)):
        values = np.array([r[e] for r in runs if len(r) > e], dtype=float)
        mean.append(float(values.mean()))
        std.append(float(values.std(ddof=1 if values.size >= 2 else 0)))
        n.append(int(values.size))
    return Curve(mean, std, n)


@dataclass
class _Pairing:
    """The two arms' validation accuracy on the seeds that pair up: window means and finals."""

    last_epochs: int
    paired: list = field(default_factory=list)
    unpaired: list = field(default_factory=list)
    base: list[float] = field(default_factory=list)
    aug: list[float] = field(default_factory=list)
    base_final: list[float] = field(default_factory=list)
    aug_final: list[float] = field(default_factory=list)
    lengths: set = field(default_factory=set)

    @property
    def deltas(self) -> list[float]:
        return [a - b for a, b in zip(self.aug, self.base)]

    @property
    def final_deltas(self) -> list[float]:
        return [a - b for a, b in zip(self.aug_final, self.base_final)]

    @property
    def window(self) -> int:
        """The epochs the window really covers (fewer when the runs are shorter)."""
        return min([self.last_epochs, *self.lengths]) if self.lengths else self.last_epochs


def _pair(seeds: list, base_runs: list[list[float]], aug_runs: list[list[float]], last_epochs: int) -> _Pairing:
    """A seed pairs when both arms finished at least one epoch and the SAME number of epochs."""
    pairing = _Pairing(last_epochs)
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
        pairing.base.append(window(b, last_epochs))
        pairing.aug.append(window(a, last_epochs))
        pairing.base_final.append(float(b[-1]))
        pairing.aug_final.append(float(a[-1]))
    return pairing


def verdict_code(deltas: list[float], interval) -> str | None:
    """hurt, likely_hurt, no_difference, likely_helped or helped (None without a seed)."""
    if not deltas:
        return None
    low, high = interval
    if low is not None and high < 0:
        return "hurt"
    if low is not None and low > 0:
        return "helped"
    mean = float(np.mean(deltas))
    if mean != 0 and seeds_agreeing(deltas) >= math.ceil(AGREEMENT * len(deltas)):
        return "likely_hurt" if mean < 0 else "likely_helped"
    return "no_difference"


def seeds_to_settle(deltas: list[float]) -> int | None:
    """How many more seeds would probably make the 95% interval clear zero, if the mean and
    spread stay as they are (None with fewer than 2 seeds, no spread, or beyond the cap)."""
    n = len(deltas)
    if n < 2:
        return None
    mean, sd = abs(float(np.mean(deltas))), float(np.std(deltas, ddof=1))
    if sd == 0 or mean == 0:
        return None
    for total in range(n + 1, n + MAX_EXTRA_SEEDS + 1):
        if t_quantile(0.975, total - 1) * sd / math.sqrt(total) < mean:
            return total - n
    return None


def _measure(epochs: int) -> str:
    return "final-epoch validation accuracy" if epochs == 1 else f"mean of the last {epochs} epochs"


def _doubt(deltas: list[float], interval, settle: int | None) -> str:
    """Why a likely verdict is not certain, and what would settle it."""
    if len(deltas) < 2:
        return "one paired seed gives no interval: run at least 2 more seeds"
    more = (
        f"about {settle} more seed{'s' if settle > 1 else ''} would probably settle it"
        if settle
        else f"more than {MAX_EXTRA_SEEDS} more seeds would be needed at this spread"
    )
    return f"the 95% CI ({interval_text(interval)} points) still includes zero; {more}"


def verdict_text(
    code: str | None, deltas: list[float], interval, epochs: int, settle: int | None, words: Wording = AUGMENTATION
) -> str:
    """The verdict in one sentence, as strong as its code and no stronger."""
    if code is None:
        return "No paired results yet: a verdict needs both arms of a seed finished."
    n, mean = len(deltas), float(np.mean(deltas))
    direction = "lower" if mean < 0 else "higher"
    agree = agreement_text(deltas)
    size = f"validation accuracy was {points(abs(mean), False)} points {direction} {words.with_what}"
    subject = words.subject[0].upper() + words.subject[1:]
    if code in ("hurt", "helped"):
        ci = f"95% CI {interval_text(interval)} points"
        return f"{subject} {code}: {size} ({_measure(epochs)}; {agree}; {ci})."
    if code in ("likely_hurt", "likely_helped"):
        outcome, doubt = code.removeprefix("likely_"), _doubt(deltas, interval, settle)
        return f"{subject} probably {outcome}: {size} ({_measure(epochs)}; {agree}), but {doubt}."
    if n == 1:
        return f"No detectable difference on the one paired seed ({_measure(epochs)}); run at least 2 more seeds."
    bound = max(abs(interval[0]), abs(interval[1]))
    return (
        f"No detectable difference: {words.subject} changed validation accuracy by {points(mean)} points "
        f"({_measure(epochs)}; {agree}; 95% CI {interval_text(interval)} points); "
        f"the interval includes zero, so any effect is within ±{points(bound, False)} points."
    )


def stopped_note(result: RunResult) -> str:
    """'Stopped after 4 of 10 epochs of augmented on seed 1; 1 of 3 seeds finished every arm. '
    for a stopped run ('' otherwise)."""
    if result.status != RunState.STOPPED:
        return ""
    epochs, seeds = result.settings.epochs, result.seeds
    finished = [
        i
        for i in range(len(seeds))
        if all(len(h.val_accuracy) > i and len(h.val_accuracy[i]) == epochs for h in result.arms.values())
    ]
    partial = next(
        (
            (len(h.val_accuracy[i]), arm, seeds[i])
            for i in range(len(seeds))
            if i not in finished
            for arm, h in result.arms.items()
            if len(h.val_accuracy) > i and len(h.val_accuracy[i]) < epochs
        ),
        None,
    )
    where = f"after {partial[0]} of {epochs} epochs of {partial[1]} on seed {partial[2]}" if partial else "early"
    return f"Stopped {where}; {len(finished)} of {len(seeds)} seeds finished every arm. "


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


def _warnings(pairing: _Pairing, improving: bool) -> list[str]:
    warnings = []
    n = len(pairing.paired)
    if 0 < n < MIN_SEEDS:
        warnings.append(f"Fewer than {MIN_SEEDS} paired seeds: the interval is wide and unreliable.")
    if pairing.unpaired:
        warnings.append(
            f"{len(pairing.unpaired)} seed(s) left out ({', '.join(map(str, pairing.unpaired))}): the two arms "
            f"finished different numbers of epochs, so their accuracies are not comparable."
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


def one_class_only(result: RunResult, arms) -> bool:
    """Whether, in every seed that finished, every one of `arms`' final models answered one
    class for every validation image: then a difference of zero means nothing (a BatchNorm
    network trained from scratch for a few epochs often does this on validation data)."""
    runs = [run for arm in arms for run in (result.predictions.get(arm) or []) if run]
    return bool(runs) and all(len(set(run)) == 1 for run in runs)


UNTRAINED_NOTE = (
    "Neither arm learned: in every seed both models answered one class for every validation image, "
    "so this says nothing about augmentation. "
)
ABLATION_UNTRAINED = (
    "No arm learned: in every seed every model answered one class for every validation image, so "
    "these effects say nothing about the settings. "
)


def _interval(deltas: list[float]) -> tuple[float | None, float | None, float | None]:
    if not deltas:
        return None, None, None
    mean, low, high = paired_interval(deltas)
    return (mean, None, None) if math.isnan(low) else (mean, *feasible((low, high)))


def summarize(
    result: RunResult,
    baseline: str = BASELINE,
    augmented: str = AUGMENTED,
    last_epochs: int = LAST_EPOCHS,
    words: Wording = AUGMENTATION,
) -> Summary:
    """The comparison's verdict, interval, warnings, per-epoch curves and per-class and
    per-image effects.

    Pairing: a seed counts only when both arms finished at least one epoch and the SAME
    number of epochs, so each difference compares equally long training; seeds where the
    arms reached different epochs are excluded and counted in `unpaired_seeds`. Accuracies
    and deltas are fractions; the verdict states them in percentage points.
    """
    aug_runs = _runs(result, augmented, "val_accuracy")
    pairing = _pair(result.seeds, _runs(result, baseline, "val_accuracy"), aug_runs, last_epochs)
    deltas = pairing.deltas
    mean, low, high = _interval(deltas)
    final_mean, final_low, final_high = _interval(pairing.final_deltas)
    code = verdict_code(deltas, (low, high))
    settle = seeds_to_settle(deltas) if code in ("likely_hurt", "likely_helped") else None
    improving = _still_improving(aug_runs)
    untrained = one_class_only(result, (baseline, augmented))
    warnings = _warnings(pairing, improving)
    if untrained:
        warnings.insert(
            0,
            "Both arms predicted a single class: train for more epochs, with a lower learning "
            "rate, or from pretrained weights (a network with BatchNorm needs many steps before "
            "its validation statistics settle), then compare again.",
        )
    return Summary(
        delta_mean=mean,
        ci95=(low, high),
        per_seed_delta=deltas,
        paired_seeds=pairing.paired,
        n_seeds=len(deltas),
        unpaired_seeds=len(pairing.unpaired),
        baseline_final=float(np.mean(pairing.base_final)) if deltas else None,
        augmented_final=float(np.mean(pairing.aug_final)) if deltas else None,
        verdict=(
            stopped_note(result)
            + (UNTRAINED_NOTE if untrained else "")
            + verdict_text(code, deltas, (low, high), pairing.window, settle, words)
        ),
        still_improving=improving,
        warnings=warnings,
        per_epoch={
            arm: {metric: _curve(history.runs(metric)) for metric in METRICS} for arm, history in result.arms.items()
        },
        last_epochs=last_epochs,
        verdict_code=code,
        seeds_to_settle=settle,
        final_delta_mean=final_mean,
        final_ci95=(final_low, final_high),
        baseline_accuracy=float(np.mean(pairing.base)) if deltas else None,
        augmented_accuracy=float(np.mean(pairing.aug)) if deltas else None,
        classes=class_effects(result, augmented, baseline) if augmented in result.arms else [],
        images=image_effects(result, augmented, baseline),
    )


def headline_summary(result: RunResult) -> Summary:
    """The run's verdict: a migration check's stack against its IDG config ("the migration
    changed validation accuracy by ..."), else the headline arm against the baseline."""
    if result.is_migration:
        return summarize(result, baseline=IDG_ARM, augmented=STACK_ARM, words=MIGRATION)
    return summarize(result, augmented=result.headline_arm or AUGMENTED)


def verdict_tone(summary: Summary | None, analysis: AblationAnalysis | None = None) -> str:
    """The verdict's colour: its code, or "hurt" when an ablation finds a setting that hurts
    (`Effect.decision`, the same decision its sentence and tables use); neutral when no model
    learned (the numbers then say nothing). A drop is never shown as good news."""
    untrained = (summary is not None and UNTRAINED_NOTE in summary.verdict) or (
        analysis is not None and ABLATION_UNTRAINED in analysis.sentence
    )
    if untrained:
        return "no_difference"
    effects = (analysis.one_at_a_time + analysis.leave_one_out) if analysis else []
    if any(effect.decision() == "hurts" for effect in effects):
        return "hurt"
    if analysis is not None and analysis.full is not None and analysis.full.decision() == "hurts":
        return "hurt"
    return (summary.verdict_code if summary else None) or "no_difference"
