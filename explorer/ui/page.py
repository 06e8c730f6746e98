"""The explorer page: IDG's settings, a live preview of what Keras would produce, the config
doctor, export, import and a shareable URL.

The only module of `explorer` that imports Streamlit, and it never imports TensorFlow: the
preview runs on the NumPy/OpenCV engine. The controls, preview, doctor and export live in
one fragment, so moving a slider reruns only them; decoded images are cached.
Every control's key is its ImageDataGenerator keyword.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import cv2
import numpy as np
import streamlit as st

from ..augment.config import FILL_MODES, INPUT_RANGES, AugmentConfig
from ..augment.presets import PRESETS
from ..data.datasets import IMAGE_EXTENSIONS, load_dataset
from ..data.demos import DEMO_NAMES, load_demo
from ..data.images import load_image
from ..diagnostics.doctor import diagnose
from ..diagnostics.plots import comparison_figure, figure_png
from ..errors import InputError
from ..experiments.ablation import ablation_arms, probe_configs
from ..experiments.jobs import JobManager
from ..experiments.runs import list_runs, load_run, read_json, run_zip, runs_root
from ..experiments.stats import summarize
from ..interchange.export import config_json, idg_code, keras_layers_code
from ..interchange.paste import parse_config_text
from ..interchange.urlstate import config_from_query, config_to_query
from .preview import extremes, random_grid, render

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_images"
DEFAULT_SAMPLE = "coffee.jpg"
PREVIEW_SIDE = 512  # images are reduced to this longer side for the preview
THUMBNAIL_SIDE = 320  # tiles are sent to the browser at most this large (they show ~250 px wide)
SHIFT_KEYS = ("width_shift_range", "height_shift_range")
PAGE_KEYS = ("seed", "tiles", "input_range")


# -- pure helpers ------------------------------------------------------------------------

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


def widget_values(config: AugmentConfig) -> dict:
    """The controls' values for a config (shift ranges that are not a fraction < 1 have no
    slider position: they are kept as they are, see `config_from_widgets`)."""
    low, high = config.zoom_bounds
    return {
        "rotation_range": float(min(config.rotation_range, 180.0)),
        "width_shift_range": _fraction(config.width_shift_range),
        "height_shift_range": _fraction(config.height_shift_range),
        "shear_range": float(min(config.shear_range, 60.0)),
        "zoom_range": (float(low), float(high)),
        "brightness_range": tuple(config.brightness_range) if config.brightness_range else (1.0, 1.0),
        "channel_shift_range": float(config.channel_shift_range),
        "horizontal_flip": config.horizontal_flip,
        "vertical_flip": config.vertical_flip,
        "fill_mode": config.fill_mode,
        "cval": float(config.cval),
        "interpolation_order": config.interpolation_order,
        "rescale": float(config.rescale or 0.0),
        "samplewise_center": config.samplewise_center,
        "samplewise_std_normalization": config.samplewise_std_normalization,
    }


def _fraction(value) -> float:
    return float(value) if isinstance(value, float) and value < 1 else 0.0


def config_from_widgets(values: dict, kept_shifts: dict) -> AugmentConfig:
    """The config the controls describe. A zoom range symmetric about 1 is written as IDG's
    float form (0.2, not [0.8, 1.2]); a brightness range of (1, 1) means off; rescale 0
    means none; `kept_shifts` holds shift ranges in a form no slider shows (pixels, lists)."""
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
    kwargs.update(kept_shifts)
    return AugmentConfig(**kwargs)


# -- state -------------------------------------------------------------------------------

def _apply_config(config: AugmentConfig) -> None:
    """Make the controls show `config` (call before they are drawn, e.g. in a callback)."""
    st.session_state.update(widget_values(config))
    st.session_state["kept_shifts"] = {
        key: getattr(config, key) for key in SHIFT_KEYS
        if getattr(config, key) and _fraction(getattr(config, key)) == 0.0
    }


def _keep_controls() -> None:
    """Streamlit forgets a widget's value in any run that does not draw it (no image yet,
    the extremes view...); the last values are kept aside and put back."""
    kept = st.session_state.get("controls_kept") or {**widget_values(AugmentConfig()), "seed": 0, "tiles": 9}
    for key, value in kept.items():
        st.session_state.setdefault(key, value)


def _start_from_url() -> None:
    """On a session's first run, the config (and seed, tiles, input range) from the link."""
    if "started" in st.session_state:
        return
    st.session_state["started"] = True
    config, problems = config_from_query(st.query_params.to_dict())
    _apply_config(config)
    query = st.query_params.to_dict()
    try:
        st.session_state["seed"] = max(0, min(2**31 - 1, int(query.get("seed", 0))))
        st.session_state["tiles"] = max(1, min(36, int(query.get("tiles", 9))))
    except ValueError:
        problems.append("Ignored a seed or tile count from the link that is not a whole number.")
    if query.get("input_range") in INPUT_RANGES:
        st.session_state["input_range"] = query["input_range"]
    st.session_state["url_problems"] = problems


