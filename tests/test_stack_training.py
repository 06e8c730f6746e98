"""Training with a Keras 3 stack as the augmented arm, with real TensorFlow on tiny data: the
real layers run where users put them (in the model, in a tf.data map), pairing holds, the
layers are idle when the model predicts, and a migration check words its verdict."""

from __future__ import annotations

import re

import numpy as np
import pytest

from explorer.augment.config import AugmentConfig
from explorer.data.demos import make_shapes
from explorer.errors import InputError
from explorer.experiments.records.spec import (
    AUGMENTED,
    BASELINE,
    IDG_ARM,
    MIGRATION,
    STACK_ARM,
    DatasetRef,
    TrainSettings,
)
from explorer.experiments.records.stack_arm import IN_MAP, IN_MODEL, StackArm
from explorer.experiments.runs.plan import build_spec
from explorer.interchange.keras_stack import parse_stack

keras = pytest.importorskip("keras")
pytestmark = pytest.mark.slow  # real training
from pairing import record_training  # noqa: E402

from explorer.experiments.training import paired  # noqa: E402
from explorer.experiments.training.stack_training import check_size, keras_layers, with_stack  # noqa: E402

TINY = TrainSettings(seeds=(0, 1), epochs=2, batch_size=16, image_size=16)
STACK = parse_stack(
    "keras.Sequential([layers.RandomRotation(0.1), layers.RandomFlip('horizontal'), layers.RandomContrast(0.3)])"
).stack
PLAIN = AugmentConfig(rescale=1 / 255)


@pytest.fixture(scope="module")
def shapes():
    return make_shapes(image_size=16, per_class=12)


def _compare(shapes, placement, monkeypatch):
    spec = build_spec(PLAIN, DatasetRef("demo", "shapes"), TINY, stack=StackArm(STACK, placement))
    return record_training(monkeypatch, shapes, spec.arms, spec.settings, stacks=spec.stacks)


def test_the_stack_trains_in_the_model_and_in_a_map_alike_with_paired_weights(shapes, monkeypatch):
    in_model, initial, orders = _compare(shapes, IN_MODEL, monkeypatch)
    in_map, _, _ = _compare(shapes, IN_MAP, monkeypatch)
    for first, second in ((0, 1), (2, 3)):  # each seed's baseline and stack arms start alike
        assert all(np.array_equal(a, b) for a, b in zip(initial[first], initial[second]))
    assert all(seen[0] == seen[1] for seen in orders.values())
    base, aug = in_model.arms[BASELINE], in_model.arms[AUGMENTED]
    assert base.train_loss != aug.train_loss  # the layers did augment the stack's arm
    # The same draws in the model's training step and in the tf.data map (same seed).
    np.testing.assert_allclose(in_map.arms[AUGMENTED].train_loss, aug.train_loss, rtol=1e-4)
    assert in_model.stacks[AUGMENTED] == StackArm(STACK, IN_MODEL)
    assert in_model.summary.verdict_code is not None


def test_layers_in_the_model_are_idle_when_it_predicts():
    inner = keras.Sequential([keras.Input((16, 16, 1)), keras.layers.Flatten(), keras.layers.Dense(3)])
    model = with_stack(inner, StackArm(STACK, IN_MODEL))
    x = np.random.default_rng(0).uniform(0, 255, (4, 16, 16, 1)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), inner.predict(x, verbose=0), rtol=1e-6)
    assert not np.allclose(model(x, training=True), inner(x, training=False))
    assert with_stack(inner, StackArm(STACK, IN_MAP)) is inner  # the map runs outside the model


def test_the_real_layers_have_the_stacks_arguments():
    built = keras_layers(STACK)
    assert [type(layer).__name__ for layer in built] == ["RandomRotation", "RandomFlip", "RandomContrast"]
    assert built[0].get_config()["factor"] in (0.1, (-0.1, 0.1), [-0.1, 0.1])
    assert built[1].get_config()["mode"] == "horizontal"


def test_a_stack_that_changes_the_image_size_is_refused_with_the_layer():
    crop = StackArm(parse_stack("[layers.RandomCrop(12, 12), layers.RandomFlip()]").stack)
    with pytest.raises(InputError, match=r"RandomCrop\(height=12, width=12\) makes 12 x 12 images"):
        check_size(crop, (16, 16, 1))
    check_size(StackArm(STACK), (16, 16, 1))  # a stack that keeps the size trains


def test_a_migration_check_pairs_idg_and_the_stack_and_words_its_verdict(shapes):
    idg = AugmentConfig(rotation_range=36, horizontal_flip=True, rescale=1 / 255)
    spec = build_spec(idg, DatasetRef("demo", "shapes"), TINY, MIGRATION, stack=StackArm(STACK))
    result = paired.run_comparison(shapes, spec.arms, spec.settings, stacks=spec.stacks)
    assert set(result.arms) == {BASELINE, IDG_ARM, STACK_ARM} and result.is_migration
    verdict = result.summary.verdict
    assert verdict.startswith(("The migration ", "No detectable difference: the migration changed validation"))
    idg_runs = [run[-1] for run in result.arms[IDG_ARM].val_accuracy]
    stack_runs = [run[-1] for run in result.arms[STACK_ARM].val_accuracy]
    assert result.summary.final_delta_mean == pytest.approx(np.mean(np.subtract(stack_runs, idg_runs)))


def test_the_cli_runs_a_migration_check_from_two_files(tmp_path):
    import subprocess
    import sys

    stack = tmp_path / "augment.py"
    stack.write_text("import keras\naug = keras.Sequential([keras.layers.RandomRotation(36 / 360)])\n")
    idg = tmp_path / "idg.py"
    idg.write_text("datagen = ImageDataGenerator(rotation_range=36)\n")
    out = tmp_path / "run"
    command = [sys.executable, "-m", "explorer", "compare", "--dataset", "shapes", "--image-size", "16"]
    command += ["--config", str(stack), "--idg", str(idg), "--seeds", "2", "--epochs", "1", "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    said = done.stdout
    assert "idg: validation accuracy" in said and "stack: validation accuracy" in said
    assert "the migration" in said.lower()
    assert re.search(r"^class\s+IDG\s+stack\s+change", said, re.M), said  # the arms compared head the columns
    assert "rotation: IDG -36..36°, the stack -36..36° (same)" in said, said
    assert (out / "side_by_side.png").stat().st_size > 10_000
    assert "IDGAugmentation(" in said and "rotation_range=36" in said
    report = (out / "report.html").read_text()
    assert "ImageDataGenerator vs the Keras 3 stack" in report and "RandomRotation(factor=0.1)" in report
