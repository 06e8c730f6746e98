"""The page run headless by Streamlit's AppTest, shared by the page's test files: open it (on a
link, on its train section, on a record of its state, on a run folder), read its record, switch its
sections and read what it says."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from streamlit.testing.v1 import AppTest

from explorer.ui.record import SECTIONS, PageState
from explorer.ui.session import RECORD

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
TIMEOUT = 30  # seconds per script run; the first one imports the engine


def run_app(query: dict | None = None) -> AppTest:
    """The page opened on a link's query (none: the defaults)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(query or {})
    at.run()
    assert not at.exception, at.exception
    return at


def run_train_section(query: dict | None = None) -> AppTest:
    """The page opened on its train section (the link's section=train)."""
    return run_app({"section": "train", **(query or {})})


def run_with(state: PageState) -> AppTest:
    """The page opened on a record of its state (a run shown, a section open...)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[RECORD] = state
    at.run()
    assert not at.exception, at.exception
    return at


def open_run(monkeypatch, root: Path, run_id: str) -> AppTest:
    """The page showing run `run_id` of the runs folder `root` on its train section (the run
    folders as a worker leaves them)."""
    monkeypatch.setenv("AUGMENT_RUNS_DIR", str(root))
    return run_with(PageState(run_id=run_id, section="train"))


def page_record(at: AppTest) -> PageState:
    """The page's record, as the session holds it."""
    return at.session_state[RECORD]


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Choose `label` in one of the page's segmented controls whose choice alone is drawn (the
    sections, key "section", by name or label; the export, key "export_tab")."""
    value = {shown: name for name, shown in SECTIONS.items()}.get(label, label) if key == "section" else label
    at.segmented_control(key=key).set_value(value).run()
    assert not at.exception, at.exception
    return at


def preset_box(at: AppTest):
    """The preset box (its key says what it shows, so it is found by its label)."""
    return next(box for box in at.selectbox if box.label == "Preset")


def tile_captions(at: AppTest) -> list[str]:
    """Captions of the augmented tiles: every st.image but the original."""
    captions = [caption for image in at.image for caption in image.captions]
    assert captions[0].startswith("Original"), captions
    return captions[1:]


def verdict_boxes(at: AppTest) -> list[str]:
    """A finished run's verdict, whatever its colour."""
    return [
        box.value
        for group in (at.error, at.warning, at.info, at.success)
        for box in group
        if box.value.startswith("Finished:")
    ]


def messages(at: AppTest) -> str:
    """Every error, warning, info and success box of the page, one a line."""
    return "\n".join(element.value for group in (at.error, at.warning, at.info, at.success) for element in group)


def png(size: tuple[int, int] = (40, 30), colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A one-colour PNG image, width x height, as an upload carries it."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()
