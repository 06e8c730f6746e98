"""Train and compare: pick a dataset, a model and settings, queue the run, watch it, read the
verdict; and the run history below.

Runs go to the server's job queue (`experiments.jobs`), one worker process at a time, so
TensorFlow never runs in the web server. The spec is built by `experiments.plan.build_spec`,
the same function the command line uses. The model is our small CNN, a keras.applications
architecture or the user's .keras file, which is checked here without Keras
(`experiments.modelfile`) and saved with the runs.

One click, one run: Train is off while this session's run is queued, starting or running.
A run belongs to the browser session that submitted it (`link.session_owner`): Run history
shows a session its own runs, everyone's with AUGMENT_SHARED_HISTORY=1. "your folder" is
offered only with AUGMENT_DATA_ROOT, and only folders under it can be chosen.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import streamlit as st

from ..augment.config import AugmentConfig
from ..data.datasets import load_dataset
from ..data.demos import DEMO_NAMES
from ..diagnostics.doctor import model_findings
from ..errors import InputError
from ..experiments import modelfile
from ..experiments.ablation import ablation_arms
from ..experiments.backends import RayBackend, backend_from_settings
from ..experiments.jobs import JobManager
from ..experiments.plan import build_spec
from ..experiments.runs import ACTIVE, list_runs, load_run, may_see, run_zip, runs_root, shared_history
from ..experiments.spec import (
    ABLATION,
    APPLICATION,
    APPLICATION_IMAGE_SIZE,
    APPLICATIONS,
    COMPARE,
    MODEL_FILE,
    SMALL_CNN,
    SUGGEST,
    DatasetRef,
    ModelRef,
    SearchSettings,
    TrainSettings,
)
from ..interchange.export import idg_code
from .link import (
    DATASET_CHOICES,
    MAX_IMAGE_SIZE,
    MODEL_CHOICES,
    START_CHOICES,
    WEIGHTS_CHOICES,
    YOUR_FOLDER,
    data_root,
    dataset_choices,
    session_owner,
)
from .progress import run_status
from .results import show_run
from .state import keep_upload


@st.cache_resource(show_spinner=False)
def _jobs(root: str) -> JobManager:
    """One job manager, hence one run at a time, for the whole server."""
    return JobManager(Path(root))


@st.cache_data(max_entries=4, show_spinner="Reading the dataset...")
def _check_dataset(data: bytes, name: str) -> tuple[str, dict]:
    dataset = load_dataset(data, image_size=32, name=name)
    return dataset.report.summary(), dataset.class_counts()


def folder_under_root(text: str, root: Path) -> Path:
    """The folder a visitor typed, relative to the data root unless absolute, with symlinks
    and '..' resolved; InputError unless it is a folder inside the (resolved) root."""
    root = Path(root).resolve()
    path = (root / text.strip()).resolve()
    if not path.is_relative_to(root):
        raise InputError(f"{text.strip()[:200]} is outside this server's data folder ({root}): only folders "
                         "under it can be chosen.")
    if not path.is_dir():
        raise InputError(f"{text.strip()[:200]} is not a folder under {root}.")
    return path


def _folder_ref() -> DatasetRef | None:
    """A folder under the server's data root (AUGMENT_DATA_ROOT), typed by the visitor."""
    root = data_root()
    folder = st.text_input("Folder on this server (root/class_name/image)", key="train_folder",
                           help=f"A folder under {root}; a relative path is taken from there.")
    if not folder or root is None:
        return None
    try:
        path = folder_under_root(folder, root)
    except InputError as error:
        st.error(str(error))
        return None
    return DatasetRef("path", path.name, str(path))


