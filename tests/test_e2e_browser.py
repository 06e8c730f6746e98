"""End to end in a real headless Chromium against `streamlit run app.py`.

Each test saves a screenshot when it fails (under $E2E_SCREENSHOTS, default the pytest tmp
folder); with E2E_README_SCREENSHOTS=folder, the main views are saved there for the README.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from browser import (
    ROOT,
    TILE_IMAGES,
    chromium_page,
    chromium_path,
    first_tile_src,
    press_slider,
    streamlit_server,
    wait_for_new_tile,
)

pytestmark = pytest.mark.slow

if chromium_path() is None:
    if os.environ.get("CI"):
        raise RuntimeError("CI needs chromium for the end-to-end tests: apt-get install -y chromium")
    pytest.skip("no chromium here (CI installs it)", allow_module_level=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")
    with streamlit_server(ROOT / "app.py", env={"AUGMENT_RUNS_DIR": str(runs)}) as url:
        yield url


@pytest.fixture
def page(request, tmp_path):
    with chromium_page() as page:
        yield page
        if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
            folder = Path(os.environ.get("E2E_SCREENSHOTS", tmp_path))
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(folder / f"{request.node.name}.png"), full_page=True)


def _readme_shot(page, name: str) -> None:
    folder = os.environ.get("E2E_README_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        time.sleep(1.5)  # tables draw into a canvas a moment after they arrive
        page.screenshot(path=str(Path(folder) / f"{name}.jpg"), type="jpeg", quality=70)


def choose(page, key: str, option: str) -> None:
    """Pick an option of a selectbox found by its widget key."""
    box = page.locator(f".st-key-{key} [role=combobox]")
    box.scroll_into_view_if_needed()
    for _ in range(3):
        box.click()
        try:
            page.get_by_role("option", name=option).click(timeout=5000)
            return
        except Exception:  # the menu did not open (the page was rerunning): try again
            page.keyboard.press("Escape")
    raise AssertionError(f"could not choose {option} in {key}")


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(TILE_IMAGES, timeout=60000)


def _open_train(page, url: str) -> None:
    page.goto(url + "&section=train")
    page.wait_for_selector(".st-key-train button", timeout=60000)


def _section(page, name: str) -> None:
    """Open one of the page's sections (the segmented control at the top)."""
    page.locator(".st-key-section").get_by_role("radio", name=name, exact=True).click()


def test_moving_a_slider_changes_the_preview(server, page):
    _open(page, server)
    old = first_tile_src(page)
    press_slider(page, "rotation_range")
    wait_for_new_tile(page, old)
    assert page.locator(".st-key-rotation_range input[type=range]").get_attribute("value") == "1"
    assert "rot" in page.locator('[data-testid="stImage"]').nth(1).inner_text()
    page.wait_for_selector("text=Config doctor", timeout=30000)  # the rest of the rerun came, and nothing raised
    page.wait_for_selector(".st-key-export_tab", timeout=30000)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_an_upload_is_previewed_and_a_fake_is_refused(server, page, tmp_path):
    _open(page, server)
    picker = page.locator(".st-key-image_picker")  # the script doctor has an Upload button of its own
    picker.get_by_text("Upload", exact=True).click()
    picker.locator("input[type=file]").wait_for(state="attached")
    fake = tmp_path / "notes.png"
    fake.write_text("<!DOCTYPE html><html>not an image</html>")
    picker.locator("input[type=file]").set_input_files([str(fake), str(ROOT / "sample_images" / "cell.png")])
    page.wait_for_selector("text=notes.png is an HTML file, not an image", timeout=30000)
    page.wait_for_selector("text=Original: cell.png", timeout=30000)
    _readme_shot(page, "upload")
    _section(page, "Train and compare")  # the preview is not drawn meanwhile, its uploads are kept
    page.wait_for_selector(".st-key-train button", timeout=30000)
    _section(page, "Preview")
    page.wait_for_selector("text=Original: cell.png", timeout=30000)


