"""What the page must show for a record of its state, said independently of the page's own
drawing code: the value of every widget, which widgets a record draws, the tiles, the
doctor's findings and the code the export and Train show. Both random walks over the page
(AppTest, tests/test_page_walk.py; Chromium, tests/test_e2e_walk.py) check the page against
these after every step, and keep their expected record with the same pure functions the
page uses to change it (`explorer.ui.record`).
"""

from __future__ import annotations

import functools

from explorer.augment.keras3 import Stack
from explorer.augment.presets import PRESETS
from explorer.data.demos import load_demo
from explorer.data.images import LoadedImage, load_image_sized
from explorer.diagnostics.doctor import diagnose
from explorer.diagnostics.stack_doctor import diagnose_stack
from explorer.experiments.records.spec import ABLATION, APPLICATION, MIGRATION, SUGGEST
from explorer.interchange.export import config_json, exact_layer_code, idg_code, keras_layers_code, kwargs_text
from explorer.ui.link import parse_size
from explorer.ui.page import PREVIEW_SIDE, load_sample_images
from explorer.ui.record import CONTROLS, STARTER, PageState, matching_preset, widget_values
from explorer.ui.stack_workspace import make_tiles, previewed, read_stack
from explorer.ui.workspace import make_preview, preview_budget
from headless_page import png

# Uploaded images a walk may choose: two usable ones and a file that is not an image.
UPLOADS = {
    "red.png": png((40, 30), (200, 30, 30)),
    "wide.png": png((90, 20), (20, 90, 200)),
    "notes.png": b"<!DOCTYPE html><html>not an image</html>",
}


def widget_view(state: PageState) -> dict[str, object]:
    """Every widget's value by key, as the record says it must be shown."""
    view: dict[str, object] = dict(widget_values(state.config))
    shown = matching_preset(state.config)
    view[f"preset_{shown}"] = shown
    preview, image, train = state.preview, state.image, state.train
    view.update(
        view=preview.view,
        tint_fill=preview.tint,
        tiles=preview.tiles,
        seed=preview.seed,
        input_range=preview.input_range,
        training_size=preview.training_size,
        export_tab=preview.export,
        image_source=image.source,
        sample=image.sample,
        demo=image.demo,
        demo_index=image.demo_index,
        upload_choice=image.upload,
        section=state.section,
        paste_text=state.paste_text,
        script_text=state.script_text,
        engine=state.engine,
        stack_text=state.stack_text,
        train_dataset=train.dataset,
        train_folder=train.folder,
        train_mode=train.mode,
        train_loo=train.leave_one_out,
        train_epochs=train.epochs,
        train_seeds=train.seeds,
        train_image_size=train.image_size,
        train_batch_size=train.batch_size,
        train_learning_rate=train.learning_rate,
        train_model=train.model,
        train_application=train.application,
        train_weights=train.weights,
        train_start=train.start,
        train_budget=train.budget,
        train_check_seeds=train.check_seeds,
        train_placement=train.placement,
    )
    return view


def must_draw(state: PageState, image_shown: bool) -> set[str]:
    """The widgets a record must draw (`image_shown`: the preview has an image to augment)."""
    keys = {"section"}
    if state.section == "preview":
        keys |= {"image_source", {"samples": "sample", "demo": "demo", "upload": "uploads"}[state.image.source]}
        if state.image.source == "demo":
            keys.add("demo_index")
        if image_shown and state.engine == "keras3":
            keys |= {"engine", "stack_text", "view", "tint_fill", "tiles", "seed", "input_range", "training_size"}
        elif image_shown:
            keys |= {
                *CONTROLS,
                f"preset_{matching_preset(state.config)}",
                "engine",
                "view",
                "tint_fill",
                "tiles",
                "seed",
                "input_range",
                "training_size",
                "export_tab",
            }
            keys |= {"paste_text"} if state.preview.export == "Import" else set()
            keys |= {"upload_choice"} if state.image.source == "upload" else set()
    elif state.section == "script":
        keys.add("script_text")
    else:
        keys |= {
            "train_dataset",
            "train_model",
            "train_mode",
            "train_epochs",
            "train_seeds",
            "train_image_size",
            "train_batch_size",
            "train_learning_rate",
        }
        keys |= {"train_loo"} if state.train.mode == ABLATION else set()
        keys |= {"train_budget", "train_check_seeds"} if state.train.mode == SUGGEST else set()
        keys |= {"train_application", "train_weights"} if state.train.model == APPLICATION else set()
        keys |= {"train_placement"} if trained_stack(state) is not None else set()
    return keys