def _dataset_ref() -> DatasetRef | None:
    """The dataset to train on: a demo, or a user's zip (saved with the runs) or folder."""
    choices = dataset_choices()
    if st.session_state.get("train_dataset") not in choices:
        st.session_state["train_dataset"] = DATASET_CHOICES[0]
    choice = st.selectbox("Dataset", choices, key="train_dataset",
                          help="digits: flips and big rotations destroy the labels; shapes: flips keep them.")
    if choice in DEMO_NAMES:
        return DatasetRef("demo", choice)
    if choice == YOUR_FOLDER:
        return _folder_ref()
    upload = _zip_uploader()
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
    return DatasetRef("path", upload.name, str(_save_upload(data, "datasets", ".zip")))


def _save_upload(data: bytes, folder: str, suffix: str) -> Path:
    """An upload kept with the runs (runs/<folder>/), named by its content: the worker reads
    it from there, and the same file uploaded twice is stored once."""
    store = runs_root() / folder
    store.mkdir(parents=True, exist_ok=True)
    path = store / f"{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
    if not path.exists():
        path.write_bytes(data)
    return path.resolve()


# The smallest image a keras.applications architecture can be built for (32 for the others).
MIN_APPLICATION_SIZE = {"InceptionV3": 75, "InceptionResNetV2": 75, "Xception": 71}


def _found_text(info: modelfile.ModelFileInfo) -> str:
    """What was found in a model file, in a caption."""
    shape = " x ".join("any" if side is None else str(side) for side in info.input_shape or ())
    outputs = "outputs unknown" if info.outputs is None else (
        f"{info.outputs} output(s)" + (f" ({info.output_activation})" if info.output_activation else ""))
    height, width = (info.input_shape or (None, None))[:2]
    size = (f" Trains at {height} x {width} px, the model's input (the Image size setting is not used)."
            if height is not None and width is not None else "")
    return (f"{info.name}: a {info.class_name} model of {info.layers} layers, input {shape or 'unknown'}, "
            f"{outputs}. Its last Dense layer is replaced by a softmax head unless it gives one score per class."
            + size)


def model_upload(data: bytes, name: str) -> tuple[ModelRef | None, str]:
    """An uploaded .keras file, checked without Keras (its size first, then
    `modelfile.inspect_model_file`) and saved with the runs under models/: the model to train
    (from scratch until the user chooses otherwise) and a caption saying what was found; or
    None and the reason, in a sentence."""
    try:
        modelfile.check_file_size(len(data), name)
        info = modelfile.inspect_model_file(data, name)
    except InputError as error:
        return None, str(error)
    return ModelRef(MODEL_FILE, name, path=str(_save_upload(data, "models", ".keras"))), _found_text(info)


def _zip_uploader():
    return st.file_uploader("Zip of root/class_name/image", type=["zip"], key="train_zip")


def _model_uploader():
    limit = modelfile.megabytes(modelfile.MAX_MODEL_BYTES)
    return st.file_uploader("Your model (.keras, Keras 3)", type=["keras"], key="train_model_file",
                            help=f"Saved with model.save('model.keras'); up to {limit}. Loaded in safe mode "
                                 "by the worker: Lambda layers are refused.")


def keep_train_uploads() -> None:
    """While the train section is closed: its dataset zip and model file stay uploaded."""
    keep_upload("train_zip", _zip_uploader)
    keep_upload("train_model_file", _model_uploader)


def _file_model() -> ModelRef | None:
    """The user's .keras file: checked once per upload, then how every arm starts."""
    upload = _model_uploader()
    if upload is None:
        return None
    checked = st.session_state.get("train_model_checked")
    if checked is None or checked[0] != upload.file_id or (checked[1] and not Path(checked[1].path).is_file()):
        checked = (upload.file_id, *model_upload(upload.getvalue(), upload.name))
        st.session_state["train_model_checked"] = checked
    _, model, message = checked
    if model is None:
        st.error(message)
        return None
    st.caption(message)
    start = st.radio("Start every arm", list(START_CHOICES), format_func=START_CHOICES.get, key="train_start",
                     horizontal=True)
    return replace(model, start=start)


