"""The preview workspace: every IDG control, the grid of what IDG produces, the config
doctor and the export/import tabs, in one fragment so moving a slider reruns only them.

Everything here is drawn from the page's record (`record.PageState`, read once per run): the
tiles, the doctor and the export use its config, and every control shows its value and
writes back to it (`widgets`).

The preview runs on the NumPy/OpenCV engine (`preview`); TensorFlow is never imported here.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import replace

import cv2
import numpy as np
import streamlit as st

from ..augment.config import FILL_MODES, INPUT_RANGES, AugmentConfig
from ..augment.presets import PRESETS
from ..augment.sampling import sample_batch
from ..augment.warp import needs_scipy
from ..diagnostics.doctor import diagnose
from ..interchange.export import config_json, exact_layer_code, idg_code, keras_layers_code
from . import session, widgets
from .actions import PASTE_KEY, import_pasted, new_samples, pick_preset, release_setting
from .engine import engine_switch
from .link import parse_size
from .preview import Preview, extremes, render_within
from .record import (
    CUSTOM,
    EXPORTS,
    MAX_SEED,
    MAX_TILES,
    ORDERS,
    VIEWS,
    PageState,
    kept_values,
    matching_preset,
    widget_values,
    with_control,
)
from .stack_workspace import stack_workspace
from .widgets import part_writer, show_finding

# The server shares its cores with the browser and the other sessions: OpenCV's own worker
# threads made a 9-tile preview 2x slower there (36 ms against 16 ms, bench_latency.py's page).
cv2.setNumThreads(1)
GRID_WIDTH = 660  # px the tiles of a row share: the grid's width at 1440 px (narrower pages wrap them)
PREVIEW_BUDGET_MS = 400  # what one rerun may spend on tiles (`preview_budget`); the 3x3 grid takes ~25 ms
THUMBNAIL_SIDE = 320  # tiles are made at most this large (`tile_side`: the width they are shown at)
# A slider move reruns this fragment: the tiles, then ~60 elements that the move changed little
# (controls, header, doctor, export). The browser applies each message at 1-2 ms and redraws
# the page every 10 ms while they come, so tiles that arrive in that stream wait for all of it:
# a move's median was 170 ms against a trivial page's 94 (tests/benchmarks/bench_latency.py).
# Pausing once the tiles are queued lets them be drawn alone: median 98-115 ms against 45 for
# the trivial page (40 moves; 0.05 s gave 115, 0.1 s 98-110). The pause holds no lock and no
# core; a newer move waits for it at most this long.
PAINT_PAUSE_S = 0.1
START_HERE = (
    "Pick a preset (the article's three examples), paste your ImageDataGenerator line under "
    "*Take it home → Import* (or a whole script under *Script doctor*, at the top), upload your own image "
    "under *Image*, or move a slider"
)


def _control(draw, where, label: str, *args, key: str, state: PageState, kept: dict, **kwargs) -> None:
    """One IDG control, drawn from the record's config. A setting imported with a value no
    position of it shows (see `kept_values`) disables it and is named under it, with a way
    back to the control."""
    draw(
        where,
        label,
        *args,
        key=key,
        shown=widget_values(state.config)[key],
        write=_control_writer(key),
        disabled=key in kept,
        **kwargs,
    )
    if key in kept:
        where.caption(
            f"`{key}={_as_written(kept[key])}` as imported: no position of this control shows it. "
            "The preview, the doctor and the export use it as it is."
        )
        where.button("Use the control instead", key=f"release_{key}", on_click=release_setting, args=(key,))


def _control_writer(key: str):
    def write(state: PageState, value) -> PageState:
        return replace(state, config=with_control(state.config, key, value))

    return write


def _preset_box(state: PageState) -> None:
    """The preset box, showing the preset the config is (or 'custom'). Its key carries what it
    shows: a value the browser sends for an older box (a slider moved while a rerun was on its
    way) belongs to a box no longer drawn and is dropped, instead of applying a preset over
    the user's move."""
    shown = matching_preset(state.config)
    widgets.selectbox(
        st,
        "Preset",
        [*PRESETS, CUSTOM],
        key=f"preset_{shown}",
        shown=shown,
        write=pick_preset,
        help="The article's three examples, or nothing; 'custom' once a setting differs from them.",
    )


