"""Suggest on the page (issue 17): a suggest run queued like any other, its search as it goes
(search.json: configurations tried, best so far, every score), Stop that still checks the best
so far, and the suggestion with its code, its check on fresh seeds and what each change was
worth in the search."""

from __future__ import annotations

import html
import json
import os
import threading
import time
from pathlib import Path

import pytest
from pyarrow import ipc

from explorer.augment.config import AugmentConfig
from explorer.errors import InputError
from explorer.experiments.records.spec import (
    BASELINE,
    SUGGEST,
    SUGGESTED,
    YOURS,
    DatasetRef,
    RunSpec,
    SearchSettings,
    TrainSettings,
)
from explorer.experiments.runs.folders import load_run, new_run, set_status, write_json
from explorer.experiments.runs.plan import build_spec
from explorer.experiments.runs.queue import JobManager
from explorer.experiments.suggest.space import (
    Comparison,
    Excluded,
    SearchProgress,
    Suggestion,
    TrialScore,
    change_worth,
    worth_text,
)
from explorer.ui.suggestion import percent_axis, search_chart, search_text
from headless_page import open_run

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_1 = AugmentConfig(
    rotation_range=40,
    width_shift_range=0.2,
    height_shift_range=0.2,
    shear_range=0.2,
    zoom_range=0.2,
    horizontal_flip=True,
    fill_mode="nearest",
)
TINY = TrainSettings(seeds=(0,), epochs=2, batch_size=16, image_size=16)


def _spec(budget: int = 3) -> RunSpec:
    return build_spec(EXAMPLE_1, DatasetRef("demo", "shapes"), TINY, SUGGEST, search=SearchSettings(budget, 2))


# -- records -----------------------------------------------------------------------------------------


def test_a_changes_worth_is_the_mean_score_with_the_new_value_minus_with_yours():
    trials = [
        TrialScore(0, {"rotation_range": 40.0, "horizontal_flip": True}, 0.80),
        TrialScore(1, {"rotation_range": 20.0, "horizontal_flip": False}, 0.90),
        TrialScore(2, {"rotation_range": 20.0, "horizontal_flip": True}, 0.86),
        TrialScore(3, {"rotation_range": 40.0, "horizontal_flip": False}, None, pruned=True),
    ]
    suggested = EXAMPLE_1.replace(rotation_range=20.0, horizontal_flip=False, vertical_flip=True)
    rows = {
        row.setting: row
        for row in change_worth(EXAMPLE_1, suggested, trials, [Excluded("vertical_flip", "flips digits")])
    }
    assert rows["rotation_range"].worth == pytest.approx((0.90 + 0.86) / 2 - 0.80)
    assert (rows["rotation_range"].with_suggested, rows["rotation_range"].with_yours) == (2, 1)  # pruned: no score
    assert rows["horizontal_flip"].worth == pytest.approx(0.90 - (0.80 + 0.86) / 2)
    assert rows["vertical_flip"].worth is None and rows["vertical_flip"].note.startswith("held off:")
    # The user's value never tried (left out for low affinity): said so, not "0 configurations".
    (row,) = change_worth(
        EXAMPLE_1, EXAMPLE_1.replace(zoom_range=0.1), trials, dropped={"zoom_range": "0.2 (keeps 80%)"}
    )
    assert row.worth is None and row.note.endswith("images with it (0.2 (keeps 80%))")
    assert worth_text(row) == row.note


def test_a_pruned_trial_from_optuna_writes_as_json():
    import numpy as np

    suggestion = Suggestion(
        EXAMPLE_1,
        EXAMPLE_1,
        Comparison(None, (None, None)),
        Comparison(None, (None, None)),
        [0],
        [1, 2],
        [TrialScore(0, {"rotation_range": 20.0}, None, pruned=np.True_)],
    )
    assert json.loads(json.dumps(suggestion.to_json()))["trials"][0]["pruned"] is True  # the pruner's NumPy bool


def test_search_progress_reads_back_and_estimates_the_time_left_at_its_pace():
    state = SearchProgress(2, 10, 0.8, EXAMPLE_1, "search", 0.5, (0.8, None), 50.0)
    assert SearchProgress.from_json(json.loads(json.dumps(state.to_json()))) == state
    assert state.eta == pytest.approx(50.0 / 2.5 * 7.5)
    assert SearchProgress(0, 10, None, None, "search", 0.5, (), 5.0).eta is None  # nothing finished yet
    assert search_text(state) == (
        "Search: 2 of 10 configurations tried (1 pruned early) · best so far 80.0% "
        "validation accuracy · about 150 s left in the search"
    )