def _application_model() -> ModelRef:
    left, right = st.columns(2)
    name = left.selectbox("Architecture", APPLICATIONS, key="train_application")
    weights = right.radio("Weights", list(WEIGHTS_CHOICES), format_func=WEIGHTS_CHOICES.get, key="train_weights",
                          help="ImageNet weights come from Keras's cache on this server (~/.keras/models by default): "
                               "nothing is downloaded, and a missing file gives a clear message when the run "
                               "starts.")
    st.caption(f"Architectures need images of at least 32 px (75 for InceptionV3 and InceptionResNetV2, 71 for "
               f"Xception); {APPLICATION_IMAGE_SIZE} is ImageNet's size, and smaller trains much faster on a CPU. "
               "Their own preprocess_input runs in place of rescale.")
    least = MIN_APPLICATION_SIZE.get(name, 32)
    if int(st.session_state.get("train_image_size", least)) < least:
        st.warning(f"{name} needs images of at least {least} px: set Image size to {least} or more.")
    return ModelRef(APPLICATION, name, weights=None if weights == "random" else weights)


def _model_ref(config: AugmentConfig) -> ModelRef | None:
    """The model every arm trains (None until a .keras file is uploaded), with the doctor's
    findings about the config and that model."""
    kind = st.selectbox("Model", list(MODEL_CHOICES), format_func=MODEL_CHOICES.get, key="train_model",
                        help="The small CNN trains in seconds; an architecture or your own model shows what "
                             "augmentation does to the model you will really train.")
    model = {SMALL_CNN: ModelRef, APPLICATION: _application_model, MODEL_FILE: _file_model}[kind]()
    for finding in model_findings(config, model) if model is not None else ():
        st.warning(f"**{finding.setting}**: {finding.message}  \nFix: {finding.fix}")
    return model


def _settings() -> TrainSettings:
    cols = st.columns(5)  # the values come from the session (`link.keep_page_defaults`), or the link
    epochs = cols[0].number_input("Epochs", 1, 200, key="train_epochs")
    seeds = cols[1].number_input("Seeds", 1, 20, key="train_seeds",
                                 help="3 or more for an interval worth reading; more can be added to a finished run")
    size = cols[2].number_input("Image size", 16, MAX_IMAGE_SIZE, step=8, key="train_image_size",
                                help="Side of the square images every arm trains on (a .keras file with a fixed "
                                     "input size sets it)")
    batch = cols[3].number_input("Batch size", 8, 512, step=8, key="train_batch_size")
    rate = cols[4].number_input("Learning rate", 1e-5, 1.0, format="%.4f", key="train_learning_rate")
    return TrainSettings(seeds=tuple(range(int(seeds))), epochs=int(epochs), batch_size=int(batch),
                         learning_rate=float(rate), image_size=int(size))


def train_panel(config: AugmentConfig) -> None:
    """Pick a dataset and settings, click Train: the run goes to the server's job queue."""
    st.subheader("Train and compare")
    st.caption("Every arm trains the same model from the same initial weights in the same batch order, with and "
               "without your augmentation, over several seeds; validation images are never augmented.")
    dataset = _dataset_ref()
    model = _model_ref(config)
    mode = st.radio("Run", list(MODE_LABELS), key="train_mode", horizontal=True, format_func=MODE_LABELS.get)
    leave_one_out = mode == ABLATION and st.checkbox(
        "Also leave-one-out (the full config minus each setting; about twice as long)", key="train_loo")
    settings = _settings()
    search = _search_settings() if mode == SUGGEST else None
    _where_trials_train(config, mode, leave_one_out, settings, search)
    jobs = _jobs(str(runs_root()))
    busy = _session_run_active(jobs)
    clicked = st.button("Train", type="primary", key="train", disabled=busy or dataset is None or model is None)
    if busy:
        st.caption("Train is off while your run is queued or running: stop it below, or wait until it ends.")
    if clicked and not busy:  # a second click sent before the page showed Train off submits nothing
        try:
            spec = build_spec(config, dataset, settings, mode, leave_one_out, model=model, search=search)
        except InputError as error:
            st.error(str(error))
            return
        st.session_state["run_id"] = jobs.submit(spec, owner=session_owner(create=True))
        st.rerun()  # draw Train disabled at once
    run_status(jobs)


