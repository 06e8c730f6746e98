"""The explorer page: three sections, chosen at the top: the preview (where the image comes
from, then the preview workspace), the script doctor, and the train panel with the run
history. `app.py` calls `render_page()`.

Only the open section is drawn. The browser redraws every element of the page several times
in each rerun, a slider move's included (tests/benchmarks/bench_latency.py): with the script
doctor, the train panel and the five export tabs drawn too, each redraw took 15-25 ms instead
of 7-13. The sections are a segmented control, not `st.tabs`, which draws every tab's content
and, in a test page, doubled the cost of redrawing what it holds.

The ui layer is the only one that imports Streamlit; the page never imports TensorFlow.
Decoded images are cached.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ..augment.config import AugmentConfig
from ..data.datasets import IMAGE_EXTENSIONS
from ..data.demos import DEMO_NAMES, load_demo
from ..data.images import LoadedImage, load_image_sized
from ..errors import InputError
from .link import SECTIONS, SOURCES, TRAIN_KEYS, keep_page_defaults
from .script import script_panel, script_uploader
from .state import (
    PREVIEW_KEYS,
    SCRIPT_KEYS,
    current_config,
    keep_closed,
    keep_controls,
    keep_upload,
    start_from_url,
    write_link,
)
from .train import history, keep_train_uploads, train_panel
from .workspace import workspace

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_images"
DEFAULT_SAMPLE = "coffee.jpg"
PREVIEW_SIDE = 512  # images are reduced to this longer side for the preview
# The page's CSS: the closed sections' kept uploaders hidden, and the phone layout.
# Below ~700 px Streamlit stacks the columns, controls first. There the workspace's keyed
# containers are lifted out of their columns and put in the order: tiles (pinned to the top of
# the screen while the controls scroll under them, three a row, their captions left out), the
# view's controls, the IDG controls, the doctor.
_ROW = '[data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] .st-key-tile_grid)'
PAGE_CSS = f"""<style>
.st-key-kept_uploads {{ display: none; }}
@media (max-width: 700px) {{
  {_ROW} {{ flex-direction: column; flex-wrap: nowrap; }}
  {_ROW} > [data-testid="stColumn"], {_ROW} > [data-testid="stColumn"] > [data-testid="stVerticalBlock"],
  {_ROW} > [data-testid="stColumn"] > [data-testid="stVerticalBlock"] > [data-testid="stLayoutWrapper"] {{
    display: contents; }}
  .st-key-tile_grid {{ order: 1; position: sticky; top: 3.75rem; z-index: 90; max-height: 40vh; overflow-y: auto;
    background: var(--background-color, #fff); background-color: white; padding-bottom: 0.25rem; }}
  .st-key-preview {{ order: 2; }}
  .st-key-controls {{ order: 3; }}
  .st-key-details {{ order: 4; }}
  .st-key-tile_grid [data-testid="stHorizontalBlock"] {{ flex-wrap: nowrap; gap: 0.4rem; }}
  .st-key-tile_grid [data-testid="stColumn"] {{ min-width: 0 !important; width: auto !important; flex: 1 1 0; }}
  .st-key-tile_grid [data-testid="stColumn"]:last-child {{ flex: 3 1 0; }}
  .st-key-tile_grid [data-testid="stColumn"]:last-child [data-testid="stImageContainer"] {{
    width: calc(33% - 0.2rem); margin-right: 0.2rem; }}
  .st-key-tile_grid [data-testid="stColumn"]:last-child img {{ width: 100% !important; }}
  .st-key-tile_grid [data-testid="stImageCaption"] {{ font-size: 0.6rem; line-height: 1.2; }}
  .st-key-tile_grid [data-testid="stColumn"]:last-child [data-testid="stImageCaption"] {{ display: none; }}
}}
</style>"""


def load_sample_images(folder: Path = SAMPLE_DIR) -> dict[str, LoadedImage]:
    """The images in `folder`, by file name, through `load_image_sized` (uint8 H x W x 3 or
    x 1, and the file's own size). Files that are not usable images are left out."""
    images = {}
    for path in sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS):
        try:
            images[path.name] = load_image_sized(path, max_side=PREVIEW_SIDE)
        except InputError:
            continue
    return images


@st.cache_data(show_spinner=False)
def _cached_samples() -> dict[str, LoadedImage]:
    return load_sample_images()


@st.cache_data(max_entries=64, show_spinner=False)
def _decode_upload(data: bytes, name: str) -> LoadedImage:
    return load_image_sized(data, max_side=PREVIEW_SIDE, name=name)


@st.cache_resource(show_spinner=False)
def _demo(name: str):
    return load_demo(name, image_size=64)


def _sample(where) -> tuple[str, LoadedImage] | None:
    samples = _cached_samples()
    if not samples:
        st.error(f"No usable images found in {SAMPLE_DIR}.")
        return None
    names = list(samples)
    if st.session_state.get("sample") not in names:
        if st.session_state.get("sample") is not None:
            st.warning(f"There is no sample called {str(st.session_state['sample'])[:60]!r}: showing {names[0]}.")
        st.session_state["sample"] = DEFAULT_SAMPLE if DEFAULT_SAMPLE in names else names[0]
    name = where.selectbox("Sample image", names, key="sample")
    return name, samples[name]


def _demo_image(where) -> tuple[str, LoadedImage]:
    left, right = where.columns(2)
    demo = left.selectbox("Demo dataset", DEMO_NAMES, key="demo")
    dataset = _demo(demo)
    st.session_state["demo_index"] = min(st.session_state.get("demo_index", 0), len(dataset) - 1)
    index = right.number_input("Image number", 0, len(dataset) - 1, key="demo_index")
    label = dataset.class_names[dataset.labels[index]]
    pixels = dataset.images[index]
    return f"{demo} #{index} (class {label})", LoadedImage(pixels, pixels.shape[:2])


def _image_uploader(where=st):
    return where.file_uploader(
        "Your images", type=[suffix.lstrip(".") for suffix in IMAGE_EXTENSIONS],
        accept_multiple_files=True, key="uploads",
        help="PNG, JPEG, BMP, GIF, TIFF or WebP. Large images are reduced for the preview; "
             "the captions and the doctor keep their real size.",
    )


def _upload(where) -> tuple[str, LoadedImage] | None:
    uploads = _image_uploader(where)
    usable = {}
    for upload in uploads or []:
        try:
            usable[upload.name] = _decode_upload(upload.getvalue(), upload.name)
        except InputError as error:
            where.error(str(error))
    if not usable:
        st.info("Upload one or more images to preview them.")
        return None
    name = where.selectbox("Uploaded image", list(usable), key="upload_choice")
    return name, usable[name]


def _choose_image() -> tuple[str, LoadedImage] | None:
    """The image to augment: a shipped sample, an upload or a demo dataset image, chosen at
    the top of the page (not in the sidebar, which a phone hides). A rejected upload shows
    its message; the other uploads stay usable."""
    with st.container(key="image_picker"):
        source_column, choice = st.columns([2, 3], vertical_alignment="bottom")
        source = source_column.radio("Image", list(SOURCES.values()), key="image_source", horizontal=True)
    if source == SOURCES["samples"]:
        return _sample(choice)
    if source == SOURCES["demo"]:
        return _demo_image(choice)
    return _upload(choice)


def render_page() -> None:
    """The whole page. `st.set_page_config` is the caller's (app.py)."""
    start_from_url()
    keep_controls()
    keep_page_defaults()
    st.html(PAGE_CSS)
    st.title("Augmentation Explorer")
    st.caption("What ImageDataGenerator really does to your images: every tile is IDG's output, pixel for pixel.")
    for problem in st.session_state.pop("url_problems", []):
        st.warning(problem)
    st.session_state.pop("rerun_page", None)  # asked for by the preview's fragment: this is that whole-page run
    notice = st.session_state.pop("notice", None)  # from a callback that also opened a section
    if notice:
        getattr(st, notice[0])(notice[1])
    section = st.segmented_control("Section", list(SECTIONS.values()), key="section", required=True,
                                   label_visibility="collapsed")
    _keep_closed_sections(section)
    if section == SECTIONS["preview"]:
        chosen = _choose_image()
        if chosen is not None:
            name, image = chosen
            workspace(name, image.pixels, image.original_size)
    else:
        st.session_state["config"] = current_config()  # the link and the train panel use it
    if section == SECTIONS["script"]:
        script_panel()
    if section == SECTIONS["train"]:
        train_panel(st.session_state.get("config", AugmentConfig()))
        history()
    write_link()  # a run started in the train panel goes into the link too


def _keep_closed_sections(section: str) -> None:
    """What the closed sections hold outlives the runs that do not draw them: their widgets'
    values, and their uploaders' files (the uploaders drawn in a hidden container)."""
    for name, keys in ((SECTIONS["preview"], PREVIEW_KEYS), (SECTIONS["script"], SCRIPT_KEYS),
                       (SECTIONS["train"], TRAIN_KEYS)):
        if section != name:
            keep_closed(keys)
    with st.container(key="kept_uploads"):  # display: none (PAGE_CSS)
        if section != SECTIONS["preview"]:
            keep_upload("uploads", _image_uploader)
        if section != SECTIONS["script"]:
            keep_upload("script_upload", script_uploader)
        if section != SECTIONS["train"]:
            keep_train_uploads()
