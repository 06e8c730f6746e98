"""A Keras 3 stack as an arm, without training: its JSON, its layer-by-layer arms, the run
specs built around it, and the ways the CLI and a notebook hand it over."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.augment.config import AugmentConfig
from explorer.augment.keras3 import Stack
from explorer.augment.keras3.geometric import RandomFlip, RandomRotation, RandomZoom
from explorer.augment.keras3.serial import draws_randomly, stack_from_json, stack_json
from explorer.errors import InputError
from explorer.experiments.records.results import RunResult
from explorer.experiments.records.spec import (
    ABLATION,
    AUGMENTED,
    BASELINE,
    COMPARE,
    FULL,
    IDG_ARM,
    MIGRATION,
    STACK_ARM,
    DatasetRef,
    RunSpec,
    TrainSettings,
)
from explorer.experiments.records.stack_arm import IN_MAP, IN_MODEL, StackArm
from explorer.experiments.runs.plan import build_spec
from explorer.interchange.keras_stack import parse_stack
from explorer.stack_input import is_stack, read_stack

SOURCE = """keras.Sequential([
    keras.layers.Rescaling(1 / 255),
    keras.layers.RandomRotation(0.1, fill_mode="nearest"),
    keras.layers.RandomZoom((-0.2, 0.2)),
    keras.layers.RandomRotation(0.05),
    keras.layers.RandomFlip("horizontal"),
    keras.layers.RandomContrast(0.2, value_range=(0, 1)),
])"""
STACK = parse_stack(SOURCE).stack
DIGITS = DatasetRef("demo", "digits")
FAST = TrainSettings(seeds=(0, 1), epochs=1)


def test_a_stack_round_trips_through_json_with_its_tuples():
    data = json.loads(json.dumps(stack_json(STACK)))
    assert data[1] == {"class_name": "RandomRotation", "config": {"factor": 0.1, "fill_mode": "nearest"}}
    assert data[2]["config"] == {"height_factor": [-0.2, 0.2]}
    assert stack_from_json(data) == STACK


@pytest.mark.parametrize(
    "data, message",
    [
        ({"class_name": "RandomFlip"}, "must be a JSON list"),
        ([{"class_name": "RandomElasticTransform", "config": {}}], "not a Keras layer the explorer reproduces"),
        ([{"class_name": "RandomFlip", "config": {"colour": 1}}], "layer 0 (RandomFlip)"),
        ([{"class_name": "RandomRotation", "config": {"factor": 2.5}}], "RandomRotation"),
        (["RandomFlip"], "must be an object"),
    ],
)
def test_a_broken_stack_json_is_refused_naming_the_layer(data, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        stack_from_json(data)


def test_only_the_layers_that_draw_are_random():
    assert [draws_randomly(layer) for layer in STACK.layers] == [False, True, True, True, True, True]


def test_layer_by_layer_arms_keep_the_layers_that_draw_nothing():
    arm = StackArm(STACK)
    assert arm.random_layers == (1, 2, 3, 4, 5)
    assert arm.labels() == {
        1: "RandomRotation #1",
        2: "RandomZoom",
        3: "RandomRotation #2",
        4: "RandomFlip",
        5: "RandomContrast",
    }
    names = lambda a: [layer.layer_name() for layer in a.stack.layers]  # noqa: E731
    assert names(arm.fixed()) == ["Rescaling"]
    assert names(arm.only(2)) == ["Rescaling", "RandomZoom"]
    assert names(arm.without(2)) == ["Rescaling", "RandomRotation", "RandomRotation", "RandomFlip", "RandomContrast"]
    assert arm.only(3).stack.layers[1] == RandomRotation(0.05)


def test_a_placement_keras_does_not_have_is_refused():
    with pytest.raises(ValueError, match="placement must be 'model'"):
        StackArm(STACK, "fit")


def test_a_compare_spec_trains_the_stack_over_a_baseline_with_its_fixed_layers():
    spec = build_spec(AugmentConfig(rescale=1 / 255), DIGITS, FAST, COMPARE, stack=StackArm(STACK, IN_MAP))
    assert list(spec.arms) == [BASELINE, AUGMENTED]
    assert all(config == AugmentConfig(rescale=1 / 255) for config in spec.arms.values())
    assert spec.stacks[AUGMENTED] == StackArm(STACK, IN_MAP)
    assert spec.stacks[BASELINE].stack.layers == STACK.layers[:1]
    assert RunSpec.from_json(json.loads(json.dumps(spec.to_json()))) == spec


def test_an_ablation_spec_takes_the_stack_layer_by_layer():
    spec = build_spec(AugmentConfig(), DIGITS, FAST, ABLATION, leave_one_out=True, stack=StackArm(STACK))
    assert list(spec.arms) == [
        BASELINE,
        "only:RandomRotation #1",
        "only:RandomZoom",
        "only:RandomRotation #2",
        "only:RandomFlip",
        "only:RandomContrast",
        FULL,
        "without:RandomRotation #1",
        "without:RandomZoom",
        "without:RandomRotation #2",
        "without:RandomFlip",
        "without:RandomContrast",
    ]
    assert spec.stacks[FULL].stack == STACK
    assert len(spec.stacks["without:RandomFlip"].stack.layers) == len(STACK.layers) - 1
    assert RunSpec.from_json(spec.to_json()) == spec


def test_a_migration_spec_pairs_the_idg_config_with_the_stack():
    idg = AugmentConfig(rotation_range=40, horizontal_flip=True, rescale=1 / 255)
    spec = build_spec(idg, DIGITS, FAST, MIGRATION, stack=StackArm(STACK))
    assert spec.arms == {BASELINE: idg.without_transforms(), IDG_ARM: idg, STACK_ARM: idg.without_transforms()}
    assert set(spec.stacks) == {STACK_ARM}
    assert RunSpec.from_json(spec.to_json()) == spec


@pytest.mark.parametrize(
    "mode, stack, message",
    [
        (MIGRATION, None, "needs the Keras 3 stack"),
        (COMPARE, StackArm(parse_stack("[layers.Rescaling(1 / 255)]").stack), "no layer that draws"),
    ],
)
def test_a_stack_run_that_cannot_compare_anything_says_why(mode, stack, message):
    with pytest.raises(InputError, match=message):
        build_spec(AugmentConfig(), DIGITS, FAST, mode, stack=stack)


def test_a_spec_with_a_stack_for_an_arm_it_does_not_train_is_refused():
    with pytest.raises(ValueError, match="stacks name arms"):
        RunSpec(DIGITS, AugmentConfig(), {BASELINE: AugmentConfig()}, stacks={"other": StackArm(STACK)})


def test_a_result_keeps_its_stacks_and_old_results_have_none():
    result = RunResult(stacks={AUGMENTED: StackArm(STACK, IN_MAP)})
    assert RunResult.from_json(json.loads(json.dumps(result.to_json()))).stacks == result.stacks
    assert RunResult.from_json({"arms": {}}).stacks == {}
    assert RunResult(arms={IDG_ARM: None, STACK_ARM: None, BASELINE: None}).is_migration


layers = st.lists(
    st.one_of(
        st.builds(RandomFlip, st.sampled_from(["horizontal", "vertical", "horizontal_and_vertical"])),
        st.builds(RandomRotation, st.floats(0, 1), fill_mode=st.sampled_from(["constant", "nearest", "reflect"])),
        st.builds(RandomZoom, st.floats(-0.9, 0.9)),
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=60, deadline=None)
@given(layers, st.booleans())
def test_every_generated_stack_survives_spec_json_and_ablates_each_layer_once(stack_layers, loo):
    arm = StackArm(Stack(tuple(stack_layers)))
    spec = build_spec(AugmentConfig(), DIGITS, FAST, ABLATION, leave_one_out=loo, stack=arm)
    assert RunSpec.from_json(json.loads(json.dumps(spec.to_json()))) == spec
    alone = [name for name in spec.arms if name.startswith("only:")]
    assert len(alone) == len(set(alone)) == len(stack_layers)
    assert all(len(spec.stacks[name].stack.layers) == 1 for name in alone)


def test_read_stack_takes_source_a_file_a_stack_and_says_what_is_wrong(tmp_path):
    script = tmp_path / "augment.py"
    script.write_text("import keras\naug = keras.Sequential([keras.layers.RandomFlip('horizontal')])\n")
    assert read_stack(str(script)).stack == Stack((RandomFlip("horizontal"),))
    assert read_stack(SOURCE, IN_MAP) == StackArm(STACK, IN_MAP)
    assert read_stack(STACK).stack == STACK
    assert is_stack(SOURCE) and is_stack(str(script)) and not is_stack({"rotation_range": 20})
    with pytest.raises(InputError, match="does not exist"):
        read_stack(str(tmp_path / "missing.py"))
    with pytest.raises(InputError, match="no Keras augmentation stack found"):
        read_stack("x = 1")
    with pytest.raises(InputError, match="got int"):
        read_stack(3)


def _args(tmp_path, config, idg=None):
    return SimpleNamespace(config=str(config) if config else None, idg=str(idg) if idg else None, placement=IN_MODEL)


def test_the_cli_reads_a_stack_an_idg_call_or_json_from_config(tmp_path):
    from explorer.cli import _augmentation

    stack = tmp_path / "stack.py"
    stack.write_text("from keras import layers\naug = [layers.RandomRotation(40 / 360), layers.RandomFlip()]\n")
    idg = tmp_path / "idg.py"
    idg.write_text("datagen = ImageDataGenerator(rotation_range=40, horizontal_flip=True)\n")
    as_json = tmp_path / "idg.json"
    as_json.write_text('{"rotation_range": 40, "horizontal_flip": true}')
    wanted = AugmentConfig(rotation_range=40, horizontal_flip=True)
    config, arm, mode = _augmentation(_args(tmp_path, stack, idg), COMPARE)
    assert (config, mode, len(arm.stack.layers)) == (wanted, MIGRATION, 2)
    assert _augmentation(_args(tmp_path, stack, as_json), COMPARE)[0] == wanted
    assert _augmentation(_args(tmp_path, stack), ABLATION)[1:] == (arm, ABLATION)
    assert _augmentation(_args(tmp_path, idg), COMPARE) == (wanted, None, COMPARE)
    with pytest.raises(InputError, match="--idg goes with a Keras 3 stack"):
        _augmentation(_args(tmp_path, as_json, idg), COMPARE)
    empty = tmp_path / "empty.py"
    empty.write_text("print('no stack here')\n")
    with pytest.raises(InputError, match="--config .*no Keras augmentation stack found"):
        _augmentation(_args(tmp_path, empty), COMPARE)
    with pytest.raises(InputError, match="missing.py does not exist"):  # said, not a traceback
        _augmentation(_args(tmp_path, tmp_path / "missing.py"), COMPARE)
    (tmp_path / "folder.py").mkdir()
    with pytest.raises(InputError, match="is a folder"):
        _augmentation(_args(tmp_path, tmp_path / "folder.py"), COMPARE)


def test_the_notebook_wants_a_stack_beside_idg():
    import explorer

    with pytest.raises(InputError, match="idg= goes with a Keras 3 stack"):
        explorer.compare("digits", {"rotation_range": 10}, idg={"rotation_range": 10}, progress=False)


@pytest.mark.parametrize(
    "deltas, interval, start",
    [
        (
            [-0.05, -0.06, -0.04],
            (-0.07, -0.03),
            "The migration hurt: validation accuracy was 5.0 points lower with "
            "the Keras 3 stack than with ImageDataGenerator",
        ),
        (
            [0.01, -0.01, 0.03],
            (-0.03, 0.05),
            "No detectable difference: the migration changed validation accuracy by +1.0 points",
        ),
    ],
)
def test_a_migration_verdict_says_what_the_migration_changed(deltas, interval, start):
    from explorer.experiments.analysis.verdict import MIGRATION as WORDS
    from explorer.experiments.analysis.verdict import verdict_code, verdict_text

    text = verdict_text(verdict_code(deltas, interval), deltas, interval, 3, None, WORDS)
    assert text.startswith(start), text
    assert "95% CI" in text


def test_side_by_side_of_a_notebook_result_needs_a_migration_check():
    from explorer.data.demos import make_shapes
    from explorer.notebook import ComparisonResult

    shapes = make_shapes(image_size=16, per_class=3)
    idg = AugmentConfig(rotation_range=36)
    spec = build_spec(idg, DIGITS, FAST, MIGRATION, stack=StackArm(parse_stack("[layers.RandomRotation(0.1)]").stack))
    migration = ComparisonResult(spec, RunResult(arms={BASELINE: None, IDG_ARM: None, STACK_ARM: None}), shapes)
    side = migration.side_by_side(draws=20)
    assert side.images == 9 and side.quantity("rotation").stack_range[1] <= 36.0001
    plain = ComparisonResult(build_spec(idg, DIGITS, FAST), RunResult(arms={BASELINE: None, AUGMENTED: None}), shapes)
    with pytest.raises(InputError, match="side by side needs a migration check"):
        plain.side_by_side()


def test_a_trial_with_a_stack_travels_to_another_process_intact():
    import pickle

    from explorer.experiments.records.trials import plan_trials

    arm = StackArm(STACK, IN_MAP)
    trials = plan_trials({BASELINE: AugmentConfig(), AUGMENTED: AugmentConfig()}, (0, 1), stacks={AUGMENTED: arm})
    assert [trial.stack for trial in trials] == [None, arm, None, arm]
    assert pickle.loads(pickle.dumps(trials)) == trials