def _use_preset() -> None:
    _apply_config(AugmentConfig(**PRESETS[st.session_state["preset"]]))


def _import_pasted() -> None:
    try:
        _apply_config(parse_config_text(st.session_state.get("paste_text", "")))
        st.session_state["paste_message"] = ("success", "Imported: the controls now show the pasted settings.")
    except InputError as error:
        st.session_state["paste_message"] = ("error", str(error))


def _new_samples() -> None:
    st.session_state["seed"] = (st.session_state.get("seed", 0) + 1) % 2**31


def _release_shift(key: str) -> None:
    st.session_state["kept_shifts"].pop(key, None)


# -- the page ----------------------------------------------------------------------------

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


def _shift_slider(key: str, label: str, help_text: str) -> None:
    kept = st.session_state["kept_shifts"].get(key)
    st.slider(label, 0.0, 0.99, step=0.01, key=key, help=help_text, disabled=kept is not None)
    if kept is not None:
        st.caption(f"{key}={kept!r} from imported settings (pixels or a list: no slider position).")
        st.button("Use the slider instead", key=f"release_{key}", on_click=_release_shift, args=(key,))


def _controls() -> dict:
    """The IDG controls; returns their values by IDG keyword."""
    st.selectbox("Preset", list(PRESETS), key="preset", on_change=_use_preset,
                 help="The article's three examples, or nothing.")
    st.slider("rotation_range (degrees)", 0.0, 180.0, step=1.0, key="rotation_range",
              help="Angle drawn from U(-r, r) degrees; positive turns the content counter-clockwise.")
    _shift_slider("height_shift_range", "height_shift_range (fraction of height)",
                  "IDG swaps the axes: this moves the image LEFT/RIGHT, by up to this fraction of its HEIGHT.")
    _shift_slider("width_shift_range", "width_shift_range (fraction of width)",
                  "IDG swaps the axes: this moves the image UP/DOWN, by up to this fraction of its WIDTH.")
    st.slider("shear_range (degrees)", 0.0, 60.0, step=0.1, key="shear_range",
              help="Shear angle drawn from U(-s, s) in DEGREES (0.2 means 0.2°).")
    st.slider("zoom_range (factor)", 0.1, 3.0, step=0.01, key="zoom_range",
              help="x and y zoom drawn independently from [low, high]. Above 1 zooms OUT (content "
              "shrinks); zoom_range=0.2 in code means [0.8, 1.2].")
    st.checkbox("horizontal_flip", key="horizontal_flip", help="Mirror left/right with probability 1/2.")
    st.checkbox("vertical_flip", key="vertical_flip", help="Mirror top/bottom with probability 1/2.")
    st.selectbox("fill_mode", FILL_MODES, key="fill_mode",
                 help="What fills pixels sampled from outside the image. 'wrap' repeats with period n-1.")
    st.number_input("cval (pixel value for 'constant')", 0.0, 255.0, step=1.0, key="cval")
    st.slider("brightness_range (factor, 1 = off)", 0.1, 3.0, step=0.01, key="brightness_range",
              help="IDG applies it through uint8: fractions are truncated, and 0..1 data becomes black.")
    st.number_input("channel_shift_range (pixel levels, input units)", 0.0, 255.0, step=0.1,
                    format="%.2f", key="channel_shift_range",
                    help="One offset for all channels, in the units IDG sees (0.1 of 0..255 is nothing), "
                    "clipped to the image's own range.")
    st.radio("interpolation_order", [1, 0], key="interpolation_order", horizontal=True,
             format_func=lambda order: "bilinear (1)" if order else "nearest (0)")
    st.number_input("rescale (0 = none)", 0.0, 1.0, step=0.001, format="%.6f", key="rescale",
                    help="Multiplies pixels after augmentation; 1/255 = 0.003922.")
    st.checkbox("samplewise_center", key="samplewise_center")
    st.checkbox("samplewise_std_normalization", key="samplewise_std_normalization")
    return {key: st.session_state[key] for key in widget_values(AugmentConfig())}


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
    top[3].button("New samples", on_click=_new_samples, help="Draw again (next seed).")
    options = dict(input_range=input_range, tint_fill=tint, thumbnail=THUMBNAIL_SIDE)
    if view == "Extremes":
        cases = extremes(config, image.shape)
        if not cases:
            st.info("No setting is active: nothing to show at its extremes.")
            return None
        preview = render(image, config, [params for _, params in cases], labels=[label for label, _ in cases], **options)
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
    import_tab.button("Apply", key="apply_paste", on_click=_import_pasted)
    message = st.session_state.pop("paste_message", None)
    if message:
        (import_tab.success if message[0] == "success" else import_tab.error)(message[1])