def _as_written(value) -> str:
    return repr(list(value)) if isinstance(value, tuple) else repr(value)


def _order_name(order: int) -> str:
    return {0: "nearest (0)", 1: "bilinear (1)"}.get(order, f"spline {order}")


def _controls(state: PageState) -> None:
    """The IDG controls, each named after its keyword and drawn from the record's config."""
    kept = kept_values(state.config)
    common = dict(state=state, kept=kept)
    _control(
        widgets.slider,
        st,
        "rotation_range (degrees)",
        0.0,
        180.0,
        step=1.0,
        key="rotation_range",
        **common,
        help="Angle drawn from U(-r, r) degrees; positive turns the content counter-clockwise.",
    )
    _control(
        widgets.slider,
        st,
        "height_shift_range (fraction of height)",
        0.0,
        0.99,
        step=0.01,
        key="height_shift_range",
        **common,
        help="IDG swaps the axes: this moves the image LEFT/RIGHT, by up to this fraction of its HEIGHT.",
    )
    _control(
        widgets.slider,
        st,
        "width_shift_range (fraction of width)",
        0.0,
        0.99,
        step=0.01,
        key="width_shift_range",
        **common,
        help="IDG swaps the axes: this moves the image UP/DOWN, by up to this fraction of its WIDTH.",
    )
    _control(
        widgets.slider,
        st,
        "shear_range (degrees)",
        0.0,
        60.0,
        step=0.1,
        key="shear_range",
        **common,
        help="Shear angle drawn from U(-s, s) in DEGREES (0.2 means 0.2°).",
    )
    _control(
        widgets.slider,
        st,
        "zoom_range (factor)",
        0.1,
        3.0,
        step=0.01,
        key="zoom_range",
        **common,
        help="x and y zoom drawn independently from [low, high]. Above 1 zooms OUT (content "
        "shrinks); zoom_range=0.2 in code means [0.8, 1.2].",
    )
    _control(
        widgets.checkbox,
        st,
        "horizontal_flip",
        key="horizontal_flip",
        **common,
        help="Mirror left/right with probability 1/2.",
    )
    _control(
        widgets.checkbox,
        st,
        "vertical_flip",
        key="vertical_flip",
        **common,
        help="Mirror top/bottom with probability 1/2.",
    )
    _control(
        widgets.selectbox,
        st,
        "fill_mode",
        FILL_MODES,
        key="fill_mode",
        **common,
        help="What fills pixels sampled from outside the image. 'wrap' repeats with period n-1; "
        "the grid-* modes and 'mirror' go through SciPy, as in IDG.",
    )
    _control(widgets.number, st, "cval (pixel value for 'constant')", 0.0, 255.0, step=1.0, key="cval", **common)
    _control(
        widgets.slider,
        st,
        "brightness_range (factor, 1 = off)",
        0.1,
        3.0,
        step=0.01,
        key="brightness_range",
        **common,
        help="IDG applies it through uint8: fractions are truncated, and 0..1 data becomes black.",
    )
    _control(
        widgets.number,
        st,
        "channel_shift_range (pixel levels, input units)",
        0.0,
        255.0,
        step=0.1,
        format="%.2f",
        key="channel_shift_range",
        **common,
        help="One offset for all channels, in the units IDG sees (0.1 of 0..255 is nothing), "
        "clipped to the image's own range.",
    )
    _control(
        widgets.radio,
        st,
        "interpolation_order",
        ORDERS,
        key="interpolation_order",
        **common,
        horizontal=True,
        format_func=_order_name,
        help="0 and 1 are fast; 2 to 5 are SciPy's splines, as IDG computes them: slow, and they smooth.",
    )
    _control(
        widgets.number,
        st,
        "rescale (0 = none)",
        0.0,
        1.0,
        step=0.001,
        format="%.6f",
        key="rescale",
        **common,
        help="Multiplies pixels after augmentation; 1/255 = 0.003922.",
    )
    _control(widgets.checkbox, st, "samplewise_center", key="samplewise_center", **common)
    _control(widgets.checkbox, st, "samplewise_std_normalization", key="samplewise_std_normalization", **common)


