"""Suggest (issue 17): the search space built around the user's settings, settings with low
affinity held off with the reason, and a real search whose pick is checked on fresh seeds
(never the search's) against the baseline and the user's config, written to suggestion.json."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from explorer.augment.config import AugmentConfig
from explorer.experiments.suggest.space import (
    LOW_AFFINITY,
    Comparison,
    Suggestion,
    TrialScore,
    changes_from,
    config_from,
    first_point,
    scaled,
    search_space,
)

ROOT = Path(__file__).resolve().parents[1]
# The article's example 1 (over-augmentation).
EXAMPLE_1 = AugmentConfig(
    rotation_range=40,
    width_shift_range=0.2,
    height_shift_range=0.2,
    shear_range=0.2,
    zoom_range=0.2,
    horizontal_flip=True,
    fill_mode="nearest",
)


def test_each_active_setting_is_searched_off_half_theirs_and_half_more():
    dimensions, excluded = search_space(EXAMPLE_1)
    by_name = {d.setting: d for d in dimensions}
    assert excluded == []
    assert by_name["rotation_range"].choices == (0.0, 20.0, 40.0, 60.0)
    assert by_name["zoom_range"].choices == (0.0, 0.1, 0.2, 0.3)
    assert by_name["horizontal_flip"].choices == (False, True) and by_name["horizontal_flip"].user is True
    assert by_name["vertical_flip"].choices == (False, True)  # not theirs: off, or on
    assert "brightness_range" not in by_name and "channel_shift_range" not in by_name  # not added


def test_inactive_settings_that_seldom_change_a_label_are_added_small():
    dimensions, _ = search_space(AugmentConfig(horizontal_flip=True, rescale=1 / 255))
    by_name = {d.setting: d.choices for d in dimensions}
    assert by_name["rotation_range"] == (0.0, 10.0)
    assert by_name["width_shift_range"] == by_name["height_shift_range"] == (0.0, 0.1)
    assert "shear_range" not in by_name


def test_brightness_and_zoom_pairs_scale_their_distance_from_one():
    assert scaled("brightness_range", (0.8, 1.2), 0.5) == (0.9, 1.1)
    assert scaled("brightness_range", (0.8, 1.2), 0) is None
    assert scaled("zoom_range", (0.7, 1.1), 1.5) == (0.55, 1.15)
    assert scaled("width_shift_range", 4, 0.5) == 2  # pixels stay whole pixels


def test_choices_with_low_affinity_are_dropped_and_a_setting_left_off_is_held_off_with_the_reason():
    affinity = {
        ("horizontal_flip", 1): 0.55,
        ("rotation_range", 1): 0.95,
        ("rotation_range", 2): 0.8,
        ("rotation_range", 3): 0.6,
        ("zoom_range", 1): LOW_AFFINITY,
    }
    dimensions, excluded = search_space(EXAMPLE_1, affinity)
    assert [item.setting for item in excluded] == ["horizontal_flip"]
    assert "keeps 55% of its accuracy" in excluded[0].reason and "horizontal_flip=True" in excluded[0].reason
    by_name = {d.setting: d for d in dimensions}
    assert "horizontal_flip" not in by_name
    assert by_name["rotation_range"].choices == (0.0, 20.0)  # yours (40) and 60 change the images too much
    assert "held off: 40.0 (keeps 80%), 60.0 (keeps 60%)" in by_name["rotation_range"].why
    assert by_name["zoom_range"].choices == (0.0, 0.1, 0.2, 0.3)  # at the threshold: kept
    suggested = config_from(EXAMPLE_1, {"rotation_range": 20.0}, excluded)
    assert suggested.horizontal_flip is False and suggested.rotation_range == 20 and suggested.fill_mode == "nearest"
    assert changes_from(EXAMPLE_1, suggested) == {"rotation_range": (40.0, 20.0), "horizontal_flip": (True, False)}


def test_the_first_configuration_tried_is_yours_with_a_dropped_value_made_milder():
    affinity = {("rotation_range", 2): 0.8, ("rotation_range", 3): 0.6}  # 40 and 60 dropped; 20 kept
    dimensions, _ = search_space(EXAMPLE_1, affinity)
    point = first_point(EXAMPLE_1, dimensions)
    chosen = {d.setting: d.choices[point[d.setting]] for d in dimensions}
    assert chosen["rotation_range"] == 20.0 and chosen["zoom_range"] == 0.2 and chosen["horizontal_flip"] is True
    assert set(point) == {d.setting for d in dimensions}  # every dimension: Ray Tune takes whole points only


def test_suggestion_json_holds_what_the_issue_names():
    suggestion = Suggestion(
        config_from(EXAMPLE_1, {"rotation_range": 20.0}),
        EXAMPLE_1,
        Comparison(0.02, (0.01, 0.03), [0.02, 0.02]),
        Comparison(0.04, (0.02, 0.06), [0.04]),
        [0, 1],
        [2, 3, 4],
        [TrialScore(0, {"rotation_range": 20.0, "zoom_range": (0.8, 1.2)}, 0.9)],
    )
    data = json.loads(json.dumps(suggestion.to_json()))
    assert data["config"]["rotation_range"] == 20 and "rescale" not in data["config"]
    assert data["vs_user"] == {"delta_mean": 0.04, "ci95": [0.02, 0.06], "deltas": [0.04]}
    assert (data["seeds_used_for_search"], data["seeds_used_for_check"]) == ([0, 1], [2, 3, 4])
    assert data["trials"][0]["config"]["zoom_range"] == [0.8, 1.2]
    assert data["changes"] == [
        {
            "setting": "rotation_range",
            "yours": 40,
            "suggested": 20,
            "worth": None,
            "with_suggested": 1,
            "with_yours": 0,
            "note": "",
        }
    ]
    assert Suggestion.from_json(data) == suggestion  # read back as the page reads it


def _suggest_command(tmp_path, budget: int) -> list:
    """`python -m explorer suggest` from example 1 on tiny shapes: 1 search seed, 2 check seeds."""
    pytest.importorskip("keras")
    pytest.importorskip("optuna")
    config = tmp_path / "cfg.json"
    config.write_text(json.dumps(EXAMPLE_1.to_idg_kwargs(only_changed=True)))
    return [
        sys.executable,
        "-m",
        "explorer",
        "suggest",
        "--dataset",
        "shapes",
        "--config",
        config,
        "--budget",
        str(budget),
        "--seeds",
        "1",
        "--epochs",
        "2",
        "--check-seeds",
        "2",
        "--image-size",
        "16",
        "--out",
        tmp_path / "out",
    ]


@pytest.mark.slow
def test_a_real_search_is_checked_on_fresh_seeds_and_writes_the_pages_run_folder(tmp_path):
    """The CLI's suggest writes what the page's suggest run writes (the page's worker runs the
    same spec here, in this process), the one-page report included, and leads with the verdict."""
    import html

    from explorer.cli import doctor_veto
    from explorer.diagnostics.runfiles import write_run_files
    from explorer.experiments.records.spec import RunSpec
    from explorer.experiments.runs.folders import new_run, read_json
    from explorer.experiments.runs.worker import execute

    run = subprocess.run(_suggest_command(tmp_path, 4), cwd=ROOT, capture_output=True, text=True, timeout=600)
    config, out = tmp_path / "cfg.json", tmp_path / "out"
    assert run.returncode == 0, run.stderr[-2000:]
    data = json.loads((out / "suggestion.json").read_text())
    assert data["seeds_used_for_search"] == [0] and data["seeds_used_for_check"] == [1, 2]
    assert len(data["trials"]) == 4 and data["trials"][0]["score"] is not None
    assert data["user_config"] == json.loads(config.read_text()) | {"rotation_range": 40.0}
    for comparison in ("vs_baseline", "vs_user", "user_vs_baseline"):
        assert len(data[comparison]["deltas"]) == 2 and len(data[comparison]["ci95"]) == 2
    assert data["config"].get("shear_range", 0) == 0  # 0.2 is invisible (degrees): never offered
    suggestion = Suggestion.from_json(data)
    assert run.stdout.startswith(suggestion.verdict.headline), run.stdout[:500]
    assert "datagen = ImageDataGenerator(" in run.stdout and "FastImageDataGenerator(" in run.stdout
    assert "keras.Sequential([" in run.stdout
    assert suggestion.verdict.headline in html.unescape((out / "report.html").read_text())
    # The page's run folder for the same spec, through the worker the page's queue starts.
    page = new_run(RunSpec.from_json(read_json(out / "spec.json")), tmp_path / "runs")
    execute(page, on_finished=write_run_files, veto=doctor_veto)
    # broken.png only when augmentation broke a validation image; worker.log is the page's process log.
    files = {path.name for path in out.iterdir()} - {"broken.png"}
    assert files == {path.name for path in page.iterdir()} - {"worker.log", "broken.png"}, files
    assert {"spec.json", "search.json", "result.json", "suggestion.json", "figure.png", "report.html"} <= files
    assert f"files: {out}/" in run.stdout


@pytest.mark.slow
def test_ctrl_c_ends_the_search_with_the_best_so_far_and_still_checks_it(tmp_path):
    import signal
    import threading
    import time

    process = subprocess.Popen(_suggest_command(tmp_path, 40), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen = bytearray()
    reader = threading.Thread(
        target=lambda: [seen.extend(c) for c in iter(lambda: process.stderr.read(1), b"")], daemon=True
    )
    reader.start()
    deadline = time.monotonic() + 300
    while b"search: 2/40" not in seen:  # two configurations tried
        assert time.monotonic() < deadline and process.poll() is None, seen.decode(errors="replace")[-2000:]
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    process.wait(timeout=300)
    reader.join(timeout=10)
    out = process.stdout.read()  # a few lines: the pipe never fills
    assert process.returncode == 0, seen.decode(errors="replace")[-2000:]
    assert b"stopping the search" in seen
    data = json.loads((tmp_path / "out" / "suggestion.json").read_text())
    assert data["stopped"] is True and 2 <= len(data["trials"]) < 40
    assert len(data["vs_user"]["deltas"]) == 2  # the best so far, checked on the fresh seeds
    assert b"stopped after" in out


# -- the search never offers what the config doctor warns about (issue 28) ------------------------


def _doctor_warnings(config: AugmentConfig) -> list[str]:
    """The doctor as a user meets it on a run: images fed as loaded (0..255), no picked images
    or measured pixels (the rules that need them cannot judge a config the search builds)."""
    from explorer.diagnostics.doctor import WARNING, diagnose

    return [f"{f.code}: {f.message}" for f in diagnose(config, input_range="0-255") if f.severity == WARNING]


def _user_configs():
    from hypothesis import strategies as st

    small = st.floats(0.0, 0.6, allow_nan=False).map(lambda v: round(v, 3))
    shift = st.one_of(small, st.integers(0, 8), st.just(0.0))
    return st.builds(
        AugmentConfig,
        rotation_range=st.one_of(st.just(0.0), st.floats(0.0, 90.0).map(lambda v: round(v, 2))),
        width_shift_range=shift,
        height_shift_range=shift,
        shear_range=st.one_of(st.just(0.0), st.floats(0.0, 45.0).map(lambda v: round(v, 2))),
        zoom_range=st.one_of(
            small,
            st.tuples(st.floats(0.5, 1.0), st.floats(1.0, 1.5)).map(
                lambda pair: (round(pair[0], 3), round(pair[1], 3))
            ),
        ),
        brightness_range=st.one_of(
            st.none(),
            st.tuples(st.floats(0.2, 1.0), st.floats(1.0, 1.8)).map(
                lambda pair: (round(pair[0], 3), round(pair[1], 3))
            ),
        ),
        channel_shift_range=st.one_of(st.just(0.0), st.floats(0.0, 200.0).map(lambda v: round(v, 2))),
        horizontal_flip=st.booleans(),
        vertical_flip=st.booleans(),
        rescale=st.sampled_from([None, 1 / 255]),
        fill_mode=st.sampled_from(["nearest", "reflect", "constant"]),
    )


def test_every_value_the_search_offers_draws_no_warning_from_the_config_doctor():
    """Issue 28: the search suggested shear_range=0.3, which the doctor calls invisible (it is
    in degrees). For any user config, every value of every dimension, set on the user's
    preprocessing alone and on the user's config as the search first tries it, draws no
    warning from the doctor (the doctor's notes are fine); a combination of values that
    passed alone but warns together is never trained (`test_a_combination_the_doctor_warns_about...`)."""
    from hypothesis import given, settings

    from explorer.cli import doctor_veto

    @settings(max_examples=60, deadline=None)
    @given(_user_configs())
    def check(config: AugmentConfig) -> None:
        dimensions, excluded = search_space(config, veto=doctor_veto)
        base = config.without_transforms()
        assert _doctor_warnings(base) == []  # the preprocessing alone: nothing to warn about on 0..255 data
        point = first_point(config, dimensions)
        first = {d.setting: d.choices[point[d.setting]] for d in dimensions}
        for dimension in dimensions:
            for choice in dimension.choices:
                alone = config_from(base, {dimension.setting: choice})
                assert _doctor_warnings(alone) == [], (dimension.setting, choice)
                mixed = config_from(config, first | {dimension.setting: choice}, excluded)
                # Everything but this value is as the search first tries it: whatever the doctor
                # says about `mixed` comes from combining values, each fine alone.
                assert all(code.split(":")[0] in COMBINATION_RULES for code in _doctor_warnings(mixed)), (
                    dimension.setting,
                    choice,
                    _doctor_warnings(mixed),
                )
        for item in excluded:
            assert getattr(config_from(config, {}, excluded), item.setting) == getattr(AugmentConfig(), item.setting)

    check()


# The doctor's rules that judge several settings together: a value can pass alone and still warn
# next to the user's others (the search's objective then skips the combination untrained).
COMBINATION_RULES = {"over_augmentation"}


def test_the_articles_invisible_shear_is_held_off_with_the_doctors_reason():
    from explorer.cli import doctor_veto

    dimensions, excluded = search_space(EXAMPLE_1, veto=doctor_veto)
    assert "shear_range" not in {d.setting for d in dimensions}
    (held,) = [item for item in excluded if item.setting == "shear_range"]
    assert held.reason.startswith("the config doctor warns about every value the search would try (0.1, 0.2, 0.3)")
    assert "is in degrees" in held.reason
    suggested = config_from(EXAMPLE_1, {}, excluded)
    assert suggested.shear_range == 0.0 and _doctor_warnings(suggested.without_transforms()) == []
    # A visible shear keeps its visible values and drops only the invisible half.
    dimensions = search_space(AugmentConfig(shear_range=1.5), veto=doctor_veto)[0]
    (shear,) = [d for d in dimensions if d.setting == "shear_range"]
    assert shear.choices == (0.0, 1.5, 2.25) and "0.75 (the config doctor warns)" in shear.dropped


def test_a_combination_the_doctor_warns_about_is_never_trained():
    """Each value passes the doctor alone, together they are the article's over-augmentation:
    the search records the combination with the doctor's words and trains nothing."""
    optuna = pytest.importorskip("optuna")
    from types import SimpleNamespace

    from explorer.experiments.suggest.search import _objective, _Reporter

    @dataclasses.dataclass(frozen=True)
    class Warning_:
        code: str
        message: str

    def veto(config: AugmentConfig) -> list:
        return (
            [Warning_("too_much", "rotation and shift together")]
            if (config.rotation_range >= 30 and config.width_shift_range >= 0.2)
            else []
        )

    config = AugmentConfig(rotation_range=40, width_shift_range=0.2)
    dimensions, excluded = search_space(config, veto=veto)
    assert {d.setting: d.choices for d in dimensions}["rotation_range"] == (0.0, 20.0, 40.0, 60.0)  # fine alone
    context = SimpleNamespace(settings=SimpleNamespace(seeds=(0,), epochs=1))  # nothing may train: no model
    scores: list[TrialScore] = []
    objective = _objective(config, dimensions, excluded, context, None, scores, lambda: False, _Reporter(1, None), veto)
    trial = optuna.trial.FixedTrial(first_point(config, dimensions))
    with pytest.raises(optuna.TrialPruned):
        objective(trial)
    (score,) = scores
    assert score.score is None and score.vetoed == "rotation and shift together"
    assert (
        Suggestion.from_json(
            json.loads(
                json.dumps(
                    Suggestion(
                        config,
                        config,
                        Comparison(None, (None, None)),
                        Comparison(None, (None, None)),
                        [0],
                        [1, 2],
                        scores,
                    ).to_json()
                )
            )
        ).trials
        == scores
    )


def test_a_change_held_off_by_the_doctor_says_so_not_that_it_changes_what_images_show():
    from explorer.cli import doctor_veto

    dimensions, excluded = search_space(EXAMPLE_1, veto=doctor_veto)
    suggestion = Suggestion(
        config_from(EXAMPLE_1, {}, excluded),
        EXAMPLE_1,
        Comparison(None, (None, None)),
        Comparison(None, (None, None)),
        [0],
        [1, 2],
        [],
        excluded,
    )
    (shear,) = [change for change in suggestion.changes if change.setting == "shear_range"]
    assert shear.note.startswith("held off: the config doctor warns about every value tried")


def test_a_combination_the_doctor_warns_about_is_never_trained_on_ray_either(monkeypatch):
    """Ray Tune's trial reports the objection and no score (NaN for the stopping rule), and
    the search records it as the local search does."""
    pytest.importorskip("ray.tune")
    from types import SimpleNamespace

    from ray import tune

    from explorer.experiments.suggest import ray_search

    reports: list[dict] = []
    monkeypatch.setattr(tune, "report", reports.append)

    def veto(config: AugmentConfig) -> list:
        return (
            [SimpleNamespace(code="too_much", message="rotation and shift together")]
            if (config.rotation_range >= 30 and config.width_shift_range >= 0.2)
            else []
        )

    config = AugmentConfig(rotation_range=40, width_shift_range=0.2)
    dimensions, excluded = search_space(config, veto=veto)
    ray_search._tune_trial(first_point(config, dimensions), None, config, dimensions, excluded, 0, veto)
    (report,) = reports
    assert report[ray_search.VETOED] == "rotation and shift together" and ray_search.SCORE not in report
    assert report[ray_search.METRIC] != report[ray_search.METRIC]  # NaN: the median stopping rule leaves it out
