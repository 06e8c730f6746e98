"""The preview workspace: every IDG control, the grid of what IDG produces, the config
doctor and the export/import tabs, in one fragment so moving a slider reruns only them.

The preview runs on the NumPy/OpenCV engine (`preview`); TensorFlow is never imported here.
"""

from __future__ import annotations

import math
import time

import cv2
import numpy as np
import streamlit as st

from ..augment.config import FILL_MODES, INPUT_RANGES, AugmentConfig
from ..augment.presets import PRESETS
from ..diagnostics.doctor import diagnose
from ..interchange.export import config_json, exact_layer_code, idg_code, keras_layers_code
from .link import VIEWS, parse_size
from .preview import extremes, random_grid, render
from .state import (
    CUSTOM,
    ORDERS,
    config_from_widgets,
    control_values,
    import_pasted,
    keep_controls,
    matching_preset,
    new_samples,
    release_setting,
    remember_controls,
    use_preset,
)

# The server shares its cores with the browser and the other sessions: OpenCV's own worker
# threads made a 9-tile preview 2x slower there (36 ms against 16 ms, bench_latency.py's page).
cv2.setNumThreads(1)
GRID_WIDTH = 660  # px the tiles of a row share: the grid's width at 1440 px (narrower pages wrap them)
THUMBNAIL_SIDE = 320  # tiles are made at most this large (`_tile_side`: the width they are shown at)
# A slider move reruns this fragment: the tiles, then ~60 elements that the move changed little
# (controls, header, doctor, export). The browser applies each message at 1-2 ms and redraws
# the page every 10 ms while they come, so tiles that arrive in that stream wait for all of it:
# a move's median was 170 ms against a trivial page's 94 (tests/benchmarks/bench_latency.py).
# Pausing once the tiles are queued lets them be drawn alone: median 98-115 ms against 45 for
# the trivial page (40 moves; 0.05 s gave 115, 0.1 s 98-110). The pause holds no lock and no
# core; a newer move waits for it at most this long.
PAINT_PAUSE_S = 0.1
START_HERE = ("Pick a preset (the article's three examples), paste your ImageDataGenerator line under "
              "*Take it home → Import* (or a whole script under *Script doctor*, at the top), upload your own image "
              "under *Image*, or move a slider")


def _control(widget, label: str, *args, key: str, **kwargs) -> None:
    """One IDG control. A setting imported with a value no position of it shows (see
    `kept_values`) disables it and is named under it, with a way back to the control."""
    kept = st.session_state["kept_settings"]
    widget(label, *args, key=key, disabled=key in kept, **kwargs)
    if key in kept:
        st.caption(f"`{key}={_as_written(kept[key])}` as imported: no position of this control shows it. "
                   "The preview, the doctor and the export use it as it is.")
        st.button("Use the control instead", key=f"release_{key}", on_click=release_setting, args=(key,))


def _preset_box(shown: str) -> str:
    """The preset box, showing the preset the controls match (or 'custom'). Its key carries
    what it shows: a value the browser sends for an older box (a slider moved while a rerun
    was on its way) is then dropped, instead of applying a preset over the user's move."""
    key = f"preset_{shown}"
    for old in [name for name in st.session_state if str(name).startswith("preset_") and name != key]:
        del st.session_state[old]
    options = [*PRESETS, CUSTOM]
    st.session_state["preset_shown"] = st.session_state.get(key, shown)  # a preset just picked is shown
    return st.selectbox("Preset", options, index=options.index(shown), key=key,
                        help="The article's three examples, or nothing; 'custom' once a setting differs from them.")


def _as_written(value) -> str:
    return repr(list(value)) if isinstance(value, tuple) else repr(value)


def _order_name(order: int) -> str:
    return {0: "nearest (0)", 1: "bilinear (1)"}.get(order, f"spline {order}")


