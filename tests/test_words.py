"""Every producer of words says what its numbers say (issue 28): for generated effect tables and
runs, no sentence, colour, table mark or recommendation contradicts the numbers it comes from.

Producers covered: the comparison's verdict (`verdict.verdict_code` / `verdict_text` /
`verdict_tone`), the ablation's sentence and recommendation (`ablation.analyze`, `sentence`,
`recommendation`), the tables of the page (`ui.results._effect_rows`), the CLI
(`cli.print_ablation`) and the report (`report._effect_table`), the chart's colours
(`plots._effect_colour`) and the page's and the report's box colours (`verdict_tone`,
`ui.results.TONES`). Suggest's words are tested in tests/test_suggest_words.py.
"""

from __future__ import annotations

import contextlib
import io
import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer.cli import print_ablation
from explorer.diagnostics.plots import DECISION_COLOURS, _effect_colour
from explorer.diagnostics.report import _effect_table
from explorer.experiments.analysis.ablation import (
    MAX_NAMED,
    analyze,
    effect_rows,
    interaction,
    recommendation,
    sentence,
)
from explorer.experiments.analysis.stats import interval_text, paired_interval, points
from explorer.experiments.analysis.verdict import summarize, verdict_code, verdict_text, verdict_tone
from explorer.experiments.records.results import AblationAnalysis, Effect, RunResult

SETTINGS = ("rotation_range", "width_shift_range", "height_shift_range", "shear_range", "zoom_range", "horizontal_flip")
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- generated inputs ------------------------------------------------------------------------

accuracy = st.floats(0.05, 1.0, allow_nan=False).map(lambda v: round(v, 3))


@st.composite
def ablation_runs(draw) -> RunResult:
    """An ablation's result: a baseline, 1 to 6 settings alone and, half the time, the full
    config and the full config minus each; 1 to 4 seeds of 3 epochs; sometimes every model
    answering one class (untrained)."""
    names = draw(st.lists(st.sampled_from(SETTINGS), min_size=1, max_size=6, unique=True))
    seeds = draw(st.integers(1, 4))
    arms = ["baseline"] + [f"only:{name}" for name in names]
    if draw(st.booleans()):
        arms += ["full"] + [f"without:{name}" for name in names]
    center = draw(accuracy)
    finals = {}
    for arm in arms:
        shift = draw(st.floats(-0.4, 0.2))
        noise = draw(st.lists(st.floats(-0.05, 0.05), min_size=seeds, max_size=seeds))
        finals[arm] = [min(1.0, max(0.0, center + shift + e)) for e in noise]
    data = {
        "arms": {
            arm: {"val_accuracy": [[v] * 3 for v in values], "train_loss": [[1.0, 0.5] for _ in values]}
            for arm, values in finals.items()
        }
    }
    result = RunResult.from_json(data)
    if draw(st.booleans()) and draw(st.booleans()):  # a quarter: no model learned
        result.predictions = {arm: [[draw(st.integers(0, 3))] * 5 for _ in range(seeds)] for arm in arms}
    return result


def _interval(mean: float, low: float, high: float) -> tuple[float, float]:
    return mean - low, mean + high


@st.composite
def effects(draw, name: str, family: int) -> Effect:
    """An effect as a table holds it: a mean, a 95% interval around it, a wider family-wise
    one (or none: one seed), per-seed values, its family size."""
    mean = draw(st.floats(-0.5, 0.5, allow_nan=False))
    if draw(st.integers(0, 5)) == 0:
        return Effect(name, mean, per_seed=[mean], n_seeds=1, family=family)
    low, high = draw(st.floats(0, 0.2)), draw(st.floats(0, 0.2))
    widen = draw(st.floats(1.0, 3.0))
    ci95 = _interval(mean, low, high)
    ci_family = _interval(mean, low * widen, high * widen) if family > 1 else ci95
    per_seed = draw(st.lists(st.floats(-0.6, 0.6), min_size=2, max_size=5))
    return Effect(name, mean, ci95, ci_family, per_seed, len(per_seed), family)