@st.fragment
def _workspace(name: str, image: np.ndarray) -> None:
    controls, main = st.columns([1, 3], gap="large")
    with controls:
        values = _controls()
    with main:
        input_range = st.radio(
            "Your pipeline feeds IDG", INPUT_RANGES, key="input_range", horizontal=True,
            format_func=lambda r: "0..255 (images as loaded)" if r == "0-255" else "0..1 (already divided by 255)",
        )
        try:
            config = config_from_widgets(values, st.session_state["kept_shifts"])
        except ValueError as error:
            st.error(str(error))
            return
        preview = _show_preview(name, image, config, input_range)
        st.subheader("Config doctor")
        fill = float(preview.fill_fractions.mean()) if preview is not None else None
        _show_doctor(config, image, input_range, fill)
        st.subheader("Take it home")
        _show_export(config, image.shape)
    st.session_state["config"] = config
    st.session_state["controls_kept"] = {
        **values, "seed": st.session_state.get("seed", 0), "tiles": st.session_state.get("tiles", 9)}
    st.query_params.from_dict(
        {**config_to_query(config), "seed": str(st.session_state.get("seed", 0)),
         "tiles": str(st.session_state.get("tiles", 9)), "input_range": input_range}
    )


def render_page() -> None:
    """The whole page. `st.set_page_config` is the caller's (app.py)."""
    _start_from_url()
    _keep_controls()
    st.title("Augmentation Explorer")
    st.caption("What ImageDataGenerator really does to your images: every tile is IDG's output, pixel for pixel.")
    for problem in st.session_state.pop("url_problems", []):
        st.warning(problem)
    chosen = _choose_image()
    if chosen is not None:
        _workspace(*chosen)
    _train_panel(st.session_state.get("config", AugmentConfig()))
    _history()


# -- train and compare -------------------------------------------------------------------

@st.cache_resource(show_spinner=False)
def _jobs(root: str) -> JobManager:
    """One job manager, hence one run at a time, for the whole server."""
    return JobManager(Path(root))


@st.cache_data(max_entries=4, show_spinner="Reading the dataset...")
def _check_dataset(data: bytes, name: str) -> tuple[str, dict]:
    dataset = load_dataset(data, image_size=32, name=name)
    return dataset.report.summary(), dataset.class_counts()


