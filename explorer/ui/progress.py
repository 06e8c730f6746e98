"""The current run on the train panel, refreshed every 2 s: whether it waits behind other
runs or is starting, its progress with a measured ETA, what trains it (model, device, pace),
its live validation curves, and its result once it has ended. Stop only on the visitor's own
run: someone else's (a link to it, with shared history) is shown read-only.

The live chart draws every arm and seed finished so far plus the one being trained, from
result.json: the worker rewrites it as each epoch ends, before it reports that epoch in
progress.json, so the curves are never behind the progress line. (The chart used to plot the
mean over seeds: once seed 0 had finished, every arm's line already spanned all the epochs,
and the seed being trained only nudged the means, so the chart seemed to stand still.)
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from ..diagnostics.plots import arm_colour  # the final figure's colour for each arm
from ..experiments.records.results import Progress, RunResult
from ..experiments.records.spec import SUGGEST
from ..experiments.records.status import ACTIVE, RunState
from ..experiments.runs.folders import RunInfo, load_run, runs_root
from ..experiments.runs.queue import JobManager
from . import session
from .actions import stop_run
from .results import READ_ONLY, show_model, show_run
from .suggestion import percent_axis, search_status

STARTING = "Starting: loading TensorFlow and the dataset..."
Stamp = tuple[str, int, int] | None  # a file's path, mtime (ns) and size; None when it is missing


def waiting_message(status: RunState, ahead: int | None, progress: Progress | None) -> str | None:
    """What to say while there is no progress to show: "Queued" only when other runs will
    really train first; else, until the worker reports its first batch, "Starting" (its
    process imports TensorFlow and loads the dataset, seconds). None once it trains."""
    if status == RunState.QUEUED and ahead:
        return f"Queued: {ahead} run(s) ahead of yours."
    if status in (RunState.QUEUED, RunState.STARTING) or (status == RunState.RUNNING and progress is None):
        return STARTING
    return None


def progress_text(progress: Progress) -> str:
    """The progress line: where the run is, epochs done over the whole run, and the time left
    at the measured pace (said only once an epoch has finished)."""
    p = progress
    eta = f", about {p.eta:.0f} s left" if p.eta is not None else ""
    epochs = f"{p.epochs_done} of {p.epochs_total} epochs done{eta}"
    if p.trials_running > 1 or p.backend.startswith("Ray"):  # trials side by side, or out on a cluster
        return (
            f"Trials (one arm on one seed): {p.trials_done} of {p.trials_total} done, {p.trials_running} "
            f"running, {p.trials_waiting} waiting · {epochs} · {p.backend}"
        )
    return f"{p.arm}, seed {p.seed}: epoch {p.epoch} of {p.epochs}, batch {p.batch}/{p.batches} · {epochs}"


def live_points(result: RunResult) -> dict[str, list]:
    """The live chart's rows, as columns: each finished epoch's validation accuracy (a
    fraction) of every arm and seed, the one being trained included; epochs numbered from 1."""
    columns: dict[str, list] = {"arm": [], "seed": [], "epoch": [], "val_accuracy": []}
    for arm, history in result.arms.items():
        for seed, run in zip(result.seeds, history.val_accuracy):
            for epoch, value in enumerate(run, start=1):
                for name, item in zip(columns, (arm, seed, epoch, value)):
                    columns[name].append(item)
    return columns


def live_chart_spec(result: RunResult) -> dict:
    """Vega-Lite: validation accuracy against epoch (1 to the run's epochs), a line and dots
    per arm and seed, coloured by arm as in the final figure, the legend naming the arms."""
    arms = list(result.arms)
    epochs = result.settings.epochs
    return {
        "mark": {"type": "line", "point": True},  # dots: an arm and seed with one epoch shows
        "encoding": {
            "x": {
                "field": "epoch",
                "type": "quantitative",
                "title": "epoch",
                "scale": {"domain": [1, epochs]} if epochs > 1 else {"zero": False},
                "axis": {"format": "d", "tickMinStep": 1},
            },
            "y": {
                "field": "val_accuracy",
                "type": "quantitative",
                "title": "validation accuracy",
                "scale": {"zero": False},
                "axis": percent_axis(
                    [v for history in result.arms.values() for run in history.val_accuracy for v in run]
                ),
            },
            "color": {
                "field": "arm",
                "type": "nominal",
                "title": "arm",
                "scale": {"domain": arms, "range": [arm_colour(arm, arms) for arm in arms]},
            },
            "detail": {"field": "seed", "type": "nominal"},
            "tooltip": [
                {"field": "arm"},
                {"field": "seed"},
                {"field": "epoch"},
                {"field": "val_accuracy", "type": "quantitative", "title": "validation accuracy", "format": ".1%"},
            ],
        },
    }


def file_stamp(path: Path) -> Stamp:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return str(path), info.st_mtime_ns, info.st_size


@st.cache_data(max_entries=8, show_spinner=False)
def _live_chart(stamp: Stamp, _result: RunResult) -> tuple[dict, dict]:
    """The chart's columns and spec, made once per version of result.json (`stamp`); the
    2 s refresh between two epochs costs nothing but sending them again."""
    return live_points(_result), live_chart_spec(_result)


def _live_curves(run: RunInfo, stamp: Stamp) -> None:
    columns, spec = _live_chart(stamp, run.result)
    if columns["epoch"]:
        st.vega_lite_chart(
            columns, spec, width="stretch", alt="Validation accuracy per epoch of every arm and seed so far"
        )
        st.caption("A line per arm and seed; the one being trained grows as each epoch ends.")


def run_status(jobs: JobManager) -> None:
    """The current run: while it is queued, starting or running, a fragment refreshed every
    2 s; once it has ended, its result, drawn once (no timer left to rerun the page: a timer
    firing during a slider move delays the move's preview)."""
    run_id = session.record().run_id
    if not run_id:
        return
    run = load_run(runs_root() / run_id, jobs.active_ids())
    if run.status in ACTIVE:
        _active_status(jobs)
        return
    show_run(run, "current", jobs)


@st.fragment(run_every=2.0)
def _active_status(jobs: JobManager) -> None:
    """Queued or starting, progress and live curves, refreshed every 2 s (the worker needs the
    CPU more than the page). When the run ends the whole page reruns: the result replaces
    this, and the history below shows the run."""
    run_id = session.record().run_id
    if not run_id:
        return
    run_dir = runs_root() / run_id
    stamp = file_stamp(run_dir / "result.json")  # before reading it: a newer file only means a new stamp
    run = load_run(run_dir, jobs.active_ids())
    if run.status not in ACTIVE:
        session.ask_scroll("current_run")  # the verdict that replaces this comes into view
        st.rerun()
    searching = (
        run.spec is not None and run.spec.mode == SUGGEST and (run.search is None or run.search.phase != "check")
    )
    waiting = waiting_message(run.status, jobs.ahead(run_id), None if searching else run.progress)
    if waiting and not (searching and run.search is not None):
        st.info(waiting)
    mine = session.may_change(run.owner)
    if not mine:
        st.caption(READ_ONLY)
    if searching:
        search_status(run, jobs, controls=mine)
        return
    if mine:
        st.button(
            "Stop",
            key="stop_run",
            on_click=stop_run,
            args=(jobs, run_id),
            help="Ends within a batch; finished epochs are kept.",
        )
    if waiting is None and run.progress:
        st.progress(min(1.0, run.progress.done_fraction), text=progress_text(run.progress))
    if run.result:
        show_model(run.result, run.spec)
        _live_curves(run, stamp)
