"""The page as a newcomer meets it (AppTest): guidance on first load, the preset box that
says what the controls show, real image sizes, and the whole state in the link."""

from __future__ import annotations

from explorer.ui.record import SECTIONS
from headless_page import ROOT, messages, open_tab, page_record, png, preset_box, run_app, verdict_boxes


def test_first_load_says_what_to_do_and_so_does_the_empty_doctor():
    at = run_app()
    text = messages(at)
    assert "pick a preset" in text.lower() and "paste your ImageDataGenerator line" in text
    assert "upload" in text.lower() and "move a slider" in text.lower()
    assert "The doctor has nothing to say" not in text
    assert any("Nothing to diagnose yet" in box.value for box in at.info)
    at.slider(key="rotation_range").set_value(20.0).run()
    assert "pick a preset" not in messages(at).lower()  # once something is set, the guidance goes


def test_the_preset_box_says_custom_once_a_setting_is_changed():
    at = run_app()
    assert preset_box(at).value == "none"
    preset_box(at).set_value("lighting").run()
    assert preset_box(at).value == "lighting"
    at.slider(key="rotation_range").set_value(5.0).run()
    assert preset_box(at).value == "custom"
    at.slider(key="rotation_range").set_value(0.0).run()
    assert preset_box(at).value == "lighting"  # back to exactly the preset


def test_the_preset_box_names_the_preset_a_link_matches():
    at = run_app(
        {
            "rotation_range": "40.0",
            "width_shift_range": "0.2",
            "height_shift_range": "0.2",
            "shear_range": "0.2",
            "zoom_range": "0.2",
            "horizontal_flip": "1",
        }
    )
    assert preset_box(at).value == "over-augmentation"
    assert preset_box(run_app({"rotation_range": "41.0"})).value == "custom"


def test_choosing_custom_changes_nothing():
    at = run_app({"rotation_range": "41.0"})
    preset_box(at).set_value("custom").run()
    assert at.slider(key="rotation_range").value == 41.0


def _upload(at, size, name="big.png"):

    at.radio(key="image_source").set_value("upload").run()
    at.file_uploader(key="uploads").set_value([(name, png(size), "image/png")]).run()
    assert not at.exception


def test_captions_and_the_doctor_give_real_sizes_and_the_training_size_is_the_users():
    at = run_app({"width_shift_range": "0.15"})
    _upload(at, (1200, 900))
    assert at.image[0].captions[0] == "Original: big.png (1200 x 900; previewed at 512 x 384)"
    assert "±180 px" in messages(at) and "76.8" not in messages(at)  # 0.15 of the file's 1200 px, not the preview's
    at.text_input(key="training_size").set_value("224 x 224").run()
    assert "±33.6 px" in messages(at)
    assert "training_size=224+x+224" in _link(at) or "training_size=224 x 224" in _link(at)
    at.text_input(key="training_size").set_value("huge").run()
    assert "'huge' is not a size" in messages(at) and "±180 px" in messages(at)


def test_the_preview_scale_is_noted_where_pixels_are_given():
    at = run_app({"width_shift_range": "20"})  # an int: whole pixels
    _upload(at, (1200, 900))
    notes = [caption.value for caption in at.caption if "times your training size" in caption.value]
    assert len(notes) == 1 and "0.427 times" in notes[0] and "2.34 times further" in notes[0], notes
    at = run_app({"width_shift_range": "0.2"})  # a fraction looks the same at any size
    _upload(at, (1200, 900))
    assert not [caption.value for caption in at.caption if "times your training size" in caption.value]


def _link(at) -> str:
    return "&".join(f"{key}={value}" for key, value in at.query_params.items())


