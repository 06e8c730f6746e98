"""The explorer page: three sections, chosen at the top: the preview (where the image comes
from, then the preview workspace), the script doctor, and the train panel with the run
history. `app.py` calls `render_page()`.

The page's state is one record (`record.PageState`) kept in the session (`session`); every
widget is drawn from it and writes back to it, so nothing is lost in the runs that do not
draw a widget. Only the open section is drawn. The browser redraws every element of the page several times
in each rerun, a slider move's included (tests/benchmarks/bench_latency.py): with the script
doctor, the train panel and the five export tabs drawn too, each redraw took 15-25 ms instead
of 7-13. The sections are a segmented control, not `st.tabs`, which draws every tab's content
and, in a test page, doubled the cost of redrawing what it holds.

The ui layer is the only one that imports Streamlit; the page never imports TensorFlow.
Decoded images are cached.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode, urlsplit

import streamlit as st

from ..data.datasets import IMAGE_EXTENSIONS
from ..data.demos import DEMO_NAMES, load_demo
from ..data.images import LoadedImage, load_image_sized
from ..errors import InputError
from ..experiments.records.spec import MODEL_FILE
from . import session, widgets
from .actions import SCRIPT_UPLOAD_KEY
from .history import history
from .link import query_from_record
from .record import DEFAULT_SAMPLE, SECTIONS, SOURCES, PageState
from .script_panel import script_panel, script_uploader
from .scroll import scroll_here
from .train import MODEL_FILE_KEY, ZIP_KEY, model_uploader, server_jobs, train_panel, zip_uploader
from .widgets import part_writer
from .workspace import workspace

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_images"
PREVIEW_SIDE = 512  # images are reduced to this longer side for the preview
# The page's CSS: the kept uploaders and the scrolling scripts hidden, and the phone layout.
# Below ~700 px Streamlit stacks the columns, controls first. There the workspace's keyed
# containers are lifted out of their columns and put in the order: tiles (pinned to the top of
# the screen while the controls scroll under them, three a row, their captions left out), the
# view's controls, the IDG controls, the doctor.
_ROW = '[data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] .st-key-tile_grid)'
PAGE_CSS = f"""<style>
.st-key-kept_uploads, [class*="st-key-scroll_"], .st-key-owner_cookie {{ display: none; }}
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


def _sample(where, state: PageState) -> tuple[str, LoadedImage] | None:
    samples = _cached_samples()
    if not samples:
        st.error(f"No usable images found in {SAMPLE_DIR}.")
        return None
    names = list(samples)
    if state.image.sample not in names:
        shown = DEFAULT_SAMPLE if DEFAULT_SAMPLE in names else names[0]
        st.warning(f"There is no sample called {state.image.sample[:60]!r}: showing {shown}.")
        session.change("image", sample=shown)
        state = session.record()
    name = widgets.selectbox(
        where, "Sample image", names, key="sample", shown=state.image.sample, write=part_writer("image", "sample")
    )
    return name, samples[name]


def _demo_image(where, state: PageState) -> tuple[str, LoadedImage]:
    left, right = where.columns(2)
    demo = widgets.selectbox(
        left, "Demo dataset", DEMO_NAMES, key="demo", shown=state.image.demo, write=part_writer("image", "demo")
    )
    dataset = _demo(demo)
    if state.image.demo_index > len(dataset) - 1:
        session.change("image", demo_index=len(dataset) - 1)
        state = session.record()
    index = widgets.number(
        right,
        "Image number",
        0,
        len(dataset) - 1,
        key="demo_index",
        shown=state.image.demo_index,
        write=part_writer("image", "demo_index", int),
    )
    label = dataset.class_names[dataset.labels[index]]
    pixels = dataset.images[index]
    return f"{demo} #{index} (class {label})", LoadedImage(pixels, pixels.shape[:2])


def image_uploader(where=st):
    return where.file_uploader(
        "Your images",
        type=[suffix.lstrip(".") for suffix in IMAGE_EXTENSIONS],
        accept_multiple_files=True,
        key="uploads",
        help="PNG, JPEG, BMP, GIF, TIFF or WebP. Large images are reduced for the preview; "
        "the captions and the doctor keep their real size.",
    )


def _upload(where, state: PageState) -> tuple[str, LoadedImage] | None:
    uploads = image_uploader(where)
    usable = {}
    for upload in uploads or []:
        try:
            usable[upload.name] = _decode_upload(upload.getvalue(), upload.name)
        except InputError as error:
            where.error(str(error))
    if not usable:
        st.info("Upload one or more images to preview them.")
        return None
    if state.image.upload not in usable:
        session.change("image", upload=next(iter(usable)))
        state = session.record()
    name = widgets.selectbox(
        where,
        "Uploaded image",
        list(usable),
        key="upload_choice",
        shown=state.image.upload,
        write=part_writer("image", "upload"),
    )
    return name, usable[name]


