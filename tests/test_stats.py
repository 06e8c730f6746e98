"""Statistics: the t quantile and interval against SciPy and by hand, and how effects are written."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pytest
import scipy.stats
from hypothesis import given
from hypothesis import strategies as st

from explorer.experiments.analysis import stats
from explorer.experiments.analysis.stats import effect_text, interval_text, paired_interval, points, t_quantile
from explorer.experiments.records.results import Effect

PROBS = (1e-6, 0.001, 0.01, 0.025, 0.05, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9, 0.95, 0.975, 0.99, 0.999)


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


def test_stats_loads_scipy_only_when_a_quantile_is_asked_for():
    tree = ast.parse(Path(stats.__file__).read_text())
    at_import = {a.name.split(".")[0] for n in tree.body if isinstance(n, ast.Import) for a in n.names}
    at_import |= {n.module.split(".")[0] for n in tree.body if isinstance(n, ast.ImportFrom) and n.module}
    assert not at_import & {"scipy", "tensorflow", "streamlit"}


# --- the one way effects are written ----------------------------------------------------------


def test_points_never_writes_minus_zero_and_marks_missing_values():
    assert points(0.031) == "+3.1" and points(-0.0004) == "0.0" and points(0.25, signed=False) == "25.0"
    assert points(None) == "–" and points(math.nan) == "–"


def test_effect_text_with_and_without_an_interval():
    assert interval_text((-0.05, -0.012)) == "-5.0 to -1.2"
    assert effect_text(Effect("rotation_range", -0.031, (-0.05, -0.012))) == "-3.1 (95% CI -5.0 to -1.2)"
    assert effect_text(Effect("rotation_range", 0.01)) == "+1.0 (one seed: no interval)"
    assert effect_text(Effect("rotation_range", None)) == effect_text(None) == "no finished paired runs"


def test_effect_text_prints_the_interval_the_decision_uses():
    # 95% CI clear of zero, family-wise (7 settings) not: the text shows the one that decides.
    effect = Effect("rotation_range", -0.039, (-0.061, -0.016), (-0.096, 0.019), [-0.03, -0.04, -0.047], 3, 7)
    assert effect.decision() == "unclear"
    assert effect_text(effect) == "-3.9 (family-wise 99.3% CI -9.6 to +1.9)"
    assert (
        effect_text(Effect("a", -0.03, (-0.05, -0.01), (-0.06, -0.001), family=0))
        == "-3.0 (family-wise CI -6.0 to -0.1)"
    )  # an old ablation.json: the level was not recorded


def test_effect_from_records_the_family_and_widens_the_decision_interval():
    from explorer.experiments.analysis.stats import effect_from, level_text

    deltas = [-0.03, -0.04, -0.047]
    one, seven = effect_from("a", deltas), effect_from("a", deltas, family=7)
    assert one.family == 1 and one.ci_family == one.ci95 and seven.family == 7
    assert seven.ci_family[0] < seven.ci95[0] < seven.ci95[1] < seven.ci_family[1]
    assert seven.level == pytest.approx(1 - 0.05 / 7)
    assert [level_text(1 - 0.05 / k) for k in (1, 2, 7, 100)] == ["95%", "97.5%", "99.3%", "99.95%"]


def test_the_clear_of_zero_decision_uses_the_family_wise_interval():
    # The plain interval misses zero, the family-wise one does not: the data cannot tell.
    assert Effect("a", -0.03, (-0.05, -0.01), (-0.07, 0.01)).decision() == "unclear"
    assert Effect("a", -0.03, (-0.05, -0.01), (-0.06, -0.001)).decision() == "hurts"
    assert Effect("a", 0.03, (0.01, 0.05), (0.001, 0.06)).decision() == "helps"
    assert Effect("a", 0.03).decision() == "unclear"  # one seed


def test_percent_ratio_and_agreement_are_written_one_way():
    from explorer.experiments.analysis.stats import agreement_text, percent, ratio_text

    assert percent(0.9664) == "96.6%" and percent(None) == "–"
    assert ratio_text(0.7234) == "0.72" and ratio_text(None) == "–"
    assert agreement_text([-0.3, -0.2, 0.01]) == "lower in 2 of 3 seeds"
    assert agreement_text([0.02]) == "higher in 1 of 1 seed" and agreement_text([]) == ""


@given(st.floats(-0.5, 0.5, allow_nan=False), st.floats(0, 0.5, allow_nan=False))
def test_a_printed_interval_clears_zero_exactly_when_it_does(low, width):
    """An interval below (above) zero is never printed as one that reaches 0.0: the bound that
    one decimal would round to zero keeps its sign."""
    high = low + width
    text_low, text_high = interval_text((low, high)).split(" to ")
    assert (float(text_high) < 0) == (high < 0)
    assert (float(text_low) > 0) == (low > 0)


@given(st.lists(st.floats(-1, 1, allow_nan=False), min_size=2, max_size=6), st.integers(1, 20))
def test_an_accuracy_effects_intervals_stay_within_what_a_difference_of_accuracies_can_be(deltas, family):
    """A difference of accuracies lies in -1..1: its printed intervals never reach past
    -100 or +100 points, and cutting them there changes no decision."""
    from explorer.experiments.analysis.stats import effect_from

    effect = effect_from("x", deltas, family)
    for low, high in (effect.ci95, effect.ci_family):
        assert -1.0 <= low <= high <= 1.0
    _, low, high = paired_interval(deltas, confidence=1 - 0.05 / family)
    if not math.isnan(low):
        uncut = "hurts" if high < 0 else "helps" if low > 0 else "unclear"
        assert effect.decision() == uncut
