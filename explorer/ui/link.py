"""The page's record in its link, and back: the config, the image (source, sample, demo image),
the preset, the view, tint, tiles, seed, input range, training size, the open section, the
train panel's settings (the model choice among them) and the run shown. Never who the visitor
is: a link carries no owner (an `owner=` in an old link is not read), so sending a link hands
over nothing but the settings, and a link to a run shows it only to whom `may_see` allows
(its owner; everyone with shared history), with the same message whether the run is not
there or not the visitor's.

Only values that differ from the defaults are written, so a link stays short; reading never
raises: a bad value is named and its default kept. `record_from_query(query_from_record(r))`
gives back `record.linked(r)`: everything but the texts typed into the page, the export
shown and the uploaded files (a link that chose an upload says so).

Pure: the page reads and writes `st.query_params` through `session`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

from ..augment.config import INPUT_RANGES, AugmentConfig
from ..augment.presets import PRESETS, preset
from ..data.demos import DEMO_NAMES
from ..experiments.records.spec import (
    ABLATION,
    APPLICATION,
    COMPARE,
    FROM_SCRATCH,
    FROM_WEIGHTS,
    MIGRATION,
    MODEL_FILE,
    SMALL_CNN,
    SUGGEST,
    ModelRef,
)
from ..experiments.records.stack_arm import PLACEMENTS
from ..experiments.runs.folders import may_see, run_owner, runs_root
from ..interchange.urlstate import config_from_query, config_to_query
from .record import (
    ENGINES,
    MAX_SEED,
    MAX_STACK_CHARS,
    MAX_TILES,
    SECTIONS,
    SOURCES,
    VIEWS,
    PageState,
    matching_preset,
    with_part,
    write_engine,
)

YOUR_FOLDER = "your folder"  # offered only when the server names a data root (`data_root`)
DATASET_CHOICES = (*DEMO_NAMES, "your zip", YOUR_FOLDER)
# The train panel's model choice: option (as kept in the record and the link) -> label.
MODEL_CHOICES = {SMALL_CNN: "small CNN", APPLICATION: "keras.applications", MODEL_FILE: "your .keras file"}
WEIGHTS_CHOICES = {"random": "random (from scratch)", "imagenet": "ImageNet, from Keras's cache"}
START_CHOICES = {
    FROM_SCRATCH: "from scratch (re-initialized for every seed)",
    FROM_WEIGHTS: "from these weights (fine-tuning)",
}
MODES = (COMPARE, ABLATION, SUGGEST, MIGRATION)
MAX_IMAGE_SIZE = 512  # the train panel's largest image size (TrainSettings allows 8 to 512)
RUN_ID = re.compile(r"\d{8}-\d{6}-[0-9a-f]{6}")
CONFIG_FIELDS = frozenset(item.name for item in fields(AugmentConfig))
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


def data_root() -> Path | None:
    """$AUGMENT_DATA_ROOT, resolved: the only folder (and those under it) that "your folder"
    may train on; None (no "your folder") when it is not set."""
    root = os.environ.get("AUGMENT_DATA_ROOT", "").strip()
    return Path(root).expanduser().resolve() if root else None


def dataset_choices() -> tuple[str, ...]:
    """The train panel's datasets: "your folder" only on a server with a data root."""
    return DATASET_CHOICES if data_root() is not None else tuple(c for c in DATASET_CHOICES if c != YOUR_FOLDER)


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


def _flag_text(value: bool) -> str:
    return "1" if value else "0"


def _application(text: str) -> str:
    return ModelRef(APPLICATION, text).name  # ValueError naming the architectures (or the one meant)


def _dataset(text: str) -> str:
    if text == YOUR_FOLDER and data_root() is None:
        raise ValueError("this server has no data folder (AUGMENT_DATA_ROOT) to choose from")
    return _choice(dataset_choices())(text)


NO_RUN = "no run with that id that you can open here"  # the same whether it is missing or not yours


def check_run(run_id: str, owner: str | None) -> str:
    """A run id a visitor (`owner`) may be shown; ValueError (`NO_RUN`) otherwise: whether
    the run does not exist or is someone else's is not said, so a link probes nothing."""
    if (
        not RUN_ID.fullmatch(run_id)
        or not (runs_root() / run_id / "spec.json").is_file()
        or not may_see(run_owner(runs_root() / run_id), owner)
    ):
        raise ValueError(NO_RUN)
    return run_id


@dataclass(frozen=True)
class PageSetting:
    """One value of the record in the link: its query name, where it is in the record (a part,
    '' for the record itself, and a field), how a link value is read (raising ValueError) and
    written."""

    name: str
    part: str
    field: str
    read: Callable[[str], object]
    write: Callable[[object], str] = str
    limit: int = 200  # characters of the link's value read

    def get(self, state: PageState):
        return getattr(getattr(state, self.part) if self.part else state, self.field)

    def put(self, state: PageState, value) -> PageState:
        if self.part:
            return with_part(state, self.part, **{self.field: value})
        return replace(state, **{self.field: value})


