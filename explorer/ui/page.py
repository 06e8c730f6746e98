"""The explorer page: where the image comes from, then the preview workspace, the train
panel and the run history. `app.py` calls `render_page()`.

The ui layer is the only one that imports Streamlit; the page never imports TensorFlow.
Decoded images are cached.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st

from ..augment.config import AugmentConfig
from ..data.datasets import IMAGE_EXTENSIONS
from ..data.demos import DEMO_NAMES, load_demo
from ..data.images import load_image
from ..errors import InputError
from .script import script_panel
from .state import keep_controls, start_from_url
from .train import history, train_panel
from .workspace import workspace

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_images"
DEFAULT_SAMPLE = "coffee.jpg"
PREVIEW_SIDE = 512  # images are reduced to this longer side for the preview


def load_sample_images(folder: Path = SAMPLE_DIR) -> dict[str, np.ndarray]:
    """The images in `folder`, by file name, through `load_image` (uint8 H x W x 3 or x 1).
    Files that are not usable images are left out."""
    images = {}
    for path in sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS):
        try:
            images[path.name] = load_image(path, max_side=PREVIEW_SIDE)
        except InputError:
            continue
    return images


@st.cache_data(show_spinner=False)
def _cached_samples() -> dict[str, np.ndarray]:
    return load_sample_images()


@st.cache_data(max_entries=64, show_spinner=False)
def _decode_upload(data: bytes, name: str) -> np.ndarray:
    return load_image(data, max_side=PREVIEW_SIDE, name=name)


@st.cache_resource(show_spinner=False)
def _demo(name: str):
    return load_demo(name, image_size=64)


def _choose_image() -> tuple[str, np.ndarray] | None:
    """The image to augment: a shipped sample, an upload or a demo dataset image. A rejected
    upload shows its message; the other uploads stay usable."""
    source = st.sidebar.radio("Images", ["Samples", "Upload", "Demo datasets"], key="image_source")
    if source == "Samples":
        samples = _cached_samples()
        if not samples:
            st.error(f"No usable images found in {SAMPLE_DIR}.")
            return None
        names = list(samples)
        default = names.index(DEFAULT_SAMPLE) if DEFAULT_SAMPLE in names else 0
        name = st.sidebar.selectbox("Sample image", names, index=default, key="sample")
        return name, samples[name]
    if source == "Demo datasets":
        demo = st.sidebar.selectbox("Demo dataset", DEMO_NAMES, key="demo")
        dataset = _demo(demo)
        index = st.sidebar.number_input("Image number", 0, len(dataset) - 1, 0, key="demo_index")
        label = dataset.class_names[dataset.labels[index]]
        return f"{demo} #{index} (class {label})", dataset.images[index]
    uploads = st.sidebar.file_uploader(
        "Your images", type=[suffix.lstrip(".") for suffix in IMAGE_EXTENSIONS],
        accept_multiple_files=True, key="uploads",
        help="PNG, JPEG, BMP, GIF, TIFF or WebP. Large images are reduced for the preview.",
    )
    usable = {}
    for upload in uploads or []:
        try:
            usable[upload.name] = _decode_upload(upload.getvalue(), upload.name)
        except InputError as error:
            st.sidebar.error(str(error))
    if not usable:
        st.info("Upload one or more images to preview them.")
        return None
    name = st.sidebar.selectbox("Uploaded image", list(usable), key="upload_choice")
    return name, usable[name]


def render_page() -> None:
    """The whole page. `st.set_page_config` is the caller's (app.py)."""
    start_from_url()
    keep_controls()
    st.title("Augmentation Explorer")
    st.caption("What ImageDataGenerator really does to your images: every tile is IDG's output, pixel for pixel.")
    for problem in st.session_state.pop("url_problems", []):
        st.warning(problem)
    chosen = _choose_image()
    if chosen is not None:
        workspace(*chosen)
    script_panel()
    train_panel(st.session_state.get("config", AugmentConfig()))
    history()
