"""Runs one comparison, ablation or suggestion from its run folder, in a process of its own.

A separate process per run keeps TensorFlow's state (graphs, memory) out of the web
server: repeated runs cannot leak. The run is "starting" (status.json) until its first
batch, then "running". Each finished epoch goes to result.json (the running arm and seed's
included), then progress to progress.json; an ablation's analysis to ablation.json; the run
stops within a batch once RUN_DIR/STOP exists. A disk that fills while the run writes fails
this run with a sentence saying so (`storage.disk_full_message`); other runs' files are whole
(every JSON file is replaced atomically). A suggestion writes search.json as its search
goes, then the check on fresh seeds as a comparison's result.json, then suggestion.json;
RUN_DIR/STOP_SEARCH ends the search with the best so far and still runs the check (STOP ends
it all). The process is started as
`python -m explorer worker RUN_DIR` (see `explorer.cli`), which passes `on_finished`: the
step that draws the figures and writes the report, from the layer above this one.
"""

from __future__ import annotations

import logging
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ...data.datasets import Dataset
from ...errors import InputError
from ..records.results import Progress, RunResult
from ..records.spec import ABLATION, SUGGEST, RunSpec
from ..records.status import RunState
from .folders import read_json, read_record, set_status, write_json
from .storage import disk_full, disk_full_message, release_space, reserve_space

PROGRESS_INTERVAL = 0.25  # seconds between progress.json writes
log = logging.getLogger(__name__)

# on_finished(run_dir, spec, result, dataset): writes what the run's numbers are drawn into.
Finisher = Callable[[Path, RunSpec, RunResult, Dataset], None]


def load_spec_dataset(spec: RunSpec) -> Dataset:
    """The dataset a spec names, at the spec's image size."""
    from ...data.datasets import load_dataset
    from ...data.demos import load_demo

    size = spec.settings.image_size
    if spec.dataset.kind == "demo":
        return load_demo(spec.dataset.name, image_size=size)
    if spec.dataset.kind == "arrays":
        raise InputError("this run trained on arrays held by a notebook; they are not on disk to train again")
    return load_dataset(spec.dataset.path, image_size=size, name=spec.dataset.name or None)


def _progress_writer(run_dir: Path, on_progress: Callable[[Progress], None] | None) -> Callable[[Progress], None]:
    """Writes progress.json at most every PROGRESS_INTERVAL, and always as an epoch ends (so
    the page's progress line and curves agree); the first report turns "starting" into
    "running", once progress.json is there to show."""
    written: dict = {"at": 0.0, "epochs_done": None}

    def report(state: Progress) -> None:
        now = time.monotonic()
        first = written["epochs_done"] is None
        if (
            now - written["at"] >= PROGRESS_INTERVAL
            or state.epochs_done != written["epochs_done"]
            or state.done_fraction >= 1
        ):
            written.update(at=now, epochs_done=state.epochs_done)
            write_json(run_dir / "progress.json", replace(state, time=time.time()).to_json())
        if first:
            set_status(run_dir, RunState.RUNNING)
        if on_progress:
            on_progress(state)

    return report


