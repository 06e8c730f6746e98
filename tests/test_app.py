"""The explorer page, run headless with AppTest: controls, preview, uploads, doctor, export,
import, presets and the URL."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from explorer import AugmentConfig
from explorer.augment.config import FILL_MODES
from explorer.ui.page import load_sample_images
from explorer.ui.record import EXPORTS, SECTIONS, config_from_widgets, widget_values
from headless_page import (
    ROOT,
    messages,
    open_tab,
    png,
    preset_box,
    run_app,
    run_train_section,
    tile_captions,
    verdict_boxes,
)

SLIDERS = (
    "rotation_range",
    "width_shift_range",
    "height_shift_range",
    "shear_range",
    "zoom_range",
    "brightness_range",
    "tiles",
)
NUMBERS = ("channel_shift_range", "cval", "rescale", "seed")
CHECKBOXES = ("horizontal_flip", "vertical_flip", "samplewise_center", "samplewise_std_normalization", "tint_fill")
RADIOS = ("interpolation_order", "input_range", "view", "image_source")
SELECTBOXES = ("fill_mode", "sample")


def test_every_control_exists_under_its_idg_keyword():
    at = run_app()
    for key in SLIDERS:
        at.slider(key=key)
    for key in NUMBERS:
        at.number_input(key=key)
    for key in CHECKBOXES:
        at.checkbox(key=key)
    for key in RADIOS:
        at.radio(key=key)
    for key in SELECTBOXES:
        at.selectbox(key=key)
    assert at.selectbox(key="fill_mode").options == list(FILL_MODES)  # every mode SciPy (and so IDG) takes
    assert at.selectbox(key="sample").value == "coffee.jpg"
    assert len(tile_captions(at)) == 9


def test_moving_a_slider_changes_the_tiles():
    at = run_app()
    before = tile_captions(at)
    assert all(caption.endswith("fill 0%") for caption in before)  # the defaults do nothing
    at.slider(key="rotation_range").set_value(40.0).run()
    after = tile_captions(at)
    assert not at.exception and after != before
    assert all(re.match(r"rot [+-]\d+\.\d°", caption) for caption in after)
    at.slider(key="tiles").set_value(4).run()
    assert len(tile_captions(at)) == 4


def test_new_samples_draws_again():
    at = run_app({"rotation_range": "30"})
    before = tile_captions(at)
    [button for button in at.button if button.label == "New samples"][0].click().run()
    assert at.number_input(key="seed").value == 1 and tile_captions(at) != before


def test_uploads_preview_and_a_rejected_file_says_why():
    at = run_app()
    at.radio(key="image_source").set_value("upload").run()
    at.file_uploader(key="uploads").set_value(
        [("notes.png", b"<!DOCTYPE html><html></html>", "image/png"), ("red.png", png(), "image/png")]
    ).run()
    assert not at.exception
    assert [error.value for error in at.error] == ["notes.png is an HTML file, not an image"]
    assert at.selectbox(key="upload_choice").value == "red.png"
    assert tile_captions(at) and at.image[0].captions[0].startswith("Original: red.png")


def test_demo_dataset_images_are_a_source():
    at = run_app()
    at.radio(key="image_source").set_value("demo").run()
    assert not at.exception
    assert at.image[0].captions[0].startswith("Original: digits #0 (class 0)")


@pytest.mark.parametrize("name", ["over-augmentation", "measured", "lighting"])
def test_presets_set_the_controls(name):
    at = run_app()
    preset_box(at).set_value(name).run()
    assert not at.exception
    from explorer.augment.presets import preset

    expected = widget_values(preset(name))
    for key in ("rotation_range", "width_shift_range", "zoom_range", "brightness_range"):
        assert at.slider(key=key).value == pytest.approx(expected[key]), key
    assert at.number_input(key="channel_shift_range").value == pytest.approx(expected["channel_shift_range"])
    assert at.number_input(key="rescale").value == pytest.approx(expected["rescale"])


def test_the_doctor_explains_the_articles_third_example():
    at = run_app()
    preset_box(at).set_value("lighting").run()
    text = messages(at)
    assert "channel_shift_range=0.1" in text and "Fix:" in text
    at.radio(key="input_range").set_value("0-1").run()
    text = messages(at)
    assert "black" in text  # brightness on 0..1 data
    tiles_black = all("bright" in caption for caption in tile_captions(at))
    assert tiles_black


def test_pasting_code_sets_the_controls():
    at = open_tab(run_app(), "export_tab", "Import")
    at.text_area(key="paste_text").input(
        "from tensorflow.keras.preprocessing.image import ImageDataGenerator\n"
        "datagen = ImageDataGenerator(rotation_range=25, zoom_range=[0.9, 1.3], vertical_flip=True,\n"
        "                             width_shift_range=4, fill_mode='reflect')\n"
    ).run()
    at.button(key="apply_paste").click().run()
    assert not at.exception
    assert at.slider(key="rotation_range").value == 25
    assert at.slider(key="zoom_range").value == pytest.approx((0.9, 1.3))
    assert at.checkbox(key="vertical_flip").value is True
    assert at.selectbox(key="fill_mode").value == "reflect"
    assert "width_shift_range=4" in messages(at) + "".join(c.value for c in at.caption)
    code = open_tab(at, "export_tab", "ImageDataGenerator").code[0].value
    assert "width_shift_range=4" in code  # the int pixel range is kept, not rounded to a slider


@pytest.mark.parametrize(
    "code",
    [
        "ImageDataGenerator(rotation_range=__import__('os').system('touch /tmp/explorer_pwned'))",
        "ImageDataGenerator(rotation_range=os.environ)",
        "ImageDataGenerator(**settings)",
        "import os; os.system('touch /tmp/explorer_pwned')",
        "{" * 5000,
    ],
)
def test_hostile_pasted_code_is_refused_and_nothing_changes(code):
    Path("/tmp/explorer_pwned").unlink(missing_ok=True)
    at = open_tab(run_app(), "export_tab", "Import")
    at.text_area(key="paste_text").input(code).run()
    at.button(key="apply_paste").click().run()
    assert not at.exception
    assert at.error and at.slider(key="rotation_range").value == 0
    assert not Path("/tmp/explorer_pwned").exists()


def test_the_url_holds_the_config_and_restores_it():
    at = run_app()
    preset_box(at).set_value("over-augmentation").run()
    query = dict(at.query_params)
    assert query["rotation_range"] == "40.0" and query["zoom_range"] == "0.2"
    restored = run_app(query)
    assert restored.slider(key="rotation_range").value == 40
    assert restored.slider(key="zoom_range").value == pytest.approx((0.8, 1.2))
    assert tile_captions(restored) == tile_captions(at)


def test_garbage_in_the_url_keeps_defaults_with_a_message():
    at = run_app({"rotation_range": "nan", "zoom_range": "lots", "fill_mode": "<script>", "seed": "x"})
    assert not at.exception
    assert at.slider(key="rotation_range").value == 0 and at.selectbox(key="fill_mode").value == "nearest"
    text = messages(at)
    assert "rotation_range" in text and "zoom_range" in text and "fill_mode" in text


def test_extremes_view_shows_each_setting_at_both_ends():
    at = run_app({"rotation_range": "30", "horizontal_flip": "1"})
    at.radio(key="view").set_value("extremes").run()
    assert not at.exception
    assert [c.split(":")[0] for c in tile_captions(at)] == ["rotation -30°", "rotation +30°", "horizontal flip"]


def test_export_shows_idg_code_keras_layers_and_json():
    at = run_app({"rotation_range": "10", "horizontal_flip": "1"})
    assert len(at.code) == 1  # only the chosen export is drawn
    codes = [block.value for tab in EXPORTS for block in open_tab(at, "export_tab", tab).code]
    assert any("ImageDataGenerator(" in code and "rotation_range=10" in code for code in codes)
    assert any("RandomRotation" in code for code in codes)
    assert any('"rotation_range": 10' in code for code in codes)
    assert any("IDGAugmentation(" in code and "rotation_range=10" in code for code in codes)  # Keras 3, exact


def test_widget_values_and_config_round_trip():
    for config in (
        AugmentConfig(),
        AugmentConfig(
            rotation_range=40, zoom_range=0.2, brightness_range=[0.8, 1.2], rescale=1 / 255, width_shift_range=0.1
        ),
    ):
        assert config_from_widgets(widget_values(config), {}) == config


def test_load_sample_images(tmp_path):
    Image.new("L", (10, 8), 200).save(tmp_path / "grey.png")
    Image.new("RGB", (12, 9), (1, 2, 3)).save(tmp_path / "b.JPEG")
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "fake.png").write_text("<html>not an image</html>")
    images = load_sample_images(tmp_path)
    assert list(images) == ["b.JPEG", "grey.png"]  # the fake is left out, the text ignored
    grey = images["grey.png"]
    assert grey.pixels.shape == (8, 10, 1) and grey.pixels.dtype == np.uint8 and grey.original_size == (8, 10)
    shipped = load_sample_images()
    assert shipped["coffee.jpg"].pixels.shape == (200, 300, 3)
    assert 4 <= len(shipped) <= 8 and any(image.pixels.shape[-1] == 1 for image in shipped.values())


def test_run_history_shows_each_runs_settings_and_verdict(tmp_path, monkeypatch):
    """Runs written by the previous version, an ablation among them: each history entry shows
    its settings as IDG code and its own verdict (an ablation's finding, not "No paired
    results yet.")."""
    shutil.copytree(ROOT / "tests" / "fixtures" / "legacy_runs", tmp_path, dirs_exist_ok=True)
    monkeypatch.setenv("AUGMENT_RUNS_DIR", str(tmp_path))
    monkeypatch.setenv("AUGMENT_SHARED_HISTORY", "1")  # runs from before owners: shown with shared history
    at = run_train_section()
    labels = [expander.label for expander in at.expander]
    ablation = next(label for label in labels if "ablation: " in label)
    compare = next(label for label in labels if "compare: " in label)
    # the ablation's finding as this version words it (analysed again from the saved arms), as its body shows it
    assert "ablation: Together they cost 0.7 points" in ablation and "No detectable difference" in compare
    assert "No paired results yet" not in " ".join(labels)
    # the export tab shows the page's (default) config; each of the two runs shows its own
    runs = [block.value for block in at.code if "rotation_range=20" in block.value]
    assert len(runs) == 2 and all("horizontal_flip=True" in code and "rescale=1 / 255" in code for code in runs)
    assert any("setting" in frame.value and frame.value["setting"].tolist() for frame in at.dataframe)  # ranked effects


def test_a_finished_comparison_shows_its_verdict_by_code_per_class_effects_and_add_seeds(tmp_path, monkeypatch):
    from explorer.experiments.analysis.verdict import summarize
    from explorer.experiments.runs.folders import load_run, write_json

    shutil.copytree(ROOT / "tests" / "fixtures" / "legacy_runs" / "20261202-050000-c0ffee", tmp_path / "run1")
    run = load_run(tmp_path / "run1")
    run.result.summary = summarize(run.result)  # today's estimator, with per-class effects
    write_json(tmp_path / "run1" / "result.json", run.result.to_json())
    monkeypatch.setenv("AUGMENT_RUNS_DIR", str(tmp_path))
    monkeypatch.setenv("AUGMENT_SHARED_HISTORY", "1")  # runs from before owners: shown with shared history
    at = run_train_section()
    code = run.result.summary.verdict_code
    tone = {"hurt": at.error, "likely_hurt": at.warning, "helped": at.success}.get(code, at.info)
    assert any(box.value == f"Finished: {run.result.summary.verdict}" for box in tone), (code, messages(at))
    assert any("mean validation accuracy over the last 3 epochs" in caption.value for caption in at.caption)
    classes = next(frame.value for frame in at.dataframe if "class" in frame.value)
    assert set(classes["class"]) == {"circle", "square", "triangle", "plus"}
    from explorer.experiments.analysis.ablation import CHANGE_HEADING

    # Each class's change with the interval its flag uses: widened for the 4 classes at once.
    assert classes[CHANGE_HEADING].str.contains("family-wise 98.8% CI").all(), list(classes[CHANGE_HEADING])
    assert at.button(key="add_seeds_history_run1").label == "Add seeds"


def test_the_train_panel_defaults_are_the_command_lines():
    from explorer.experiments.records.spec import TrainSettings

    at = run_train_section()
    defaults = TrainSettings()
    assert at.number_input(key="train_epochs").value == defaults.epochs
    assert at.number_input(key="train_seeds").value == len(defaults.seeds)
    assert at.number_input(key="train_image_size").value == defaults.image_size
    assert at.selectbox(key="train_dataset").value == "digits"


@pytest.mark.slow
def test_clicking_train_runs_a_comparison_and_shows_the_verdict(tmp_path, monkeypatch):
    import time

    monkeypatch.setenv("AUGMENT_RUNS_DIR", str(tmp_path / "runs"))
    at = run_app()
    preset_box(at).set_value("over-augmentation").run()
    open_tab(at, "section", SECTIONS["train"])  # the preset's config goes with it
    at.selectbox(key="train_dataset").set_value("shapes")
    at.number_input(key="train_epochs").set_value(1)
    at.number_input(key="train_seeds").set_value(2)
    at.number_input(key="train_image_size").set_value(16).run()
    at.button(key="train").click().run()
    assert not at.exception
    deadline = time.time() + 180
    while time.time() < deadline and not verdict_boxes(at):
        time.sleep(1)
        at.run()
        assert not at.exception
    verdicts = verdict_boxes(at)
    assert verdicts, messages(at)
    # the colour follows the verdict's code: a drop is never green
    code = json.loads(next((tmp_path / "runs").glob("*/result.json")).read_text())["summary"]["verdict_code"]
    tone = {"hurt": "error", "likely_hurt": "warning", "helped": "success"}.get(code, "info")
    assert any(box.value.startswith("Finished:") for box in getattr(at, tone)), (code, messages(at))
    assert any("mean validation accuracy over the last 3 epochs" in caption.value for caption in at.caption)
    assert at.button(key=[b.key for b in at.button if b.key and b.key.startswith("add_seeds_current_")][0])
    assert any(image.value for image in at.image)  # the figure
    assert (tmp_path / "runs").is_dir() and len(list((tmp_path / "runs").glob("*/result.json"))) == 1
    assert any("shapes" in expander.label for expander in at.expander)  # listed in the history


@pytest.mark.slow
def test_an_ablation_from_the_page_ranks_the_settings_and_offers_the_report(tmp_path, monkeypatch):
    import time

    monkeypatch.setenv("AUGMENT_RUNS_DIR", str(tmp_path / "runs"))
    at = run_train_section({"rotation_range": "20", "horizontal_flip": "1"})
    at.selectbox(key="train_dataset").set_value("shapes")
    at.radio(key="train_mode").set_value("ablation")
    at.number_input(key="train_epochs").set_value(1)
    at.number_input(key="train_seeds").set_value(2)
    at.number_input(key="train_image_size").set_value(16).run()
    at.button(key="train").click().run()
    deadline = time.time() + 240
    while time.time() < deadline and not verdict_boxes(at):
        time.sleep(1)
        at.run()
        assert not at.exception
    assert verdict_boxes(at), messages(at)
    table = at.dataframe[0].value
    assert set(table["setting"]) == {"rotation_range", "horizontal_flip"}
    assert list((tmp_path / "runs").glob("*/report.html"))