@st.composite
def analyses(draw) -> AblationAnalysis:
    """An effect table as drawn, not trained: any means and intervals, with and without
    leave-one-out and a full config."""
    names = draw(st.lists(st.sampled_from(SETTINGS), min_size=1, max_size=6, unique=True))
    family = len(names)
    one = sorted([draw(effects(name, family)) for name in names], key=lambda e: e.delta_mean)
    loo = []
    full = None
    if draw(st.booleans()):
        loo = sorted([draw(effects(name, family)) for name in names], key=lambda e: e.delta_mean)
        full = draw(effects("", 1))
    affinity = {name: draw(st.none() | st.floats(0.1, 1.2)) for name in names}
    analysis = AblationAnalysis(one, loo, affinity, {name: None for name in names}, full, "", [])
    return AblationAnalysis(
        **{**vars(analysis), "sentence": sentence(analysis), "recommendation": recommendation(analysis)}
    )


# --- what the words may say --------------------------------------------------------------------

CI = re.compile(r"CI ([+-]?\d+\.\d+) to ([+-]?\d+\.\d+)")


def _decisions(effects_: list[Effect]) -> dict[str, str]:
    return {e.transform: e.decision() for e in effects_ if e.delta_mean is not None}


def _allowed_intervals(analysis: AblationAnalysis) -> set[str]:
    """The intervals a sentence may quote: each effect's decision interval, either way round
    (what leaving a setting out recovers is minus its effect)."""
    allowed = set()
    for effect in [*analysis.one_at_a_time, *analysis.leave_one_out, *([analysis.full] if analysis.full else [])]:
        if effect.delta_mean is not None and effect.ci_family[0] is not None:
            low, high = effect.ci_family
            allowed |= {interval_text((low, high)), interval_text((-high, -low))}
    return allowed


def _named_as_hurting(text: str) -> set[str]:
    """The settings a sentence calls harmful alone ('Alone, X hurts' / 'Alone, X, Y and Z hurt')."""
    match = re.search(r"Alone, (.+?) (?:hurts:|hurt validation accuracy)", text)
    if not match:
        return set()
    listed = re.sub(r" \(and \d+ more\)", "", match.group(1))
    return {name.strip() for name in re.split(r", | and ", listed)}