def _controls() -> dict:
    """The IDG controls; returns their values by IDG keyword."""
    _control(st.slider, "rotation_range (degrees)", 0.0, 180.0, step=1.0, key="rotation_range",
             help="Angle drawn from U(-r, r) degrees; positive turns the content counter-clockwise.")
    _control(st.slider, "height_shift_range (fraction of height)", 0.0, 0.99, step=0.01, key="height_shift_range",
             help="IDG swaps the axes: this moves the image LEFT/RIGHT, by up to this fraction of its HEIGHT.")
    _control(st.slider, "width_shift_range (fraction of width)", 0.0, 0.99, step=0.01, key="width_shift_range",
             help="IDG swaps the axes: this moves the image UP/DOWN, by up to this fraction of its WIDTH.")
    _control(st.slider, "shear_range (degrees)", 0.0, 60.0, step=0.1, key="shear_range",
             help="Shear angle drawn from U(-s, s) in DEGREES (0.2 means 0.2°).")
    _control(st.slider, "zoom_range (factor)", 0.1, 3.0, step=0.01, key="zoom_range",
             help="x and y zoom drawn independently from [low, high]. Above 1 zooms OUT (content "
             "shrinks); zoom_range=0.2 in code means [0.8, 1.2].")
    st.checkbox("horizontal_flip", key="horizontal_flip", help="Mirror left/right with probability 1/2.")
    st.checkbox("vertical_flip", key="vertical_flip", help="Mirror top/bottom with probability 1/2.")
    _control(st.selectbox, "fill_mode", FILL_MODES, key="fill_mode",
             help="What fills pixels sampled from outside the image. 'wrap' repeats with period n-1; "
             "the grid-* modes and 'mirror' go through SciPy, as in IDG.")
    _control(st.number_input, "cval (pixel value for 'constant')", 0.0, 255.0, step=1.0, key="cval")
    _control(st.slider, "brightness_range (factor, 1 = off)", 0.1, 3.0, step=0.01, key="brightness_range",
             help="IDG applies it through uint8: fractions are truncated, and 0..1 data becomes black.")
    _control(st.number_input, "channel_shift_range (pixel levels, input units)", 0.0, 255.0, step=0.1,
             format="%.2f", key="channel_shift_range",
             help="One offset for all channels, in the units IDG sees (0.1 of 0..255 is nothing), "
             "clipped to the image's own range.")
    _control(st.radio, "interpolation_order", ORDERS, key="interpolation_order", horizontal=True,
             format_func=_order_name,
             help="0 and 1 are fast; 2 to 5 are SciPy's splines, as IDG computes them: slow, and they smooth.")
    _control(st.number_input, "rescale (0 = none)", 0.0, 1.0, step=0.001, format="%.6f", key="rescale",
             help="Multiplies pixels after augmentation; 1/255 = 0.003922.")
    st.checkbox("samplewise_center", key="samplewise_center")
    st.checkbox("samplewise_std_normalization", key="samplewise_std_normalization")
    return control_values()


def _jpeg(pixels: np.ndarray) -> bytes:
    """uint8 H x W x C as JPEG bytes, encoded by OpenCV (Streamlit's own PNG or JPEG path
    through Pillow cost ~10 ms an image, most of a preview rerun)."""
    colour = pixels[..., 0] if pixels.shape[-1] == 1 else cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)
    ok, encoded = cv2.imencode(".jpg", np.ascontiguousarray(colour), [cv2.IMWRITE_JPEG_QUALITY, 92])
    return encoded.tobytes()


def _view_controls() -> None:
    """View, tint, tiles, seed and New samples; what does nothing in the current view is disabled."""
    top = st.columns([3, 2], vertical_alignment="bottom")
    top[0].radio("View", VIEWS, key="view", horizontal=True,
                 help="Extremes: each active setting alone at both ends of its range.")
    top[1].checkbox("Tint filled pixels", key="tint_fill", help="Magenta marks pixels IDG invented.")
    extreme = st.session_state.get("view") == VIEWS[1]
    draws = st.columns([4, 1.3, 1.3], vertical_alignment="bottom")
    still = " (the extremes view draws nothing at random)" if extreme else ""
    draws[0].slider("Tiles", 1, 36, key="tiles", disabled=extreme, help="How many random draws." + still)
    draws[1].number_input("Seed", 0, 2**31 - 1, step=1, key="seed", disabled=extreme,
                          help="The same seed draws the same tiles." + still)
    draws[2].button("New samples", key="new_samples", on_click=new_samples, disabled=extreme,
                    help="Draw again (next seed)." + still)


def _make_preview(image: np.ndarray, config: AugmentConfig, input_range: str):
    """The preview the view's controls ask for, from their values in the session (None:
    nothing to show at the extremes)."""
    state = st.session_state
    options = dict(input_range=input_range, tint_fill=bool(state.get("tint_fill")))
    if state.get("view") == VIEWS[1]:
        cases = extremes(config, image.shape)
        if not cases:
            return None
        return render(image, config, [params for _, params in cases], labels=[label for label, _ in cases],
                      thumbnail=_tile_side(len(cases)), **options)
    count = int(state["tiles"])
    return random_grid(image, config, count, int(state["seed"]), thumbnail=_tile_side(count), **options)


