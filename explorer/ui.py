"""The Streamlit page: pick a sample photo and IDG settings, see a grid of augmented tiles.

The only module of `explorer` that imports Streamlit. It never imports TensorFlow: the
previews come from the NumPy/OpenCV engine, so they update as fast as the sliders move.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import streamlit as st

from .config import FILL_MODES, AugmentConfig
from .datasets import IMAGE_EXTENSIONS
from .engine import augment_batch
from .errors import InputError
from .images import load_image
from .sampling import sample_batch

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample_images"
DEFAULT_SAMPLE = "coffee.jpg"
PREVIEW_SIDE = 512  # images are reduced to this longer side for the preview grid


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


def _number(value: float) -> str:
    """An int as it is, anything else with one decimal: 4 -> "4", -4.26 -> "-4.3"."""
    return str(value) if isinstance(value, (int, np.integer)) else f"{value:.1f}"


def format_caption(params: dict) -> str:
    """One tile's draws from `sample_batch`, short: "rot 12.3°, shift x -4.0 px y 2.0 px, ...".

    Values are IDG's, unconverted: shift x is tx and y is ty (IDG moves the content the
    opposite way: tx = +3 moves it 3 columns left); zoom is zx/zy (above 1 zooms out).
    Settings that drew nothing (no rotation, zoom 1/1, no flip...) are left out.
    """
    parts = []
    if params.get("theta"):
        parts.append(f"rot {params['theta']:.1f}°")
    tx, ty = params.get("tx", 0), params.get("ty", 0)
    if tx or ty:
        parts.append(f"shift x {_number(tx)} px y {_number(ty)} px")
    if params.get("shear"):
        parts.append(f"shear {params['shear']:.1f}°")
    zx, zy = params.get("zx", 1), params.get("zy", 1)
    if zx != 1 or zy != 1:
        parts.append(f"zoom {zx:.2f}/{zy:.2f}")
    flips = "".join(name for key, name in (("flip_horizontal", "H"), ("flip_vertical", "V")) if params.get(key))
    if flips:
        parts.append(f"flip {flips}")
    if params.get("channel_shift_intensity") is not None:
        parts.append(f"channel {params['channel_shift_intensity']:+.1f}")
    if params.get("brightness") is not None:
        parts.append(f"brightness {params['brightness']:.2f}")
    return ", ".join(parts) or "unchanged"


def to_display(batch: np.ndarray) -> np.ndarray:
    """Engine output (float, 0..255 scale) as uint8 images for display (grey as 2-D)."""
    shown = np.clip(batch, 0, 255).astype(np.uint8)
    return shown[..., 0] if shown.ndim >= 3 and shown.shape[-1] == 1 else shown


@st.cache_data(max_entries=64, show_spinner=False)
def _decode_upload(data: bytes, name: str) -> np.ndarray:
    return load_image(data, max_side=PREVIEW_SIDE, name=name)


def _choose_image() -> tuple[str, np.ndarray] | None:
    """The image to augment: a shipped sample or an upload. A rejected upload shows its
    message; the other uploads stay usable."""
    source = st.sidebar.radio("Images", ["Samples", "Upload"], key="image_source", horizontal=True)
    if source == "Samples":
        samples = _cached_samples()
        if not samples:
            st.error(f"No usable images found in {SAMPLE_DIR}.")
            return None
        names = list(samples)
        default = names.index(DEFAULT_SAMPLE) if DEFAULT_SAMPLE in names else 0
        name = st.sidebar.selectbox("Sample image", names, index=default, key="sample")
        return name, samples[name]
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


@st.cache_data
def _cached_samples() -> dict[str, np.ndarray]:
    return load_sample_images()


def _settings() -> tuple[dict, int, int]:
    """The sidebar controls: IDG keyword arguments (widget keys are the IDG names), seed, tiles."""
    sb = st.sidebar
    kwargs = {
        "rotation_range": sb.slider(
            "Rotation range (degrees)", 0, 180, 20, key="rotation_range",
            help="Angle drawn from U(-r, r); positive turns the content counter-clockwise.",
        ),
        "width_shift_range": sb.slider(
            "width_shift_range (fraction)", 0.0, 0.99, 0.1, 0.01, key="width_shift_range",
            help="IDG swaps the axes: this moves the image UP/DOWN, by up to this fraction "
            "of the image WIDTH. (IDG reads values >= 1 as pixels, so the slider stops below 1.)",
        ),
        "height_shift_range": sb.slider(
            "height_shift_range (fraction)", 0.0, 0.99, 0.1, 0.01, key="height_shift_range",
            help="IDG swaps the axes: this moves the image SIDEWAYS, by up to this fraction "
            "of the image HEIGHT. (IDG reads values >= 1 as pixels, so the slider stops below 1.)",
        ),
        "shear_range": sb.slider(
            "Shear range (degrees)", 0, 60, 0, key="shear_range",
            help="Shear angle drawn from U(-s, s), in degrees.",
        ),
        "zoom_range": sb.slider(
            "Zoom range", 0.0, 1.0, 0.1, 0.01, key="zoom_range",
            help="z draws x and y zoom independently from [1-z, 1+z]. Zoom above 1 zooms OUT "
            "(the content gets smaller), below 1 zooms in.",
        ),
        "horizontal_flip": sb.checkbox(
            "Horizontal flip", True, key="horizontal_flip", help="Mirror left/right with probability 1/2."
        ),
        "vertical_flip": sb.checkbox(
            "Vertical flip", False, key="vertical_flip", help="Mirror top/bottom with probability 1/2."
        ),
        "fill_mode": sb.selectbox(
            "Fill mode", FILL_MODES, key="fill_mode",
            help="How pixels from outside the image are filled (constant fills with 0, black).",
        ),
    }
    seed = sb.number_input(
        "Seed", 0, 2**32 - 1, 0, 1, key="seed",
        help="Same seed and settings give the same tiles (IDG's flow with this seed, shuffle off).",
    )
    tiles = sb.slider("Tiles", 1, 36, 9, key="tiles", help="How many augmented copies to draw.")
    return kwargs, int(seed), int(tiles)


def render() -> None:
    """The whole page. `st.set_page_config` is the caller's (app.py)."""
    st.title("Augmentation Explorer")
    chosen = _choose_image()
    if chosen is None:
        return
    name, image = chosen
    kwargs, seed, count = _settings()

    try:
        config = AugmentConfig(**kwargs)
    except ValueError as error:
        st.error(str(error))
        st.stop()

    params = sample_batch(config, image.shape, count, seed)
    tiles = to_display(augment_batch(np.repeat(image[None], count, axis=0), config, seed=seed, params=params))

    original, grid = st.columns([1, 3], gap="medium")
    height, width = image.shape[:2]
    original.image(to_display(image), caption=f"Original: {name} ({width} x {height})", width="stretch")
    per_row = math.ceil(math.sqrt(count))
    for start in range(0, count, per_row):
        columns = grid.columns(per_row)
        for column, tile, draw in zip(columns, tiles[start:start + per_row], params[start:start + per_row]):
            column.image(tile, caption=format_caption(draw), width="stretch")
