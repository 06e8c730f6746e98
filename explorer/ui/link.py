"""The whole page in its link: besides the config, seed, tiles and input range (`state`), the
image (source, sample, demo image), the preset, the view, the tint, the training size, the
train panel's settings (the model choice among them), the run being shown and the browser
session's owner id (`owner`: the runs it submitted are its own; see `experiments.runs.may_see`).
Only values that differ from the defaults are written, so a link stays short; reading never
raises: a bad value is named and its default kept.

Uploads are not in the link (the file is the user's): an uploaded image, a dataset zip or a
.keras model file. A link that chose one says so.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from ..augment.presets import PRESETS
from ..data.demos import DEMO_NAMES
from ..experiments.runs import may_see, run_owner, runs_root
from ..experiments.spec import (
    ABLATION,
    APPLICATION,
    COMPARE,
    FROM_SCRATCH,
    FROM_WEIGHTS,
    MODEL_FILE,
    SMALL_CNN,
    SUGGEST,
    ModelRef,
    SearchSettings,
    TrainSettings,
)

SOURCES = {"samples": "Samples", "upload": "Upload", "demo": "Demo datasets"}
# The page's sections (a segmented control at the top), by their name in the link. Only the open one is drawn.
SECTIONS = {"preview": "Preview", "script": "Script doctor", "train": "Train and compare"}
VIEWS = ("Random draws", "Extremes")
YOUR_FOLDER = "your folder"  # offered only when the server names a data root (`data_root`)
DATASET_CHOICES = (*DEMO_NAMES, "your zip", YOUR_FOLDER)
# The train panel's model choice: option (as kept in the session and the link) -> label.
MODEL_CHOICES = {SMALL_CNN: "small CNN", APPLICATION: "keras.applications", MODEL_FILE: "your .keras file"}
WEIGHTS_CHOICES = {"random": "random (from scratch)", "imagenet": "ImageNet, from Keras's cache"}
START_CHOICES = {FROM_SCRATCH: "from scratch (re-initialized for every seed)",
                 FROM_WEIGHTS: "from these weights (fine-tuning)"}
DEFAULT_APPLICATION = "MobileNetV3Small"
MAX_IMAGE_SIZE = 512  # the train panel's largest image size (TrainSettings allows 8 to 512)
RUN_ID = re.compile(r"\d{8}-\d{6}-[0-9a-f]{6}")
OWNER_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")  # secrets.token_urlsafe(12) gives 16 such characters
_SIZE = re.compile(r"\s*(\d{1,5})\s*(?:[x×*,]\s*(\d{1,5}))?\s*")


def parse_size(text: str) -> tuple[int, int] | None:
    """'224', '224x224' or '640 x 480' (width x height) as (height, width); None for ''.
    ValueError for anything else."""
    if not text.strip():
        return None
    match = _SIZE.fullmatch(text)
    if not match:
        raise ValueError(f"{text.strip()[:40]!r} is not a size: write it as width x height, e.g. 224 x 224")
    width = int(match.group(1))
    height = int(match.group(2) or width)
    if not (8 <= width <= 20000 and 8 <= height <= 20000):
        raise ValueError(f"{width} x {height} is not a training size (each side 8 to 20000 px)")
    return height, width


def _choice(options) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in options:
            raise ValueError(f"not one of {', '.join(map(str, options))}")
        return text
    return parse


def _whole(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise ValueError(f"not a whole number from {low} to {high}")
        return value
    return parse


def _rate(text: str) -> float:
    value = float(text)
    if not 1e-5 <= value <= 1.0:
        raise ValueError("not a learning rate from 0.00001 to 1")
    return value


def _flag(text: str) -> bool:
    if text not in ("0", "1"):
        raise ValueError("not 1 or 0")
    return text == "1"


def _size_text(text: str) -> str:
    parse_size(text)
    return text.strip()


def _application(text: str) -> str:
    return ModelRef(APPLICATION, text).name  # ValueError naming the architectures (or the one meant)


def data_root() -> Path | None:
    """$AUGMENT_DATA_ROOT, resolved: the only folder (and those under it) that "your folder"
    may train on; None (no "your folder") when it is not set."""
    root = os.environ.get("AUGMENT_DATA_ROOT", "").strip()
    return Path(root).expanduser().resolve() if root else None


def dataset_choices() -> tuple[str, ...]:
    """The train panel's datasets: "your folder" only on a server with a data root."""
    return DATASET_CHOICES if data_root() is not None else tuple(c for c in DATASET_CHOICES if c != YOUR_FOLDER)


def _dataset(text: str) -> str:
    if text == YOUR_FOLDER and data_root() is None:
        raise ValueError("this server has no data folder (AUGMENT_DATA_ROOT) to choose from")
    return _choice(dataset_choices())(text)


def session_owner(create: bool = False) -> str | None:
    """This browser session's owner id (from the link, or made at its first run when `create`);
    kept in the link so that a reload still shows its runs."""
    if create and not st.session_state.get("owner"):
        st.session_state["owner"] = secrets.token_urlsafe(12)
    return st.session_state.get("owner")


def _owner(text: str) -> str:
    if not OWNER_ID.fullmatch(text):
        raise ValueError("not a session id")
    return text