def _dataset_spec() -> dict | None:
    """The dataset to train on: a demo, or a user's zip (saved with the runs) or folder."""
    choice = st.selectbox("Dataset", [*DEMO_NAMES, "your zip", "your folder"], key="train_dataset",
                          help="digits: flips and big rotations destroy the labels; shapes: flips keep them.")
    if choice in DEMO_NAMES:
        return {"kind": "demo", "name": choice}
    if choice == "your folder":
        folder = st.text_input("Folder on this server (root/class_name/image)", key="train_folder")
        if not folder:
            return None
        path = Path(folder).expanduser()
        if not path.is_dir():
            st.error(f"{folder} is not a folder on this server.")
            return None
        return {"kind": "path", "path": str(path.resolve()), "name": path.name}
    upload = st.file_uploader("Zip of root/class_name/image", type=["zip"], key="train_zip")
    if upload is None:
        return None
    data = upload.getvalue()
    try:
        report, counts = _check_dataset(data, upload.name)
    except InputError as error:
        st.error(str(error))
        return None
    st.caption(f"{len(counts)} classes: " + ", ".join(f"{name} ({count})" for name, count in counts.items()))
    if "skipped" in report:
        st.caption(report.replace("\n", "  \n"))
    store = runs_root() / "datasets"
    store.mkdir(parents=True, exist_ok=True)
    path = store / f"{hashlib.sha256(data).hexdigest()[:16]}.zip"
    if not path.exists():
        path.write_bytes(data)
    return {"kind": "path", "path": str(path.resolve()), "name": upload.name}


def _train_panel(config: AugmentConfig) -> None:
    """Pick a dataset and settings, click Train: the run goes to the server's job queue."""
    st.subheader("Train and compare")
    st.caption("The same small CNN, initial weights and batch order with and without your augmentation, "
               "over several seeds; validation images are never augmented.")
    dataset = _dataset_spec()
    mode = st.radio("Run", ["compare", "ablation"], key="train_mode", horizontal=True,
                    format_func=lambda m: "Compare: with vs without augmentation" if m == "compare"
                    else "Ablation: which setting hurts (each setting alone)")
    leave_one_out = mode == "ablation" and st.checkbox(
        "Also leave-one-out (the full config minus each setting; about twice as long)", key="train_loo")
    cols = st.columns(5)
    epochs = cols[0].number_input("Epochs", 1, 200, 10, key="train_epochs")
    seeds = cols[1].number_input("Seeds", 1, 20, 3, key="train_seeds", help="3 or more for an interval worth reading")
    size = cols[2].number_input("Image size", 16, 128, 32, step=8, key="train_image_size")
    batch = cols[3].number_input("Batch size", 8, 512, 64, step=8, key="train_batch_size")
    rate = cols[4].number_input("Learning rate", 1e-5, 1.0, 3e-3, format="%.4f", key="train_learning_rate")
    if st.button("Train", type="primary", key="train", disabled=dataset is None):
        if not config.active_transforms():
            st.error("No augmentation is active, so both arms would be the same: move a slider or pick a preset first.")
            return
        spec = {
            "dataset": dataset, "image_size": int(size), "config": config.to_dict(),
            "arms": {"baseline": config.without_transforms().to_dict(), "augmented": config.to_dict()},
            "settings": {"seeds": list(range(int(seeds))), "epochs": int(epochs), "batch_size": int(batch),
                         "learning_rate": float(rate)},
        }
        if mode == "ablation":
            spec.update(mode="ablation",
                        arms={name: arm.to_dict() for name, arm in ablation_arms(config, leave_one_out).items()},
                        probes={name: probe.to_dict() for name, probe in probe_configs(config).items()})
        st.session_state["run_id"] = _jobs(str(runs_root())).submit(spec)
    _run_status()


