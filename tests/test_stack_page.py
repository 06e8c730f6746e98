"""The page with a Keras 3 stack (AppTest, no browser): a link, a paste or the script doctor
brings a stack in; the tiles are the reproduction's tiles with the drawn values in their
captions; the stack doctor speaks line by line; the first switch to Keras 3 shows what today's
export writes for the IDG settings, with the migration findings."""

from __future__ import annotations

import re
from urllib.parse import unquote

import numpy as np

from explorer.augment.config import AugmentConfig
from explorer.augment.keras3.render import random_draws, render_tiles
from explorer.interchange.export import keras_layers_code
from explorer.interchange.keras_stack import parse_stack
from explorer.ui.link import query_from_record, record_from_query
from explorer.ui.record import STARTER, PageState, with_part
from explorer.ui.stack_workspace import make_tiles
from headless_page import messages, open_tab, page_record, run_app, tile_captions

STACK = """import keras

augment = keras.Sequential([
    keras.layers.RandomFlip("horizontal"),
    keras.layers.RandomRotation(0.2),
    keras.layers.RandomBrightness(0.2),
])
"""


def test_a_link_to_a_stack_draws_its_tiles_with_the_drawn_values_and_its_doctor():
    at = run_app({"engine": "keras3", "stack": STACK, "tiles": "4", "seed": "3"})
    captions = tile_captions(at)
    assert len(captions) == 4
    assert all(re.search(r"rotation [+-]\d+\.\d°", caption) for caption in captions), captions
    assert all("brightness" in caption for caption in captions), captions
    text = messages(at)
    assert "line 5, RandomRotation" in text and "±72°" in text
    assert any("RandomRotation(factor=0.2)" in block.value for block in at.code)


def test_the_tiles_are_the_reproductions_tiles_for_the_same_draws():
    image = (np.random.default_rng(1).uniform(0, 255, (40, 60, 3))).astype(np.uint8)
    state = with_part(PageState(engine="keras3", stack_text=STACK), "preview", tiles=3, seed=7)
    stack = parse_stack(STACK).stack
    tiles, wanted = make_tiles(image, stack, state, budget_s=10)
    expected = render_tiles(image, [("", stack, draws) for draws in random_draws(stack, image.shape, 3, 7)])
    assert wanted == 3
    for shown, made in zip(tiles, expected, strict=True):
        assert np.array_equal(shown.pixels, made.pixels) and shown.caption == made.caption


def test_the_first_switch_to_keras_3_shows_todays_export_and_what_it_changes():
    at = run_app({"rotation_range": "20", "zoom_range": "0.2", "horizontal_flip": "1"})
    at.segmented_control(key="engine").set_value("keras3").run()
    assert not at.exception, at.exception
    record = page_record(at)
    assert record.engine == "keras3"
    assert (
        record.stack_text
        == keras_layers_code(AugmentConfig(rotation_range=20, zoom_range=0.2, horizontal_flip=True))[0]
    )
    text = messages(at)
    # Today's export draws what IDG draws (no migration finding), but warps twice where IDG warps once.
    assert "migration_" not in text and "IDG turned" not in text and "IDG zoomed" not in text
    assert "2 layers (RandomRotation, RandomZoom) each resample the image" in text
    at.segmented_control(key="engine").set_value("idg").run()
    assert page_record(at).engine == "idg" and page_record(at).stack_text == record.stack_text


def test_with_no_idg_setting_the_switch_starts_from_kerass_tutorial_stack():
    at = run_app()
    at.segmented_control(key="engine").set_value("keras3").run()
    assert page_record(at).stack_text == STARTER
    assert len(tile_captions(at)) == page_record(at).preview.tiles


def test_a_link_to_the_keras_3_preview_without_a_stack_opens_on_the_starting_one():
    at = run_app({"engine": "keras3"})
    assert page_record(at).stack_text == STARTER and "Not read" not in messages(at)
    assert len(tile_captions(at)) == page_record(at).preview.tiles
    at = run_app({"engine": "keras3", "rotation_range": "20"})
    assert "RandomRotation(factor=20 / 360" in page_record(at).stack_text


def test_a_pasted_stack_is_imported_into_the_keras_3_preview():
    at = run_app()
    open_tab(at, "export_tab", "Import")
    at.text_area(key="paste_text").input(STACK).run()
    at.button(key="apply_paste").click().run()
    assert not at.exception, at.exception
    assert page_record(at).engine == "keras3" and page_record(at).stack_text == STACK
    assert "Imported a Keras 3 stack of 3 layer(s)" in messages(at)


def test_a_stack_that_cannot_be_read_is_named_and_nothing_breaks():
    at = run_app({"engine": "keras3", "stack": "keras.Sequential([keras.layers.RandomRotation(20)"})
    assert "Not read:" in messages(at)
    at = run_app({"engine": "keras3", "stack": "import keras\nkeras.Sequential([keras.layers.RandomRotation(20)])\n"})
    assert "factor" in messages(at) and "r / 360" in messages(at)