def _run(text: str) -> str:
    if not RUN_ID.fullmatch(text) or not (runs_root() / text / "spec.json").is_file():
        raise ValueError("no such run on this server")
    if not may_see(run_owner(runs_root() / text), session_owner()):
        raise ValueError("this run belongs to another session")
    return text


@dataclass(frozen=True)
class PageSetting:
    """One page value in the link: its query name, its session key, its default, how a link
    value is read (raising ValueError) and, for values that are not plain text, how it is
    written."""

    name: str
    key: str
    default: object
    read: Callable[[str], object]
    write: Callable[[object], str] = str


_TRAIN, _SEARCH = TrainSettings(), SearchSettings()
SETTINGS = (
    PageSetting("source", "image_source", "Samples", lambda text: SOURCES[_choice(SOURCES)(text)],
                lambda value: {label: name for name, label in SOURCES.items()}[value]),
    PageSetting("sample", "sample", "coffee.jpg", str),  # checked against the samples where they are listed
    PageSetting("demo", "demo", DEMO_NAMES[0], _choice(DEMO_NAMES)),
    PageSetting("demo_index", "demo_index", 0, _whole(0, 100_000)),
    PageSetting("section", "section", SECTIONS["preview"], lambda text: SECTIONS[_choice(SECTIONS)(text)],
                lambda value: {label: name for name, label in SECTIONS.items()}[value]),
    PageSetting("view", "view", VIEWS[0], lambda text: VIEWS[_choice(("draws", "extremes"))(text) == "extremes"],
                lambda value: "extremes" if value == VIEWS[1] else "draws"),
    PageSetting("tint", "tint_fill", False, _flag, lambda value: "1" if value else "0"),
    PageSetting("training_size", "training_size", "", _size_text),
    PageSetting("dataset", "train_dataset", DEMO_NAMES[0], _dataset),
    PageSetting("mode", "train_mode", COMPARE, _choice((COMPARE, ABLATION, SUGGEST))),
    PageSetting("budget", "train_budget", _SEARCH.budget, _whole(1, 200)),
    PageSetting("check_seeds", "train_check_seeds", _SEARCH.check_seeds, _whole(2, 20)),
    PageSetting("loo", "train_loo", False, _flag, lambda value: "1" if value else "0"),
    PageSetting("epochs", "train_epochs", _TRAIN.epochs, _whole(1, 200)),
    PageSetting("seeds", "train_seeds", len(_TRAIN.seeds), _whole(1, 20)),
    PageSetting("image_size", "train_image_size", _TRAIN.image_size, _whole(16, MAX_IMAGE_SIZE)),
    PageSetting("batch", "train_batch_size", _TRAIN.batch_size, _whole(8, 512)),
    PageSetting("lr", "train_learning_rate", _TRAIN.learning_rate, _rate, lambda value: f"{value:g}"),
    PageSetting("model", "train_model", SMALL_CNN, _choice(MODEL_CHOICES)),
    PageSetting("application", "train_application", DEFAULT_APPLICATION, _application),
    PageSetting("weights", "train_weights", "random", _choice(WEIGHTS_CHOICES)),
    PageSetting("start", "train_start", FROM_SCRATCH, _choice(START_CHOICES)),
    PageSetting("owner", "owner", None, _owner),  # before `run`: whose runs the link may show
    PageSetting("run", "run_id", None, _run),
)


TRAIN_KEYS = (*(setting.key for setting in SETTINGS if setting.key.startswith("train_")), "train_folder")


def keep_page_defaults() -> None:
    """Every page value in the session, from its default where missing (widgets are then drawn
    without a value of their own, so a value from the link is never overridden)."""
    for setting in SETTINGS:
        if setting.default is not None:
            st.session_state.setdefault(setting.key, setting.default)


def restore_page(query: dict) -> list[str]:
    """On a session's first run: the page values from the link. Returns what was not usable."""
    problems = []
    for setting in SETTINGS:
        text = query.get(setting.name)
        if text is None:
            continue
        try:
            st.session_state[setting.key] = setting.read(str(text)[:200])
        except (ValueError, KeyError, TypeError) as error:
            problems.append(f"Ignored {setting.name}={str(text)[:40]!r} from the link: {error}")
    if "run" in query and "section" not in query and st.session_state.get("run_id"):
        st.session_state["section"] = SECTIONS["train"]  # a link to a run opens on its result
    preset = query.get("preset")
    if preset is not None and preset not in PRESETS:
        problems.append(f"Ignored preset={preset[:40]!r} from the link: not one of {', '.join(PRESETS)}")
    chosen = {"an uploaded image": st.session_state.get("image_source") == SOURCES["upload"],
              "a dataset zip": st.session_state.get("train_dataset") == "your zip",
              "a .keras model file": st.session_state.get("train_model") == MODEL_FILE}
    problems += [f"The link chose {what}: uploads are not kept in links, so upload it again."
                 for what, upload in chosen.items() if upload]
    return problems


def page_query() -> dict[str, str]:
    """The page values that differ from their defaults, as link parameters."""
    query = {}
    for setting in SETTINGS:
        value = st.session_state.get(setting.key)
        if value is not None and value != setting.default:
            query[setting.name] = setting.write(value)
    preset = st.session_state.get("preset_shown")
    if preset in PRESETS and preset != "none":
        query["preset"] = preset
    return query
