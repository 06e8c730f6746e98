"""Statistics: the t quantile and interval against SciPy and by hand, the verdicts, pairing."""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import numpy as np
import pytest
import scipy.stats

from explorer.experiments import stats
from explorer.experiments.records import Curve, Effect, RunResult
from explorer.experiments.stats import effect_text, interval_text, paired_interval, points, summarize, t_quantile

PROBS = (1e-6, 0.001, 0.01, 0.025, 0.05, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9, 0.95, 0.975, 0.99, 0.999)


def make_result(base_val, aug_val, seeds=None, epochs=None):
    """A comparison result from per-seed validation-accuracy curves (other metrics derived)."""
    seeds = list(range(len(base_val))) if seeds is None else seeds
    epochs = max((len(r) for r in base_val + aug_val), default=0) if epochs is None else epochs

    def arm(val):
        return {
            "train_accuracy": [[v + 0.02 for v in r] for r in val],
            "val_accuracy": [list(r) for r in val],
            "train_loss": [[1 - v for v in r] for r in val],
            "val_loss": [[1.1 - v for v in r] for r in val],
        }

    return RunResult.from_json({
        "dataset": "digits",
        "settings": {"seeds": seeds, "epochs": max(1, epochs)},
        "arms": {"baseline": arm(base_val), "augmented": arm(aug_val)},
    })


def finals(base, aug, epochs=3):
    """Curves that rise to the given final accuracies, flat over the last epochs."""
    return make_result([[b] * epochs for b in base], [[a] * epochs for a in aug])


# --- t quantile ----------------------------------------------------------------------------


@pytest.mark.parametrize("df", range(1, 201))
def test_t_quantile_matches_scipy(df):
    for p in PROBS:
        expected = scipy.stats.t.ppf(p, df)
        assert t_quantile(p, df) == pytest.approx(expected, abs=1e-6, rel=1e-9), (p, df)


@pytest.mark.parametrize("df", [0.5, 1.5, 2.5, 7.3, 1000.0, 1e6])
def test_t_quantile_non_integer_and_large_df(df):
    for p in PROBS:
        assert t_quantile(p, df) == pytest.approx(scipy.stats.t.ppf(p, df), abs=1e-6, rel=1e-9)


def test_t_quantile_extreme_tails_relative_accuracy():
    for df in (1, 2, 5, 30):
        for p in (1e-12, 1e-9, 1 - 1e-9):
            assert t_quantile(p, df) == pytest.approx(scipy.stats.t.ppf(p, df), rel=1e-9)


def test_t_quantile_known_values_and_symmetry():
    # df=2 has a closed form: t = (2p - 1) / sqrt(2p(1 - p)) = 4.30265272974946...
    # (the often-quoted 4.302652729911275 is 1.6e-10 off; both are within 1e-6)
    assert t_quantile(0.975, 2) == pytest.approx(0.95 / math.sqrt(2 * 0.975 * 0.025), abs=1e-12)
    assert t_quantile(0.975, 2) == pytest.approx(4.302652729911275, abs=1e-6)
    assert t_quantile(0.975, 1) == pytest.approx(12.706204736174698, abs=1e-9)
    assert t_quantile(0.5, 3) == 0.0
    assert t_quantile(0.1, 4) == pytest.approx(-t_quantile(0.9, 4), abs=1e-12)


@pytest.mark.parametrize("p, df", [(0, 3), (1, 3), (-0.1, 3), (0.5, 0), (0.5, -1)])
def test_t_quantile_rejects_bad_arguments(p, df):
    with pytest.raises(ValueError):
        t_quantile(p, df)


# --- paired interval -----------------------------------------------------------------------


def test_paired_interval_by_hand():
    mean, low, high = paired_interval([-0.05, -0.03, -0.04])
    half = 4.302652729911275 * 0.01 / math.sqrt(3)  # t(0.975, 2) * sd / sqrt(n), sd = 0.01
    assert mean == pytest.approx(-0.04, abs=1e-12)
    assert low == pytest.approx(-0.04 - half, abs=1e-9)
    assert high == pytest.approx(-0.04 + half, abs=1e-9)
    assert (low, high) == pytest.approx((-0.0648413, -0.0151587), abs=1e-6)


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.99])
@pytest.mark.parametrize("n", [2, 3, 5, 10, 40])
def test_paired_interval_matches_scipy(n, confidence):
    d = np.random.default_rng(n).normal(0.01, 0.02, n)
    expected = scipy.stats.t.interval(confidence, n - 1, loc=d.mean(), scale=scipy.stats.sem(d))
    mean, low, high = paired_interval(d, confidence)
    assert mean == pytest.approx(d.mean(), abs=1e-12)
    assert (low, high) == pytest.approx(expected, abs=1e-9)