@functools.cache
def _samples() -> dict[str, LoadedImage]:
    return load_sample_images()


@functools.cache
def _demo(name: str):
    return load_demo(name, image_size=64)


def preview_image(state: PageState, uploaded: tuple[str, ...] = ()) -> tuple[str, LoadedImage] | None:
    """The image the preview augments for a record (`uploaded`: the names of the files in the
    image uploader, from UPLOADS), with the name its caption gives; None when there is none."""
    image = state.image
    if image.source == "samples":
        return image.sample, _samples()[image.sample]
    if image.source == "demo":
        dataset = _demo(image.demo)
        pixels = dataset.images[image.demo_index]
        label = dataset.class_names[dataset.labels[image.demo_index]]
        return f"{image.demo} #{image.demo_index} (class {label})", LoadedImage(pixels, pixels.shape[:2])
    if image.upload not in uploaded:
        return None
    return image.upload, load_image_sized(UPLOADS[image.upload], max_side=PREVIEW_SIDE, name=image.upload)


def usable_uploads(uploaded: tuple[str, ...]) -> list[str]:
    return [name for name in uploaded if name != "notes.png"]


def tile_captions(state: PageState, image: LoadedImage) -> list[str]:
    """The captions of the tiles the record asks for (what each drew): they differ as soon as
    the config, the seed, the count or the image differ."""
    if state.engine == "keras3":
        parsed = read_stack(state.stack_text)
        if isinstance(parsed, str):
            return []
        tiles, _ = make_tiles(image.pixels, previewed(parsed.stack), state, preview_budget())
        return [tile.caption for tile in tiles]
    preview = make_preview(image.pixels, state)
    return [] if preview is None else list(preview.labels)


def training_size(state: PageState, image: LoadedImage) -> tuple[int, int]:
    try:
        return parse_size(state.preview.training_size) or image.original_size
    except ValueError:
        return image.original_size


def doctor_findings(state: PageState, image: LoadedImage) -> list[tuple[str, str]]:
    """(setting, message) of each finding the config doctor (or, for a Keras 3 stack, the
    stack doctor) must show for the record."""
    if state.engine == "keras3":
        parsed = read_stack(state.stack_text)
        if isinstance(parsed, str):
            return []
        idg = state.config if state.config.active_transforms() else None
        found = diagnose_stack(parsed, [image.pixels], input_range=state.preview.input_range, idg=idg)
        return [(finding.where or "general", finding.message) for finding in found]
    preview = make_preview(image.pixels, state)
    fill = float(preview.fill_fractions.mean()) if preview is not None else None
    findings = diagnose(
        state.config,
        [image.pixels],
        input_range=state.preview.input_range,
        mean_fill_fraction=fill,
        size=training_size(state, image),
    )
    return [(finding.setting or "general", finding.message) for finding in findings]


def export_code(state: PageState) -> str | None:
    """The code the export shows for the record (None for the views not checked here)."""
    if state.engine == "keras3":
        parsed = read_stack(state.stack_text)
        return None if isinstance(parsed, str) else parsed.stack.code()
    shown = {
        "ImageDataGenerator": idg_code,
        "Keras 3, exact": lambda config: exact_layer_code(config)[0],
        "JSON": config_json,
    }.get(state.preview.export)
    return None if shown is None else shown(state.config)


def trains_a_stack(state: PageState) -> bool:
    """A click trains a Keras 3 stack: the preview shows one, or it is a migration check."""
    return state.engine == "keras3" or state.train.mode == MIGRATION


def trained_stack(state: PageState) -> Stack | None:
    """The stack a click trains, when it trains one and it can be read: the preview's, or
    (IDG preview, no stack written yet) the one the export writes for the IDG settings, or
    Keras's tutorial stack when no setting is on."""
    if not trains_a_stack(state):
        return None
    text = state.stack_text
    if state.engine == "idg" and not text.strip():
        text = keras_layers_code(state.config)[0] if state.config.active_transforms() else STARTER
    parsed = read_stack(text)
    return None if isinstance(parsed, str) or not parsed.layers else parsed.stack


def train_codes(state: PageState) -> list[str]:
    """The code the train section says a click trains with: the IDG line, the stack's code,
    or for a migration check both."""
    idg = f"ImageDataGenerator({kwargs_text(state.config)})"
    if not trains_a_stack(state):
        return [idg]
    stack = trained_stack(state)
    codes = [] if stack is None else [stack.code()]
    return codes + [idg] if state.train.mode == MIGRATION and stack is not None else codes


PRESET_NAMES = tuple(PRESETS)
