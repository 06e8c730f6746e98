"""The page's state as one typed record, and the pure functions that change it.

`PageState` is the page's single source of truth: the IDG settings (`config`, imported
values no control shows included), the image, the preview's view, the train panel's
settings, the run shown, the open section and the texts typed into the page. It is kept in
the session (`session`); widgets are drawn from it and write back to it (`widgets`), so a
widget that a run does not draw (its section closed) loses nothing. The link (`link`), the
preview, the doctor, the export and Train read the record and nothing else.

Nothing here imports Streamlit: the tests and the browser walk use the same functions as
the page to say what the page must show.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field, replace
from typing import Any

from ..augment.config import FILL_MODES, INPUT_RANGES, AugmentConfig
from ..augment.presets import PRESETS, preset
from ..data.demos import DEMO_NAMES
from ..experiments.records.spec import COMPARE, FROM_SCRATCH, SMALL_CNN, SUGGEST, SearchSettings, TrainSettings
from ..experiments.records.stack_arm import IN_MODEL
from ..interchange.export import keras_layers_code

# The values a record holds are names; the page shows their labels.
SOURCES = {"samples": "Samples", "upload": "Upload", "demo": "Demo datasets"}
SECTIONS = {"preview": "Preview", "script": "Script doctor", "train": "Train and compare"}
VIEWS = {"draws": "Random draws", "extremes": "Extremes"}
EXPORTS = ("ImageDataGenerator", "Keras 3, exact", "Keras 3 layers", "JSON", "Import")
# What the preview augments with: the IDG settings (`config`) or a Keras 3 stack (`stack_text`).
ENGINES = {"idg": "ImageDataGenerator", "keras3": "Keras 3 layers"}
MAX_STACK_CHARS = 6000  # a stack of a few dozen layers with comments; a link stays a link
DEFAULT_SAMPLE = "coffee.jpg"
DEFAULT_TILES = 9
MAX_TILES = 36
MAX_SEED = 2**31 - 1
DEFAULT_APPLICATION = "MobileNetV3Small"
# The values each control can show; a setting outside them is kept as imported (`kept_values`).
SLIDER_LIMITS = {
    "rotation_range": 180.0,
    "shear_range": 60.0,
    "shift": 0.99,
    "factor": (0.1, 3.0),
    "channel_shift_range": 255.0,
    "cval": 255.0,
    "rescale": 1.0,
}
ORDERS = (1, 0, 2, 3, 4, 5)
CUSTOM = "custom"  # the preset box's word for settings that are none of the presets
_TRAIN, _SEARCH = TrainSettings(), SearchSettings()


@dataclass(frozen=True)
class ImageChoice:
    """The image the preview augments: a shipped sample, a demo dataset's image or an upload
    (by file name; the file itself stays in its uploader)."""

    source: str = "samples"  # a key of SOURCES
    sample: str = DEFAULT_SAMPLE
    demo: str = DEMO_NAMES[0]
    demo_index: int = 0
    upload: str | None = None


@dataclass(frozen=True)
class PreviewChoice:
    """How the preview shows the config: the view, the tint of invented pixels, how many tiles
    from which seed, what the user's pipeline feeds IDG, the training size the doctor's pixel
    figures use ('' = the original's, else 'width x height') and the export shown."""

    view: str = "draws"  # a key of VIEWS
    tint: bool = False
    tiles: int = DEFAULT_TILES
    seed: int = 0
    input_range: str = INPUT_RANGES[0]
    training_size: str = ""
    export: str = EXPORTS[0]


@dataclass(frozen=True)
class TrainChoice:
    """The train panel's settings: the dataset, the model, the mode and how every arm trains."""

    dataset: str = DEMO_NAMES[0]
    folder: str = ""  # "your folder": a folder under the server's data root, as typed
    mode: str = COMPARE
    leave_one_out: bool = True  # the ablation names interactions only with it (the CLI's default too)
    epochs: int = _TRAIN.epochs
    seeds: int = len(_TRAIN.seeds)
    image_size: int = _TRAIN.image_size
    batch_size: int = _TRAIN.batch_size
    learning_rate: float = _TRAIN.learning_rate
    model: str = SMALL_CNN
    application: str = DEFAULT_APPLICATION
    weights: str = "random"
    start: str = FROM_SCRATCH
    budget: int = _SEARCH.budget
    check_seeds: int = _SEARCH.check_seeds
    placement: str = IN_MODEL  # where a Keras 3 stack's layers run: in the model or a tf.data map

    def settings(self) -> TrainSettings:
        return TrainSettings(
            seeds=tuple(range(self.seeds)),
            epochs=self.epochs,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            image_size=self.image_size,
        )

    def search(self) -> SearchSettings | None:
        """A suggest run's search settings; None in the other modes."""
        return SearchSettings(self.budget, self.check_seeds) if self.mode == SUGGEST else None


@dataclass(frozen=True)
class PageState:
    """The whole page, as its link carries it (but the texts typed, see `linked`). Who the
    visitor is (`Visitor`) is not part of it: a link never says whose runs to show."""

    config: AugmentConfig = field(default_factory=AugmentConfig)
    image: ImageChoice = field(default_factory=ImageChoice)
    preview: PreviewChoice = field(default_factory=PreviewChoice)
    train: TrainChoice = field(default_factory=TrainChoice)
    section: str = "preview"  # a key of SECTIONS
    run_id: str | None = None
    paste_text: str = ""
    script_text: str = ""
    engine: str = "idg"  # a key of ENGINES
    stack_text: str = ""  # the Keras 3 stack as code (read, never run); the link carries it


@dataclass(frozen=True)
class Visitor:
    """Who is at the page. `owner`: the id their runs are filed under (None until they have
    one); `sign_in`: the server has sign-in configured (then `owner` is the signed-in user's,
    and None while nobody is signed in); `name`: who is signed in, as the page shows it."""

    owner: str | None = None
    sign_in: bool = False
    name: str = ""

    @property
    def may_train(self) -> bool:
        """Train needs a signed-in user on a server with sign-in; anyone may train without."""
        return not self.sign_in or self.owner is not None


def with_part(state: PageState, part: str, **changes: Any) -> PageState:
    """The record with fields of one of its parts ('image', 'preview', 'train') changed."""
    return replace(state, **{part: replace(getattr(state, part), **changes)})


# -- the IDG controls and the config --------------------------------------------------------


def widget_values(config: AugmentConfig) -> dict:
    """The controls' values for a config, by IDG keyword. A setting no control position shows
    (see `kept_values`) gets its default here: the control is disabled and the value kept."""
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
    through uint8), rescale 0 or above 1, fill modes and orders no control offers."""
    return {name: getattr(config, name) for name in _SHOWN if not _SHOWN[name](getattr(config, name))}


def _within(high: float, low: float = 0.0):
    return lambda value: low <= value <= high


def _shift_shown(value) -> bool:
    return (
        isinstance(value, (int, float))
        and 0 <= value <= SLIDER_LIMITS["shift"]
        and (isinstance(value, float) or value == 0)
    )


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


CONTROLS = tuple(widget_values(AugmentConfig()))  # the IDG controls' keys: their keywords


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


def with_control(config: AugmentConfig, key: str, value: Any) -> AugmentConfig:
    """The config with one control moved to `value` (in the control's units); the other
    settings keep the form they have (a zoom pair imported as a list stays a list).
    ValueError when IDG would refuse the result."""
    if key not in CONTROLS:
        raise KeyError(key)
    moved = config_from_widgets({**widget_values(config), key: value}, {})
    return config.replace(**{key: getattr(moved, key)})


def released(config: AugmentConfig, key: str) -> AugmentConfig:
    """The config with an imported value no control shows given back to its control, which
    starts from IDG's default."""
    return config.replace(**{key: getattr(AugmentConfig(), key)})


def matching_preset(config: AugmentConfig) -> str:
    """The preset `config` is exactly, or 'custom'."""
    return next((name for name in PRESETS if preset(name) == config), CUSTOM)


def linked(state: PageState) -> PageState:
    """What of the record a link carries: all of it but the texts typed into the page, the
    export shown and the chosen upload (a link cannot carry a file)."""
    return replace(
        state,
        paste_text="",
        script_text="",
        image=replace(state.image, upload=None),
        preview=replace(state.preview, export=EXPORTS[0]),
    )


# -- the engine -------------------------------------------------------------------------------

# Keras's own tutorial stack: what the text area starts with when there are no IDG settings.
STARTER = """import keras

data_augmentation = keras.Sequential([
    keras.layers.RandomFlip("horizontal"),
    keras.layers.RandomRotation(0.1),
    keras.layers.RandomZoom(0.1),
])
"""


def starter_stack(config: AugmentConfig) -> str:
    """The stack the text area starts with: what today's export writes for the IDG settings
    (the migration a user would make), or Keras's tutorial stack when none is active."""
    if not config.active_transforms():
        return STARTER
    code, _ = keras_layers_code(config)
    return code


def write_engine(state: PageState, engine: str) -> PageState:
    """Switch the preview's engine; the first switch to Keras 3 (or a link that opens on it
    without a stack) fills the stack in with what today's export writes for the IDG settings,
    so the migration a user would make is what they see first."""
    state = replace(state, engine=engine)
    if engine == "keras3" and not state.stack_text.strip():
        state = replace(state, stack_text=starter_stack(state.config))
    return state
