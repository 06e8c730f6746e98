"""The page's state: the controls' values for a config and back, the session state that keeps
them across reruns, the link that restores them, and the callbacks that change them.

Every control's key is its ImageDataGenerator keyword, so `st.session_state[name]` is the
setting's control value.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import streamlit as st

from ..augment.config import FILL_MODES, INPUT_RANGES, AugmentConfig
from ..augment.presets import PRESETS, preset
from ..diagnostics.script import ScriptReport, doctor_script
from ..errors import InputError
from ..interchange.paste import UNSUPPORTED, SeveralCalls, read_config_text, split_idg_kwargs
from ..interchange.urlstate import config_from_query, config_to_query
from .link import SECTIONS, page_query, restore_page

DEFAULT_TILES = 9
# The values each control can show; a setting outside them is kept as imported (`kept_values`).
SLIDER_LIMITS = {"rotation_range": 180.0, "shear_range": 60.0, "shift": 0.99, "factor": (0.1, 3.0),
                 "channel_shift_range": 255.0, "cval": 255.0, "rescale": 1.0}
ORDERS = (1, 0, 2, 3, 4, 5)
CUSTOM = "custom"  # the preset box's word for settings that are none of the presets


def widget_values(config: AugmentConfig) -> dict:
    """The controls' values for a config. A setting no control position shows (see
    `kept_values`) gets its default here: the control is disabled and the value kept aside."""
    kept = kept_values(config)
    shown = dataclasses.replace(config, **{name: getattr(AugmentConfig(), name) for name in kept})
    low, high = shown.zoom_bounds
    return {
        "rotation_range": float(shown.rotation_range),
        "width_shift_range": float(shown.width_shift_range),
        "height_shift_range": float(shown.height_shift_range),
        "shear_range": float(shown.shear_range),
        "zoom_range": (float(low), float(high)),
        "brightness_range": tuple(shown.brightness_range) if shown.brightness_range else (1.0, 1.0),
        "channel_shift_range": float(shown.channel_shift_range),
        "horizontal_flip": shown.horizontal_flip,
        "vertical_flip": shown.vertical_flip,
        "fill_mode": shown.fill_mode,
        "cval": float(shown.cval),
        "interpolation_order": shown.interpolation_order,
        "rescale": float(shown.rescale or 0.0),
        "samplewise_center": shown.samplewise_center,
        "samplewise_std_normalization": shown.samplewise_std_normalization,
    }


def kept_values(config: AugmentConfig) -> dict:
    """The settings of `config` that no control position shows, as IDG was given them:
    negative or large ranges, shift ranges in pixels or lists, zoom and brightness pairs
    outside 0.1..3 or in decreasing order, brightness (1, 1) (not off: IDG still rounds
    through uint8), rescale 0 or above 1, fill modes and orders that only matter when
    something warps."""
    return {name: getattr(config, name) for name in _SHOWN
            if not _SHOWN[name](getattr(config, name))}


def _within(high: float, low: float = 0.0):
    return lambda value: low <= value <= high


def _shift_shown(value) -> bool:
    return isinstance(value, (int, float)) and 0 <= value <= SLIDER_LIMITS["shift"] and (
        isinstance(value, float) or value == 0)


def _zoom_shown(value) -> bool:
    low, high = (1 - value, 1 + value) if isinstance(value, (int, float)) else value
    return value == 0 or SLIDER_LIMITS["factor"][0] <= low <= high <= SLIDER_LIMITS["factor"][1]


def _brightness_shown(pair) -> bool:
    low, high = SLIDER_LIMITS["factor"]
    return pair is None or (low <= pair[0] <= pair[1] <= high and tuple(pair) != (1.0, 1.0))


_SHOWN = {
    "rotation_range": _within(SLIDER_LIMITS["rotation_range"]),
    "width_shift_range": _shift_shown,
    "height_shift_range": _shift_shown,
    "shear_range": _within(SLIDER_LIMITS["shear_range"]),
    "zoom_range": _zoom_shown,
    "brightness_range": _brightness_shown,
    "channel_shift_range": _within(SLIDER_LIMITS["channel_shift_range"]),
    "cval": _within(SLIDER_LIMITS["cval"]),
    "rescale": lambda value: value is None or 0 < value <= SLIDER_LIMITS["rescale"],
    "fill_mode": lambda value: value in FILL_MODES,
    "interpolation_order": lambda value: value in ORDERS and isinstance(value, int),
}


def config_from_widgets(values: dict, kept: dict) -> AugmentConfig:
    """The config the controls describe, with the `kept` settings (see `kept_values`) as they
    are. A zoom range symmetric about 1 is written as IDG's float form (0.2, not
    [0.8, 1.2]); a brightness range of (1, 1) means off; rescale 0 means none."""
    low, high = values["zoom_range"]
    zoom = round(high - 1, 6) if math.isclose(low + high, 2.0) and high >= 1 else (low, high)
    brightness = tuple(values["brightness_range"])
    kwargs = dict(values)
    kwargs.update(
        zoom_range=zoom,
        brightness_range=None if brightness == (1.0, 1.0) else brightness,
        rescale=values["rescale"] or None,
        rotation_range=float(values["rotation_range"]),
        shear_range=float(values["shear_range"]),
    )
    kwargs.update(kept)
    return AugmentConfig(**kwargs)


def control_values() -> dict:
    """The controls' current values by IDG keyword."""
    return {key: st.session_state[key] for key in widget_values(AugmentConfig())}


