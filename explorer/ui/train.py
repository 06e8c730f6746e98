"""Train and compare: pick a dataset, a model and settings, queue the run, watch it, read the
verdict (the run history below it is `history`).

Runs go to the server's job queue (`experiments.runs.queue`), one worker process at a time, so
TensorFlow never runs in the web server. The spec is built by `experiments.runs.plan.build_spec`,
the same function the command line uses. The model is our small CNN, a keras.applications
architecture or the user's .keras file, which is checked here without Keras
(`experiments.training.model_file`) and saved with the runs once a run uses it.

Every widget is drawn from the record's train settings and writes back to them; the panel
says what a click trains (the IDG line and the data) before it is clicked, and the spec
submitted is built from the same record. One click, one run: Train is off while this
session's run is queued, starting or running. A run belongs to the visitor who
submitted it (`session.owner`: the signed-in user, or this browser; Train needs sign-in where
the server has it). "your folder" is offered only with AUGMENT_DATA_ROOT, and
only folders under it can be chosen.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import streamlit as st

from ..data.datasets import load_dataset
from ..data.demos import DEMO_NAMES
from ..diagnostics.doctor import model_findings
from ..errors import InputError
from ..experiments.analysis.ablation import ablation_arms
from ..experiments.records.spec import (
    ABLATION,
    APPLICATION,
    APPLICATION_IMAGE_SIZE,
    APPLICATIONS,
    COMPARE,
    MIGRATION,
    MODEL_FILE,
    SMALL_CNN,
    SUGGEST,
    DatasetRef,
    ModelRef,
)
from ..experiments.records.stack_arm import StackArm
from ..experiments.records.status import ACTIVE
from ..experiments.runs import service
from ..experiments.runs.folders import load_run, runs_root
from ..experiments.runs.limits import over_limits, planned_cost
from ..experiments.runs.plan import build_spec
from ..experiments.runs.queue import JobManager
from ..experiments.runs.storage import DATASETS, MODELS, Upload, disk_full, disk_full_message, keep_used
from ..experiments.training import model_file
from ..experiments.training.backends import RayBackend, backend_from_settings
from ..interchange.export import kwargs_text
from . import session, widgets
from .actions import open_section
from .link import (
    DATASET_CHOICES,
    MAX_IMAGE_SIZE,
    MODEL_CHOICES,
    START_CHOICES,
    WEIGHTS_CHOICES,
    YOUR_FOLDER,
    data_root,
    dataset_choices,
)
from .progress import run_status
from .record import PageState, TrainChoice
from .scroll import scroll_here
from .train_stack import planned_stack_arms, trains_a_stack, what_trains_stack
from .widgets import part_writer, show_finding


def _jobs(root: str) -> JobManager:
    """One job manager, hence one run at a time, for the whole server: the one the server
    started with (`experiments.runs.service`; made here when the page runs without that server, as
    under AppTest)."""
    return service.job_manager(Path(root))


def server_jobs() -> JobManager:
    return _jobs(str(runs_root()))


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
        raise InputError(
            f"{text.strip()[:200]} is outside this server's data folder ({root}): only folders under it can be chosen."
        )
    if not path.is_dir():
        raise InputError(f"{text.strip()[:200]} is not a folder under {root}.")
    return path


def _folder_ref(train: TrainChoice) -> DatasetRef | None:
    """A folder under the server's data root (AUGMENT_DATA_ROOT), typed by the visitor."""
    root = data_root()
    widgets.text_input(
        st,
        "Folder on this server (root/class_name/image)",
        key="train_folder",
        shown=train.folder,
        write=part_writer("train", "folder", str.strip),
        help=f"A folder under {root}; a relative path is taken from there.",
    )
    if not train.folder or root is None:
        return None
    try:
        path = folder_under_root(train.folder, root)
    except InputError as error:
        st.error(str(error))
        return None
    return DatasetRef("path", path.name, str(path))


