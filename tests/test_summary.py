"""The verdict of a comparison: the last-epochs estimator, pairing, the wording ladder, the
curves, and the per-class and per-image effects."""

from __future__ import annotations

import json
import math

import pytest

from explorer.experiments.analysis import verdict as summary_module
from explorer.experiments.analysis.stats import paired_interval
from explorer.experiments.analysis.verdict import seeds_to_settle, summarize, verdict_code
from explorer.experiments.records.results import Curve, RunResult, Summary


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

    return RunResult.from_json(
        {
            "dataset": "digits",
            "settings": {"seeds": seeds, "epochs": max(1, epochs)},
            "arms": {"baseline": arm(base_val), "augmented": arm(aug_val)},
        }
    )


def finals(base, aug, epochs=3):
    """Curves that rise to the given final accuracies, flat over the last epochs."""
    return make_result([[b] * epochs for b in base], [[a] * epochs for a in aug])


# --- verdicts ------------------------------------------------------------------------------


def test_verdict_hurt():
    s = summarize(finals([0.90, 0.91, 0.92], [0.85, 0.88, 0.88]))
    # deltas -0.05, -0.03, -0.04: the hand-computed interval above
    assert s.verdict == (
        "Augmentation hurt: validation accuracy was 4.0 points lower with augmentation "
        "(mean of the last 3 epochs; lower in 3 of 3 seeds; 95% CI -6.5 to -1.5 points)."
    )
    assert s.verdict_code == "hurt" and s.seeds_agreeing == 3 and s.last_epochs == 3
    assert s.delta_mean == pytest.approx(-0.04)
    assert s.ci95 == pytest.approx([-0.0648413, -0.0151587], abs=1e-6)
    assert s.per_seed_delta == pytest.approx([-0.05, -0.03, -0.04])
    assert s.n_seeds == 3 and s.unpaired_seeds == 0
    assert s.baseline_final == pytest.approx(0.91) and s.augmented_final == pytest.approx(0.87)
    assert s.warnings == [] and s.still_improving is False


def test_verdict_helped():
    s = summarize(finals([0.85, 0.88, 0.88], [0.90, 0.91, 0.92]))
    assert s.verdict == (
        "Augmentation helped: validation accuracy was 4.0 points higher with augmentation "
        "(mean of the last 3 epochs; higher in 3 of 3 seeds; 95% CI +1.5 to +6.5 points)."
    )
    assert s.verdict_code == "helped"


def test_verdict_no_detectable_difference():
    s = summarize(finals([0.90, 0.91, 0.92], [0.89, 0.92, 0.91]))
    mean, low, high = paired_interval([-0.01, 0.01, -0.01])
    assert s.verdict == (
        f"No detectable difference: augmentation changed validation accuracy by "
        f"{mean * 100:+.1f} points (mean of the last 3 epochs; lower in 2 of 3 seeds; "
        f"95% CI {low * 100:+.1f} to {high * 100:+.1f} points); the interval includes zero, so any "
        f"effect is within ±{max(-low, high) * 100:.1f} points."
    )
    assert s.verdict.startswith(
        "No detectable difference: augmentation changed validation accuracy by -0.3 points (mean of the last 3 epochs"
    )
    assert "-3.2 to +2.5" in s.verdict and s.verdict_code == "no_difference"


def test_verdict_one_seed():
    s = summarize(finals([0.90], [0.88]))
    assert s.verdict == (
        "Augmentation probably hurt: validation accuracy was 2.0 points lower with augmentation "
        "(mean of the last 3 epochs; lower in 1 of 1 seed), but one paired seed gives no interval: "
        "run at least 2 more seeds."
    )
    assert s.verdict_code == "likely_hurt" and s.seeds_to_settle is None
    assert s.ci95 == (None, None) and s.n_seeds == 1
    assert "Fewer than 3 paired seeds: the interval is wide and unreliable." in s.warnings