def test_the_script_doctor_reads_the_stack_line_by_line_and_loads_it():
    script = STACK + "\nval_ds = val_ds.map(lambda x, y: (augment(x, training=True), y))\n"
    at = run_app({"section": "script"})
    at.text_area(key="script_text").input(script).run()
    at.button(key="check_script").click().run()
    assert not at.exception, at.exception
    text = messages(at)
    assert "line 5 · RandomRotation · `rotation_fraction_of_turn`" in text
    assert "line 9 · `validation_augmented`" in text
    at.button(key="load_stack").click().run()
    record = page_record(at)
    assert record.engine == "keras3" and record.section == "preview"
    assert parse_stack(record.stack_text).stack == parse_stack(STACK).stack


def test_extremes_and_tint_work_for_a_stack():
    at = run_app({"engine": "keras3", "stack": STACK, "view": "extremes", "tint": "1"})
    captions = tile_captions(at)
    assert captions[0].startswith("RandomFlip on: flip left-right"), captions
    assert any(c.startswith("RandomRotation low: rotation -7") for c in captions), captions
    assert any(c.startswith("RandomRotation high: rotation +7") for c in captions), captions


def test_the_link_carries_the_engine_and_the_stack():
    state = PageState(engine="keras3", stack_text=STACK)
    query = query_from_record(state)
    assert query["engine"] == "keras3" and unquote(query["stack"]) == STACK
    back, problems = record_from_query(query)
    assert problems == [] and back.engine == "keras3" and back.stack_text == STACK
    _, problems = record_from_query({"engine": "keras3", "stack": "x" * 7000})
    assert any("stack" in problem and "longer than" in problem for problem in problems)


# -- training the stack (item 4) and the migration check (item 5) ------------------------------


def test_train_submits_the_previews_stack_where_its_layers_run(submitted):
    from explorer.experiments.records.spec import AUGMENTED, BASELINE, COMPARE
    from explorer.experiments.records.stack_arm import IN_MAP, StackArm

    at = run_app({"engine": "keras3", "stack": STACK, "section": "train"})
    assert any("RandomRotation(factor=0.2)" in block.value for block in at.code)
    at.radio(key="train_placement").set_value(IN_MAP).run()
    at.button(key="train").click().run()
    assert not at.exception, at.exception
    (spec,) = submitted
    assert (spec.mode, list(spec.arms)) == (COMPARE, [BASELINE, AUGMENTED])
    assert spec.stacks[AUGMENTED] == StackArm(parse_stack(STACK).stack, IN_MAP) == spec.stack
    assert page_record(at).train.placement == IN_MAP
    assert dict(at.query_params)["placement"] in ("map", ["map"])  # the link keeps it


def test_the_migration_check_pairs_the_idg_settings_with_the_stack(submitted):
    from explorer.experiments.records.spec import IDG_ARM, MIGRATION, STACK_ARM

    at = run_app({"engine": "keras3", "stack": STACK, "section": "train", "rotation_range": "20"})
    assert "Migration check: your IDG settings vs your Keras 3 stack" in at.radio(key="train_mode").options
    at.radio(key="train_mode").set_value(MIGRATION).run()
    assert any("ImageDataGenerator(rotation_range=20" in block.value for block in at.code)
    assert any("IDGAugmentation(" in block.value for block in at.code)
    said = "\n".join(block.value for block in at.markdown)
    assert "Side by side, before any training" in said and "rotation" in said
    assert re.search(r"The mean images differ by [\d.]+ grey levels", said), said
    at.button(key="train").click().run()
    assert not at.exception, at.exception
    (spec,) = submitted
    assert spec.mode == MIGRATION and spec.arms[IDG_ARM] == AugmentConfig(rotation_range=20)
    assert spec.stacks[STACK_ARM].stack == parse_stack(STACK).stack


def test_a_migration_check_from_the_idg_preview_trains_the_stack_todays_export_writes(submitted):
    from explorer.experiments.records.spec import IDG_ARM, MIGRATION, STACK_ARM

    at = run_app({"section": "train", "rotation_range": "20", "zoom_range": "0.2", "mode": MIGRATION})
    assert page_record(at).engine == "idg"
    assert "today's export writes for your settings" in "\n".join(block.value for block in at.markdown)
    at.button(key="train").click().run()
    assert not at.exception, at.exception
    (spec,) = submitted
    config = AugmentConfig(rotation_range=20, zoom_range=0.2)
    assert spec.arms[IDG_ARM] == config
    assert spec.stacks[STACK_ARM].stack == parse_stack(keras_layers_code(config)[0]).stack


def test_a_stack_that_draws_nothing_cannot_be_trained():
    at = run_app({"engine": "keras3", "stack": "[layers.Rescaling(1 / 255)]", "section": "train"})
    assert at.button(key="train").disabled
    assert "every arm would train the same model" in messages(at)