def _dataset_ref(train: TrainChoice, uploads: list[Upload]) -> DatasetRef | None:
    """The dataset to train on: a demo, or a user's zip (added to `uploads`: saved with the
    runs once a run uses it) or folder."""
    choices = dataset_choices()
    if train.dataset not in choices:  # "your folder" on a server that no longer has a data root
        session.change("train", dataset=DATASET_CHOICES[0])
        train = session.record().train
    choice = widgets.selectbox(
        st,
        "Dataset",
        choices,
        key="train_dataset",
        shown=train.dataset,
        write=part_writer("train", "dataset"),
        help="digits: flips and big rotations destroy the labels; shapes: flips keep them.",
    )
    if choice in DEMO_NAMES:
        return DatasetRef("demo", choice)
    if choice == YOUR_FOLDER:
        return _folder_ref(train)
    upload = zip_uploader()
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
    # Where the zip will be kept: it is written there only when a run uses it (`_train_button`).
    uploads.append(Upload(data, DATASETS))
    return DatasetRef("path", upload.name, str(uploads[-1].path(runs_root())))


# The smallest image a keras.applications architecture can be built for (32 for the others).
MIN_APPLICATION_SIZE = {"InceptionV3": 75, "InceptionResNetV2": 75, "Xception": 71}
ZIP_KEY, MODEL_FILE_KEY = "train_zip", "train_model_file"


def _found_text(info: model_file.ModelFileInfo) -> str:
    """What was found in a model file, in a caption."""
    shape = " x ".join("any" if side is None else str(side) for side in info.input_shape or ())
    outputs = (
        "outputs unknown"
        if info.outputs is None
        else (f"{info.outputs} output(s)" + (f" ({info.output_activation})" if info.output_activation else ""))
    )
    height, width = (info.input_shape or (None, None))[:2]
    size = (
        f" Trains at {height} x {width} px, the model's input (the Image size setting is not used)."
        if height is not None and width is not None
        else ""
    )
    return (
        f"{info.name}: a {info.class_name} model of {info.layers} layers, input {shape or 'unknown'}, "
        f"{outputs}. Its last Dense layer is replaced by a softmax head unless it gives one score per class." + size
    )


def model_upload(data: bytes, name: str) -> tuple[ModelRef | None, str]:
    """An uploaded .keras file, checked without Keras (its size first, then
    `model_file.inspect_model_file`): the model to train (from scratch until the user chooses
    otherwise) and a caption saying what was found; or None and the reason, in a sentence.
    The file is written under models/ only when a run that uses it is submitted."""
    try:
        model_file.check_file_size(len(data), name)
        info = model_file.inspect_model_file(data, name)
    except InputError as error:
        return None, str(error)
    return ModelRef(MODEL_FILE, name, path=str(Upload(data, MODELS).path(runs_root()))), _found_text(info)


def zip_uploader():
    return st.file_uploader("Zip of root/class_name/image", type=["zip"], key=ZIP_KEY)


def model_uploader():
    limit = model_file.megabytes(model_file.MAX_MODEL_BYTES)
    return st.file_uploader(
        "Your model (.keras, Keras 3)",
        type=["keras"],
        key=MODEL_FILE_KEY,
        help=f"Saved with model.save('model.keras'); up to {limit}. Loaded in safe mode "
        "by the worker: Lambda layers are refused.",
    )


def _file_model(train: TrainChoice, uploads: list[Upload]) -> ModelRef | None:
    """The user's .keras file: checked once per upload, then how every arm starts."""
    upload = model_uploader()
    if upload is None:
        return None
    checked = session.model_check()
    if checked is None or checked[0] != upload.file_id:
        checked = (upload.file_id, *model_upload(upload.getvalue(), upload.name))
        session.keep_model_check(checked)
    _, model, message = checked
    if model is None:
        st.error(message)
        return None
    uploads.append(Upload(upload.getvalue(), MODELS))  # written where model.path says once a run uses it
    st.caption(message)
    start = widgets.radio(
        st,
        "Start every arm",
        list(START_CHOICES),
        key="train_start",
        shown=train.start,
        write=part_writer("train", "start"),
        format_func=START_CHOICES.get,
        horizontal=True,
    )
    return replace(model, start=start)


