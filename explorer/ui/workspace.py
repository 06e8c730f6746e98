"""The preview workspace: every IDG control, the grid of what IDG produces, the config
doctor and the export/import tabs, in one fragment so moving a slider reruns only them.

The preview runs on the NumPy/OpenCV engine (`preview`); TensorFlow is never imported here.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import streamlit as st

from ..augment.config import FILL_MODES, INPUT_RANGES, AugmentConfig
from ..augment.presets import PRESETS
from ..diagnostics.doctor import diagnose
from ..interchange.export import config_json, idg_code, keras_layers_code
from .preview import extremes, random_grid, render
from .state import (
    ORDERS,
    config_from_widgets,
    control_values,
    import_pasted,
    new_samples,
    release_setting,
    remember_controls,
    use_preset,
)

THUMBNAIL_SIDE = 320  # tiles are sent to the browser at most this large (they show ~250 px wide)


def _control(widget, label: str, *args, key: str, **kwargs) -> None:
    """One IDG control. A setting imported with a value no position of it shows (see
    `kept_values`) disables it and is named under it, with a way back to the control."""
    kept = st.session_state["kept_settings"]
    widget(label, *args, key=key, disabled=key in kept, **kwargs)
    if key in kept:
        st.caption(f"`{key}={_as_written(kept[key])}` as imported: no position of this control shows it. "
                   "The preview, the doctor and the export use it as it is.")
        st.button("Use the control instead", key=f"release_{key}", on_click=release_setting, args=(key,))


def _as_written(value) -> str:
    return repr(list(value)) if isinstance(value, tuple) else repr(value)


def _order_name(order: int) -> str:
    return {0: "nearest (0)", 1: "bilinear (1)"}.get(order, f"spline {order}")


def _controls() -> dict:
    """The IDG controls; returns their values by IDG keyword."""
    st.selectbox("Preset", list(PRESETS), key="preset", on_change=use_preset,
                 help="The article's three examples, or nothing.")
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


def _show_preview(name: str, image: np.ndarray, config: AugmentConfig, input_range: str):
    top = st.columns([2, 1, 1, 1])
    view = top[0].radio("View", ["Random draws", "Extremes"], key="view", horizontal=True,
                        help="Extremes: each active setting alone at both ends of its range.")
    tint = top[1].checkbox("Tint filled pixels", key="tint_fill", help="Magenta marks pixels IDG invented.")
    top[2].number_input("Seed", 0, 2**31 - 1, step=1, key="seed")
    top[3].button("New samples", on_click=new_samples, help="Draw again (next seed).")
    options = dict(input_range=input_range, tint_fill=tint, thumbnail=THUMBNAIL_SIDE)
    if view == "Extremes":
        cases = extremes(config, image.shape)
        if not cases:
            st.info("No setting is active: nothing to show at its extremes.")
            return None
        preview = render(image, config, [params for _, params in cases], labels=[label for label, _ in cases],
                         **options)
    else:
        count = st.slider("Tiles", 1, 36, key="tiles")
        preview = random_grid(image, config, count, st.session_state["seed"], **options)
    original, grid = st.columns([1, 3], gap="medium")
    height, width = image.shape[:2]
    original.image(_jpeg(image), caption=f"Original: {name} ({width} x {height})", width="stretch")
    per_row = max(1, math.ceil(math.sqrt(len(preview.tiles))))
    for start in range(0, len(preview.tiles), per_row):
        for column, tile, text in zip(grid.columns(per_row), preview.tiles[start:start + per_row],
                                      preview.labels[start:start + per_row]):
            column.image(_jpeg(tile), caption=text, width="stretch")
    return preview


def _show_doctor(config: AugmentConfig, image: np.ndarray, input_range: str, fill: float | None) -> None:
    findings = diagnose(config, [image], input_range=input_range, mean_fill_fraction=fill)
    if not findings:
        st.success("The doctor has nothing to say about these settings.")
    for finding in findings:
        show = st.warning if finding.severity == "warning" else st.info
        show(f"**{finding.setting or 'general'}**: {finding.message}  \nFix: {finding.fix}")


def _show_export(config: AugmentConfig, image_shape) -> None:
    code_tab, layers_tab, json_tab, import_tab = st.tabs(["ImageDataGenerator", "Keras 3 layers", "JSON", "Import"])
    code_tab.code(idg_code(config), language="python")
    layers, notes = keras_layers_code(config, image_shape)
    layers_tab.code(layers, language="python")
    for note in notes:
        layers_tab.markdown(f"- {note}")
    json_tab.code(config_json(config), language="json")
    json_tab.download_button("Download JSON", config_json(config), file_name="augmentation.json",
                             mime="application/json", key="download_json")
    import_tab.text_area("Paste an ImageDataGenerator(...) call or JSON", key="paste_text", height=150)
    import_tab.button("Apply", key="apply_paste", on_click=import_pasted)
    message = st.session_state.pop("paste_message", None)
    if message:
        getattr(import_tab, message[0])(message[1])


@st.fragment
def workspace(name: str, image: np.ndarray) -> None:
    if st.session_state.pop("rerun_page", False):
        st.rerun()  # an import went to the script doctor, outside this fragment: draw the whole page
    controls, main = st.columns([1, 3], gap="large")
    with controls:
        values = _controls()
    with main:
        input_range = st.radio(
            "Your pipeline feeds IDG", INPUT_RANGES, key="input_range", horizontal=True,
            format_func=lambda r: "0..255 (images as loaded)" if r == "0-255" else "0..1 (already divided by 255)",
        )
        try:
            config = config_from_widgets(values, st.session_state["kept_settings"])
        except ValueError as error:
            st.error(str(error))
            return
        preview = _show_preview(name, image, config, input_range)
        st.subheader("Config doctor")
        fill = float(preview.fill_fractions.mean()) if preview is not None else None
        _show_doctor(config, image, input_range, fill)
        st.subheader("Take it home")
        _show_export(config, image.shape)
    remember_controls(values, config, input_range)