def _choose_image(state: PageState) -> tuple[str, LoadedImage] | None:
    """The image to augment: a shipped sample, an upload or a demo dataset image, chosen at
    the top of the page (not in the sidebar, which a phone hides). A rejected upload shows
    its message; the other uploads stay usable."""
    with st.container(key="image_picker"):
        source_column, choice = st.columns([2, 3], vertical_alignment="bottom")
        source = widgets.radio(
            source_column,
            "Image",
            list(SOURCES),
            key="image_source",
            shown=state.image.source,
            write=part_writer("image", "source"),
            format_func=SOURCES.get,
            horizontal=True,
        )
    if source == "samples":
        return _sample(choice, state)
    if source == "demo":
        return _demo_image(choice, state)
    return _upload(choice, state)


def render_page() -> None:
    """The whole page. `st.set_page_config` is the caller's (app.py)."""
    problems = session.start()
    session.full_rerun_asked()  # asked for by a fragment's callback: this is that whole-page run
    st.html(PAGE_CSS)
    st.title("Augmentation Explorer")
    st.caption("What ImageDataGenerator really does to your images: every tile is IDG's output, pixel for pixel.")
    _sign_in()
    for problem in problems:
        st.warning(problem)
    for kind, text in session.take_messages():
        getattr(st, kind)(text)
    scroll_here("top")
    state = session.record()
    section = widgets.segmented(
        st,
        "Section",
        list(SECTIONS),
        key="section",
        shown=state.section,
        write=part_writer("", "section"),
        format_func=SECTIONS.get,
        label_visibility="collapsed",
    )
    _keep_uploads(state)
    if section == "preview":
        chosen = _choose_image(state)
        if chosen is not None:
            name, image = chosen
            workspace(name, image.pixels, image.original_size)
    elif section == "script":
        script_panel()
    else:
        train_panel()
        _share_box()
        history(server_jobs())
    session.keep_owner_cookie()
    session.write_link()


def _sign_in() -> None:
    """On a server with sign-in: who is signed in and "Sign out", or "Sign in" and what it is
    for (nothing on a server without: a laptop)."""
    who = session.visitor()
    if not who.sign_in:
        return
    with st.container(key="sign_in_bar", horizontal=True, vertical_alignment="center"):
        if who.owner is not None:
            st.caption(f"Signed in as **{who.name}**")
            st.button("Sign out", key="sign_out", on_click=st.logout)
        else:
            st.button("Sign in", key="sign_in", on_click=st.login)
            st.caption("Preview and the doctors need no account; Train does: runs here belong to the signed-in user.")


def _share_box() -> None:
    """The link to this view, to send: the settings and the run shown, never who you are."""
    query = urlencode(query_from_record(session.record()))
    base = (st.context.url or "").split("?")[0]
    if base and not urlsplit(base).path:
        base += "/"  # st.context.url of the root has no path: http://host:port?a=1 reads badly
    with st.expander("Share this view"):
        st.code(f"{base}?{query}" if query else base or "/", language=None)
        st.caption(
            "It carries the settings and the run shown, not who you are: whoever opens it sees the run only "
            "if it is theirs, or with the server's shared history (read-only)."
        )


def _keep_uploads(state: PageState) -> None:
    """Files outlive the runs that do not show their uploader: Streamlit forgets the files of
    an uploader a run does not draw, so each uploader holding files is drawn, hidden
    (PAGE_CSS), in every run that does not show it, exactly as where it shows (same label
    and options, so the same widget)."""
    shown = {
        "uploads": state.section == "preview" and state.image.source == "upload",
        SCRIPT_UPLOAD_KEY: state.section == "script",
        ZIP_KEY: state.section == "train" and state.train.dataset == "your zip",
        MODEL_FILE_KEY: state.section == "train" and state.train.model == MODEL_FILE,
    }
    uploaders = {
        "uploads": image_uploader,
        SCRIPT_UPLOAD_KEY: script_uploader,
        ZIP_KEY: zip_uploader,
        MODEL_FILE_KEY: model_uploader,
    }
    with st.container(key="kept_uploads"):  # display: none (PAGE_CSS)
        for key, uploader in uploaders.items():
            if not shown[key] and session.widget_value(key):
                uploader()