SETTINGS = (
    PageSetting("source", "image", "source", _choice(SOURCES)),
    PageSetting("sample", "image", "sample", str),  # checked against the samples where they are listed
    PageSetting("demo", "image", "demo", _choice(DEMO_NAMES)),
    PageSetting("demo_index", "image", "demo_index", _whole(0, 100_000)),
    PageSetting("section", "", "section", _choice(SECTIONS)),
    PageSetting("view", "preview", "view", _choice(VIEWS)),
    PageSetting("tint", "preview", "tint", _flag, _flag_text),
    PageSetting("tiles", "preview", "tiles", _whole(1, MAX_TILES)),
    PageSetting("seed", "preview", "seed", _whole(0, MAX_SEED)),
    PageSetting("input_range", "preview", "input_range", _choice(INPUT_RANGES)),
    # As typed: where it is used, a text that is not a size is named and the original's size used.
    PageSetting("training_size", "preview", "training_size", lambda text: text.strip()[:40]),
    PageSetting("dataset", "train", "dataset", _dataset),
    PageSetting("folder", "train", "folder", lambda text: text.strip()),
    PageSetting("mode", "train", "mode", _choice(MODES)),
    PageSetting("budget", "train", "budget", _whole(1, 200)),
    PageSetting("check_seeds", "train", "check_seeds", _whole(2, 20)),
    PageSetting("loo", "train", "leave_one_out", _flag, _flag_text),
    PageSetting("epochs", "train", "epochs", _whole(1, 200)),
    PageSetting("seeds", "train", "seeds", _whole(1, 20)),
    PageSetting("image_size", "train", "image_size", _whole(16, MAX_IMAGE_SIZE)),
    PageSetting("batch", "train", "batch_size", _whole(8, 512)),
    PageSetting("lr", "train", "learning_rate", _rate, lambda value: f"{value:g}"),
    PageSetting("model", "train", "model", _choice(MODEL_CHOICES)),
    PageSetting("application", "train", "application", _application),
    PageSetting("weights", "train", "weights", _choice(WEIGHTS_CHOICES)),
    PageSetting("start", "train", "start", _choice(START_CHOICES)),
    PageSetting("placement", "train", "placement", _choice(PLACEMENTS)),
    PageSetting("engine", "", "engine", _choice(ENGINES)),
    # The stack's code as written; where it is shown, a stack that cannot be read is named.
    PageSetting("stack", "", "stack_text", str, limit=MAX_STACK_CHARS),
)
_DEFAULTS = PageState()


def query_from_record(state: PageState) -> dict[str, str]:
    """The record's link parameters: the config's settings and the page values that differ
    from their defaults, the preset the config is (if any), the run shown."""
    query = config_to_query(state.config)
    for setting in SETTINGS:
        value = setting.get(state)
        if value is not None and value != setting.get(_DEFAULTS):
            query[setting.name] = setting.write(value)
    named = matching_preset(state.config)
    if named in PRESETS and named != "none":
        query["preset"] = named
    if state.run_id:
        query["run"] = state.run_id
        query.setdefault("section", state.section)  # else a link to a run opens on the train section
    return query


def record_from_query(query: Mapping[str, object], owner: str | None = None) -> tuple[PageState, list[str]]:
    """The record a link describes to a visitor (`owner`, who may be shown the link's run or
    not), and one message per value that was not usable (its default kept). A preset named
    alone (no setting) gives that preset's config; a link to a run opens on the train section
    unless it names another."""
    query = {
        str(name): str(value[-1] if isinstance(value, (list, tuple)) and value else value)
        for name, value in query.items()
    }
    config, problems = config_from_query(query)
    named = query.get("preset")
    if named in PRESETS and not set(query) & CONFIG_FIELDS:
        config = preset(named)
    elif named is not None and named not in PRESETS:
        problems.append(f"Ignored preset={named[:40]!r} from the link: not one of {', '.join(PRESETS)}")
    state = PageState(config=config)
    for setting in SETTINGS:
        text = query.get(setting.name)
        if text is None:
            continue
        try:
            if len(text) > setting.limit:
                raise ValueError(f"longer than {setting.limit} characters")
            state = setting.put(state, setting.read(text))
        except (ValueError, KeyError, TypeError) as error:
            problems.append(f"Ignored {setting.name}={text[:40]!r} from the link: {error}")
    if state.engine == "keras3":
        state = write_engine(state, "keras3")  # a link to the Keras 3 preview without a stack: the starting one
    if "run" in query:
        try:
            state = replace(state, run_id=check_run(query["run"][:200], owner))
            if "section" not in query:
                state = replace(state, section="train")  # a link to a run opens on its result
        except ValueError as error:
            problems.append(f"Ignored run={query['run'][:40]!r} from the link: {error}")
    chosen = {
        "an uploaded image": state.image.source == "upload",
        "a dataset zip": state.train.dataset == "your zip",
        "a .keras model file": state.train.model == MODEL_FILE,
    }
    problems += [
        f"The link chose {what}: uploads are not kept in links, so upload it again."
        for what, upload in chosen.items()
        if upload
    ]
    return state, problems