def test_an_odd_idg_line_is_imported_as_is_and_a_notebook_is_read_by_the_script_doctor(server, page):
    _open(page, server)
    page.locator(".st-key-export_tab").get_by_role("radio", name="Import", exact=True).click()
    textarea = page.locator(".st-key-paste_text textarea")
    textarea.fill("ImageDataGenerator(rescale=1./255, rotation_range=40, zoom_range=1.5)")
    textarea.press("Control+Enter")
    page.locator(".st-key-apply_paste button").click()
    page.wait_for_selector("text=as imported: no position of this control shows it", timeout=30000)
    page.wait_for_selector("text=zoom factors from -0.5 to 2.5", timeout=30000)
    assert page.locator(".st-key-zoom_range input[type=range]").first.is_disabled()
    page.get_by_text("Config doctor").scroll_into_view_if_needed()
    _readme_shot(page, "import_odd")
    _section(page, "Script doctor")
    page.set_input_files(
        ".st-key-script_upload input[type=file]",
        str(ROOT / "tests" / "scripts" / "notebook_validation_augmented.ipynb"),
    )
    page.wait_for_selector("text=Cell 6, line 8", timeout=30000)
    assert page.get_by_text("validation_augmented").count() >= 1
    page.locator(".st-key-load_call_0 button:visible").first.click()
    page.wait_for_function(
        "() => document.querySelector('.st-key-rotation_range input[type=range]')?.value === '25'", timeout=30000
    )
    page.wait_for_selector("text=Loaded datagen (line 2 of cell 4", timeout=30000)  # back on the preview
    _section(page, "Script doctor")
    page.wait_for_selector("text=Cell 6, line 8", timeout=30000)  # the report is still there
    page.get_by_role("heading", name="Script doctor").evaluate("e => e.scrollIntoView({block: 'start'})")
    page.mouse.wheel(0, 200)
    time.sleep(0.5)
    _readme_shot(page, "script_doctor")


def test_pasting_an_idg_line_sets_the_controls(server, page):
    _open(page, server)
    page.locator(".st-key-export_tab").get_by_role("radio", name="Import", exact=True).click()
    page.locator(".st-key-paste_text textarea").fill("ImageDataGenerator(rotation_range=33, vertical_flip=True)")
    page.locator(".st-key-paste_text textarea").press("Control+Enter")
    page.locator(".st-key-apply_paste button").click()
    page.wait_for_function(
        "() => document.querySelector('.st-key-rotation_range input[type=range]').value === '33'", timeout=30000
    )
    # The checkbox arrives a few elements after the slider: wait for it, then check it.
    page.wait_for_function(
        "() => document.querySelector('.st-key-vertical_flip input[type=checkbox]').checked", timeout=30000
    )
    assert page.locator(".st-key-vertical_flip input[type=checkbox]").is_checked()
    page.get_by_text("Config doctor").scroll_into_view_if_needed()
    _readme_shot(page, "doctor")


def test_train_then_reload_keeps_the_config_and_the_history(server, page):
    _open(page, server + "/?rotation_range=30.0&horizontal_flip=1")
    _readme_shot(page, "preview")
    _section(page, "Train and compare")
    choose(page, "train_dataset", "shapes")
    for key, value in (("train_epochs", "1"), ("train_seeds", "2"), ("train_image_size", "16")):
        field = page.locator(f".st-key-{key} input")
        field.fill(value)
        field.press("Enter")
    time.sleep(1)
    page.locator(".st-key-train button").click()
    page.wait_for_selector("text=/^Finished: /", timeout=180000)
    assert page.locator('[data-testid="stImage"] img').count() >= 2  # the figure is in
    page.locator("text=/^Finished: /").first.scroll_into_view_if_needed()
    _readme_shot(page, "train")
    url = page.url
    assert "rotation_range=30" in url and "section=train" in url
    page.reload()  # opens on the train section, with the run and the history
    page.wait_for_selector("text=Run history", timeout=60000)
    assert page.locator('[data-testid="stExpander"]').filter(has_text=re.compile("shapes · finished")).count() == 1
    _section(page, "Preview")
    page.wait_for_selector(TILE_IMAGES, timeout=60000)
    assert page.locator(".st-key-rotation_range input[type=range]").get_attribute("value") == "30"