def test_verdict_no_paired_seeds():
    s = summarize(make_result([[], []], [[], []]))
    assert s.verdict == "No paired results yet: a verdict needs both arms of a seed finished."
    assert s.verdict_code is None
    assert s.n_seeds == 0 and s.delta_mean is None and s.ci95 == (None, None)
    assert s.baseline_final is None and s.augmented_final is None
    assert s.per_epoch["baseline"]["val_accuracy"] == Curve([], [], [])


def test_two_seeds_give_an_interval_and_a_warning():
    s = summarize(finals([0.90, 0.92], [0.80, 0.84]))
    assert s.n_seeds == 2 and None not in s.ci95
    assert "lower in 2 of 2 seeds" in s.verdict and s.verdict_code == "likely_hurt"  # t(0.975, 1) = 12.7
    assert "Fewer than 3 paired seeds: the interval is wide and unreliable." in s.warnings


def test_missing_arm_means_no_paired_results():
    result = finals([0.9, 0.9], [0.8, 0.8])
    del result.arms["augmented"]
    assert summarize(result).verdict.startswith("No paired results yet")


def test_summary_is_strict_json():
    for result in (finals([0.9, 0.91, 0.93], [0.8, 0.85, 0.9]), finals([0.9], [0.8]), make_result([[]], [[]])):
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
    # per seed, the mean of the last 3 epochs: (0.80 + 0.85 + 0.85 - 0.80 - 0.90 - 0.90) / 3, ...
    assert s.per_seed_delta == pytest.approx([-0.1 / 3, -0.08 / 3])
    assert s.final_delta_mean == pytest.approx(-0.045)  # the final epochs: -0.05 and -0.04
    assert s.baseline_final == pytest.approx(0.91)
    assert any("2 seed(s) left out (11, 13)" in w for w in s.warnings)


def test_paired_seeds_of_different_lengths_are_kept_with_a_warning():
    result = make_result([[0.8, 0.9, 0.9], [0.8, 0.9]], [[0.8, 0.85, 0.85], [0.8, 0.86]])
    s = summarize(result)
    assert s.n_seeds == 2 and s.unpaired_seeds == 0
    assert s.per_seed_delta == pytest.approx([-0.1 / 3, -0.02])  # 3 epochs, then the 2 it has
    assert s.final_delta_mean == pytest.approx(-0.045)
    assert any("stopped at different epochs (2 to 3)" in w for w in s.warnings)


def test_other_arm_names():
    result = finals([0.9, 0.91, 0.92], [0.85, 0.88, 0.88])
    result.arms = {"plain": result.arms["baseline"], "flips": result.arms["augmented"]}
    s = summarize(result, baseline="plain", augmented="flips")
    assert s.delta_mean == pytest.approx(-0.04) and set(s.per_epoch) == {"plain", "flips"}


# --- still improving -----------------------------------------------------------------------


IMPROVING = (
    "The augmented arm was still improving at the last epoch: augmented models "
    "converge more slowly, so a longer run may change the verdict."
)


def test_still_improving_detected():
    base = [[0.80, 0.90, 0.91, 0.91]] * 3
    aug = [[0.70, 0.80, 0.85, 0.86]] * 3  # last epoch 1.0 point above the best earlier
    s = summarize(make_result(base, aug))
    assert s.still_improving is True and IMPROVING in s.warnings


@pytest.mark.parametrize(
    "aug",
    [
        [[0.70, 0.85, 0.855]],  # only 0.5 points: not "more than 0.5"
        [[0.70, 0.90, 0.89]],  # best epoch was earlier
        [[0.70, 0.90]],  # fewer than 3 epochs
    ],
)
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
    assert set(s.per_epoch["augmented"]) == set(summary_module.METRICS)
    assert s.per_epoch["augmented"]["train_accuracy"].std == pytest.approx([0, 0, 0])


# --- the estimator: the mean of the last epochs ---------------------------------------------