def check_ablation_words(analysis: AblationAnalysis) -> None:
    """Every invariant between an analysis's numbers and its words, tables and colours."""
    alone, loo = _decisions(analysis.one_at_a_time), _decisions(analysis.leave_one_out)
    hurting = {name for name, decision in alone.items() if decision == "hurts"}
    text = analysis.sentence
    # a setting is called harmful alone only when its decision says so, and every such one is named
    named = _named_as_hurting(text)
    assert named <= hurting, (named, alone, text)
    if hurting:
        assert "no setting is clearly harmful" not in text and "every setting helps" not in text
        assert len(named) == min(len(hurting), MAX_NAMED), (named, hurting, text)
    if "Alone, every setting helps" in text:
        assert all(decision == "helps" for decision in alone.values())
    # every interval quoted is one a decision uses
    allowed = _allowed_intervals(analysis)
    for line in [text, *analysis.recommendation]:
        for low, high in CI.findall(line):
            assert f"{low} to {high}" in allowed, (line, allowed)
    # "an interval that includes zero" is said only of intervals that do
    for low, high in re.findall(r"CI ([+-]?\d+\.\d+) to ([+-]?\d+\.\d+), an interval that includes zero", text):
        assert float(low) <= 0 <= float(high), text
    # an interaction is named exactly when the settings alone do not add up, and its numbers show it
    found = interaction(analysis)
    said = "the settings interact" in text
    assert said == (found is not None and not found.explained), (found, text)
    if said:
        total, low, high = re.search(
            r"gives ([+-]?\d+\.\d|0\.0) points, outside that interval \(([+-]?\d+\.\d+) to "
            r"([+-]?\d+\.\d+)\)",
            text,
        ).groups()
        assert not float(low) <= float(total) <= float(high), text
    # recommendations: drop only what a decision says hurts, keep only what one says helps, never both
    dropped, kept = set(), set()
    for line in analysis.recommendation:
        if match := re.match(r"Drop or soften (\w+):", line):
            assert alone[match.group(1)] == "hurts", line
            dropped.add(match.group(1))
        elif match := re.match(r"Drop (\w+):", line):
            assert loo[match.group(1)] == "hurts", line
            dropped.add(match.group(1))
        elif match := re.match(r"Keep (\w+):", line):
            name = match.group(1)
            assert alone.get(name) == "helps" or loo.get(name) == "helps", line
            assert loo.get(name) != "hurts", line
            kept.add(name)
        elif match := re.match(r"Look first at (\w+):", line):
            assert loo[match.group(1)] == "unclear" and "run more seeds" in line, line
        elif line.startswith("No single setting has an interval clear of zero"):
            assert set(alone.values()) | set(loo.values()) <= {"unclear"}, line
    assert not dropped & kept, analysis.recommendation
    # the tables of the page, the CLI and the report, and the chart's colours
    for effects_ in (analysis.one_at_a_time, analysis.leave_one_out):
        for effect, row in zip(effects_, effect_rows(effects_, analysis)):
            assert row.decision == effect.decision()
            if effect.delta_mean is not None and effect.ci_family[0] is not None:
                assert f"CI {interval_text(effect.ci_family)}" in row.change
                assert effect.family == 1 or "family-wise" in row.change
            assert _effect_colour(effect) == DECISION_COLOURS[effect.decision()]
        for effect, row in zip(effects_, _effect_table(effects_, analysis)):
            assert row.kind == ("" if effect.decision() == "unclear" else effect.decision())
            assert row.cells[2] == effect.decision() and row.cells[1] == effect_rows([effect], analysis)[0].change
    # the box's colour: red whenever a decision says hurts; green never beside a hurt or a drop
    tone = verdict_tone(None, analysis)
    if hurting or "hurts" in loo.values():
        assert tone == "hurt" or "No arm learned" in text
    assert tone != "helped"


