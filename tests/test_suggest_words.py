"""Suggest's words never contradict its numbers (issue 28): for generated checks (per-seed
accuracies of no augmentation, the user's settings and the suggestion, paired on fresh
seeds), the verdict's lines, its tone, the page's box colour, the report's box and rows, the
run history's sentence and the CLI's lines all say what the intervals say: "beats" only when
an interval is clear of zero above it, green only when the pick beats no augmentation, and
"drop augmentation" whenever the best found is no better than none."""

from __future__ import annotations

import contextlib
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.augment.config import AugmentConfig
from explorer.experiments.analysis.stats import interval_text, points
from explorer.experiments.suggest.space import (
    HELPS,
    KEEP_YOURS,
    NO_BETTER,
    UNCHECKED,
    WORSE,
    Comparison,
    Suggestion,
    TrialScore,
    comparison_of,
)

EXAMPLE_1 = AugmentConfig(
    rotation_range=40,
    width_shift_range=0.2,
    height_shift_range=0.2,
    shear_range=0.2,
    zoom_range=0.2,
    horizontal_flip=True,
    fill_mode="nearest",
)
PICK = EXAMPLE_1.replace(rotation_range=20.0, horizontal_flip=False)

accuracy = st.floats(0.3, 0.99, allow_nan=False)


@st.composite
def checks(draw) -> Suggestion:
    """A suggestion whose check trained each arm on 2 to 5 fresh seeds: per-seed accuracies,
    their paired differences and 95% intervals, as `search._check` makes them."""
    seeds = draw(st.integers(2, 5))
    base = draw(st.lists(accuracy, min_size=seeds, max_size=seeds))
    # Offsets from the baseline, per arm, then per seed: intervals clear of zero and not, both ways.
    shift = st.floats(-0.3, 0.3, allow_nan=False)
    noise = st.lists(st.floats(-0.05, 0.05, allow_nan=False), min_size=seeds, max_size=seeds)
    mine_shift, pick_shift, mine_noise, pick_noise = draw(shift), draw(shift), draw(noise), draw(noise)
    changed = draw(st.booleans())
    if not changed:  # the user's settings won: the check trains the same config twice
        pick_shift, pick_noise = mine_shift, mine_noise
    yours = [b + mine_shift + n for b, n in zip(base, mine_noise)]
    pick = [b + pick_shift + n for b, n in zip(base, pick_noise)]
    stored = draw(st.booleans())  # suggestion.json from before user_vs_baseline was written: derived
    return Suggestion(
        PICK if changed else EXAMPLE_1,
        EXAMPLE_1,
        comparison_of([p - b for p, b in zip(pick, base)]),
        comparison_of([p - y for p, y in zip(pick, yours)]),
        [0],
        list(range(1, seeds + 1)),
        [TrialScore(0, {"rotation_range": 40.0}, 0.8)],
        user_vs_baseline=comparison_of([y - b for y, b in zip(yours, base)]) if stored else None,
    )


def _clear(comparison: Comparison) -> str:
    """What the interval alone says, computed here from its bounds."""
    low, high = comparison.ci95
    return "above" if low is not None and low > 0 else "below" if high is not None and high < 0 else "neither"