def _application_model(train: TrainChoice) -> ModelRef:
    left, right = st.columns(2)
    name = widgets.selectbox(
        left,
        "Architecture",
        APPLICATIONS,
        key="train_application",
        shown=train.application,
        write=part_writer("train", "application"),
    )
    weights = widgets.radio(
        right,
        "Weights",
        list(WEIGHTS_CHOICES),
        key="train_weights",
        shown=train.weights,
        write=part_writer("train", "weights"),
        format_func=WEIGHTS_CHOICES.get,
        help="ImageNet weights come from Keras's cache on this server (~/.keras/models by "
        "default): nothing is downloaded, and a missing file gives a clear message when "
        "the run starts.",
    )
    st.caption(
        f"Architectures need images of at least 32 px (75 for InceptionV3 and InceptionResNetV2, 71 for "
        f"Xception); {APPLICATION_IMAGE_SIZE} is ImageNet's size, and smaller trains much faster on a CPU. "
        "Their own preprocess_input runs in place of rescale."
    )
    least = MIN_APPLICATION_SIZE.get(name, 32)
    if train.image_size < least:
        st.warning(f"{name} needs images of at least {least} px: set Image size to {least} or more.")
    return ModelRef(APPLICATION, name, weights=None if weights == "random" else weights)


def _model_ref(state: PageState, uploads: list[Upload]) -> ModelRef | None:
    """The model every arm trains (None until a .keras file is uploaded), with the doctor's
    findings about the config and that model."""
    train = state.train
    kind = widgets.selectbox(
        st,
        "Model",
        list(MODEL_CHOICES),
        key="train_model",
        shown=train.model,
        write=part_writer("train", "model"),
        format_func=MODEL_CHOICES.get,
        help="The small CNN trains in seconds; an architecture or your own model shows what "
        "augmentation does to the model you will really train.",
    )
    drawers = {
        SMALL_CNN: lambda _: ModelRef(),
        APPLICATION: _application_model,
        MODEL_FILE: lambda chosen: _file_model(chosen, uploads),
    }
    model = drawers[kind](train)
    for finding in model_findings(state.config, model) if model is not None else ():
        show_finding(st, finding)
    return model


def _settings(train: TrainChoice) -> None:
    cols = st.columns(5)
    widgets.number(
        cols[0], "Epochs", 1, 200, key="train_epochs", shown=train.epochs, write=part_writer("train", "epochs", int)
    )
    widgets.number(
        cols[1],
        "Seeds",
        1,
        20,
        key="train_seeds",
        shown=train.seeds,
        write=part_writer("train", "seeds", int),
        help="3 or more for an interval worth reading; more can be added to a finished run",
    )
    widgets.number(
        cols[2],
        "Image size",
        16,
        MAX_IMAGE_SIZE,
        step=8,
        key="train_image_size",
        shown=train.image_size,
        write=part_writer("train", "image_size", int),
        help="Side of the square images every arm trains on (a .keras file with a fixed input size sets it)",
    )
    widgets.number(
        cols[3],
        "Batch size",
        8,
        512,
        step=8,
        key="train_batch_size",
        shown=train.batch_size,
        write=part_writer("train", "batch_size", int),
    )
    widgets.number(
        cols[4],
        "Learning rate",
        1e-5,
        1.0,
        format="%g",
        key="train_learning_rate",
        shown=float(train.learning_rate),
        write=part_writer("train", "learning_rate", float),
    )


MODE_LABELS = {
    COMPARE: "Compare: with vs without augmentation",
    ABLATION: "Ablation: which setting hurts (each setting alone)",
    SUGGEST: "Suggest: search for settings that beat yours",
    MIGRATION: "Migration check: your IDG settings vs your Keras 3 stack",
}