def execute(
    run_dir: Path,
    on_progress: Callable[[Progress], None] | None = None,
    on_finished: Finisher | None = None,
    dataset: Dataset | None = None,
    backend=None,
    veto=None,
    on_search: Callable | None = None,
) -> RunResult | None:
    """Run what RUN_DIR/spec.json describes and return its result. Any error marks the run
    failed, with the reason, in status.json (and is raised again). `dataset`: the images
    already in memory (a notebook's arrays), instead of loading what the spec names.
    `backend`: where the trials train (`backends`; default: AUGMENT_BACKEND and its
    settings, else one after another in this process). A suggest run returns its check's
    result (None when it was stopped before one); `veto` (`space.Veto`, from the layer
    above: the config doctor's warnings) is what its search never offers, and `on_search`
    hears its SearchProgress as search.json is written."""
    from ..analysis.ablation import analyze
    from ..training.backends import backend_from_settings
    from ..training.paired import run_comparison

    run_dir = Path(run_dir)
    # "starting" until the first batch: loading the dataset, building and tracing the model.
    set_status(run_dir, RunState.STARTING, pid=os.getpid(), started=time.time())
    (run_dir / "progress.json").unlink(missing_ok=True)  # an earlier run's, when seeds were added
    log.info("run %s: started", run_dir.name)
    try:
        reserve_space(run_dir)  # room to say why, should the disk fill while the run writes
        spec = RunSpec.from_json(read_json(run_dir / "spec.json"))
        dataset = dataset if dataset is not None else load_spec_dataset(spec)

        def save(partial: RunResult) -> None:
            write_json(run_dir / "result.json", partial.to_json())

        report = _progress_writer(run_dir, on_progress)
        backend = backend or backend_from_settings()
        status = None
        if spec.mode == SUGGEST:
            result, status = _suggest(run_dir, spec, dataset, report, save, backend, veto, on_search)
            if result is None:  # stopped before a check: suggestion.json is all there is
                set_status(run_dir, status, finished=time.time())
                return None
        else:
            # A run given more seeds keeps the seeds it finished (see JobManager.add_seeds).
            earlier = read_record(run_dir / "result.json", RunResult.from_json)
            result = run_comparison(
                dataset,
                spec.arms,
                spec.settings,
                progress=report,
                should_stop=(run_dir / "STOP").exists,
                on_epoch=save,
                log_dir=run_dir / "tensorboard",
                probes=spec.probes,
                earlier=earlier,
                model=spec.model,
                backend=backend,
                stacks=spec.stacks,
            )
        if spec.mode == ABLATION:
            result.ablation = analyze(result)
            write_json(run_dir / "ablation.json", result.ablation.to_json())
        save(result)
        if on_finished is not None:
            on_finished(run_dir, spec, result, dataset)
        set_status(run_dir, status or result.status, finished=time.time())
        log.info("run %s: %s", run_dir.name, status or result.status)
        return result
    except Exception as error:
        _fail(run_dir, error)
        raise
    finally:
        release_space(run_dir)


def _fail(run_dir: Path, error: Exception) -> None:
    """Mark the run failed, with the reason in a sentence (status.json). On a full disk this
    can fail too: the worker then exits with DISK_FULL_EXIT and the job manager writes the
    reason once the worker's files are closed."""
    full = disk_full(error)
    if full is not None:  # the run's own files filled the disk: this run fails, the others are whole
        release_space(run_dir)
        reason = disk_full_message(full)
        log.error("run %s failed: %s", run_dir.name, reason)
    elif isinstance(error, InputError):  # a reason for the user, not a bug: no traceback
        reason = str(error)
        log.error("run %s failed: %s", run_dir.name, error)
    else:
        reason = str(error) or type(error).__name__
        log.exception("run %s failed", run_dir.name)
    set_status(run_dir, RunState.FAILED, error=reason, traceback=traceback.format_exc(limit=5))


def _suggest(
    run_dir: Path,
    spec: RunSpec,
    dataset: Dataset,
    report: Callable[[Progress], None],
    save: Callable[[RunResult], None],
    backend,
    veto=None,
    on_search: Callable | None = None,
) -> tuple[RunResult | None, RunState]:
    """A suggest run: the search (search.json as it goes), then its check on fresh seeds,
    reported and saved as a comparison's (progress.json, result.json), then suggestion.json.
    The check's result (None when none ran) and the run's status: stopped when its search
    or its check was."""
    from ..suggest.search import CheckHooks, suggest

    stop_all, stop_search = run_dir / "STOP", run_dir / "STOP_SEARCH"
    checked: list[RunResult] = []

    def searching(state) -> None:
        first = not (run_dir / "search.json").exists()
        write_json(run_dir / "search.json", state.to_json())
        if first:
            set_status(run_dir, RunState.RUNNING)
        if on_search is not None:
            on_search(state)

    suggestion = suggest(
        dataset,
        spec.config,
        spec.settings,
        spec.search.budget,
        spec.search.check_seeds,
        spec.model,
        progress=searching,
        should_stop=lambda: stop_all.exists() or stop_search.exists(),
        check_after_stop=lambda: not stop_all.exists(),
        check=CheckHooks(report, save, stop_all.exists, backend, on_result=checked.append),
        veto=veto,
        stack=spec.stack,  # a Keras 3 stack: the search is over its layers
    )
    write_json(run_dir / "suggestion.json", suggestion.to_json())
    result = checked[-1] if checked else None
    stopped = suggestion.stopped or (result is not None and result.status == RunState.STOPPED)
    return result, RunState.STOPPED if stopped else RunState.FINISHED