def _check_words(suggestion: Suggestion) -> None:
    verdict = suggestion.verdict
    text = verdict.text
    changed = bool(suggestion.changes)
    mine, none, yours = (_clear(c) for c in (suggestion.vs_user, suggestion.vs_baseline, suggestion.yours_vs_baseline))
    # 1. The headline is the pick against the user's settings, with the numbers it comes from.
    if changed:
        assert verdict.headline.startswith("The suggestion ")
        assert suggestion.vs_user.text() in verdict.headline
        assert ("beats your settings" in verdict.headline) == (mine == "above")
        assert ("is worse than your settings" in verdict.headline) == (mine == "below")
        assert ("not clearly different" in verdict.headline) == (mine == "neither")
    else:
        assert verdict.headline.startswith("Your settings were the best configuration found")
    # 2. Then against no augmentation, with its numbers and its interval's word.
    against = verdict.lines[1]
    assert against.startswith("Against no augmentation: " + suggestion.vs_baseline.text())
    assert ("it beats no augmentation" in against) == (none == "above")
    assert ("it is worse than no augmentation" in against) == (none == "below")
    assert ("not clearly different from no augmentation" in against) == (none == "neither")
    # 3. What the user's settings cost, when they cost something clear of zero.
    mean = suggestion.yours_vs_baseline.delta_mean
    lost = f"Your settings lost {points(abs(mean), signed=False)} points against no augmentation"
    gained = f"Your settings gained {points(abs(mean), signed=False)} points against no augmentation"
    assert (lost in text) == (changed and yours == "below")
    assert (gained in text) == (changed and yours == "above")
    if changed and yours != "neither":
        assert f"(95% CI {interval_text(suggestion.yours_vs_baseline.ci95)})" in text
    # 4. The tone, hence every colour: green only when the pick beats no augmentation (and is
    #    not worse than the user's settings); never good news when it is no better than none.
    assert (verdict.tone == HELPS) == (none == "above" and not (changed and mine == "below"))
    assert (verdict.tone == WORSE) == (none == "below")
    assert (verdict.tone == NO_BETTER) == (none == "neither")
    assert (verdict.tone == KEEP_YOURS) == (none == "above" and changed and mine == "below")
    # 5. No better than none: dropping augmentation (or keeping it mild) is said plainly.
    assert ("drop augmentation" in verdict.advice) == (none != "above")
    assert ("drop augmentation" in suggestion.sentence) == (none != "above")
    # 6. No sentence says "beats" of a comparison whose interval is not clear of zero above it.
    for line in (*verdict.lines, verdict.advice):
        if "beats your settings" in line or "beat the suggestion" in line:
            assert mine == ("above" if "beats your settings" in line else "below")
        if "beats no augmentation" in line or "beat no augmentation" in line:
            assert none == "above" or (yours == "above" and not changed)


@settings(max_examples=300, deadline=None)
@given(checks())
def test_the_verdict_says_what_each_interval_says(suggestion):
    _check_words(suggestion)


@settings(max_examples=60, deadline=None)
@given(checks())
def test_the_pages_box_and_the_reports_box_take_the_verdicts_colour(suggestion):
    import streamlit

    from explorer.diagnostics.report import _suggestion_context
    from explorer.ui.suggestion import TONES

    verdict = suggestion.verdict
    none = _clear(suggestion.vs_baseline)
    box = TONES[verdict.tone]
    assert (box is streamlit.success) == (verdict.tone == HELPS)  # green: good news only
    assert box is {"above": box, "neither": streamlit.warning, "below": streamlit.error}[none]
    context = _suggestion_context(suggestion)
    assert context["suggestion_verdict"] == verdict
    assert context["tone"] == {HELPS: "helped", NO_BETTER: "likely_hurt", WORSE: "hurt"}.get(
        verdict.tone, "no_difference"
    )
    rows = {row.cells[0]: row for row in context["suggestion_rows"]}
    for label, comparison in (
        ("the suggestion vs your settings", suggestion.vs_user),
        ("the suggestion vs no augmentation", suggestion.vs_baseline),
        ("your settings vs no augmentation", suggestion.yours_vs_baseline),
    ):
        row = rows[label]
        assert row.cells[1] == comparison.text() and row.cells[2] == comparison.decision
        assert row.kind == {"above": "helps", "below": "hurts", "neither": ""}[_clear(comparison)]


@settings(max_examples=40, deadline=None)
@given(checks())
def test_the_cli_leads_with_the_verdict(suggestion):
    from explorer.cli import _print_suggestion

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        _print_suggestion(suggestion)
    lines = printed.getvalue().splitlines()
    verdict = suggestion.verdict
    assert lines[: len(verdict.lines)] == list(verdict.lines)
    assert lines[len(verdict.lines)] == f"what to do: {verdict.advice}"


def test_an_unchecked_suggestion_gives_no_verdict():
    suggestion = Suggestion(
        PICK, EXAMPLE_1, Comparison(None, (None, None)), Comparison(None, (None, None)), [0], [1, 2], [], stopped=True
    )
    verdict = suggestion.verdict
    assert verdict.tone == UNCHECKED and verdict.advice == "" and len(verdict.lines) == 1
    assert "not a verdict" in verdict.headline and "not checked on fresh seeds" in suggestion.sentence