def jpeg(pixels: np.ndarray) -> bytes:
    """uint8 H x W x C as JPEG bytes, encoded by OpenCV (Streamlit's own PNG or JPEG path
    through Pillow cost ~10 ms an image, most of a preview rerun)."""
    colour = pixels[..., 0] if pixels.shape[-1] == 1 else cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)
    ok, encoded = cv2.imencode(".jpg", np.ascontiguousarray(colour), [cv2.IMWRITE_JPEG_QUALITY, 92])
    return encoded.tobytes()


def view_controls(state: PageState) -> None:
    """View, tint, tiles, seed and New samples; what does nothing in the current view is disabled."""
    view = state.preview
    top = st.columns([3, 2], vertical_alignment="bottom")
    widgets.radio(
        top[0],
        "View",
        list(VIEWS),
        key="view",
        shown=view.view,
        write=part_writer("preview", "view"),
        format_func=VIEWS.get,
        horizontal=True,
        help="Extremes: each active setting alone at both ends of its range.",
    )
    widgets.checkbox(
        top[1],
        "Tint filled pixels",
        key="tint_fill",
        shown=view.tint,
        write=part_writer("preview", "tint", bool),
        help="Magenta marks pixels IDG invented.",
    )
    extreme = view.view == "extremes"
    draws = st.columns([4, 1.3, 1.3], vertical_alignment="bottom")
    still = " (the extremes view draws nothing at random)" if extreme else ""
    widgets.slider(
        draws[0],
        "Tiles",
        1,
        MAX_TILES,
        key="tiles",
        shown=view.tiles,
        write=part_writer("preview", "tiles", int),
        disabled=extreme,
        help="How many random draws." + still,
    )
    widgets.number(
        draws[1],
        "Seed",
        0,
        MAX_SEED,
        step=1,
        key="seed",
        shown=view.seed,
        write=part_writer("preview", "seed", int),
        disabled=extreme,
        help="The same seed draws the same tiles." + still,
    )
    draws[2].button(
        "New samples", key="new_samples", on_click=new_samples, disabled=extreme, help="Draw again (next seed)." + still
    )


def make_preview(image: np.ndarray, state: PageState) -> Preview | None:
    """The preview the record asks for: its random draws, or each setting at its extremes
    (None: nothing to show there)."""
    view = state.preview
    options = dict(input_range=view.input_range, tint_fill=view.tint)
    if view.view == "extremes":
        cases = extremes(state.config, image.shape)
        if not cases:
            return None
        return render_within(
            image,
            state.config,
            [params for _, params in cases],
            preview_budget(),
            labels=[label for label, _ in cases],
            thumbnail=tile_side(len(cases)),
            **options,
        )
    return render_within(
        image,
        state.config,
        sample_batch(state.config, image.shape, view.tiles, view.seed),
        preview_budget(),
        thumbnail=tile_side(view.tiles),
        **options,
    )


def preview_budget() -> float:
    """Seconds one rerun may spend making tiles: AUGMENT_PREVIEW_BUDGET_MS (default 400)."""
    try:
        return max(1.0, float(os.environ.get("AUGMENT_PREVIEW_BUDGET_MS", PREVIEW_BUDGET_MS))) / 1000
    except ValueError:
        return PREVIEW_BUDGET_MS / 1000


def cut_text(preview: Preview, config: AugmentConfig) -> str:
    """Why fewer tiles than asked are shown, and how to get more."""
    per_tile = preview.tile_seconds * 1000
    why = (
        f" (interpolation_order={config.interpolation_order} with fill_mode={config.fill_mode!r} goes through "
        "SciPy, as in IDG: orders 0-1 with nearest, constant, reflect or wrap are many times faster)"
        if needs_scipy(config.fill_mode, config.interpolation_order)
        else ""
    )
    return (
        f"Showing {len(preview.tiles)} of {preview.wanted} tiles: one tile of these settings takes about "
        f"{per_tile:.0f} ms here{why}, and a move should not wait {preview.wanted * per_tile / 1000:.1f} s for "
        f"all of them. These are the first of the same draws; fewer tiles or a smaller image show more."
    )