def test_the_link_carries_the_whole_page():
    at = run_app()
    at.radio(key="image_source").set_value("demo").run()
    at.selectbox(key="demo").set_value("shapes").run()
    at.number_input(key="demo_index").set_value(3).run()
    preset_box(at).set_value("lighting").run()
    at.checkbox(key="tint_fill").check().run()
    at.radio(key="view").set_value("extremes").run()
    open_tab(at, "section", SECTIONS["train"])
    at.selectbox(key="train_dataset").set_value("shapes").run()
    at.radio(key="train_mode").set_value("ablation").run()
    at.checkbox(key="train_loo").uncheck().run()  # leave-one-out is on by default
    at.number_input(key="train_epochs").set_value(5).run()
    at.number_input(key="train_learning_rate").set_value(0.01).run()
    query = {key: (value[-1] if isinstance(value, list) else value) for key, value in at.query_params.items()}
    expected = {
        "source": "demo",
        "demo": "shapes",
        "demo_index": "3",
        "preset": "lighting",
        "tint": "1",
        "view": "extremes",
        "dataset": "shapes",
        "mode": "ablation",
        "loo": "0",
        "epochs": "5",
        "lr": "0.01",
        "section": "train",
    }
    assert expected.items() <= query.items(), query
    again = run_app(query)  # a reload, or the link sent to a colleague: on the train section
    assert again.selectbox(key="train_dataset").value == "shapes" and again.radio(key="train_mode").value == "ablation"
    assert not again.checkbox(key="train_loo").value and again.number_input(key="train_epochs").value == 5
    assert again.number_input(key="train_learning_rate").value == 0.01
    open_tab(again, "section", SECTIONS["preview"])
    assert again.radio(key="image_source").value == "demo"
    assert again.image[0].captions[0].startswith("Original: shapes #3")
    assert preset_box(again).value == "lighting" and again.checkbox(key="tint_fill").value
    assert again.radio(key="view").value == "extremes"
    assert not [warning.value for warning in again.warning if "Ignored" in warning.value]
    assert "epochs" in again.query_params and "section" not in again.query_params  # the default section


def test_a_preset_named_alone_in_a_link_is_applied():
    at = run_app({"preset": "over-augmentation"})
    assert at.slider(key="rotation_range").value == 40.0 and preset_box(at).value == "over-augmentation"


def test_bad_page_values_in_a_link_are_named_and_their_defaults_kept():
    at = run_app(
        {
            "source": "ftp",
            "epochs": "9999",
            "view": "sideways",
            "lr": "nan",
            "run": "../../etc",
            "sample": "../secret.png",
            "preset": "best",
            "section": "kitchen",
        }
    )
    text = messages(at)
    for name in ("source", "epochs", "view", "lr", "run", "preset", "section"):
        assert f"Ignored {name}=" in text, name
    assert "no sample called '../secret.png'" in text
    assert at.radio(key="image_source").value == "samples" and at.selectbox(key="sample").value == "coffee.jpg"
    assert at.radio(key="view").value == "draws"
    assert open_tab(at, "section", SECTIONS["train"]).number_input(key="train_epochs").value == 8


def test_a_link_to_an_upload_says_to_upload_again():
    at = run_app({"source": "upload"})
    assert "uploads are not kept in links" in messages(at)


def test_the_link_names_the_run_shown_and_a_reload_shows_it_in_the_train_panel(tmp_path, monkeypatch):
    import shutil

    run_id = "20261202-050000-c0ffee"
    shutil.copytree(ROOT / "tests" / "fixtures" / "legacy_runs" / run_id, tmp_path / run_id)
    monkeypatch.setenv("AUGMENT_RUNS_DIR", str(tmp_path))
    monkeypatch.setenv("AUGMENT_SHARED_HISTORY", "1")  # runs from before owners: shown with shared history
    at = run_app({"run": run_id})
    assert at.query_params["run"] in (run_id, [run_id])
    current = [box for box in verdict_boxes(at)]
    assert len(current) >= 2  # the train panel's current run, and its entry in the history