def test_the_issues_digits_run_leads_with_the_users_loss():
    """Issue 28's suggest run: the suggestion matched no augmentation (+0.3 points) and beat
    the user's settings by about 21: said in that order, then plainly what to do."""
    base = [0.95, 0.96, 0.94]
    yours = [0.74, 0.755, 0.73]
    pick = [0.955, 0.958, 0.946]  # -0.2 to +0.6 points from the baseline, seed by seed
    suggestion = Suggestion(
        PICK,
        EXAMPLE_1,
        comparison_of([p - b for p, b in zip(pick, base)]),
        comparison_of([p - y for p, y in zip(pick, yours)]),
        [0, 1],
        [2, 3, 4],
        [],
        user_vs_baseline=comparison_of([y - b for y, b in zip(yours, base)]),
    )
    verdict = suggestion.verdict
    assert verdict.tone == NO_BETTER
    assert verdict.headline.startswith("The suggestion beats your settings: +21.1 points (95% CI")
    assert verdict.lines[1].startswith("Against no augmentation: +0.3 points")
    assert verdict.lines[2].startswith("Your settings lost 20.8 points against no augmentation")
    assert verdict.advice.startswith(
        "The best configuration found is no better than no augmentation: on this data, "
        "drop augmentation, or keep it mild"
    )


def test_the_report_of_a_suggest_run_leads_with_the_suggestion_against_the_users_settings():
    """The one-page report of a suggest run: the box leads with the pick against the user's
    settings in the verdict's colour, and the verdict against no augmentation says what the
    user's settings lost beside their code."""
    import html
    import re

    from explorer.diagnostics.report import build_report
    from explorer.experiments.records.results import RunResult

    seeds, curves = (
        3,
        {"baseline": (0.95, 0.96, 0.94), "yours": (0.74, 0.755, 0.73), "suggested": (0.955, 0.958, 0.946)},
    )  # final accuracies per seed
    arms = {
        arm: {
            "val_accuracy": [[final[seed] - 0.1, final[seed], final[seed]] for seed in range(seeds)],
            "train_accuracy": [[final[seed] - 0.1, final[seed], final[seed]] for seed in range(seeds)],
            "val_loss": [[0.5, 0.3, 0.2] for _ in range(seeds)],
            "train_loss": [[0.5, 0.3, 0.2] for _ in range(seeds)],
        }
        for arm, final in curves.items()
    }
    result = RunResult.from_json(
        {
            "dataset": "digits",
            "class_names": [str(i) for i in range(10)],
            "settings": {"seeds": [2, 3, 4], "epochs": 3},
            "status": "finished",
            "arms": arms,
            "configs": {
                "baseline": EXAMPLE_1.without_transforms().to_dict(),
                "yours": EXAMPLE_1.to_dict(),
                "suggested": PICK.to_dict(),
            },
        }
    )
    finals = {arm: [run[-3:] for run in data["val_accuracy"]] for arm, data in arms.items()}
    mean = {arm: [sum(run) / len(run) for run in runs] for arm, runs in finals.items()}
    suggestion = Suggestion(
        PICK,
        EXAMPLE_1,
        comparison_of([p - b for p, b in zip(mean["suggested"], mean["baseline"])]),
        comparison_of([p - y for p, y in zip(mean["suggested"], mean["yours"])]),
        [0, 1],
        [2, 3, 4],
        [],
    )
    page = html.unescape(build_report(result, config=EXAMPLE_1, suggestion=suggestion))
    verdict = suggestion.verdict
    box = re.search(r'<div class="box ([a-z_]+)">\s*<p class="lead">([^<]*)</p>', page)
    assert box.groups() == ("likely_hurt", verdict.headline)
    assert verdict.headline.startswith("The suggestion beats your settings: +21.1 points")
    assert "drop augmentation, or keep it mild" in page
    against = re.search(
        r"<strong>Verdict \(the suggestion vs no augmentation\):</strong>.*?</p>\s*<p><strong>"
        r"Against your settings:</strong>([^<]*)</p>",
        page,
        re.S,
    )
    assert against is not None and "Your settings lost 20.8 points against no augmentation" in against.group(1)
    assert "2. The suggestion, checked on fresh seeds" in page and "Your augmentation config" in page
    assert "datagen = ImageDataGenerator(" in page and "rotation_range=20" in page


@pytest.mark.parametrize("tone", [HELPS, KEEP_YOURS, NO_BETTER, WORSE, UNCHECKED])
def test_every_tone_has_a_box_on_the_page(tone):
    from explorer.ui.suggestion import TONES

    assert callable(TONES[tone])