def test_paired_interval_edge_cases():
    mean, low, high = paired_interval([0.02])
    assert mean == 0.02 and math.isnan(low) and math.isnan(high)
    assert paired_interval([0.01, 0.01, 0.01]) == pytest.approx((0.01, 0.01, 0.01))
    with pytest.raises(ValueError):
        paired_interval([])


# --- verdicts ------------------------------------------------------------------------------


def test_verdict_hurt():
    s = summarize(finals([0.90, 0.91, 0.92], [0.85, 0.88, 0.88]))
    # deltas -0.05, -0.03, -0.04: the hand-computed interval above
    assert s.verdict == (
        "Augmentation hurt: final validation accuracy was 4.0 points lower with augmentation "
        "(95% CI -6.5 to -1.5 points, 3 paired seeds)."
    )
    assert s.delta_mean == pytest.approx(-0.04)
    assert s.ci95 == pytest.approx([-0.0648413, -0.0151587], abs=1e-6)
    assert s.per_seed_delta == pytest.approx([-0.05, -0.03, -0.04])
    assert s.n_seeds == 3 and s.unpaired_seeds == 0
    assert s.baseline_final == pytest.approx(0.91) and s.augmented_final == pytest.approx(0.87)
    assert s.warnings == [] and s.still_improving is False


def test_verdict_helped():
    s = summarize(finals([0.85, 0.88, 0.88], [0.90, 0.91, 0.92]))
    assert s.verdict == (
        "Augmentation helped: final validation accuracy was 4.0 points higher with augmentation "
        "(95% CI +1.5 to +6.5 points, 3 paired seeds)."
    )


def test_verdict_no_detectable_difference():
    s = summarize(finals([0.90, 0.91, 0.92], [0.89, 0.92, 0.91]))
    mean, low, high = paired_interval([-0.01, 0.01, -0.01])
    assert s.verdict == (
        f"No detectable difference: augmentation changed final validation accuracy by "
        f"{mean * 100:+.1f} points (95% CI {low * 100:+.1f} to {high * 100:+.1f} points, "
        f"3 paired seeds); the interval includes zero."
    )
    assert s.verdict.startswith("No detectable difference: augmentation changed final "
                                   "validation accuracy by -0.3 points (95% CI -3.2 to +2.5")


def test_verdict_one_seed():
    s = summarize(finals([0.90], [0.88]))
    assert s.verdict == (
        "One seed cannot give an interval: augmentation changed final validation accuracy by "
        "-2.0 points on that seed; run at least 3 seeds before drawing a conclusion."
    )
    assert s.ci95 == (None, None) and s.n_seeds == 1
    assert "Fewer than 3 paired seeds: the interval is wide and unreliable." in s.warnings


def test_verdict_no_paired_seeds():
    s = summarize(make_result([[], []], [[], []]))
    assert s.verdict == "No paired results yet."
    assert s.n_seeds == 0 and s.delta_mean is None and s.ci95 == (None, None)
    assert s.baseline_final is None and s.augmented_final is None
    assert s.per_epoch["baseline"]["val_accuracy"] == Curve([], [], [])


def test_two_seeds_give_an_interval_and_a_warning():
    s = summarize(finals([0.90, 0.92], [0.80, 0.84]))
    assert s.n_seeds == 2 and None not in s.ci95
    assert "2 paired seeds" in s.verdict
    assert "Fewer than 3 paired seeds: the interval is wide and unreliable." in s.warnings


def test_missing_arm_means_no_paired_results():
    result = finals([0.9, 0.9], [0.8, 0.8])
    del result.arms["augmented"]
    assert summarize(result).verdict == "No paired results yet."


def test_summary_is_strict_json():
    for result in (finals([0.9, 0.91, 0.93], [0.8, 0.85, 0.9]), finals([0.9], [0.8]),
                   make_result([[]], [[]])):
        summary = summarize(result)
        text = json.dumps(summary.to_json(), allow_nan=False)
        assert type(summary).from_json(json.loads(text)) == summary


# --- pairing -------------------------------------------------------------------------------


def test_unequal_length_seeds_are_excluded():
    result = make_result(
        [[0.80, 0.90, 0.90], [0.80, 0.91], [0.80, 0.92, 0.92], [0.8], []],
        [[0.80, 0.85, 0.85], [0.80, 0.88, 0.88], [0.80, 0.88, 0.88], [], []],
        seeds=[10, 11, 12, 13, 14],
    )
    s = summarize(result)
    assert s.paired_seeds == [10, 12]
    assert s.n_seeds == 2 and s.unpaired_seeds == 2  # 11: 2 vs 3 epochs; 13: 1 vs 0
    assert s.per_seed_delta == pytest.approx([-0.05, -0.04])
    assert s.baseline_final == pytest.approx(0.91)
    assert any("2 seed(s) left out (11, 13)" in w for w in s.warnings)


