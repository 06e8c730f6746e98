"""The Streamlit page, run headless with AppTest, and the pure helpers behind it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explorer.ui import format_caption, load_sample_images, to_display

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
TIMEOUT = 30  # seconds per script run; the first one imports the engine


def run_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def tile_captions(at: AppTest) -> list[str]:
    """Captions of the augmented tiles: every st.image but the original."""
    captions = [caption for image in at.image for caption in image.captions]
    assert captions[0].startswith("Original"), captions
    return captions[1:]


def test_page_runs_with_default_nine_tiles():
    at = run_app()
    assert not at.error
    assert at.slider(key="tiles").value == 9
    assert len(tile_captions(at)) == 9
    assert at.selectbox(key="sample").value == "coffee.jpg"


def test_every_idg_setting_has_a_widget_keyed_by_its_idg_name():
    at = run_app()
    for key in ("rotation_range", "width_shift_range", "height_shift_range", "shear_range", "zoom_range", "tiles"):
        at.slider(key=key)
    at.checkbox(key="horizontal_flip")
    at.checkbox(key="vertical_flip")
    assert at.selectbox(key="fill_mode").options == ["nearest", "reflect", "wrap", "constant"]
    assert at.number_input(key="seed").value == 0


def test_changing_rotation_rerenders_cleanly():
    at = run_app()
    before = tile_captions(at)
    at.slider(key="rotation_range").set_value(40).run()
    assert not at.exception and not at.error
    after = tile_captions(at)
    assert len(after) == 9
    assert after != before  # same seed, wider range: the drawn angles change


def test_tiles_slider_sets_the_tile_count():
    at = run_app()
    at.slider(key="tiles").set_value(4).run()
    assert not at.exception
    assert len(tile_captions(at)) == 4


def test_captions_show_the_draws_the_tiles_were_made_with():
    at = run_app()
    at.slider(key="rotation_range").set_value(30)
    at.checkbox(key="horizontal_flip").uncheck()
    at.slider(key="zoom_range").set_value(0.0)
    at.slider(key="width_shift_range").set_value(0.0)
    at.slider(key="height_shift_range").set_value(0.0)
    at.run()
    assert not at.exception
    for caption in tile_captions(at):
        assert re.fullmatch(r"rot -?\d+\.\d°", caption), caption
        assert abs(float(caption[4:-1])) <= 30


def test_seed_changes_the_tiles_and_is_reproducible():
    first = tile_captions(run_app())
    assert tile_captions(run_app()) == first
    at = run_app()
    at.number_input(key="seed").set_value(7).run()
    assert tile_captions(at) != first


def test_format_caption():
    params = {
        "theta": 12.34, "tx": -4.26, "ty": 2, "shear": 0, "zx": 0.931, "zy": 1.1,
        "flip_horizontal": 1, "flip_vertical": 0, "channel_shift_intensity": None, "brightness": None,
    }
    assert format_caption(params) == "rot 12.3°, shift x -4.3 px y 2 px, zoom 0.93/1.10, flip H"
    identity = dict(params, theta=0, tx=0, ty=0, zx=1, zy=1, flip_horizontal=0)
    assert format_caption(identity) == "unchanged"
    everything = dict(identity, shear=-5.06, flip_vertical=1, channel_shift_intensity=12.0, brightness=0.8)
    assert format_caption(everything) == "shear -5.1°, flip V, channel +12.0, brightness 0.80"


def test_load_sample_images(tmp_path):
    from PIL import Image

    Image.new("L", (10, 8), 200).save(tmp_path / "grey.png")
    Image.new("RGB", (12, 9), (1, 2, 3)).save(tmp_path / "b.JPEG")
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "fake.png").write_text("<html>not an image</html>")
    images = load_sample_images(tmp_path)
    assert list(images) == ["b.JPEG", "grey.png"]  # the fake is left out, the text ignored
    assert images["grey.png"].shape == (8, 10, 1) and images["grey.png"].dtype == np.uint8
    shipped = load_sample_images()
    assert shipped["coffee.jpg"].shape == (200, 300, 3)
    assert 4 <= len(shipped) <= 8 and any(image.shape[-1] == 1 for image in shipped.values())


def _png(size=(40, 30), colour=(200, 30, 30)) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def test_uploads_preview_and_a_rejected_file_says_why():
    at = run_app()
    at.radio(key="image_source").set_value("Upload").run()
    assert not at.exception
    at.file_uploader(key="uploads").set_value(
        [("notes.png", b"<!DOCTYPE html><html></html>", "image/png"), ("red.png", _png(), "image/png")]
    ).run()
    assert not at.exception
    assert [error.value for error in at.error] == ["notes.png is an HTML file, not an image"]
    assert at.selectbox(key="upload_choice").value == "red.png"
    assert len(tile_captions(at)) == 9


def test_to_display_clips_to_uint8():
    shown = to_display(np.array([-3.0, 0.4, 254.9, 300.0], dtype=np.float32))
    assert shown.dtype == np.uint8 and shown.tolist() == [0, 0, 254, 255]


def test_only_ui_imports_streamlit():
    importing = re.compile(r"^\s*(import|from)\s+streamlit\b", re.MULTILINE)
    offenders = [
        path.name for path in sorted((ROOT / "explorer").glob("*.py"))
        if path.name != "ui.py" and importing.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_page_does_not_import_tensorflow():
    for path in (ROOT / "app.py", ROOT / "explorer" / "ui.py"):
        assert "tensorflow" not in path.read_text(encoding="utf-8"), path
    code = "import sys, explorer.ui; assert 'tensorflow' not in sys.modules, 'tensorflow imported'"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("fill_mode", ["nearest", "reflect", "wrap", "constant"])
def test_every_fill_mode_renders(fill_mode):
    at = run_app()
    at.selectbox(key="fill_mode").set_value(fill_mode).run()
    assert not at.exception and not at.error