def tile_side(count: int) -> int:
    """The width a tile is shown at, in px, when `count` tiles share the grid (a square of them):
    tiles are made at that size, so nothing is resized again on the way to the browser."""
    return min(THUMBNAIL_SIDE, GRID_WIDTH // max(1, math.ceil(math.sqrt(count))) - 8)


def _show_tiles(name: str, image: np.ndarray, preview: Preview | None, config: AugmentConfig) -> None:
    """The original and the tiles; on a phone pinned above the controls (page.PAGE_CSS).
    The tiles go as one list of images: one element for the browser to render, not one per
    tile and per column (a slider move's rerun costs the browser a few ms an element)."""
    with st.container(key="tile_grid"):
        original, grid = st.columns([1, 3], gap="medium")
        original.image(jpeg(image), caption=f"Original: {name}", width="stretch", output_format="JPEG")
        tiles, labels = (preview.tiles, preview.labels) if preview is not None else ([], [])
        if len(tiles):
            # Made at the width they are shown (`make_preview`): Streamlit would decode, resize
            # and encode again each tile wider than that (half of a slider move's server time).
            grid.image(
                [jpeg(tile) for tile in tiles],
                caption=list(labels),
                width=tile_side(preview.wanted),
                output_format="JPEG",
            )
        if preview is not None and preview.cut:
            grid.caption(cut_text(preview, config))


def _show_doctor(
    config: AugmentConfig, image: np.ndarray, input_range: str, fill: float | None, size: tuple[int, int]
) -> None:
    findings = diagnose(config, [image], input_range=input_range, mean_fill_fraction=fill, size=size)
    if not findings and not config.active_transforms():
        st.info(
            "Nothing to diagnose yet: no random transform is on, so every tile is the original. "
            f"{START_HERE}, and the doctor explains what it really does."
        )
    elif not findings:
        st.success("The doctor has nothing to say about these settings.")
    for finding in findings:
        show_finding(st, finding)


def _show_export(state: PageState, image_shape) -> None:
    """The config as code, JSON, or the way in for a pasted one: only the chosen one is drawn
    (every element drawn costs the browser time at each slider move, and `st.tabs` drawing
    all five made each redraw of the page ~7 ms longer)."""
    shown = widgets.segmented(
        st,
        "Take it home as",
        EXPORTS,
        key="export_tab",
        shown=state.preview.export,
        write=part_writer("preview", "export"),
        label_visibility="collapsed",
    )
    config = state.config
    drawers = {
        "ImageDataGenerator": lambda: st.code(idg_code(config), language="python"),
        "Keras 3, exact": lambda: _exact_layer(config),
        "Keras 3 layers": lambda: _layers(config, image_shape),
        "JSON": lambda: _json(config),
        "Import": lambda: _import(state),
    }
    drawers.get(shown, drawers[EXPORTS[0]])()


def _exact_layer(config: AugmentConfig) -> None:
    exact, notes = exact_layer_code(config)
    st.code(exact, language="python")
    st.caption(
        "One layer, IDG's own warp and pointwise steps (explorer.IDGAugmentation): what this page "
        "previews, on any Keras 3 backend, in a model or a tf.data pipeline."
    )
    for note in notes:
        st.warning(note)


def _layers(config: AugmentConfig, image_shape) -> None:
    layers, notes = keras_layers_code(config, image_shape)
    st.code(layers, language="python")
    for note in notes:
        st.markdown(f"- {note}")


def _json(config: AugmentConfig) -> None:
    st.code(config_json(config), language="json")
    st.download_button(
        "Download JSON",
        config_json(config),
        file_name="augmentation.json",
        mime="application/json",
        key="download_json",
    )


def _import(state: PageState) -> None:
    widgets.text_area(
        st,
        "Paste an ImageDataGenerator(...) call or JSON",
        key=PASTE_KEY,
        shown=state.paste_text,
        write=part_writer("", "paste_text"),
        height=150,
    )
    st.button("Apply", key="apply_paste", on_click=import_pasted)
    for kind, text in session.take_messages("paste"):
        getattr(st, kind)(text)


def _training_size(state: PageState, original: tuple[int, int]) -> tuple[int, int]:
    """The size the doctor's pixel figures refer to: the user's training size, or the original's."""
    height, width = original
    widgets.text_input(
        st,
        "Training size (width x height, px)",
        key="training_size",
        shown=state.preview.training_size,
        write=part_writer("preview", "training_size"),
        placeholder=f"{width} x {height}",
        help="The size IDG sees your images at in training (e.g. flow_from_directory's target_size). "
        "The doctor's pixel figures use it; empty: the original's size. The preview keeps the "
        "image's own shape.",
    )
    try:
        return parse_size(state.preview.training_size) or original
    except ValueError as error:
        st.warning(f"{error}. The doctor uses the original's size, {width} x {height}.")
        return original


def _scale_note(config: AugmentConfig, shown: tuple[int, int], size: tuple[int, int]) -> None:
    """Where the preview's scale matters: settings given in pixels look larger (or smaller)
    in a preview made at another size than training."""
    scale = shown[1] / size[1]
    in_pixels = [
        name
        for name in ("width_shift_range", "height_shift_range")
        if name in config.active_transforms() and not isinstance(getattr(config, name), float)
    ]
    if math.isclose(scale, 1.0, rel_tol=0.01) or not in_pixels:
        return
    st.caption(
        f"The preview is {shown[1]} x {shown[0]} px, {scale:.3g} times your training size "
        f"({size[1]} x {size[0]}): {' and '.join(in_pixels)} in whole pixels move the preview "
        f"{1 / scale:.3g} times further, for its size, than training will."
    )


@st.fragment
def workspace(name: str, image: np.ndarray, original: tuple[int, int]) -> None:
    """The controls, the preview, the doctor and the export. `original`: (height, width) of
    the user's file, of which `image` may be a reduced copy.

    What the user waits for is sent first: the tiles are computed from the record and drawn
    before any widget, into their place below the widgets' slots."""
    if session.full_rerun_asked():
        st.rerun()  # a callback here changed what shows outside this fragment: draw the whole page
    state = session.record()
    if state.engine == "keras3":
        stack_workspace(f"{name} ({_size_text(original, image.shape[:2])})", image, original)
        return
    controls, main = st.columns([1, 3], gap="large")
    with controls, st.container(key="controls"):
        preset_slot, idg_controls = st.container(), st.container()
    with main:
        header = st.container(key="preview")  # the keyed containers are what a phone reorders
    preview = make_preview(image, state)
    with main:
        _show_tiles(f"{name} ({_size_text(original, image.shape[:2])})", image, preview, state.config)
    time.sleep(PAINT_PAUSE_S)  # the tiles reach the browser and are drawn before the rest comes
    with header:
        size = pipeline_controls(state, original)
        if not state.config.active_transforms():
            st.info(f"**Start here.** {START_HERE}: every tile is then what ImageDataGenerator makes of the image.")
        view_controls(state)
        if preview is None:
            st.info("No setting is active: nothing to show at its extremes.")
    with preset_slot:
        engine_switch(state)
        _preset_box(state)
    with idg_controls:
        _controls(state)
    with main, st.container(key="details"):
        _scale_note(state.config, image.shape[:2], size)
        st.subheader("Config doctor")
        fill = float(preview.fill_fractions.mean()) if preview is not None else None
        _show_doctor(state.config, image, state.preview.input_range, fill, size)
        st.subheader("Take it home")
        _show_export(state, (*size, image.shape[2]))
    session.write_link()


def pipeline_controls(state: PageState, original: tuple[int, int], fed_to: str = "IDG") -> tuple[int, int]:
    """What the pipeline feeds IDG (or the stack, `fed_to`), and the training size the
    doctor's pixel figures use."""
    fed, sized = st.columns([3, 2], vertical_alignment="bottom")
    widgets.radio(
        fed,
        f"Your pipeline feeds {fed_to}",
        INPUT_RANGES,
        key="input_range",
        shown=state.preview.input_range,
        write=part_writer("preview", "input_range"),
        horizontal=True,
        format_func=_range_label,
    )
    with sized:
        return _training_size(state, original)


def _range_label(input_range: str) -> str:
    return "0..255 (images as loaded)" if input_range == "0-255" else "0..1 (already divided by 255)"


def _size_text(original: tuple[int, int], shown: tuple[int, int]) -> str:
    text = f"{original[1]} x {original[0]}"
    return text if tuple(shown) == tuple(original) else f"{text}; previewed at {shown[1]} x {shown[0]}"