def test_the_effect_is_the_mean_of_the_last_three_epochs_and_the_final_epoch_is_kept():
    # The augmented arm jumps at its final epoch: final-epoch +5 points, last-3 mean -5 points.
    base = [[0.90, 0.90, 0.90, 0.90]] * 3
    aug = [[0.80, 0.80, 0.80, 0.95], [0.80, 0.81, 0.79, 0.95], [0.81, 0.80, 0.80, 0.94]]
    s = summarize(make_result(base, aug))
    assert s.per_seed_delta == pytest.approx(
        [(0.8 + 0.8 + 0.95) / 3 - 0.9, (0.81 + 0.79 + 0.95) / 3 - 0.9, (0.8 + 0.8 + 0.94) / 3 - 0.9]
    )
    assert s.delta_mean == pytest.approx(-0.05, abs=2e-3)
    assert s.final_delta_mean == pytest.approx((0.05 + 0.05 + 0.04) / 3)
    assert s.final_ci95[0] is not None and s.final_ci95[0] > 0  # the final epoch alone says "helped"
    assert s.verdict_code == "hurt" and "mean of the last 3 epochs" in s.verdict
    assert s.baseline_accuracy == pytest.approx(0.90) and s.augmented_final == pytest.approx(0.9466667)


def test_short_runs_average_the_epochs_they_have():
    s = summarize(make_result([[0.5, 0.9]] * 3, [[0.5, 0.8], [0.5, 0.82], [0.5, 0.81]]))
    assert s.per_seed_delta == pytest.approx([-0.05, -0.04, -0.045])
    assert "mean of the last 2 epochs" in s.verdict
    one = summarize(make_result([[0.9]] * 3, [[0.8], [0.82], [0.81]]))
    assert "final-epoch validation accuracy" in one.verdict


# --- the wording ladder -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "deltas, code",
    [
        ([-0.05, -0.03, -0.04], "hurt"),
        ([-0.05, -0.01, -0.002], "likely_hurt"),  # interval spans zero, 3 of 3 lower
        ([-0.05, -0.01, 0.02], "no_difference"),  # 2 of 3 agree: not enough
        ([-0.05, -0.03, -0.04, 0.01], "likely_hurt"),  # 3 of 4 agree, interval spans zero
        ([0.05, 0.01, 0.002], "likely_helped"),
        ([0.05, 0.03, 0.04], "helped"),
        ([0.0, 0.0, 0.0], "no_difference"),
        ([], None),
    ],
)
def test_verdict_code_ladder(deltas, code):
    if deltas:
        _, low, high = paired_interval(deltas) if len(deltas) > 1 else (0, None, None)
    else:
        low = high = None
    assert verdict_code(deltas, (low, high)) == code


def test_likely_verdict_says_how_many_more_seeds_would_settle_it():
    s = summarize(make_result([[0.9] * 3] * 3, [[0.85] * 3, [0.89] * 3, [0.898] * 3]))
    assert s.verdict_code == "likely_hurt" and s.seeds_to_settle is not None
    assert s.verdict.startswith("Augmentation probably hurt:")
    assert f"about {s.seeds_to_settle} more seeds would probably settle it" in s.verdict
    assert "still includes zero" in s.verdict
    # the promise is the t-interval's own arithmetic: with that many more seeds at this spread it clears zero
    deltas = s.per_seed_delta
    mean, sd = abs(sum(deltas) / 3), float(__import__("numpy").std(deltas, ddof=1))
    total = 3 + s.seeds_to_settle
    t = summary_module.t_quantile(0.975, total - 1)
    assert t * sd / math.sqrt(total) < mean <= summary_module.t_quantile(0.975, total - 2) * sd / math.sqrt(total - 1)


def test_seeds_to_settle_is_unknown_without_spread_or_beyond_the_cap():
    assert seeds_to_settle([-0.02]) is None and seeds_to_settle([-0.02, -0.02]) is None
    assert seeds_to_settle([-0.001, 0.3, -0.2]) is None  # would need more than the cap


def test_a_stopped_run_says_where_it_stopped():
    result = make_result([[0.9] * 4, [0.9] * 4, [0.9, 0.9]], [[0.8] * 4, [0.82] * 4, []], epochs=4)
    result.status = "stopped"
    s = summarize(result)
    # seed 2's baseline had 2 of 4 epochs when the run stopped; its augmented arm had not begun
    assert s.verdict.startswith("Stopped after 2 of 4 epochs of baseline on seed 2; 2 of 3 seeds finished every arm. ")
    assert "run at least 3 seeds" not in s.verdict