def _search_settings(train: TrainChoice) -> None:
    """A suggest run's budget and check seeds (the search trains on the Seeds above)."""
    left, right = st.columns(2)
    widgets.number(
        left,
        "Configurations to try",
        1,
        200,
        key="train_budget",
        shown=train.budget,
        write=part_writer("train", "budget", int),
        help="Optuna's TPE tries this many configurations around yours (yours first); "
        "the median pruner ends the ones falling behind early.",
    )
    widgets.number(
        right,
        "Fresh seeds for the check",
        2,
        20,
        key="train_check_seeds",
        shown=train.check_seeds,
        write=part_writer("train", "check_seeds", int),
        help="The best configuration, yours and no augmentation train again, paired, on "
        "seeds the search never used: the pick is judged on these alone.",
    )


def _what_trains(state: PageState) -> None:
    """The augmentation a click trains with, as an IDG line, and the way back to change it."""
    with st.container(border=True, key="train_config"):
        text, back = st.columns([4, 1], vertical_alignment="center")
        text.markdown("**The augmentation Train uses** (from the preview's settings):")
        text.code(f"ImageDataGenerator({kwargs_text(state.config)})", language="python", wrap_lines=True)
        back.button(
            "Change it in Preview",
            key="back_to_preview",
            on_click=open_section,
            args=("preview",),
            help="The preview's controls set it; this section keeps its own settings meanwhile.",
        )
        if state.train.mode != SUGGEST and not state.config.active_transforms():
            st.warning(
                "No random transform is on: both arms would train the same model. Turn a setting on in "
                "Preview (or choose Suggest, which can start from none)."
            )


def _where_trials_train(state: PageState, dataset: DatasetRef | None, model: ModelRef | None) -> None:
    """What a click trains and where: the data and model, how many trials (one arm on one
    seed), and the server's backend (AUGMENT_BACKEND and its settings; docs/ray.md: When one
    machine is not enough)."""
    train = state.train
    try:
        server = backend_from_settings()
    except InputError as error:
        st.error(f"The server's backend settings: {error}")
        return
    data = "no data yet (choose or upload it above)" if dataset is None else f"{dataset.name} ({dataset.kind})"
    trained = "no model yet (upload it above)" if model is None else model.label
    backend, seeds, search = server.label, train.seeds, train.search()
    if search is not None:
        where = "with Ray Tune, side by side" if isinstance(server, RayBackend) else "in the worker, one after another"
        trials = (
            f"up to {search.budget} configurations x {seeds} seed{'s' if seeds != 1 else ''} = "
            f"{search.budget * seeds} trials searched {where}; then the best, yours and no augmentation "
            f"on {search.check_seeds} fresh seeds = {3 * search.check_seeds} trials on: {backend}"
        )
    else:
        arms = _planned_arms(state)
        trials = (
            f"{arms} arms x {seeds} seed{'s' if seeds != 1 else ''} = {arms * seeds} trials · they train on: {backend}"
        )
    st.caption(f"Train runs on **{data}** with **{trained}**, {train.epochs} epochs at {train.image_size} px: {trials}")


def _session_run_active(jobs: JobManager, run_id: str | None) -> bool:
    """Whether the run shown is the visitor's own and queued, starting or running (someone
    else's, opened read-only with shared history, does not turn Train off)."""
    if not run_id:
        return False
    run = load_run(runs_root() / run_id, jobs.active_ids())
    return run.status in ACTIVE and session.may_change(run.owner)