def test_page_trains_an_architecture_and_an_uploaded_model(server, page, tmp_path):
    keras = pytest.importorskip("keras")
    # keras.applications.MobileNetV3Small, random weights, at 32 px: one seed, one epoch.
    _open_train(
        page,
        server + "/?rotation_range=20.0&dataset=shapes&model=applications"
        "&application=MobileNetV3Small&image_size=32&epochs=1&seeds=1",
    )
    page.locator(".st-key-train button").click()
    page.wait_for_function(
        RUN_SHOWN, arg="Trained: keras.applications.MobileNetV3Small (random weights)", timeout=300000
    )
    _readme_shot(page, "train_application")
    # The user's own .keras file (10 outputs for 4 shapes: its head is replaced), from its weights.
    keras.utils.set_random_seed(0)
    path = tmp_path / "my_model.keras"
    keras.Sequential(
        [
            keras.Input((24, 24, 3)),
            keras.layers.Conv2D(4, 3, strides=2),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    ).save(path)
    _open_train(page, server + "/?rotation_range=20.0&dataset=shapes&model=file&start=weights&epochs=1&seeds=1")
    page.locator(".st-key-train_model_file input[type=file]").set_input_files(str(path))
    page.wait_for_selector("text=/24 x 24/", timeout=30000)
    page.locator(".st-key-train button").click()
    page.wait_for_function(RUN_SHOWN, arg="Trained: my_model.keras (from its weights)", timeout=300000)
    assert page.get_by_text(re.compile("replaced by a softmax head")).count() >= 1
    _readme_shot(page, "train_model_file")


# The run has ended (no Stop button) and its result is shown with this "Trained: ..." line.
RUN_SHOWN = """(line) => !document.querySelector('.st-key-stop_run')
    && [...document.querySelectorAll('p')].some(p => /^Finished: /.test(p.textContent))
    && [...document.querySelectorAll('p')].some(p => p.textContent.startsWith(line))"""


CUT_OFF_LABELS = """() => [...document.querySelectorAll('[data-testid="stMain"] *')]
    .filter(e => e.textContent.trim() && getComputedStyle(e).textOverflow === 'ellipsis'
                 && e.scrollWidth > e.clientWidth + 1)
    .map(e => e.textContent.trim())"""


def _slider_value(page, key: str) -> str:
    return page.locator(f".st-key-{key} input[type=range]").first.get_attribute("value")


def test_extremes_and_back_keeps_the_tiles_and_disables_what_does_nothing_there(server, page):
    _open(page, server + "/?rotation_range=30.0&seed=4")
    assert _slider_value(page, "tiles") == "9"
    page.locator(".st-key-view").get_by_text("Extremes", exact=True).click()
    page.wait_for_selector("text=/rotation -30°/", timeout=30000)
    for control in (
        ".st-key-seed input",
        ".st-key-new_samples [data-testid=stBaseButton-secondary]",
        ".st-key-tiles input[type=range]",
    ):
        # The tiles come first and the controls after them (workspace.PAINT_PAUSE_S): wait for them.
        page.wait_for_selector(f"{control}:disabled", timeout=30000)
        assert page.locator(control).first.is_disabled(), control
    page.locator(".st-key-view").get_by_text("Random draws", exact=True).click()
    # The tile grid's own images: a run in the history below has figures too.
    page.wait_for_function(
        f"() => document.querySelectorAll('.st-key-tile_grid {TILE_IMAGES}').length === 10", timeout=30000
    )
    assert _slider_value(page, "tiles") == "9"
    page.wait_for_function("() => !location.search.includes('view=extremes')", timeout=30000)  # the run's end
    assert "seed=4" in page.url and "tiles=" not in page.url  # 9 tiles: the default, left out of the link


def test_no_label_is_cut_off_at_1440_px(server):
    with chromium_page(1440, 900) as page:
        _open(page, server + "/?rotation_range=30.0")
        time.sleep(1)
        assert page.evaluate(CUT_OFF_LABELS) == []


def test_on_a_phone_the_tiles_come_first_and_stay_in_view_while_the_controls_move(server):
    with chromium_page(390, 844) as page:
        _open(page, server + "/?preset=over-augmentation")
        time.sleep(1)
        source = page.locator(".st-key-image_source").bounding_box()
        assert source["y"] + source["height"] < 844  # the image source, without opening a sidebar
        assert page.locator(TILE_IMAGES).nth(1).bounding_box()["y"] < 844  # the first tile, on the first screen
        page.locator(".st-key-rotation_range").scroll_into_view_if_needed()
        old = first_tile_src(page)
        press_slider(page, "rotation_range")
        wait_for_new_tile(page, old)
        tile = page.locator(TILE_IMAGES).nth(1).bounding_box()
        slider = page.locator(".st-key-rotation_range").bounding_box()
        assert 0 <= tile["y"] and tile["y"] + tile["height"] <= slider["y"] <= 844, (tile, slider)  # both in view
        _readme_shot(page, "phone")


def test_quick_slider_moves_from_a_preset_are_never_undone_by_the_preset_box(server, page):
    """The preset box follows the controls ('custom' once moved); a move made while a rerun
    is on its way must not bring the preset back over it."""
    _open(page, server + "/?preset=over-augmentation")
    for _ in range(6):
        press_slider(page, "rotation_range")
        time.sleep(0.05)
    page.wait_for_function(
        "() => document.querySelector('.st-key-rotation_range input[type=range]').value === '46'", timeout=30000
    )
    time.sleep(2)
    assert _slider_value(page, "rotation_range") == "46"
    assert "rotation_range=46" in page.url and "preset=" not in page.url
    assert page.locator(".st-key-preset_custom").count() == 1


def _number(page, key: str, value: str, in_link: str) -> None:
    field = page.locator(f".st-key-{key} input")
    field.fill(value)
    field.press("Enter")
    page.wait_for_function(f"() => location.search.includes({in_link!r})", timeout=30000)


def test_a_newcomers_round_trip_through_every_section_keeps_every_value(server, page):
    """Issue 27's first minute of use: Preview -> Train and compare -> Script doctor -> Preview
    -> Train and compare, and nothing falls to its minimum on the way."""
    _open(page, server + "/?preset=over-augmentation&tiles=12&seed=5")
    _section(page, "Train and compare")
    page.wait_for_selector(".st-key-train_epochs input", timeout=30000)
    _number(page, "train_epochs", "5", "epochs=5")
    _number(page, "train_seeds", "4", "seeds=4")
    _number(page, "train_learning_rate", "0.01", "lr=0.01")
    page.locator(".st-key-train_mode").get_by_text("Ablation", exact=False).click()
    page.wait_for_function("() => location.search.includes('mode=ablation')", timeout=30000)
    _section(page, "Script doctor")
    page.wait_for_selector(".st-key-check_script", timeout=30000)
    _section(page, "Preview")
    page.wait_for_function(
        f"() => document.querySelectorAll('.st-key-tile_grid {TILE_IMAGES}').length === 13", timeout=30000
    )
    assert [
        _slider_value(page, key) for key in ("rotation_range", "width_shift_range", "height_shift_range", "tiles")
    ] == ["40", "0.2", "0.2", "12"]
    zoom = page.locator(".st-key-zoom_range input[type=range]")
    assert [zoom.nth(i).get_attribute("value") for i in range(2)] == ["0.8", "1.2"]
    assert page.locator(".st-key-seed input").input_value() == "5"
    assert (
        page.locator('[class*="st-key-preset_"] [data-testid=stSelectbox] input').first.input_value()
        == "over-augmentation"
    )
    assert page.locator(".st-key-sample [data-testid=stSelectbox] input").input_value() == "coffee.jpg"
    _section(page, "Train and compare")
    page.wait_for_selector(".st-key-train_epochs input", timeout=30000)
    assert [
        page.locator(f".st-key-train_{key} input").input_value() for key in ("epochs", "seeds", "learning_rate")
    ] == ["5", "4", "0.01"]
    assert (
        page.locator(".st-key-train_mode [data-testid=stRadioOption]")
        .filter(has=page.locator("input:checked"))
        .inner_text()
        .startswith("Ablation")
    )
    line = page.locator(".st-key-train_config code").inner_text()
    assert "rotation_range=40" in line and "zoom_range=0.2" in line and "horizontal_flip=True" in line
    assert not page.locator("[data-testid=stException]").count()


def test_a_link_to_slow_settings_draws_what_fits_the_preview_budget_on_a_real_server(page, tmp_path):
    """interpolation_order=5 and fill_mode=mirror at 36 tiles: SciPy's path, seconds a rerun.
    On a server with a 50 ms budget the page draws fewer tiles, says how many and why, and a
    slider move is still answered."""
    env = {"AUGMENT_RUNS_DIR": str(tmp_path), "AUGMENT_PREVIEW_BUDGET_MS": "50"}
    with streamlit_server(ROOT / "app.py", env=env) as url:
        _open(page, url + "/?rotation_range=30&interpolation_order=5&fill_mode=mirror&tiles=36")
        page.wait_for_selector("text=tiles: one tile of these settings takes about", timeout=30000)
        said = page.get_by_text("tiles: one tile of these settings takes about").inner_text()
        shown, wanted = (int(word) for word in said.split(" tiles:")[0].removeprefix("Showing ").split(" of "))
        assert wanted == 36 and 1 <= shown < 36 and "SciPy" in said
        assert page.locator(TILE_IMAGES).count() == 1 + shown
        old = first_tile_src(page)
        press_slider(page, "rotation_range")
        wait_for_new_tile(page, old)
        assert page.locator('[data-testid="stException"]').count() == 0