def _tile_side(count: int) -> int:
    """The width a tile is shown at, in px, when `count` tiles share the grid (a square of them):
    tiles are made at that size, so nothing is resized again on the way to the browser."""
    return min(THUMBNAIL_SIDE, GRID_WIDTH // max(1, math.ceil(math.sqrt(count))) - 8)


def _show_tiles(name: str, image: np.ndarray, preview) -> None:
    """The original and the tiles; on a phone pinned above the controls (page.PAGE_CSS).
    The tiles go as one list of images: one element for the browser to render, not one per
    tile and per column (a slider move's rerun costs the browser a few ms an element)."""
    with st.container(key="tile_grid"):
        original, grid = st.columns([1, 3], gap="medium")
        original.image(_jpeg(image), caption=f"Original: {name}", width="stretch", output_format="JPEG")
        tiles, labels = (preview.tiles, preview.labels) if preview is not None else ([], [])
        if len(tiles):
            # Made at the width they are shown (`_make_preview`): Streamlit would decode, resize
            # and encode again each tile wider than that (half of a slider move's server time).
            grid.image([_jpeg(tile) for tile in tiles], caption=list(labels), width=_tile_side(len(tiles)),
                       output_format="JPEG")


def _show_doctor(config: AugmentConfig, image: np.ndarray, input_range: str, fill: float | None,
                 size: tuple[int, int]) -> None:
    findings = diagnose(config, [image], input_range=input_range, mean_fill_fraction=fill, size=size)
    if not findings and not config.active_transforms():
        st.info("Nothing to diagnose yet: no random transform is on, so every tile is the original. "
                f"{START_HERE}, and the doctor explains what it really does.")
    elif not findings:
        st.success("The doctor has nothing to say about these settings.")
    for finding in findings:
        show = st.warning if finding.severity == "warning" else st.info
        show(f"**{finding.setting or 'general'}**: {finding.message}  \nFix: {finding.fix}")


EXPORTS = ("ImageDataGenerator", "Keras 3, exact", "Keras 3 layers", "JSON", "Import")


def _show_export(config: AugmentConfig, image_shape) -> None:
    """The config as code, JSON, or the way in for a pasted one: only the chosen one is drawn
    (every element drawn costs the browser time at each slider move, and `st.tabs` drawing
    all five made each redraw of the page ~7 ms longer)."""
    st.session_state.setdefault("export_tab", EXPORTS[0])  # its value, not a default of the widget's own
    shown = st.segmented_control("Take it home as", EXPORTS, key="export_tab", required=True,
                                 label_visibility="collapsed")
    drawers = {"ImageDataGenerator": lambda: st.code(idg_code(config), language="python"),
               "Keras 3, exact": lambda: _exact_layer(config), "Keras 3 layers": lambda: _layers(config, image_shape),
               "JSON": lambda: _json(config), "Import": _import}
    drawers[shown]()


def _exact_layer(config: AugmentConfig) -> None:
    exact, notes = exact_layer_code(config)
    st.code(exact, language="python")
    st.caption("One layer, IDG's own warp and pointwise steps (explorer.IDGAugmentation): what this page "
               "previews, on any Keras 3 backend, in a model or a tf.data pipeline.")
    for note in notes:
        st.warning(note)


def _layers(config: AugmentConfig, image_shape) -> None:
    layers, notes = keras_layers_code(config, image_shape)
    st.code(layers, language="python")
    for note in notes:
        st.markdown(f"- {note}")


def _json(config: AugmentConfig) -> None:
    st.code(config_json(config), language="json")
    st.download_button("Download JSON", config_json(config), file_name="augmentation.json",
                       mime="application/json", key="download_json")


def _import() -> None:
    st.text_area("Paste an ImageDataGenerator(...) call or JSON", key="paste_text", height=150)
    st.button("Apply", key="apply_paste", on_click=import_pasted)
    message = st.session_state.pop("paste_message", None)
    if message:
        getattr(st, message[0])(message[1])


def _training_size(original: tuple[int, int]) -> tuple[int, int]:
    """The size the doctor's pixel figures refer to: the user's training size, or the original's."""
    height, width = original
    st.text_input("Training size (width x height, px)", key="training_size", placeholder=f"{width} x {height}",
                  help="The size IDG sees your images at in training (e.g. flow_from_directory's target_size). "
                       "The doctor's pixel figures use it; empty: the original's size. The preview keeps the "
                       "image's own shape.")
    try:
        return parse_size(st.session_state.get("training_size", "")) or original
    except ValueError as error:
        st.warning(f"{error}. The doctor uses the original's size, {width} x {height}.")
        return original


def _scale_note(config: AugmentConfig, shown: tuple[int, int], size: tuple[int, int]) -> None:
    """Where the preview's scale matters: settings given in pixels look larger (or smaller)
    in a preview made at another size than training."""
    scale = shown[1] / size[1]
    in_pixels = [name for name in ("width_shift_range", "height_shift_range")
                 if name in config.active_transforms() and not isinstance(getattr(config, name), float)]
    if math.isclose(scale, 1.0, rel_tol=0.01) or not in_pixels:
        return
    st.caption(f"The preview is {shown[1]} x {shown[0]} px, {scale:.3g} times your training size "
               f"({size[1]} x {size[0]}): {' and '.join(in_pixels)} in whole pixels move the preview "
               f"{1 / scale:.3g} times further, for its size, than training will.")


@st.fragment
def workspace(name: str, image: np.ndarray, original: tuple[int, int]) -> None:
    """The controls, the preview, the doctor and the export. `original`: (height, width) of
    the user's file, of which `image` may be a reduced copy.

    What the user waits for is sent first: the tiles are computed from the controls' values in
    the session and drawn before any widget, into their place below the widgets' slots."""
    if st.session_state.pop("rerun_page", False):
        st.rerun()  # an import went to the script doctor, outside this fragment: draw the whole page
    keep_controls()  # a fragment rerun does not pass through the page's own call
    shown = _take_preset()
    controls, main = st.columns([1, 3], gap="large")
    with controls, st.container(key="controls"):
        preset_slot, idg_controls = st.container(), st.container()
    with main:
        header = st.container(key="preview")  # the keyed containers are what a phone reorders
    values, input_range = control_values(), st.session_state.get("input_range", INPUT_RANGES[0])
    try:
        config, problem = config_from_widgets(values, st.session_state["kept_settings"]), None
    except ValueError as error:
        config, problem = None, str(error)
    preview = _make_preview(image, config, input_range) if config is not None else None
    if config is not None:
        with main:
            _show_tiles(f"{name} ({_size_text(original, image.shape[:2])})", image, preview)
        time.sleep(PAINT_PAUSE_S)  # the tiles reach the browser and are drawn before the rest comes
    with header:
        input_range_drawn, size = _pipeline(original)
        if problem:
            st.error(problem)
        elif not config.active_transforms():
            st.info(f"**Start here.** {START_HERE}: every tile is then what ImageDataGenerator makes of the image.")
        _view_controls()
        if config is not None and preview is None:
            st.info("No setting is active: nothing to show at its extremes.")
    with preset_slot:
        _preset_box(shown)
    with idg_controls:
        drawn = _controls()
    _redraw_if_changed({**values, "input_range": input_range}, {**drawn, "input_range": input_range_drawn})
    if config is None:
        return
    with main, st.container(key="details"):
        _scale_note(config, image.shape[:2], size)
        st.subheader("Config doctor")
        fill = float(preview.fill_fractions.mean()) if preview is not None else None
        _show_doctor(config, image, input_range, fill, size)
        st.subheader("Take it home")
        _show_export(config, (*size, image.shape[2]))
    remember_controls(values, config)


def _take_preset() -> str:
    """A preset picked in the box (read from the session before the box is drawn) is applied
    to the controls; returns what the box shows."""
    shown = matching_preset()
    chosen = st.session_state.get(f"preset_{shown}", shown)
    if chosen != shown and chosen in PRESETS:
        use_preset(chosen)
    return shown


def _redraw_if_changed(used: dict, drawn: dict) -> None:
    """The preview was made from the session's values before the widgets were drawn; if a
    widget showed another value, draw again (once) with what it shows."""
    redraw = _plain(drawn) != _plain(used) and not st.session_state.get("redrawn")
    st.session_state["redrawn"] = redraw
    if redraw:
        st.rerun(scope="fragment")


def _plain(values: dict) -> dict:
    return {key: tuple(value) if isinstance(value, list) else value for key, value in values.items()}


def _pipeline(original: tuple[int, int]) -> tuple[str, tuple[int, int]]:
    """What the pipeline feeds IDG, and the training size the doctor's pixel figures use."""
    fed, sized = st.columns([3, 2], vertical_alignment="bottom")
    with fed:
        input_range = st.radio(
            "Your pipeline feeds IDG", INPUT_RANGES, key="input_range", horizontal=True,
            format_func=lambda r: "0..255 (images as loaded)" if r == "0-255" else "0..1 (already divided by 255)",
        )
    with sized:
        size = _training_size(original)
    return input_range, size


def _size_text(original: tuple[int, int], shown: tuple[int, int]) -> str:
    text = f"{original[1]} x {original[0]}"
    return text if tuple(shown) == tuple(original) else f"{text}; previewed at {shown[1]} x {shown[0]}"