def train_panel() -> None:
    """What a click trains, the dataset, model and settings, Train: the run goes to the
    server's job queue; then its progress and result."""
    state = session.record()
    st.subheader("Train and compare")
    st.caption(
        "Every arm trains the same model from the same initial weights in the same batch order, with and "
        "without your augmentation, over several seeds; validation images are never augmented."
    )
    stack = None
    if trains_a_stack(state):
        stack = what_trains_stack(state)
    else:
        _what_trains(state)
    uploads: list[Upload] = []  # in memory until Train submits a run that uses them
    dataset, model = _dataset_ref(state.train, uploads), _model_ref(state, uploads)
    mode = widgets.radio(
        st,
        "Run",
        list(MODE_LABELS),
        key="train_mode",
        shown=state.train.mode,
        write=part_writer("train", "mode"),
        horizontal=True,
        format_func=MODE_LABELS.get,
    )
    if mode == ABLATION:
        widgets.checkbox(
            st,
            "Also leave-one-out (the full config minus each setting: finds settings that interact; "
            "about twice as long)",
            key="train_loo",
            shown=state.train.leave_one_out,
            write=part_writer("train", "leave_one_out", bool),
        )
    _settings(state.train)
    if mode == SUGGEST:
        _search_settings(state.train)
    state = session.record()  # as drawn (a dataset no longer offered was put back to the first)
    _where_trials_train(state, dataset, model)
    _train_button(state, dataset, model, uploads, stack)


def _planned_arms(state: PageState) -> int:
    """The arms a click would train (a search's are counted by its budget instead)."""
    train = state.train
    if trains_a_stack(state):
        return planned_stack_arms(state)
    return len(ablation_arms(state.config, train.leave_one_out)) if train.mode == ABLATION else 2


def _over_limits(state: PageState, jobs: JobManager) -> None:
    """Before a click: what the planned run is over of this server's limits (docs/deploy.md "Server
    limits"), with the numbers; a click would be refused with the same words. Planned: a
    model file may bring its own image size, which the click's check uses."""
    search = state.train.search()
    problem = over_limits(planned_cost(_planned_arms(state), state.train.settings(), search), search, jobs.limits)
    if problem:
        with st.container(key="train_over_limits"):
            st.warning(f"Over this server's limits: {problem}.")


def _train_button(
    state: PageState, dataset: DatasetRef | None, model: ModelRef | None, uploads: list[Upload], stack: StackArm | None
) -> None:
    """Train, off while this session's run is active; the click writes the uploads the run
    uses (`storage.keep_used`: by content hash, stored once) and submits the spec built from
    the record drawn above, and the run's progress comes into view."""
    jobs = server_jobs()
    busy = _session_run_active(jobs, state.run_id)
    if trains_a_stack(state):
        idle = stack is None
    else:
        idle = state.train.mode != SUGGEST and not state.config.active_transforms()
    signed_out = not session.visitor().may_train  # a server with sign-in: runs belong to the signed-in user
    clicked = st.button(
        "Train", type="primary", key="train", disabled=busy or idle or signed_out or dataset is None or model is None
    )
    if signed_out:
        st.caption("Sign in (at the top of the page) to train: on this server runs belong to the signed-in user.")
    if busy:
        st.caption("Train is off while your run is queued or running: stop it below, or wait until it ends.")
    else:
        _over_limits(state, jobs)
    if clicked and not busy:  # a second click sent before the page showed Train off submits nothing
        train = state.train
        try:
            # Before the spec: a model file's input size is read from the file.
            keep_used(uploads, runs_root(), (dataset.path, model.path))
            spec = build_spec(
                state.config,
                dataset,
                train.settings(),
                train.mode,
                train.leave_one_out,
                model=model,
                search=train.search(),
                stack=stack,
            )
        except InputError as error:
            st.error(str(error))
            return
        except OSError as error:
            full = disk_full(error)
            st.error(f"Your upload could not be kept: {disk_full_message(full) if full else error}")
            return
        try:
            run_id = jobs.submit(spec, owner=session.owner(create=True))
        except InputError as error:  # over this server's limits (docs/deploy.md "Server limits"): say which
            with st.container(key="train_refused"):
                st.error(f"Not queued: {error}.")
        else:
            session.put(replace(session.record(), run_id=run_id))
            session.ask_scroll("current_run")
            st.rerun()  # draw Train disabled at once
    with st.container(key="current_run"):
        run_status(jobs)
    scroll_here("current_run")