@st.fragment(run_every=2.0)
def _run_status() -> None:
    """The current run, refreshed every 2 s (the worker needs the CPU more than the page):
    queue position, progress, live curves, result. The whole page reruns once when the run
    ends, so the history below shows it."""
    run_id = st.session_state.get("run_id")
    if not run_id:
        return
    jobs = _jobs(str(runs_root()))
    run = load_run(runs_root() / run_id, jobs.active_ids())
    position = jobs.position(run_id)
    if run.status == "queued" or (position or 0) > 0:
        st.info(f"Queued: {position - 1 if position else 0} run(s) ahead of yours.")
    if run.status in ("queued", "running"):
        st.button("Stop", key="stop_run", on_click=jobs.stop, args=(run_id,),
                  help="Ends within a batch; finished epochs are kept.")
    if run.status == "running" and run.progress:
        p = run.progress
        eta = f", about {p['eta']:.0f} s left" if p.get("eta") is not None else ""
        st.progress(min(1.0, p["done_fraction"]),
                    text=f"{p['arm']}, seed {p['seed']}, epoch {p['epoch']}, batch {p['batch']}/{p['batches']}{eta}")
    if run.result:
        curves = {arm: values["val_accuracy"]["mean"]
                  for arm, values in (run.result.get("summary") or summarize(run.result))["per_epoch"].items()}
        if any(curves.values()) and run.status in ("queued", "running"):
            st.line_chart({f"{arm} validation accuracy": values for arm, values in curves.items() if values})
    if run.status in ("finished", "stopped", "interrupted", "failed"):
        if st.session_state.get("run_shown") != run_id:
            st.session_state["run_shown"] = run_id
            st.rerun()  # refresh the history too
        _show_run(run, "current")


def _show_run(run, where: str) -> None:
    if run.status == "failed":
        st.error(f"The run failed: {read_json(run.path / 'status.json', {}).get('error', 'unknown error')}")
        return
    analysis = (run.result or {}).get("ablation")
    if analysis:
        _show_ablation(run, analysis, where)
        return
    figure = run.path / "figure.png"
    if figure.is_file():
        st.image(str(figure), width="stretch")
    elif run.result:
        st.image(figure_png(comparison_figure(run.result)), width="stretch")
    summary = (run.result or {}).get("summary") or (summarize(run.result) if run.result else {})
    if summary:
        (st.success if run.status == "finished" else st.warning)(f"{run.status.capitalize()}: {summary['verdict']}")
        for warning in summary.get("warnings", []):
            st.warning(warning)


def _show_ablation(run, analysis: dict, where: str) -> None:
    """The ranked effects with intervals, the affinity scatter and the one-page report."""
    (st.success if run.status == "finished" else st.warning)(f"{run.status.capitalize()}: {analysis['sentence']}")
    for line in analysis["recommendation"]:
        st.markdown(f"- {line}")
    rows = []
    for row in analysis["one_at_a_time"]:
        low, high = row["ci95"]
        interval = f"{low * 100:+.1f} to {high * 100:+.1f}" if low is not None else "one seed"
        effect = "-" if row["delta_mean"] is None else f"{row['delta_mean'] * 100:+.1f}"
        affinity, diversity = analysis["affinity"].get(row["transform"]), analysis["diversity"].get(row["transform"])
        rows.append({"setting": row["transform"], "alone vs baseline (points)": effect, "95% CI": interval,
                     "affinity": "-" if affinity is None else f"{affinity:.2f}",
                     "diversity": "-" if diversity is None else f"{diversity:.2f}"})
    st.table(rows)
    left, right = st.columns(2)
    for column, name in ((left, "ablation.png"), (right, "affinity.png")):
        if (run.path / name).is_file():
            column.image(str(run.path / name), width="stretch")
    report = run.path / "report.html"
    if report.is_file():
        st.download_button("Download the one-page report (HTML)", report.read_bytes(), file_name=f"{run.run_id}-report.html",
                           mime="text/html", key=f"report_{where}_{run.run_id}")


def _history() -> None:
    """Every run kept on disk, newest first, with its verdict, figure and files."""
    jobs = _jobs(str(runs_root()))
    runs = list_runs(runs_root(), jobs.active_ids())
    if not runs:
        return
    st.subheader("Run history")
    for run in runs[:20]:
        dataset = run.spec.get("dataset", {}).get("name", "?")
        label = f"{run.run_id} · {dataset} · {run.status} · {run.verdict[:90]}"
        with st.expander(label):
            augmented = run.spec.get("arms", {}).get("augmented", {})
            st.code(idg_code(AugmentConfig.from_dict(augmented)) if augmented else "", language="python")
            _show_run(run, "history")
            st.download_button("Download the run (JSON, PNG, TensorBoard logs)", run_zip(run.path),
                               file_name=f"{run.run_id}.zip", key=f"download_{run.run_id}")