def test_paired_seeds_of_different_lengths_are_kept_with_a_warning():
    result = make_result([[0.8, 0.9, 0.9], [0.8, 0.9]], [[0.8, 0.85, 0.85], [0.8, 0.86]])
    s = summarize(result)
    assert s.n_seeds == 2 and s.unpaired_seeds == 0
    assert s.per_seed_delta == pytest.approx([-0.05, -0.04])
    assert any("stopped at different epochs (2 to 3)" in w for w in s.warnings)


def test_other_arm_names():
    result = finals([0.9, 0.91, 0.92], [0.85, 0.88, 0.88])
    result.arms = {"plain": result.arms["baseline"], "flips": result.arms["augmented"]}
    s = summarize(result, baseline="plain", augmented="flips")
    assert s.delta_mean == pytest.approx(-0.04) and set(s.per_epoch) == {"plain", "flips"}


# --- still improving -----------------------------------------------------------------------


IMPROVING = ("The augmented arm was still improving at the last epoch: augmented models "
             "converge more slowly, so a longer run may change the verdict.")


def test_still_improving_detected():
    base = [[0.80, 0.90, 0.91, 0.91]] * 3
    aug = [[0.70, 0.80, 0.85, 0.86]] * 3  # last epoch 1.0 point above the best earlier
    s = summarize(make_result(base, aug))
    assert s.still_improving is True and IMPROVING in s.warnings


@pytest.mark.parametrize("aug", [
    [[0.70, 0.85, 0.855]],  # only 0.5 points: not "more than 0.5"
    [[0.70, 0.90, 0.89]],  # best epoch was earlier
    [[0.70, 0.90]],  # fewer than 3 epochs
])
def test_still_improving_not_detected(aug):
    s = summarize(make_result([[0.8] * len(aug[0])], aug))
    assert s.still_improving is False and IMPROVING not in s.warnings


def test_still_improving_ignores_seeds_that_stopped_early():
    # Seed 1 stopped at epoch 2 with a low score; the full-length seed is flat at the end.
    aug = [[0.80, 0.90, 0.90], [0.60, 0.70]]
    assert summarize(make_result([[0.8] * 3, [0.8] * 2], aug)).still_improving is False


# --- per-epoch curves ----------------------------------------------------------------------


def test_per_epoch_mean_and_std():
    base = [[0.5, 0.6, 0.7], [0.7, 0.8], [0.6]]
    s = summarize(make_result(base, [[0.5, 0.6, 0.7]] * 3))
    curve = s.per_epoch["baseline"]["val_accuracy"]
    assert curve.n == [3, 2, 1]
    assert curve.mean == pytest.approx([0.6, 0.7, 0.7])
    assert curve.std == pytest.approx([0.1, math.sqrt(0.02), 0.0])  # ddof=1, then 0 for one value
    loss = s.per_epoch["baseline"]["val_loss"]
    assert loss.mean == pytest.approx([0.5, 0.4, 0.4])
    assert set(s.per_epoch["augmented"]) == set(stats.METRICS)
    assert s.per_epoch["augmented"]["train_accuracy"].std == pytest.approx([0, 0, 0])


def test_stats_imports_no_heavy_packages():
    tree = ast.parse(Path(stats.__file__).read_text())
    names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not names & {"scipy", "tensorflow", "streamlit"}


# --- the one way effects are written ----------------------------------------------------------


def test_points_never_writes_minus_zero_and_marks_missing_values():
    assert points(0.031) == "+3.1" and points(-0.0004) == "0.0" and points(0.25, signed=False) == "25.0"
    assert points(None) == "–" and points(math.nan) == "–"


def test_effect_text_with_and_without_an_interval():
    assert interval_text((-0.05, -0.012)) == "-5.0 to -1.2"
    assert effect_text(Effect("rotation_range", -0.031, (-0.05, -0.012))) == "-3.1 (95% CI -5.0 to -1.2)"
    assert effect_text(Effect("rotation_range", 0.01)) == "+1.0 (one seed: no interval)"
    assert effect_text(Effect("rotation_range", None)) == effect_text(None) == "no finished paired runs"


def test_the_clear_of_zero_decision_uses_the_family_wise_interval():
    # The plain interval misses zero, the family-wise one does not: the data cannot tell.
    assert Effect("a", -0.03, (-0.05, -0.01), (-0.07, 0.01)).decision() == "unclear"
    assert Effect("a", -0.03, (-0.05, -0.01), (-0.06, -0.001)).decision() == "hurts"
    assert Effect("a", 0.03, (0.01, 0.05), (0.001, 0.06)).decision() == "helps"
    assert Effect("a", 0.03).decision() == "unclear"  # one seed