@pytest.mark.parametrize(
    "scores, decimals", [((0.80, None, 0.93, 0.86), 0), ((0.955, 0.962, None, 0.958), 1), ((0.9601, 0.9612, 0.9607), 2)]
)
def test_the_search_charts_percent_axis_has_the_decimals_that_tell_its_ticks_apart(scores, decimals):
    """Close scores used to read "96%" at every tick: the axis keeps as many decimals as the
    span of the scores needs, and no tick closer than those decimals show."""
    state = SearchProgress(len(scores), 10, max(s for s in scores if s is not None), EXAMPLE_1, "search", 0.0, scores)
    axis = search_chart(state)[1]["encoding"]["y"]["axis"]
    assert axis["format"] == f".{decimals}%"
    low, high = min(s for s in scores if s is not None), max(s for s in scores if s is not None)
    step = axis["tickMinStep"]
    ticks = [k * step for k in range(int(low / step), int(high / step) + 2)]  # the finest ticks Vega may draw
    labels = [f"{tick:.{decimals}%}" for tick in ticks]  # d3's ".N%" is Python's
    assert len(ticks) >= 2 and len(set(labels)) == len(labels), labels
    assert percent_axis([0.90, 0.95])["format"] == ".0%"  # a 5 point span, though 0.95 - 0.90 < 0.05 in floats
    assert percent_axis([]) == {"format": ".0%", "tickMinStep": 0.01}


def test_a_suggest_spec_reads_back_and_only_a_suggest_run_has_a_budget():
    spec = _spec(5)
    assert RunSpec.from_json(json.loads(json.dumps(spec.to_json()))) == spec
    assert set(spec.arms) == {BASELINE, YOURS} and spec.search == SearchSettings(5, 2)
    with pytest.raises(ValueError, match="search settings"):
        RunSpec(spec.dataset, EXAMPLE_1, spec.arms, TINY, SUGGEST)
    with pytest.raises(ValueError, match="check_seeds must be 2 to 20"):
        SearchSettings(24, 1)
    # No setting of the user's is active: a suggestion may still add some.
    assert build_spec(AugmentConfig(), DatasetRef("demo", "shapes"), TINY, SUGGEST).search == SearchSettings()


def test_a_suggestion_takes_no_added_seeds_and_stop_takes_only_its_two_markers(tmp_path):
    jobs = JobManager(tmp_path, warm=False)
    run_dir = new_run(_spec(), tmp_path)
    set_status(run_dir, "finished")
    with pytest.raises(InputError, match="suggest again with more check seeds"):
        jobs.add_seeds(run_dir.name, 2)
    with pytest.raises(ValueError, match="STOP or STOP_SEARCH"):
        jobs.stop(run_dir.name, "../../etc/passwd")


# -- the page, from run folders as the worker leaves them -------------------------------------------


def test_the_page_shows_the_search_as_it_goes_with_both_stops(tmp_path, monkeypatch):
    run_dir = new_run(_spec(10), tmp_path)
    set_status(run_dir, "running", pid=os.getpid())
    best = EXAMPLE_1.replace(rotation_range=20.0)
    write_json(
        run_dir / "search.json", SearchProgress(3, 10, 0.85, best, "search", 0.5, (0.8, None, 0.85), 35.0).to_json()
    )
    at = open_run(monkeypatch, tmp_path, run_dir.name)
    (bar,) = at.get("progress")
    assert bar.proto.text.startswith("Search: 3 of 10 configurations tried (1 pruned early) · best so far 85.0%")
    assert at.button(key="stop_search") and at.button(key="stop_run")
    assert any("Best so far: ImageDataGenerator(rotation_range=20" in caption.value for caption in at.caption)
    (chart,) = at.get("vega_lite_chart")
    rows = ipc.open_stream(chart.proto.data.data).read_all().to_pylist()
    assert [(r["configuration"], r["score"]) for r in rows if r["series"] == "best so far"] == [(1, 0.8), (3, 0.85)]


def _finished_suggestion(root: Path, vs_user: Comparison, vs_baseline: Comparison) -> str:
    run_dir = new_run(_spec(), root)
    suggestion = Suggestion(
        EXAMPLE_1.replace(rotation_range=20.0, horizontal_flip=False),
        EXAMPLE_1,
        vs_baseline,
        vs_user,
        [0],
        [1, 2, 3],
        [
            TrialScore(0, {"rotation_range": 40.0, "horizontal_flip": True}, 0.8),
            TrialScore(1, {"rotation_range": 20.0, "horizontal_flip": False}, 0.9),
        ],
    )
    write_json(run_dir / "suggestion.json", suggestion.to_json())
    set_status(run_dir, "finished")
    return run_dir.name


