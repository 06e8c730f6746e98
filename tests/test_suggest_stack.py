"""Suggest over a Keras 3 stack (issue 31, item 4): the space built around the user's layers
(each drawing layer scaled or removed, the kinds it lacks added small, the layers that draw
nothing kept), the user's stack tried first, the answer as a stack in suggestion.json, in
words and as code, and a real search whose pick is checked against the user's stack on fresh
seeds."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer.augment.config import AugmentConfig
from explorer.augment.keras3 import LAYERS, Stack
from explorer.augment.keras3.serial import stack_from_json, stack_json
from explorer.experiments.records.spec import BASELINE, SUGGEST, YOURS, DatasetRef, SearchSettings, TrainSettings
from explorer.experiments.records.stack_arm import IN_MAP, StackArm
from explorer.experiments.runs.plan import build_spec
from explorer.experiments.suggest.space import Comparison, Suggestion, TrialScore
from explorer.experiments.suggest.stack_space import (
    ADDED_LAYERS,
    OFF,
    alone,
    change_text,
    choice_text,
    first_stack_point,
    stack_changes,
    stack_from,
    stack_search_space,
)
from explorer.interchange.keras_stack import parse_stack

R = {name: LAYERS[name] for name in ("Rescaling", "RandomFlip", "RandomRotation", "RandomZoom", "RandomContrast")}
USER = StackArm(
    Stack(
        (
            R["Rescaling"](1 / 255),
            R["RandomFlip"]("horizontal"),
            R["RandomRotation"](0.1, fill_mode="nearest"),
            R["RandomZoom"]((-0.2, 0.3)),
        )
    ),
    IN_MAP,
)


def _by_label(arm: StackArm, affinity=None):
    dimensions, excluded = stack_search_space(arm, affinity)
    return {d.label: d for d in dimensions}, excluded


def test_each_drawing_layer_is_searched_removed_half_theirs_and_half_more_end_by_end():
    dims, excluded = _by_label(USER)
    assert excluded == []
    assert dims["RandomRotation"].texts() == (
        OFF,
        "RandomRotation(factor=0.05, fill_mode='nearest')",
        "RandomRotation(factor=0.1, fill_mode='nearest')",
        "RandomRotation(factor=0.15, fill_mode='nearest')",
    )
    assert [c.height_factor for c in dims["RandomZoom"].choices[1:]] == [(-0.1, 0.15), (-0.2, 0.3), (-0.3, 0.45)]
    assert dims["RandomFlip"].texts() == (OFF, "RandomFlip(mode='horizontal')")  # no strength: kept or removed
    assert "Rescaling" not in dims  # draws nothing: not searched, kept in place


def test_kinds_the_stack_lacks_are_added_small_and_zoom_both_ways():
    dims, _ = _by_label(USER)
    assert dims["RandomTranslation (added)"].texts() == (OFF, "RandomTranslation(height_factor=0.1, width_factor=0.1)")
    assert not any(label.startswith(("RandomRotation (", "RandomZoom (", "RandomFlip (")) for label in dims)
    empty, _ = _by_label(StackArm(Stack()))
    assert [d.choices for d in empty.values()] == [(None, layer) for layer in ADDED_LAYERS]
    zoom = empty["RandomZoom (added)"].choices[1]
    assert zoom.height_factor == (-0.1, 0.1)  # a plain 0.1 would only zoom out in Keras


def test_scaling_stays_within_what_keras_accepts():
    strong = StackArm(Stack((R["RandomContrast"](0.8), R["RandomZoom"](0.9))))
    dims, _ = _by_label(strong)
    assert dims["RandomContrast"].choices[-1].factor == 1.0  # 1.2, clipped to Keras's [0, 1]
    assert dims["RandomZoom"].choices[-1].height_factor == 1.0


def test_the_first_stack_tried_is_the_users_own():
    dims, excluded = stack_search_space(USER)
    point = first_stack_point(USER, dims)
    assert point["RandomTranslation (added)"] == 0
    picks = {d.label: d.choices[point[d.label]] for d in dims}
    assert stack_from(USER, picks, excluded) == USER


def test_choices_with_low_affinity_are_dropped_and_a_layer_left_off_is_held_off_with_the_reason():
    affinity = {("RandomFlip", 1): 0.5, ("RandomRotation", 2): 0.85, ("RandomRotation", 3): 0.7}
    dims, excluded = _by_label(USER, affinity)
    assert [item.setting for item in excluded] == ["RandomFlip"]
    assert "keeps 50%" in excluded[0].reason and "RandomFlip(mode='horizontal')" in excluded[0].reason
    assert dims["RandomRotation"].texts()[1:] == ("RandomRotation(factor=0.05, fill_mode='nearest')",)
    assert "keeps 85%" in dims["RandomRotation"].dropped
    point = first_stack_point(USER, list(dims.values()))
    assert point["RandomRotation"] == 1  # theirs was dropped: the strongest kept below it
    picks = {label: d.choices[point[label]] for label, d in dims.items()}
    picked = stack_from(USER, picks, excluded)
    assert [layer.layer_name() for layer in picked.stack.layers] == ["Rescaling", "RandomRotation", "RandomZoom"]


def test_an_affinity_probe_is_the_layer_alone_on_the_fixed_layers():
    dims, _ = _by_label(USER)
    rotation = dims["RandomRotation"]
    probe = alone(USER, rotation, rotation.choices[1])
    assert [layer.layer_name() for layer in probe.layers] == ["Rescaling", "RandomRotation"]
    added = dims["RandomTranslation (added)"]
    assert alone(USER, added, added.choices[1]).layers[-1].layer_name() == "RandomTranslation"


def test_changes_from_the_users_stack_say_what_was_removed_added_or_scaled():
    dims, _ = _by_label(USER)
    picks = {label: d.choices[1] for label, d in dims.items()}
    picks["RandomFlip"] = None
    picked = stack_from(USER, picks)
    rows = stack_changes(USER, picked)
    assert [change_text(*row) for row in rows] == [
        "RandomFlip removed (RandomFlip(mode='horizontal'))",
        "RandomRotation: RandomRotation(factor=0.1, fill_mode='nearest') -> "
        "RandomRotation(factor=0.05, fill_mode='nearest')",
        "RandomZoom: RandomZoom(height_factor=(-0.2, 0.3)) -> RandomZoom(height_factor=(-0.1, 0.15))",
        "RandomTranslation(height_factor=0.1, width_factor=0.1) added",
    ]


def _stack_suggestion(picked: StackArm, trials: list[TrialScore]) -> Suggestion:
    base = AugmentConfig()
    return Suggestion(
        base,
        base,
        Comparison(0.02, (0.01, 0.03), [0.02, 0.02]),
        Comparison(0.01, (-0.02, 0.04), [0.0, 0.02]),
        [0],
        [1, 2],
        trials,
        stack=picked,
        user_stack=USER,
    )


def test_a_stack_suggestion_round_trips_through_json_and_says_its_changes_and_worth():
    dims, _ = _by_label(USER)
    picks = {label: d.choices[-1] for label, d in dims.items()}
    picked = stack_from(USER, picks)
    point = first_stack_point(USER, list(dims.values()))
    trials = [
        TrialScore(0, {label: choice_text(d.choices[point[label]]) for label, d in dims.items()}, 0.5),
        TrialScore(1, {label: choice_text(layer) for label, layer in picks.items()}, 0.75),
    ]
    suggestion = _stack_suggestion(picked, trials)
    data = json.loads(json.dumps(suggestion.to_json()))
    back = Suggestion.from_json(data)
    assert back == suggestion and back.stack == picked and back.user_stack == USER
    rotation = next(c for c in back.changes if c.setting == "RandomRotation")
    assert rotation.worth == pytest.approx(0.25) and (rotation.with_suggested, rotation.with_yours) == (1, 1)
    assert parse_stack(back.stack.code).stack == picked.stack
    assert "RandomTranslation(height_factor=0.1, width_factor=0.1) added" in back.sentence
    assert "your stack" in back.verdict.headline and "settings" not in back.verdict.text


def test_an_old_suggestion_json_without_a_stack_still_loads():
    idg = Suggestion(
        AugmentConfig(rotation_range=10),
        AugmentConfig(rotation_range=20),
        Comparison(None, (None, None)),
        Comparison(None, (None, None)),
        [0],
        [1],
        [],
    )
    data = idg.to_json()
    data.pop("stack"), data.pop("user_stack")
    back = Suggestion.from_json(data)
    assert back.stack is None and back.user_stack is None
    assert back.changes[0].setting == "rotation_range"


def test_suggest_with_a_stack_plans_the_baseline_and_the_users_stack():
    spec = build_spec(
        AugmentConfig(), DatasetRef("demo", "shapes"), TrainSettings(), SUGGEST, search=SearchSettings(3, 2), stack=USER
    )
    assert spec.mode == SUGGEST and spec.search == SearchSettings(3, 2)
    assert set(spec.arms) == {BASELINE, YOURS} and spec.stacks[YOURS] == USER
    assert spec.stacks[BASELINE].stack.layers == (R["Rescaling"](1 / 255),)  # the fixed layers only
    fixed_only = StackArm(Stack((R["Rescaling"](1 / 255),)))
    spec = build_spec(AugmentConfig(), DatasetRef("demo", "shapes"), TrainSettings(), SUGGEST, stack=fixed_only)
    assert spec.search == SearchSettings() and spec.stacks[YOURS] == fixed_only  # suggest adds layers


@st.composite
def _stacks(draw) -> StackArm:
    makers = {
        "RandomRotation": lambda: R["RandomRotation"](draw(st.floats(-1, 1))),
        "RandomZoom": lambda: R["RandomZoom"](
            (draw(st.floats(-0.9, 0)), draw(st.floats(0, 1))), draw(st.none() | st.floats(-0.9, 1))
        ),
        "RandomTranslation": lambda: LAYERS["RandomTranslation"](draw(st.floats(-1, 1)), draw(st.floats(0, 1))),
        "RandomShear": lambda: LAYERS["RandomShear"](draw(st.floats(0, 1)), (0.0, draw(st.floats(0, 1)))),
        "RandomContrast": lambda: R["RandomContrast"](draw(st.floats(0, 1))),
        "RandomBrightness": lambda: LAYERS["RandomBrightness"]((draw(st.floats(-1, 0)), draw(st.floats(0, 1)))),
        "RandomFlip": lambda: R["RandomFlip"](draw(st.sampled_from(["horizontal", "vertical"]))),
        "Rescaling": lambda: R["Rescaling"](1 / 255),
    }
    names = draw(st.lists(st.sampled_from(sorted(makers)), max_size=4))
    return StackArm(Stack(tuple(makers[name]() for name in names)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(arm=_stacks(), pick=st.integers(0, 3))
def test_every_stack_the_search_can_build_is_one_keras_accepts(arm, pick):
    """Each candidate is built through the layers' dataclasses (Keras's own validation): it
    survives spec.json and reads back from its code as the same stack."""
    dims, excluded = stack_search_space(arm)
    picks = {d.label: d.choices[min(pick, len(d.choices) - 1)] for d in dims}
    candidate = stack_from(arm, picks, excluded)
    assert stack_from_json(json.loads(json.dumps(stack_json(candidate.stack)))) == candidate.stack
    if candidate.stack.layers:
        assert parse_stack(candidate.code).stack == candidate.stack
    assert stack_from(arm, {d.label: d.choices[first_stack_point(arm, dims)[d.label]] for d in dims}) == arm


@pytest.mark.slow
def test_a_real_search_over_a_stack_answers_in_keras_3_layers_checked_on_fresh_seeds():
    """Budget 3 on tiny shapes: the user's stack is tried first, the suggestion is a stack whose
    code parses back, and the check trained the baseline, the user's stack and the pick."""
    pytest.importorskip("optuna")
    from explorer.data.demos import make_shapes
    from explorer.experiments.records.spec import SUGGESTED
    from explorer.experiments.suggest.search import CheckHooks, suggest

    checked, states = [], []
    arm = StackArm(Stack((R["RandomFlip"]("horizontal"), R["RandomRotation"](0.05))))
    found = suggest(
        make_shapes(image_size=16, per_class=12),
        AugmentConfig(),
        TrainSettings(seeds=(0,), epochs=1, batch_size=16, image_size=16),
        budget=3,
        check_seeds=2,
        progress=states.append,
        check=CheckHooks(on_result=checked.append),
        stack=arm,
    )
    assert found.stack is not None and found.user_stack == arm
    assert parse_stack(found.stack.code).stack == found.stack.stack or not found.stack.stack.layers
    yours = {"RandomFlip": "RandomFlip(mode='horizontal')", "RandomRotation": "RandomRotation(factor=0.05)"}
    held = {item.setting for item in found.excluded}  # low affinity on these shapes: held off, with the reason
    assert all("keeps" in item.reason for item in found.excluded)
    for label, text in found.trials[0].choices.items():  # the user's stack first (an added layer off)
        if label not in found.dropped:
            assert text == yours.get(label, OFF), (label, text)
    assert set(yours) <= set(found.trials[0].choices) | held
    assert {state.phase for state in states} >= {"affinity", "search", "check"}
    assert any(state.best_stack is not None for state in states)
    result = checked[-1]
    assert set(result.arms) == {BASELINE, YOURS, SUGGESTED}
    assert result.stacks[YOURS] == arm
    assert result.stacks.get(SUGGESTED, StackArm(Stack())).stack == found.stack.stack
    assert all(len(history.val_accuracy) == 2 for history in result.arms.values())  # two fresh seeds
    assert found.seeds_used_for_check == [1, 2] and len(found.vs_user.deltas) == 2
    back = Suggestion.from_json(json.loads(json.dumps(found.to_json())))
    assert back.stack == found.stack and back.verdict == found.verdict