def apply_config(config: AugmentConfig) -> None:
    """Make the controls show `config` (call before they are drawn, e.g. in a callback)."""
    st.session_state.update(widget_values(config))
    st.session_state["kept_settings"] = kept_values(config)


def current_config() -> AugmentConfig:
    """The config the controls describe, drawn or not (the preview's section may be closed);
    the last good one while they describe none."""
    try:
        return config_from_widgets(control_values(), st.session_state.get("kept_settings", {}))
    except (KeyError, ValueError):
        return st.session_state.get("config", AugmentConfig())


def keep_upload(key: str, uploader: Callable[[], object]) -> None:
    """In a closed section, its file uploader `key` drawn again (in a hidden container) while
    it holds files: Streamlit forgets the files of an uploader that a run does not
    draw, and they must still be there when the section opens. `uploader` draws it exactly
    as the section does (same label and options, so the same widget)."""
    if st.session_state.get(key):
        uploader()


def keep_controls() -> None:
    """Streamlit forgets a widget's value in any run that does not draw it (no image yet,
    the extremes view...); the last values are kept aside and put back."""
    kept = st.session_state.get("controls_kept") or {**widget_values(AugmentConfig()), "seed": 0,
                                                     "tiles": DEFAULT_TILES}
    for key, value in kept.items():
        st.session_state.setdefault(key, value)


# The widgets of each closed section whose values must outlive the runs that do not draw them.
PREVIEW_KEYS = (*widget_values(AugmentConfig()), "seed", "tiles", "view", "tint_fill", "training_size",
                "input_range", "image_source", "sample", "demo", "demo_index", "upload_choice", "paste_text",
                "export_tab")
SCRIPT_KEYS = ("script_text",)


def keep_closed(keys) -> None:
    """In a run that does not draw these widgets (their section is closed), their values set
    again through the session: a value set that way is the session's own, and Streamlit keeps
    it where it would drop an undrawn widget's. Never for widgets drawn in the run: the value
    set would go back to the browser and could undo a move made since."""
    state = st.session_state
    for key in keys:
        if key in state:
            state[key] = state[key]


def remember_controls(values: dict, config: AugmentConfig) -> None:
    """After the controls are drawn: keep their values aside and put the state in the link."""
    seed, tiles = st.session_state.get("seed", 0), st.session_state.get("tiles", DEFAULT_TILES)
    st.session_state["config"] = config
    st.session_state["controls_kept"] = {**values, "seed": seed, "tiles": tiles}
    write_link()


def write_link() -> None:
    """The whole page state in the link: the config, seed, tiles and input range, and the
    page values of `link.SETTINGS` that differ from their defaults."""
    state = st.session_state
    query = {**config_to_query(state.get("config", AugmentConfig())), "seed": str(state.get("seed", 0)),
             "tiles": str(state.get("tiles", DEFAULT_TILES)), "input_range": state.get("input_range", INPUT_RANGES[0]),
             **page_query()}
    if query != st.query_params.to_dict():
        st.query_params.from_dict(query)


def start_from_url() -> None:
    """On a session's first run, the config (or a preset named alone), the seed, tiles, input
    range and the other page values (`link.restore_page`) from the link."""
    if "started" in st.session_state:
        return
    st.session_state["started"] = True
    query = st.query_params.to_dict()
    config, problems = config_from_query(query)
    named = query.get("preset")
    if named in PRESETS and not set(query) & {field.name for field in dataclasses.fields(AugmentConfig)}:
        config = preset(named)
    apply_config(config)
    problems += restore_page(query)
    try:
        st.session_state["seed"] = max(0, min(2**31 - 1, int(query.get("seed", 0))))
        st.session_state["tiles"] = max(1, min(36, int(query.get("tiles", DEFAULT_TILES))))
    except ValueError:
        problems.append("Ignored a seed or tile count from the link that is not a whole number.")
    if query.get("input_range") in INPUT_RANGES:
        st.session_state["input_range"] = query["input_range"]
    st.session_state["url_problems"] = problems