def _cli_lines(analysis: AblationAnalysis) -> list[str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print_ablation(analysis)
    return out.getvalue().splitlines()


# --- the ablation's producers ------------------------------------------------------------------


@FAST
@given(analyses())
def test_no_ablation_sentence_table_or_recommendation_contradicts_a_drawn_effect_table(analysis):
    check_ablation_words(analysis)


@FAST
@given(ablation_runs())
def test_no_ablation_word_contradicts_a_trained_looking_run(result):
    analysis = analyze(result)
    check_ablation_words(analysis)
    if all(len(set(run)) == 1 for runs in result.predictions.values() for run in runs) and result.predictions:
        assert analysis.sentence.startswith("No arm learned") and verdict_tone(None, analysis) == "no_difference"


@FAST
@given(analyses())
def test_the_cli_prints_each_effect_with_its_decision_and_the_analysis_words(analysis):
    lines = _cli_lines(analysis)
    rows = [line for line in lines if line.split(" ", 1)[0] in SETTINGS]
    expected = effect_rows(analysis.one_at_a_time, analysis) + effect_rows(analysis.leave_one_out, analysis)
    assert len(rows) == len(expected)
    for line, row in zip(rows, expected):
        assert line.startswith(row.setting) and row.change in line and f" {row.decision} " in line
    assert (
        analysis.sentence in lines
        and [f"- {line}" for line in analysis.recommendation] == lines[-len(analysis.recommendation) :]
    )


def test_the_page_table_marks_and_box_colours_follow_the_decisions():
    from explorer.ui import results

    analysis = analyze(
        RunResult.from_json(
            {
                "arms": {
                    "baseline": {"val_accuracy": [[0.9] * 3, [0.92] * 3, [0.94] * 3]},
                    "only:rotation_range": {"val_accuracy": [[0.8] * 3, [0.83] * 3, [0.85] * 3]},
                    "only:zoom_range": {"val_accuracy": [[0.93] * 3, [0.89] * 3, [0.95] * 3]},
                }
            }
        )
    )
    rows = results._effect_rows(analysis.one_at_a_time, analysis)
    assert [(row["setting"], row["decision"]) for row in rows] == [
        ("rotation_range", "hurts"),
        ("zoom_range", "unclear"),
    ]
    assert results.TONES[verdict_tone(None, analysis)] is results.st.error
    assert results.TONES["helped"] is results.st.success  # and only "helped" is green:
    assert [code for code, show in results.TONES.items() if show is results.st.success] == ["helped"]


# --- the comparison's verdict -------------------------------------------------------------------


@FAST
@given(st.lists(st.floats(-0.3, 0.3, allow_nan=False), min_size=1, max_size=8))
def test_the_verdict_is_as_strong_as_its_interval_and_never_good_news_for_a_drop(deltas):
    mean, low, high = paired_interval(deltas)
    interval = (None, None) if math.isnan(low) else (low, high)
    code = verdict_code(deltas, interval)
    text = verdict_text(code, deltas, interval, 3, None)
    if code in ("hurt", "helped"):
        assert (high < 0) if code == "hurt" else (low > 0)
        assert f"95% CI {interval_text((low, high))} points" in text
    if text.startswith("Augmentation helped") or text.startswith("Augmentation probably helped"):
        assert mean > 0 and "higher" in text
    if mean < 0 and code is not None and not text.startswith("No detectable"):
        assert "lower with augmentation" in text and "helped" not in text
    if text.startswith("No detectable difference:"):
        assert interval[0] <= 0 <= interval[1]
    for low_text, high_text in re.findall(r"95% CI ([+-]?\d+\.\d|0\.0) to ([+-]?\d+\.\d|0\.0)", text):
        assert (low_text, high_text) == (points(low), points(high))


@FAST
@given(st.integers(1, 5), st.floats(0.2, 0.95), st.lists(st.floats(-0.3, 0.3), min_size=5, max_size=5), st.booleans())
def test_the_comparison_box_is_green_only_for_a_clear_gain(seeds, base, shifts, untrained):
    base_runs = [[base + 0.01 * i] * 3 for i in range(seeds)]
    aug_runs = [[min(1.0, max(0.0, b[0] + shift))] * 3 for b, shift in zip(base_runs, shifts)]
    result = RunResult.from_json(
        {"arms": {"baseline": {"val_accuracy": base_runs}, "augmented": {"val_accuracy": aug_runs}}}
    )
    if untrained:
        result.predictions = {arm: [[1] * 4 for _ in range(seeds)] for arm in ("baseline", "augmented")}
    summary = summarize(result)
    tone = verdict_tone(summary)
    deltas = [a[0] - b[0] for a, b in zip(aug_runs, base_runs)]
    if tone == "helped":
        assert not untrained and summary.ci95[0] is not None and summary.ci95[0] > 0 and np.mean(deltas) > 0
    if untrained:
        assert tone == "no_difference" and summary.verdict.startswith("Neither arm learned")
    if summary.delta_mean is not None and summary.delta_mean < -0.05:
        assert tone != "helped" and "helped" not in summary.verdict


@pytest.mark.parametrize("family", [1, 6])
def test_the_interval_beside_a_decision_is_the_one_it_used(family):
    # 95% clear of zero, family-wise not: the "-3.9 (95% CI -6.1 to -1.6)" marked "no".
    effect = Effect(
        "horizontal_flip",
        -0.039,
        (-0.061, -0.016),
        (-0.096, 0.019) if family > 1 else (-0.061, -0.016),
        [-0.03, -0.05, -0.037],
        3,
        family,
    )
    row = effect_rows([effect], AblationAnalysis([effect], [], {}, {}, None, "", []))[0]
    if family > 1:
        assert row.decision == "unclear" and row.change == "-3.9 (family-wise 99.2% CI -9.6 to +1.9)"
    else:
        assert row.decision == "hurts" and row.change == "-3.9 (95% CI -6.1 to -1.6)"