def _picked_suggestion() -> Suggestion:
    dims, _ = _by_label(USER)
    picks = {label: d.choices[1] for label, d in dims.items()}
    trials = [TrialScore(0, {label: choice_text(layer) for label, layer in picks.items()}, 0.7)]
    return _stack_suggestion(stack_from(USER, picks), trials)


def test_the_report_and_the_cli_show_the_suggested_stack_as_keras_code(capsys):
    import html

    from explorer.cli import _print_suggestion
    from explorer.diagnostics.report import build_report
    from explorer.experiments.records.results import RunResult

    suggestion = _picked_suggestion()
    page = html.unescape(
        build_report(RunResult.from_json({"dataset": "x", "arms": {}, "status": "finished"}), suggestion=suggestion)
    )
    assert suggestion.stack.code in page and "The suggestion as Keras 3 layers (in a tf.data map" in page
    assert "ImageDataGenerator</code> code" not in page
    _print_suggestion(suggestion)
    out = capsys.readouterr().out
    assert suggestion.stack.code in out and "ImageDataGenerator(" not in out
    assert "  RandomFlip removed (RandomFlip(mode='horizontal'))" not in out  # flip kept: x1 is its index 1
    assert "RandomRotation: RandomRotation(factor=0.1, fill_mode='nearest') -> " in out