def test_a_finished_suggestion_gives_its_verdict_its_code_and_what_each_change_was_worth(tmp_path, monkeypatch):
    run_id = _finished_suggestion(
        tmp_path, Comparison(0.05, (0.02, 0.08), [0.04, 0.05, 0.06]), Comparison(0.03, (0.01, 0.05), [0.03, 0.03, 0.03])
    )
    monkeypatch.setenv("AUGMENT_SHARED_HISTORY", "1")  # the history lists it (it has no owner)
    at = open_run(monkeypatch, tmp_path, run_id)
    assert at.success[0].value.startswith(  # the current run (the history below says it again)
        "The suggestion beats your settings: +5.0 points (95% CI +2.0 to +8.0) on 3 fresh seeds (never used to "
        "choose it).\n\nAgainst no augmentation: +3.0 points (95% CI +1.0 to +5.0): it beats no augmentation."
    )
    codes = [block.value for block in at.code]
    assert any("datagen = ImageDataGenerator(" in c and "rotation_range=20" in c for c in codes)
    assert any("FastImageDataGenerator(" in c for c in codes) and any("keras.Sequential([" in c for c in codes)
    table = at.table[0].value
    assert list(table["setting"]) == ["rotation_range", "horizontal_flip"]
    assert list(table["worth in the search"])[0].startswith("+10.0 points (1 configurations with it, 1 with yours)")
    assert not [button for button in at.button if button.label == "Add seeds"]
    history = [expander.label for expander in at.expander]
    assert any(
        "suggest: Suggested: rotation_range 40.0 -> 20.0, horizontal_flip True -> False: +5.0 points" in label
        for label in history
    ), history


def test_what_each_change_was_worth_is_a_table_that_shows_its_longest_notes_in_full(tmp_path, monkeypatch):
    """A data grid cut the notes at its column's edge (at 1440 px too): a static table wraps them."""
    run_dir = new_run(_spec(), tmp_path)
    mine = EXAMPLE_1.replace(vertical_flip=False)
    suggestion = Suggestion(
        mine.replace(zoom_range=0.1, vertical_flip=True),
        mine,
        Comparison(0.01, (-0.01, 0.03)),
        Comparison(0.01, (-0.01, 0.03)),
        [0],
        [1, 2],
        [TrialScore(0, {"zoom_range": 0.1}, 0.9)],
        [Excluded("vertical_flip", "flips digits")],
        dropped={"zoom_range": "0.2 (keeps 80%)"},
    )
    write_json(run_dir / "suggestion.json", suggestion.to_json())
    set_status(run_dir, "finished")
    at = open_run(monkeypatch, tmp_path, run_dir.name)
    (table,) = [t.value for t in at.table if "worth in the search" in t.value]
    assert not [frame for frame in at.dataframe if "worth in the search" in frame.value]
    worth = list(table["worth in the search"])
    assert worth == [worth_text(change) for change in suggestion.changes]
    assert any(len(text) > 120 and text.startswith("not measured: yours was left out") for text in worth)


def test_a_suggestion_worse_than_no_augmentation_is_never_shown_as_good_news(tmp_path, monkeypatch):
    run_id = _finished_suggestion(
        tmp_path,
        Comparison(0.04, (0.01, 0.07), [0.03, 0.04, 0.05]),
        Comparison(-0.06, (-0.09, -0.03), [-0.05, -0.06, -0.07]),
    )
    at = open_run(monkeypatch, tmp_path, run_id)
    assert not at.success
    (box,) = at.error
    assert "Against no augmentation: -6.0 points (95% CI -9.0 to -3.0): it is worse than no augmentation" in box.value
    assert "drop augmentation" in box.value


def test_a_suggestion_no_better_than_none_says_so_in_its_box_not_in_grey_text(tmp_path, monkeypatch):
    """Issue 28: a green "beats your settings" beside "same as no augmentation" in small grey
    text. Beating the user's settings by 21 points while matching no augmentation is a
    warning that leads with the 21 points and says plainly to drop augmentation."""
    run_id = _finished_suggestion(
        tmp_path,
        Comparison(0.21, (0.18, 0.24), [0.2, 0.21, 0.22]),
        Comparison(0.003, (-0.01, 0.016), [0.0, 0.003, 0.006]),
    )
    at = open_run(monkeypatch, tmp_path, run_id)
    assert not at.success
    (box,) = [box for box in at.warning if "suggestion" in box.value]
    assert box.value.startswith("The suggestion beats your settings: +21.0 points (95% CI +18.0 to +24.0)")
    assert "not clearly different from no augmentation" in box.value
    # (suggested - none) - (suggested - yours), per seed: what the user's settings cost.
    assert "Your settings lost 20.7 points against no augmentation (95% CI -22.4 to -19.0)" in box.value
    assert "drop augmentation, or keep it mild" in box.value
    assert not [c for c in at.caption if "no augmentation" in c.value and "fresh seeds" not in c.value]