# -- callbacks ------------------------------------------------------------------------------

def use_preset(name: str) -> None:
    """Set the controls to a preset (call before they are drawn)."""
    apply_config(preset(name))


def matching_preset() -> str:
    """The preset the controls show exactly, or 'custom'."""
    try:
        config = config_from_widgets(control_values(), st.session_state.get("kept_settings", {}))
    except (KeyError, ValueError):
        return CUSTOM
    return next((name for name in PRESETS if preset(name) == config), CUSTOM)


def import_pasted() -> None:
    """Import the pasted config; the IDG arguments the preview does not model are named
    with why. A text with several IDG calls (a whole script) goes to the script doctor."""
    text = st.session_state.get("paste_text", "")
    try:
        pasted = read_config_text(text)
    except SeveralCalls as several:
        st.session_state["script_text"] = text
        check_script(text, "pasted script")
        st.session_state["rerun_page"] = True  # the script doctor is outside the preview's fragment
        st.session_state["section"] = SECTIONS["script"]
        st.session_state["notice"] = ("info", f"{several}. The script doctor reads the whole script: load the "
                                      "call you want from there.")
        return
    except InputError as error:
        st.session_state["paste_message"] = ("error", str(error))
        return
    apply_config(pasted.config)
    message = "Imported: the controls now show the pasted settings."
    if pasted.set_aside:
        message += " Set aside (ImageDataGenerator arguments the preview does not model):" + "".join(
            f"\n- `{argument}`: {why}" for argument, why in pasted.set_aside.items())
    mistakes = _script_mistakes(text)
    if mistakes:
        message += (f"\n\nThe pasted code around the call has {mistakes} mistake{'s' if mistakes > 1 else ''} of its "
                    "own (how the generator is used): see *Script doctor*, at the top of the page.")
    st.session_state["paste_message"] = ("success", message)


def _script_mistakes(text: str) -> int:
    """Script-level findings in pasted code that held one IDG call among other code; the
    report goes to the script doctor's panel when there are any."""
    try:
        report = doctor_script(text, "pasted code")
    except InputError:  # JSON, or nothing a script reading adds to
        return 0
    count = sum(not finding.code.startswith("config:") for finding in report.findings)
    if count:
        st.session_state["script_text"] = text
        st.session_state["script_result"] = ("pasted code", report)
    return count


def new_samples() -> None:
    st.session_state["seed"] = (st.session_state.get("seed", 0) + 1) % 2**31


def release_setting(key: str) -> None:
    """Let the control set `key` again, from its default, instead of the imported value."""
    st.session_state["kept_settings"].pop(key, None)


def check_script(data: bytes | str, name: str) -> None:
    """Run the script doctor on a pasted or uploaded script; the report (or the reason it
    cannot be read) is kept in the session until the next check."""
    try:
        st.session_state["script_result"] = (name, doctor_script(data, name))
    except InputError as error:
        st.session_state["script_result"] = (name, str(error))


def check_pasted_script() -> None:
    check_script(st.session_state.get("script_text", ""), "pasted script")


def check_uploaded_script() -> None:
    upload = st.session_state.get("script_upload")
    if upload is not None:
        check_script(upload.getvalue(), upload.name)


def load_call(index: int) -> None:
    """Load the script's `index`-th ImageDataGenerator call into the controls."""
    name, report = st.session_state["script_result"]
    if not isinstance(report, ScriptReport) or index >= len(report.calls) or report.calls[index].config is None:
        return
    call = report.calls[index]
    apply_config(call.config)
    _, others = split_idg_kwargs({**call.kwargs, **call.unreadable})
    aside = [f"{argument} ({UNSUPPORTED[argument]})" for argument in others if argument in UNSUPPORTED]
    where = f"line {call.line}" + (f" of cell {call.cell}" if call.cell is not None else "")
    st.session_state["section"] = SECTIONS["preview"]  # where the loaded settings show
    st.session_state["notice"] = ("success", (
        f"Loaded {call.target or 'the ImageDataGenerator call'} ({where} of {name}) into the controls."
        + (" Set aside: " + "; ".join(aside) + "." if aside else "")))