def test_an_ended_run_is_drawn_once_without_a_refresh_timer(tmp_path, monkeypatch):
    """A 2 s timer left running after a run has ended reran the page during slider moves."""
    import shutil

    from explorer.ui import progress

    run_id = "20261202-050000-c0ffee"
    shutil.copytree(ROOT / "tests" / "fixtures" / "legacy_runs" / run_id, tmp_path / run_id)
    monkeypatch.setenv("AUGMENT_RUNS_DIR", str(tmp_path))
    monkeypatch.setenv("AUGMENT_SHARED_HISTORY", "1")  # runs from before owners: shown with shared history
    timers = []
    monkeypatch.setattr(progress, "_active_status", lambda jobs: timers.append(jobs))
    at = run_app({"run": run_id})
    assert timers == [] and len(verdict_boxes(at)) >= 2


def _drawn(at) -> set[str]:
    return {widget.key for group in (at.slider, at.number_input, at.text_area, at.selectbox) for widget in group}


def test_only_the_open_section_is_drawn_and_each_keeps_its_values_while_closed():
    at = run_app()
    assert "rotation_range" in _drawn(at) and not {"train_epochs", "script_text"} & _drawn(at)
    assert len(at.code) == 1  # of the export's tabs, only the open one
    at.slider(key="rotation_range").set_value(25.0).run()
    open_tab(at, "section", SECTIONS["train"])
    assert "train_epochs" in _drawn(at) and not {"rotation_range", "script_text"} & _drawn(at)
    assert at.query_params["rotation_range"] in ("25.0", ["25.0"])  # the link keeps the closed preview's config
    at.number_input(key="train_epochs").set_value(3).run()
    open_tab(at, "section", SECTIONS["script"]).text_area(key="script_text").input("datagen = 1").run()
    assert open_tab(at, "section", SECTIONS["preview"]).slider(key="rotation_range").value == 25.0
    assert open_tab(at, "section", SECTIONS["train"]).number_input(key="train_epochs").value == 3
    assert open_tab(at, "section", SECTIONS["script"]).text_area(key="script_text").value == "datagen = 1"


def test_a_link_to_a_run_opens_the_train_section(tmp_path, monkeypatch):
    import shutil

    run_id = "20261202-050000-c0ffee"
    shutil.copytree(ROOT / "tests" / "fixtures" / "legacy_runs" / run_id, tmp_path / run_id)
    monkeypatch.setenv("AUGMENT_RUNS_DIR", str(tmp_path))
    monkeypatch.setenv("AUGMENT_SHARED_HISTORY", "1")
    assert page_record(run_app({"run": run_id})).section == "train"
    assert page_record(run_app({"run": run_id, "section": "preview"})).section == "preview"


def test_a_link_to_slow_settings_draws_what_fits_the_budget_and_says_how_many(monkeypatch):
    """interpolation_order=5 with fill_mode=mirror goes through SciPy: at 36 tiles one rerun
    would take seconds. With a 1 ms budget the page draws one tile and says why; the doctor
    still reads every draw."""
    monkeypatch.setenv("AUGMENT_PREVIEW_BUDGET_MS", "1")
    at = run_app({"rotation_range": "30", "interpolation_order": "5", "fill_mode": "mirror", "tiles": "36"})
    tiles = [caption for image in at.image for caption in image.captions][1:]
    assert len(tiles) == 1, tiles
    said = " ".join(caption.value for caption in at.caption)
    assert "Showing 1 of 36 tiles" in said and "SciPy" in said


def test_the_default_budget_draws_every_tile_of_the_default_grid(monkeypatch):
    """The default budget (400 ms a rerun) is far above what the 3x3 grid costs (about 25 ms
    on 2 cores), so nothing is cut and nothing says so."""
    monkeypatch.delenv("AUGMENT_PREVIEW_BUDGET_MS")
    at = run_app({"preset": "over-augmentation"})
    assert len([caption for image in at.image for caption in image.captions]) == 1 + 9
    assert not any("Showing" in caption.value for caption in at.caption)
