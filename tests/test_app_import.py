"""Taking the user's real code on the page (AppTest, no browser): configs IDG accepts but no
control position shows are imported as they are and explained, other IDG arguments are set
aside with why, and a whole script goes to the script doctor, whose calls load in one click."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer import AugmentConfig
from explorer.ui.record import SECTIONS, config_from_widgets, kept_values, widget_values
from headless_page import open_tab, page_record

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "tests" / "scripts"
ISSUE_LINES = (
    "ImageDataGenerator(rotation_range=20, width_shift_range=[-2, 0, 2], zoom_range=[0.9, 1.1], horizontal_flip=True)",
    "ImageDataGenerator(rescale=1./255, rotation_range=40, zoom_range=1.5)",
)


def run_app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    return at


def paste(at: AppTest, text: str) -> AppTest:
    open_tab(at, "export_tab", "Import")
    at.text_area(key="paste_text").input(text).run()
    at.button(key="apply_paste").click().run()
    assert not at.exception, at.exception
    return at


def page_text(at: AppTest) -> str:
    groups = (at.error, at.warning, at.info, at.success, at.caption, at.markdown)
    return "\n".join(element.value for group in groups for element in group)


def exported_idg_code(at: AppTest) -> str:
    code = open_tab(at, "export_tab", "ImageDataGenerator").code
    return next(block.value for block in code if "ImageDataGenerator(" in block.value)


def test_the_issues_first_line_imports_with_its_list_shift_explained():
    at = paste(run_app(), ISSUE_LINES[0])
    assert at.slider(key="rotation_range").value == 20
    assert at.slider(key="zoom_range").value == pytest.approx((0.9, 1.1))
    assert at.checkbox(key="horizontal_flip").value is True
    assert at.slider(key="width_shift_range").disabled  # a list has no slider position: kept as imported
    text = page_text(at)
    assert "`width_shift_range=[-2, 0, 2]` as imported" in text
    assert "moves of exactly 0, ±2 px, never anything in between" in text  # the doctor's list_shift
    assert "width_shift_range=[-2, 0, 2]" in exported_idg_code(at)


def test_the_issues_second_line_imports_with_its_mirroring_zoom_explained():
    at = paste(run_app(), ISSUE_LINES[1])
    assert at.slider(key="rotation_range").value == 40
    assert at.number_input(key="rescale").value == pytest.approx(1 / 255)
    assert at.slider(key="zoom_range").disabled
    text = page_text(at)
    assert "`zoom_range=1.5` as imported" in text
    assert "zoom factors from -0.5 to 2.5" in text and "mirrored" in text
    assert "zoom_range=1.5" in exported_idg_code(at)


def test_a_kept_setting_gives_way_to_its_control_on_request():
    at = paste(run_app(), "ImageDataGenerator(rotation_range=-30, shear_range=90)")
    assert at.slider(key="rotation_range").disabled and at.slider(key="shear_range").disabled
    assert "rotation_range=-30" in exported_idg_code(at)
    at.button(key="release_rotation_range").click().run()
    assert not at.slider(key="rotation_range").disabled
    assert "rotation_range" not in exported_idg_code(at) and "shear_range=90" in exported_idg_code(at)


def test_arguments_the_preview_does_not_model_are_named_after_import():
    at = paste(
        run_app(),
        "ImageDataGenerator(rotation_range=15, featurewise_center=True, preprocessing_function=preprocess_input)",
    )
    assert at.slider(key="rotation_range").value == 15
    [message] = [box.value for box in at.success if box.value.startswith("Imported")]
    assert "`featurewise_center=True`: it needs statistics from datagen.fit()" in message
    assert "`preprocessing_function=preprocess_input`: it is code" in message


def test_a_whole_script_goes_to_the_script_doctor_and_each_call_loads():
    script = (SCRIPTS / "validation_split_subset.py").read_text()
    at = paste(run_app(), script + "\nextra = ImageDataGenerator(rotation_range=5)\n")
    assert page_record(at).section == "script"  # the script doctor opened on it
    text = page_text(at)
    assert "found 2 ImageDataGenerator calls" in text and "validation_augmented" in text
    assert at.text_area(key="script_text").value.startswith(script[:40])
    at.button(key="load_call_1").click().run()
    assert not at.exception
    assert page_record(at).section == "preview"  # where the loaded call shows
    assert at.slider(key="rotation_range").value == 5
    assert "Loaded extra" in page_text(at)
    open_tab(at, "section", SECTIONS["script"]).button(key="load_call_0").click().run()
    assert at.slider(key="rotation_range").value == 30 and at.checkbox(key="horizontal_flip").value is True


def test_the_script_doctor_reads_a_pasted_script_and_names_unreadable_input():
    at = open_tab(run_app(), "section", SECTIONS["script"])
    at.text_area(key="script_text").input((SCRIPTS / "rescale_and_preprocess_input.py").read_text()).run()
    at.button(key="check_script").click().run()
    assert "rescale_and_preprocess_input" in page_text(at)
    at.text_area(key="script_text").input("def broken(:\n").run()
    at.button(key="check_script").click().run()
    assert not at.exception
    assert any("not valid Python" in box.value and "line 1" in box.value for box in at.error)


@pytest.mark.parametrize(
    "config",
    [
        AugmentConfig(width_shift_range=[-2, 0, 2], height_shift_range=4, zoom_range=1.5),
        AugmentConfig(rotation_range=-30, shear_range=90, zoom_range=[1.2, 0.8], brightness_range=[1.0, 1.0]),
        AugmentConfig(brightness_range=[0, 2], channel_shift_range=-300, cval=-1, rescale=0),
        AugmentConfig(rotation_range=10, fill_mode="grid-wrap", interpolation_order=3, rescale=255),
        AugmentConfig(fill_mode="anything", interpolation_order=9),  # nothing warps: IDG never reads them
        AugmentConfig(zoom_range=[0.05, 1.0], width_shift_range=-0.2),
    ],
)
def test_settings_no_control_shows_are_kept_as_they_are(config):
    kept = kept_values(config)
    assert kept  # each config has at least one such setting
    assert config_from_widgets(widget_values(config), kept) == config


def test_settings_the_controls_show_are_not_kept():
    for config in (
        AugmentConfig(),
        AugmentConfig(
            rotation_range=40,
            zoom_range=0.2,
            brightness_range=[0.8, 1.2],
            rescale=1 / 255,
            width_shift_range=0.1,
            interpolation_order=3,
            fill_mode="mirror",
            channel_shift_range=20,
            cval=128,
        ),
    ):
        assert kept_values(config) == {}
        assert config_from_widgets(widget_values(config), {}) == config


def test_one_pasted_call_inside_a_script_imports_and_the_scripts_own_mistakes_are_shown():
    script = (SCRIPTS / "validation_split_subset.py").read_text()
    at = paste(run_app(), script)
    assert at.slider(key="rotation_range").value == 30
    [message] = [box.value for box in at.success if box.value.startswith("Imported")]
    assert "1 mistake of its own" in message and "`validation_split=0.2`" in message
    assert "validation_augmented" in page_text(open_tab(at, "section", SECTIONS["script"]))