def test_the_page_shows_the_suggested_stack_and_use_it_puts_it_in_the_pages_stack(tmp_path, monkeypatch):
    from explorer.experiments.runs.folders import new_run, set_status, write_json
    from headless_page import open_run, page_record

    suggestion = _picked_suggestion()
    spec = build_spec(
        AugmentConfig(), DatasetRef("demo", "shapes"), TrainSettings(), SUGGEST, search=SearchSettings(3, 2), stack=USER
    )
    run_dir = new_run(spec, tmp_path)
    write_json(run_dir / "suggestion.json", suggestion.to_json())
    set_status(run_dir, "finished")
    monkeypatch.setenv("AUGMENT_SHARED_HISTORY", "1")
    at = open_run(monkeypatch, tmp_path, run_dir.name)
    assert not at.exception, at.exception
    codes = [block.value for block in at.code]
    assert suggestion.stack.code in codes  # the IDG suggestion's tabs are not drawn for a stack
    assert not any("datagen = ImageDataGenerator(" in code or "FastImageDataGenerator(" in code for code in codes)
    assert list(at.table[0].value["layer"])[0] == "RandomRotation"
    at.button(key=f"use_suggested_stack_current_{run_dir.name}").click().run()
    assert not at.exception, at.exception
    record = page_record(at)
    assert record.engine == "keras3" and record.stack_text == suggestion.stack.code
    assert parse_stack(record.stack_text).stack == suggestion.stack.stack


def test_the_ray_backend_refuses_a_stack_search_in_words():
    pytest.importorskip("keras")
    from explorer.data.demos import make_shapes
    from explorer.errors import InputError
    from explorer.experiments.suggest.search import CheckHooks, suggest
    from explorer.experiments.training.backends import RayBackend

    with pytest.raises(InputError, match="Ray backend searches ImageDataGenerator settings"):
        suggest(
            make_shapes(image_size=16, per_class=4),
            AugmentConfig(),
            TrainSettings(seeds=(0,), epochs=1, image_size=16),
            budget=1,
            check=CheckHooks(backend=RayBackend()),
            stack=USER,
        )
