"""Suggest (issue 17): the search space built around the user's settings, settings with low
affinity held off with the reason, and a real search whose pick is checked on fresh seeds
(never the search's) against the baseline and the user's config, written to suggestion.json."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from explorer.augment.config import AugmentConfig
from explorer.experiments.suggest import (
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
EXAMPLE_1 = AugmentConfig(rotation_range=40, width_shift_range=0.2, height_shift_range=0.2, shear_range=0.2,
                          zoom_range=0.2, horizontal_flip=True, fill_mode="nearest")


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
    affinity = {("horizontal_flip", 1): 0.55, ("rotation_range", 1): 0.95, ("rotation_range", 2): 0.8,
                ("rotation_range", 3): 0.6, ("zoom_range", 1): LOW_AFFINITY}
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
    suggestion = Suggestion(config_from(EXAMPLE_1, {"rotation_range": 20.0}), EXAMPLE_1,
                            Comparison(0.02, (0.01, 0.03), [0.02, 0.02]), Comparison(0.04, (0.02, 0.06), [0.04]),
                            [0, 1], [2, 3, 4], [TrialScore(0, {"rotation_range": 20.0, "zoom_range": (0.8, 1.2)}, 0.9)])
    data = json.loads(json.dumps(suggestion.to_json()))
    assert data["config"]["rotation_range"] == 20 and "rescale" not in data["config"]
    assert data["vs_user"] == {"delta_mean": 0.04, "ci95": [0.02, 0.06], "deltas": [0.04]}
    assert (data["seeds_used_for_search"], data["seeds_used_for_check"]) == ([0, 1], [2, 3, 4])
    assert data["trials"][0]["config"]["zoom_range"] == [0.8, 1.2]
    assert data["changes"] == [{"setting": "rotation_range", "yours": 40, "suggested": 20, "worth": None,
                                "with_suggested": 1, "with_yours": 0, "note": ""}]
    assert Suggestion.from_json(data) == suggestion  # read back as the page reads it


def _suggest_command(tmp_path, budget: int) -> list:
    """`python -m explorer suggest` from example 1 on tiny shapes: 1 search seed, 2 check seeds."""
    pytest.importorskip("keras")
    pytest.importorskip("optuna")
    config = tmp_path / "cfg.json"
    config.write_text(json.dumps(EXAMPLE_1.to_idg_kwargs(only_changed=True)))
    return [sys.executable, "-m", "explorer", "suggest", "--dataset", "shapes", "--config", config,
            "--budget", str(budget), "--seeds", "1", "--epochs", "2", "--check-seeds", "2", "--image-size", "16",
            "--out", tmp_path / "out"]


@pytest.mark.slow
def test_a_real_search_is_checked_on_fresh_seeds(tmp_path):
    run = subprocess.run(_suggest_command(tmp_path, 4), cwd=ROOT, capture_output=True, text=True, timeout=600)
    config = tmp_path / "cfg.json"
    assert run.returncode == 0, run.stderr[-2000:]
    data = json.loads((tmp_path / "out" / "suggestion.json").read_text())
    assert data["seeds_used_for_search"] == [0] and data["seeds_used_for_check"] == [1, 2]
    assert len(data["trials"]) == 4 and data["trials"][0]["score"] is not None
    assert data["user_config"] == json.loads(config.read_text()) | {"rotation_range": 40.0}
    for comparison in ("vs_baseline", "vs_user"):
        assert len(data[comparison]["deltas"]) == 2 and len(data[comparison]["ci95"]) == 2
    assert "datagen = ImageDataGenerator(" in run.stdout and "FastImageDataGenerator(" in run.stdout
    assert "keras.Sequential([" in run.stdout and "vs yours:" in run.stdout


@pytest.mark.slow
def test_ctrl_c_ends_the_search_with_the_best_so_far_and_still_checks_it(tmp_path):
    import signal
    import threading
    import time

    process = subprocess.Popen(_suggest_command(tmp_path, 40), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen = bytearray()
    reader = threading.Thread(target=lambda: [seen.extend(c) for c in iter(lambda: process.stderr.read(1), b"")],
                              daemon=True)
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
