"""Train and compare: pick a dataset and settings, queue the run, watch it, read the verdict;
and the run history below.

Runs go to the server's job queue (`experiments.jobs`), one worker process at a time, so
TensorFlow never runs in the web server. The spec is built by `experiments.plan.build_spec`,
the same function the command line uses.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import streamlit as st

from ..augment.config import AugmentConfig
from ..data.datasets import load_dataset
from ..data.demos import DEMO_NAMES
from ..errors import InputError
from ..experiments.jobs import JobManager
from ..experiments.plan import build_spec
from ..experiments.runs import list_runs, run_zip, runs_root
from ..experiments.spec import ABLATION, COMPARE, DatasetRef, TrainSettings
from ..interchange.export import idg_code
from .link import DATASET_CHOICES
from .progress import run_status
from .results import show_run


@st.cache_resource(show_spinner=False)
def _jobs(root: str) -> JobManager:
    """One job manager, hence one run at a time, for the whole server."""
    return JobManager(Path(root))


@st.cache_data(max_entries=4, show_spinner="Reading the dataset...")
def _check_dataset(data: bytes, name: str) -> tuple[str, dict]:
    dataset = load_dataset(data, image_size=32, name=name)
    return dataset.report.summary(), dataset.class_counts()


def _dataset_ref() -> DatasetRef | None:
    """The dataset to train on: a demo, or a user's zip (saved with the runs) or folder."""
    choice = st.selectbox("Dataset", DATASET_CHOICES, key="train_dataset",
                          help="digits: flips and big rotations destroy the labels; shapes: flips keep them.")
    if choice in DEMO_NAMES:
        return DatasetRef("demo", choice)
    if choice == "your folder":
        folder = st.text_input("Folder on this server (root/class_name/image)", key="train_folder")
        if not folder:
            return None
        path = Path(folder).expanduser()
        if not path.is_dir():
            st.error(f"{folder} is not a folder on this server.")
            return None
        return DatasetRef("path", path.name, str(path.resolve()))
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
    return DatasetRef("path", upload.name, str(path.resolve()))


def _settings() -> TrainSettings:
    cols = st.columns(5)  # the values come from the session (`link.keep_page_defaults`), or the link
    epochs = cols[0].number_input("Epochs", 1, 200, key="train_epochs")
    seeds = cols[1].number_input("Seeds", 1, 20, key="train_seeds",
                                 help="3 or more for an interval worth reading; more can be added to a finished run")
    size = cols[2].number_input("Image size", 16, 128, step=8, key="train_image_size")
    batch = cols[3].number_input("Batch size", 8, 512, step=8, key="train_batch_size")
    rate = cols[4].number_input("Learning rate", 1e-5, 1.0, format="%.4f", key="train_learning_rate")
    return TrainSettings(seeds=tuple(range(int(seeds))), epochs=int(epochs), batch_size=int(batch),
                         learning_rate=float(rate), image_size=int(size))


def train_panel(config: AugmentConfig) -> None:
    """Pick a dataset and settings, click Train: the run goes to the server's job queue."""
    st.subheader("Train and compare")
    st.caption("The same small CNN, initial weights and batch order with and without your augmentation, "
               "over several seeds; validation images are never augmented.")
    dataset = _dataset_ref()
    mode = st.radio("Run", [COMPARE, ABLATION], key="train_mode", horizontal=True,
                    format_func=lambda m: "Compare: with vs without augmentation" if m == COMPARE
                    else "Ablation: which setting hurts (each setting alone)")
    leave_one_out = mode == ABLATION and st.checkbox(
        "Also leave-one-out (the full config minus each setting; about twice as long)", key="train_loo")
    settings = _settings()
    if st.button("Train", type="primary", key="train", disabled=dataset is None):
        try:
            spec = build_spec(config, dataset, settings, mode, leave_one_out)
        except InputError as error:
            st.error(str(error))
            return
        st.session_state["run_id"] = _jobs(str(runs_root())).submit(spec)
    run_status(_jobs(str(runs_root())))


def history() -> None:
    """Every run kept on disk, newest first, with its config, verdict, figures and files."""
    jobs = _jobs(str(runs_root()))
    runs = list_runs(runs_root(), jobs.active_ids())
    if not runs:
        return
    st.subheader("Run history")
    for run in runs[:20]:
        dataset, mode = (run.spec.dataset.name, f"{run.spec.mode}: ") if run.spec else ("?", "")
        with st.expander(f"{run.run_id} · {dataset} · {run.status} · {mode}{run.headline[:90]}"):
            if run.spec is not None:
                st.code(idg_code(run.spec.config), language="python")
            show_run(run, "history", jobs)
            st.download_button("Download the run (JSON, PNG, TensorBoard logs)", run_zip(run.path),
                               file_name=f"{run.run_id}.zip", key=f"download_{run.run_id}")