def test_summary_round_trips_and_old_summaries_load():
    s = summarize(finals([0.90, 0.91, 0.92], [0.85, 0.88, 0.88]))
    data = json.loads(json.dumps(s.to_json(), allow_nan=False))
    assert Summary.from_json(data) == s and data["seeds_agreeing"] == 3 and data["verdict_code"] == "hurt"
    old = {
        key: value
        for key, value in data.items()
        if key in ("delta_mean", "ci95", "per_seed_delta", "verdict", "n_seeds", "per_epoch")
    }
    legacy = Summary.from_json(old)
    assert legacy.last_epochs == 1 and legacy.verdict_code is None and legacy.classes == []


def test_the_tone_is_never_green_for_a_drop():
    from explorer.experiments.analysis.verdict import verdict_tone
    from explorer.experiments.records.results import AblationAnalysis, Effect

    hurt = summarize(finals([0.90, 0.91, 0.92], [0.85, 0.88, 0.88]))
    helped = summarize(finals([0.85, 0.88, 0.88], [0.90, 0.91, 0.92]))
    assert verdict_tone(hurt) == "hurt" and verdict_tone(helped) == "helped" and verdict_tone(None) == "no_difference"
    # an ablation whose full config helps but one setting clearly hurts is not good news
    harmful = Effect("horizontal_flip", -0.2, (-0.3, -0.1), (-0.35, -0.05), [-0.2] * 3, 3)
    analysis = AblationAnalysis([harmful], [], {}, {}, None, "", [])
    assert verdict_tone(helped, analysis) == "hurt"


def test_arms_that_both_answer_one_class_say_the_comparison_means_nothing():
    stuck = finals([0.25, 0.25, 0.25], [0.25, 0.25, 0.25])
    stuck.predictions = {"baseline": [[2] * 8] * 3, "augmented": [[1] * 8, [2] * 8, [0] * 8]}
    verdict = summarize(stuck)
    assert verdict.verdict.startswith("Neither arm learned: in every seed both models answered one class")
    assert verdict.warnings[0].startswith("Both arms predicted a single class")


def test_a_model_that_answers_several_classes_is_a_real_comparison():
    learned = finals([0.25, 0.25, 0.25], [0.25, 0.26, 0.25])
    learned.predictions = {"baseline": [[2] * 8] * 3, "augmented": [[1] * 8, [2, 1] * 4, [0] * 8]}
    assert not summarize(learned).verdict.startswith("Neither")
    assert not finals([0.3], [0.3]).predictions and not summarize(finals([0.3], [0.3])).verdict.startswith("Neither")


def test_the_tone_is_neutral_when_no_model_learned_and_red_when_an_ablation_decision_hurts():
    from explorer.experiments.analysis.verdict import verdict_tone
    from explorer.experiments.records.results import AblationAnalysis, Effect

    runs = {
        "baseline": {"val_accuracy": [[0.25] * 3, [0.25] * 3, [0.25] * 3]},
        "augmented": {"val_accuracy": [[0.5] * 3, [0.52] * 3, [0.51] * 3]},
    }
    result = RunResult.from_json({"arms": runs})
    assert verdict_tone(summarize(result)) == "helped"
    result.predictions = {arm: [[1] * 4] * 3 for arm in runs}  # every model answers one class
    assert verdict_tone(summarize(result)) == "no_difference"
    hurting = Effect("", -0.2, (-0.3, -0.1), (-0.3, -0.1), [-0.2, -0.25, -0.15], 3)
    unclear = Effect("rotation_range", -0.01, (-0.05, 0.03), (-0.08, 0.06), [-0.01, 0.02, -0.04], 3, 2)
    analysis = AblationAnalysis([unclear], [], {}, {}, hurting, "", [])
    assert verdict_tone(None, analysis) == "hurt"  # the full config hurts, though no single setting clearly does