def test_the_train_panel_offers_suggest_with_its_budget(monkeypatch):
    from headless_page import run_train_section as run_app

    at = run_app()
    at.radio(key="train_mode").set_value(SUGGEST).run()
    assert at.number_input(key="train_budget").value == 24 and at.number_input(key="train_check_seeds").value == 3
    captions = [caption.value for caption in at.caption]
    assert any(
        "up to 24 configurations x 3 seeds = 72 trials searched in the worker" in c
        and c.endswith("3 fresh seeds = 9 trials on: local: one trial at a time")
        for c in captions
    ), captions
    monkeypatch.setenv("AUGMENT_BACKEND", "ray")
    monkeypatch.setenv("AUGMENT_RAY_ADDRESS", "ray://head:10001")
    at.run()
    assert any(
        "72 trials searched with Ray Tune, side by side;" in c.value
        and c.value.endswith("on: Ray cluster at ray://head:10001, 1 CPU per trial")
        for c in at.caption
    )


# -- a real suggest run through the worker -----------------------------------------------------------


def _execute(run_dir: Path):
    """The run as the page's worker (`python -m explorer worker`) runs it."""
    from explorer.cli import doctor_veto
    from explorer.diagnostics.runfiles import write_run_files
    from explorer.experiments.runs.worker import execute

    return execute(run_dir, on_finished=write_run_files, veto=doctor_veto)


@pytest.mark.slow
def test_a_suggest_run_writes_its_search_its_check_and_its_suggestion(tmp_path, monkeypatch):
    pytest.importorskip("optuna")
    run_dir = new_run(_spec(3), tmp_path)
    result = _execute(run_dir)
    run = load_run(run_dir)
    assert run.status == "finished" and run.search.done == 3 and len(run.search.scores) == 3
    assert set(result.arms) == {BASELINE, YOURS, SUGGESTED} and result.seeds == [1, 2]  # fresh seeds only
    assert result.summary is not None and (run_dir / "figure.png").is_file() and (run_dir / "report.html").is_file()
    assert run.suggestion.seeds_used_for_search == [0] and len(run.suggestion.vs_user.deltas) == 2
    assert run.headline == run.suggestion.sentence
    assert run.suggestion.verdict.headline in html.unescape((run_dir / "report.html").read_text())
    at = open_run(monkeypatch, tmp_path, run_dir.name)
    assert any(
        box.value.startswith(run.suggestion.verdict.headline) for box in [*at.success, *at.info, *at.error, *at.warning]
    )
    assert at.get("imgs") or at.get("image")  # the check's figure


def _stopped_run(tmp_path, marker: str):
    """A suggest run with a budget of 40, stopped through `marker` once 2 configurations are done."""
    run_dir = new_run(_spec(40), tmp_path)
    thread = threading.Thread(target=_execute, args=(run_dir,), daemon=True)
    thread.start()
    deadline = time.monotonic() + 300
    while (load_run(run_dir).search or SearchProgress(0, 40, None, None, "affinity")).done < 2:
        assert time.monotonic() < deadline and thread.is_alive()
        time.sleep(0.2)
    (run_dir / marker).touch()
    thread.join(timeout=300)
    return load_run(run_dir)


@pytest.mark.slow
def test_stop_search_keeps_the_best_so_far_and_still_checks_it_on_fresh_seeds(tmp_path):
    pytest.importorskip("optuna")
    run = _stopped_run(tmp_path, "STOP_SEARCH")
    assert run.status == "stopped" and run.suggestion.stopped and 2 <= len(run.suggestion.trials) < 40
    assert len(run.suggestion.vs_user.deltas) == 2 and run.result.status == "finished"  # the check ran in full


@pytest.mark.slow
def test_stop_ends_the_search_and_checks_nothing(tmp_path):
    pytest.importorskip("optuna")
    run = _stopped_run(tmp_path, "STOP")
    assert run.status == "stopped" and run.suggestion.stopped and run.result is None
    assert run.suggestion.vs_user.delta_mean is None
    assert "not checked on fresh seeds" in run.headline
