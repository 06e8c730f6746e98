"""Run history: the visitor's runs (the signed-in user's on a server with sign-in, else this
browser's; everyone's with AUGMENT_SHARED_HISTORY=1, the others' read-only) kept on disk,
newest first, with their config, verdict, figures and files.

A run still queued, starting or running is drawn in a small fragment of its own, refreshed
every 2 s, so its entry says what it is doing now (a page drawn when the run was queued
kept saying "queued" while it trained); the ended runs are drawn once.
"""

from __future__ import annotations

import streamlit as st

from ..experiments.records.spec import MIGRATION, SMALL_CNN, RunSpec
from ..experiments.records.status import ACTIVE, RunState
from ..experiments.runs.folders import RunInfo, list_runs, load_run, may_see, run_zip, runs_root, shared_history
from ..experiments.runs.queue import JobManager
from ..interchange.export import idg_code
from . import session
from .actions import seeds_messages
from .progress import progress_text, waiting_message
from .results import show_run

SHOWN = 20  # the newest runs listed


def spec_code(spec: RunSpec) -> str:
    """What a run trained, as code: the IDG line, the Keras 3 stack (and where its layers
    ran) or, for a migration check, both."""
    if spec.stack is None:
        return idg_code(spec.config)
    stack = f"# Keras 3 stack, its layers {spec.stack.where}\n{spec.stack.code}"
    return f"{idg_code(spec.config)}\n# against\n{stack}" if spec.mode == MIGRATION else stack


def _label(run: RunInfo) -> str:
    dataset, mode = (run.spec.dataset.name, f"{run.spec.mode}: ") if run.spec else ("?", "")
    if run.spec is not None and run.spec.model.kind != SMALL_CNN:
        dataset += f" · {run.spec.model.label}"
    status = "training" if run.status == RunState.RUNNING and run.progress else run.status
    return f"{run.run_id} · {dataset} · {status} · {mode}{run.headline[:90]}"


def _ended_entry(run: RunInfo, jobs: JobManager) -> None:
    # Open when a click in it was refused (Add seeds over a limit): the message is inside.
    with st.expander(_label(run), expanded=session.has_messages(seeds_messages(run.run_id))):
        if run.spec is not None:
            st.code(spec_code(run.spec), language="python")
        show_run(run, "history", jobs)
        st.download_button(
            "Download the run (JSON, PNG, TensorBoard logs)",
            run_zip(run.path),
            file_name=f"{run.run_id}.zip",
            key=f"download_{run.run_id}",
        )


@st.fragment(run_every=2.0)
def _active_entry(run_id: str, jobs: JobManager) -> None:
    """An active run's entry, as it is now; once it has ended, the whole page is drawn again
    (its result, and the entry of an ended run)."""
    run = load_run(runs_root() / run_id, jobs.active_ids())
    if run.status not in ACTIVE:
        st.rerun()
    with st.expander(_label(run)):
        if run.spec is not None:
            st.code(spec_code(run.spec), language="python")
        waiting = waiting_message(run.status, jobs.ahead(run_id), run.progress)
        st.caption(waiting or (progress_text(run.progress) if run.progress else run.status))
        if run_id == session.record().run_id:
            st.caption("Its progress and live curves are shown above, under Train.")


def history(jobs: JobManager) -> None:
    """The runs this visitor may see, newest first (at most `SHOWN`)."""
    who, shared = session.visitor(), shared_history()
    runs = [run for run in list_runs(runs_root(), jobs.active_ids()) if may_see(run.owner, who.owner, shared)]
    if not runs:
        return
    st.subheader("Run history")
    if shared:
        st.caption("Everyone's runs on this server; only your own can be stopped or given more seeds.")
    elif who.sign_in:
        st.caption("Your runs: the same from any browser you sign in from.")
    else:
        st.caption(
            "The runs of this browser: it keeps its id in a cookie (never in the link), so a reload or a "
            "new tab shows them again. A link you share carries the settings, not your runs."
        )
    for run in runs[:SHOWN]:
        if run.status in ACTIVE:
            _active_entry(run.run_id, jobs)
        else:
            _ended_entry(run, jobs)