MODE_LABELS = {COMPARE: "Compare: with vs without augmentation",
               ABLATION: "Ablation: which setting hurts (each setting alone)",
               SUGGEST: "Suggest: search for settings that beat yours"}


def _search_settings() -> SearchSettings:
    """A suggest run's budget and check seeds (the search trains on the Seeds above)."""
    left, right = st.columns(2)
    budget = left.number_input("Configurations to try", 1, 200, key="train_budget",
                               help="Optuna's TPE tries this many configurations around yours (yours first); "
                                    "the median pruner ends the ones falling behind early.")
    check = right.number_input("Fresh seeds for the check", 2, 20, key="train_check_seeds",
                               help="The best configuration, yours and no augmentation train again, paired, on "
                                    "seeds the search never used: the pick is judged on these alone.")
    return SearchSettings(int(budget), int(check))


def _where_trials_train(config: AugmentConfig, mode: str, leave_one_out: bool, settings: TrainSettings,
                        search: SearchSettings | None = None) -> None:
    """How many trials (one arm on one seed) the run is, and where they train: the server's
    backend (AUGMENT_BACKEND and its settings; README: When one machine is not enough)."""
    try:
        server = backend_from_settings()
    except InputError as error:
        st.error(f"The server's backend settings: {error}")
        return
    backend, seeds = server.label, len(settings.seeds)
    if search is not None:
        where = ("with Ray Tune, side by side" if isinstance(server, RayBackend)
                 else "in the worker, one after another")
        st.caption(f"Up to {search.budget} configurations x {seeds} seed{'s' if seeds != 1 else ''} = "
                   f"{search.budget * seeds} trials searched {where}; then the best, yours and no augmentation "
                   f"on {search.check_seeds} fresh seeds = {3 * search.check_seeds} trials on: {backend}")
        return
    arms = len(ablation_arms(config, leave_one_out)) if mode == ABLATION else 2
    st.caption(f"{arms} arms x {seeds} seed{'s' if seeds != 1 else ''} = {arms * seeds} trials · they train on: "
               f"{backend}")


def _session_run_active(jobs: JobManager) -> bool:
    """Whether this session's current run is queued, starting or running."""
    run_id = st.session_state.get("run_id")
    return bool(run_id) and load_run(runs_root() / run_id, jobs.active_ids()).status in ACTIVE


def history() -> None:
    """The runs of this browser session (everyone's with AUGMENT_SHARED_HISTORY=1) kept on
    disk, newest first, with their config, verdict, figures and files."""
    jobs = _jobs(str(runs_root()))
    owner, shared = session_owner(), shared_history()
    runs = [run for run in list_runs(runs_root(), jobs.active_ids()) if may_see(run.owner, owner, shared)]
    if not runs:
        return
    st.subheader("Run history")
    if not shared:
        st.caption("The runs of this browser session: the page's link keeps them (owner=...), so a reload or a "
                   "bookmark shows them again.")
    for run in runs[:20]:
        dataset, mode = (run.spec.dataset.name, f"{run.spec.mode}: ") if run.spec else ("?", "")
        if run.spec is not None and run.spec.model.kind != SMALL_CNN:
            dataset += f" · {run.spec.model.label}"
        with st.expander(f"{run.run_id} · {dataset} · {run.status} · {mode}{run.headline[:90]}"):
            if run.spec is not None:
                st.code(idg_code(run.spec.config), language="python")
            show_run(run, "history", jobs)
            st.download_button("Download the run (JSON, PNG, TensorBoard logs)", run_zip(run.path),
                               file_name=f"{run.run_id}.zip", key=f"download_{run.run_id}")
