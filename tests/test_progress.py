"""Training progress that tells the truth (issue 13): no ETA until an epoch has finished, then
the measured pace times the epochs left; "starting" while the worker loads, "queued" only
behind other runs; live curves that hold the running arm and seed's finished epochs."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest
from pyarrow import ipc

from explorer.augment.config import AugmentConfig
from explorer.experiments.records.results import ArmHistory, Progress, RunResult
from explorer.experiments.records.spec import DatasetRef, TrainSettings
from explorer.experiments.runs.folders import load_run, new_run, set_status, write_json
from explorer.experiments.runs.plan import build_spec
from explorer.experiments.runs.queue import JobManager
from explorer.ui.progress import STARTING, live_chart_spec, live_points, progress_text, waiting_message
from headless_page import open_run

ROOT = Path(__file__).resolve().parents[1]
CONFIG = AugmentConfig(rotation_range=30, horizontal_flip=True, rescale=1 / 255)
TINY = TrainSettings(seeds=(0, 1), epochs=2, batch_size=16, image_size=16)
SPEC = build_spec(CONFIG, DatasetRef("demo", "shapes"), TINY)


def _progress(**changes) -> Progress:
    """Seed 0's baseline, batch 2 of 4 of epoch 2 of 3; 1 of 6 epochs done, 10 s each."""
    fields = dict(
        arm="baseline",
        seed=0,
        epoch=2,
        batch=2,
        batches=4,
        done_fraction=1.5 / 6,
        elapsed=12.0,
        epochs=3,
        epochs_done=1,
        epochs_total=6,
        epoch_seconds=10.0,
    )
    return Progress(**(fields | changes))


# -- the ETA ---------------------------------------------------------------------------------------


def test_eta_is_the_measured_epoch_time_times_the_epochs_left_and_none_before_an_epoch():
    assert _progress().epochs_left == pytest.approx(4.5)  # 6 - 1 done - half of the current one
    assert _progress().eta == pytest.approx(45.0)
    assert _progress(epoch_seconds=None, epochs_done=0, done_fraction=0.5 / 6).eta is None
    stored = _progress().to_json()
    assert stored["eta"] == pytest.approx(45.0)  # for readers of progress.json
    assert Progress.from_json(stored) == _progress()
    # progress.json of a run from before: its extrapolated eta is not believed
    old = {
        "arm": "augmented",
        "seed": 1,
        "epoch": 1,
        "batch": 3,
        "batches": 23,
        "done_fraction": 0.01,
        "elapsed": 6.0,
        "eta": 1285.0,
        "time": 1.0,
    }
    assert Progress.from_json(old).eta is None


def _board(now, reports, epochs=3, steps=4, seeds=(0,)):
    pytest.importorskip("keras")
    from explorer.experiments.records.trials import plan_trials
    from explorer.experiments.training.paired import _Board

    arms = {"baseline": CONFIG.without_transforms(), "augmented": CONFIG}
    result = RunResult(
        settings=TrainSettings(seeds=seeds, epochs=epochs),
        configs=arms,
        arms={arm: ArmHistory.empty(len(seeds)) for arm in arms},
        confusion={arm: [None] * len(seeds) for arm in arms},
        predictions={arm: [None] * len(seeds) for arm in arms},
    )
    return _Board(result, plan_trials(arms, seeds), steps, reports.append, None, "test", now=lambda: now[0])


def _event(arm, epoch=0, batch=0, metrics=None):
    from explorer.experiments.records.trials import TrialEvent

    return TrialEvent(arm, 0, 0, epoch, batch, metrics)


def _metrics(accuracy=0.5):
    from explorer.experiments.records.trials import EpochMetrics

    return EpochMetrics(accuracy, 1.0, accuracy, 1.0, 10.0)


def test_the_board_gives_no_eta_until_an_epoch_ends_then_the_mean_epoch_time_times_the_epochs_left():
    now, reports = [100.0], []
    board = _board(now, reports)
    board.event(_event("baseline"))
    assert (reports[-1].trials_running, reports[-1].trials_waiting, reports[-1].trials_total) == (1, 1, 2)
    now[0] = 130.0  # the first batch took 30 s: graph tracing, not the pace
    board.event(_event("baseline", epoch=1, batch=1))
    assert reports[-1].eta is None and reports[-1].epoch == 1 and reports[-1].batch == 1
    now[0] = 140.0
    board.event(_event("baseline", epoch=1, metrics=_metrics()))
    assert (reports[-1].epochs_done, reports[-1].epoch_seconds) == (1, 40.0)
    assert reports[-1].eta == pytest.approx(40.0 * 5)  # 5 of the run's 6 epochs left
    assert board.result.arms["baseline"].val_accuracy == [[0.5]]  # the curve has it already
    now[0] = 150.0
    board.event(_event("baseline", epoch=2, batch=2))  # half of epoch 2
    assert reports[-1].eta == pytest.approx(40.0 * 4.5) and reports[-1].done_fraction == pytest.approx(1.5 / 6)
    now[0] = 160.0
    board.event(_event("baseline", epoch=2, metrics=_metrics()))
    assert reports[-1].epoch_seconds == pytest.approx(30.0) and reports[-1].eta == pytest.approx(30.0 * 4)
    assert reports[-1].elapsed == pytest.approx(60.0) and (reports[-1].epochs, reports[-1].epochs_total) == (3, 6)


def test_trials_side_by_side_share_the_pace_and_a_result_replaces_what_its_events_said():
    from explorer.experiments.records.trials import TrialResult

    now, reports = [0.0], []
    board = _board(now, reports)
    board.event(_event("baseline"))
    board.event(_event("augmented"))
    assert (reports[-1].trials_running, reports[-1].trials_waiting) == (2, 0)
    now[0] = 20.0
    board.event(_event("baseline", epoch=1, batch=2))
    board.event(_event("augmented", epoch=1, batch=2))
    assert reports[-1].done_fraction == pytest.approx(1.0 / 6)  # two halves of an epoch
    now[0] = 40.0
    board.event(_event("baseline", epoch=1, metrics=_metrics()))
    board.event(_event("augmented", epoch=1, metrics=_metrics()))
    assert reports[-1].epoch_seconds == pytest.approx(20.0)  # two epochs in 40 s
    history = {
        "val_accuracy": [0.1, 0.2, 0.3],
        "train_accuracy": [0.1, 0.2, 0.3],
        "val_loss": [1, 1, 1],
        "train_loss": [1, 1, 1],
        "epoch_seconds": [1, 1, 1],
    }
    board.finished(TrialResult("baseline", 0, 0, history, confusion=[[1]], predictions=[0]))
    assert board.result.arms["baseline"].val_accuracy == [[0.1, 0.2, 0.3]]
    assert (reports[-1].trials_done, reports[-1].trials_running, reports[-1].epochs_done) == (1, 1, 4)
    board.event(_event("baseline", epoch=2, metrics=_metrics(0.9)))  # late news of a finished trial
    assert board.result.arms["baseline"].val_accuracy == [[0.1, 0.2, 0.3]] and not board.complete


def test_a_trial_that_returned_stops_counting_as_running_before_its_result_arrives():
    # On Ray or a process pool a result and the events come by different paths: the trial started
    # on the freed CPU may be heard of before the result of the one that freed it.
    from explorer.experiments.records.trials import TrialEvent, TrialResult
    from explorer.experiments.training.backends import _ended

    now, reports = [0.0], []
    board = _board(now, reports, seeds=(0, 1))
    board.event(_event("baseline"))
    board.event(_event("augmented"))
    sent = []
    result = TrialResult("baseline", 0, 0, {"val_accuracy": [0.5] * 3}, confusion=[[1]], predictions=[0])
    assert _ended(result, sent.append) is result and sent[0].ended and sent[0].key == ("baseline", 0)
    board.event(sent[0])
    board.event(TrialEvent("baseline", 1, 1))  # the next trial, on the freed CPU
    assert max(report.trials_running for report in reports) == 2
    assert (reports[-1].trials_done, reports[-1].trials_running) == (0, 2)
    board.event(_event("baseline", epoch=3, batch=4))  # a late batch of the returned trial
    assert reports[-1].trials_running == 2
    board.finished(result)
    assert (reports[-1].trials_done, reports[-1].trials_running, reports[-1].trials_waiting) == (1, 2, 1)


def test_the_progress_line_says_epochs_done_and_the_eta_only_once_measured():
    assert progress_text(_progress()) == (
        "baseline, seed 0: epoch 2 of 3, batch 2/4 · 1 of 6 epochs done, about 45 s left"
    )
    assert "left" not in progress_text(_progress(epoch_seconds=None, epochs_done=0))


def test_the_progress_line_counts_trials_on_a_cluster_or_side_by_side():
    on_ray = _progress(trials_done=3, trials_running=2, trials_total=8, backend="Ray cluster at auto, 1 CPU per trial")
    assert progress_text(on_ray) == (
        "Trials (one arm on one seed): 3 of 8 done, 2 running, 3 waiting · 1 of 6 epochs "
        "done, about 45 s left · Ray cluster at auto, 1 CPU per trial"
    )
    one_at_a_time = _progress(trials_done=3, trials_running=1, trials_total=8, backend="local: one trial at a time")
    assert progress_text(one_at_a_time).startswith("baseline, seed 0: epoch 2 of 3")
    assert Progress.from_json(on_ray.to_json()) == on_ray


# -- queued or starting ----------------------------------------------------------------------------


def test_queued_only_behind_other_runs_else_starting_until_the_first_batch():
    assert waiting_message("queued", 2, None) == "Queued: 2 run(s) ahead of yours."
    assert waiting_message("queued", 0, None) == STARTING  # picked up next: its worker is on the way
    assert waiting_message("starting", 0, None) == STARTING
    assert waiting_message("starting", 0, _progress()) == STARTING  # an earlier run's progress (more seeds)
    assert waiting_message("running", 0, None) == STARTING
    assert waiting_message("running", 0, _progress()) is None


def test_a_started_worker_is_starting_and_a_queued_run_counts_the_one_running(tmp_path):
    manager = JobManager(tmp_path, command=(sys.executable, "-c", "import time; time.sleep(4)"))
    first, second = manager.submit(SPEC), manager.submit(SPEC)
    deadline = time.time() + 10
    while load_run(tmp_path / first, manager.active_ids()).status == "queued" and time.time() < deadline:
        time.sleep(0.05)
    run = load_run(tmp_path / first, manager.active_ids())
    assert run.status == "starting"  # its process is up (and would be importing TensorFlow)
    assert json.loads((tmp_path / first / "status.json").read_text())["pid"] > 0
    assert (manager.ahead(first), manager.ahead(second), manager.ahead("elsewhere")) == (0, 1, None)
    assert waiting_message(run.status, manager.ahead(first), run.progress) == STARTING
    assert waiting_message("queued", manager.ahead(second), None) == "Queued: 1 run(s) ahead of yours."
    manager.stop(second)


def test_the_worker_says_starting_while_it_loads_and_a_failure_ends_it(tmp_path, monkeypatch):
    pytest.importorskip("keras")
    from explorer.experiments.runs import worker

    run_dir = new_run(SPEC, tmp_path)
    write_json(run_dir / "progress.json", _progress().to_json())  # an earlier run's
    seen = []

    def loading(spec):
        seen.append(json.loads((run_dir / "status.json").read_text())["status"])
        raise OSError("no such dataset")

    monkeypatch.setattr(worker, "load_spec_dataset", loading)
    with pytest.raises(OSError):
        worker.execute(run_dir)
    assert seen == ["starting"] and load_run(run_dir).status == "failed"
    assert not (run_dir / "progress.json").exists()


# -- the live curves -------------------------------------------------------------------------------


def _running_result() -> RunResult:
    """Seed 0 done for both arms; seed 1's baseline has finished 2 of 4 epochs."""
    histories = {"baseline": [[0.5, 0.6, 0.7, 0.8], [0.4, 0.55]], "augmented": [[0.45, 0.5, 0.65, 0.75], []]}
    return RunResult(
        dataset="shapes",
        settings=TrainSettings(seeds=(0, 1), epochs=4),
        arms={
            arm: ArmHistory(val_accuracy=runs, train_accuracy=runs, train_loss=runs, val_loss=runs)
            for arm, runs in histories.items()
        },
    )


def test_live_points_hold_every_arm_and_seed_so_far_the_running_one_included_from_epoch_1():
    points = live_points(_running_result())
    rows = list(zip(points["arm"], points["seed"], points["epoch"], points["val_accuracy"]))
    assert len(rows) == 10
    assert [row for row in rows if row[:2] == ("baseline", 1)] == [("baseline", 1, 1, 0.4), ("baseline", 1, 2, 0.55)]
    assert min(points["epoch"]) == 1 and max(points["epoch"]) == 4
    assert not [row for row in rows if row[:2] == ("augmented", 1)]


def test_the_live_chart_names_its_axes_and_arms_and_spans_the_runs_epochs():
    encoding = live_chart_spec(_running_result())["encoding"]
    assert (encoding["x"]["title"], encoding["y"]["title"]) == ("epoch", "validation accuracy")
    assert encoding["x"]["scale"]["domain"] == [1, 4]
    assert encoding["color"]["title"] == "arm" and encoding["color"]["scale"]["domain"] == ["baseline", "augmented"]
    assert encoding["detail"]["field"] == "seed"  # a line per arm and seed


def test_the_live_charts_percent_axis_shows_the_decimals_its_curves_need():
    assert live_chart_spec(_running_result())["encoding"]["y"]["axis"]["format"] == ".0%"  # 40% to 80%
    close = {"baseline": [[0.961, 0.963, 0.964]], "augmented": [[0.962, 0.965, 0.967]]}  # 0.6 points apart
    result = RunResult(
        dataset="shapes",
        settings=TrainSettings(seeds=(0,), epochs=3),
        arms={
            arm: ArmHistory(val_accuracy=runs, train_accuracy=runs, train_loss=runs, val_loss=runs)
            for arm, runs in close.items()
        },
    )
    axis = live_chart_spec(result)["encoding"]["y"]["axis"]
    assert axis == {"format": ".1%", "tickMinStep": pytest.approx(0.001)}  # 96.1%, 96.2%, ... not 96% at each


@pytest.mark.slow
def test_a_real_run_keeps_its_progress_curves_and_eta_in_step(tmp_path, monkeypatch):
    """At every progress report, result.json on disk already holds every epoch the report
    counts as done, the running arm and seed's included; no ETA before the first one."""
    pytest.importorskip("keras")
    from explorer.data.demos import make_shapes
    from explorer.experiments.runs import worker

    run_dir = new_run(SPEC, tmp_path)
    statuses = []

    def tiny(spec):
        statuses.append(json.loads((run_dir / "status.json").read_text())["status"])
        return make_shapes(image_size=16, per_class=12)

    def check(state: Progress) -> None:
        result = RunResult.from_json(json.loads((run_dir / "result.json").read_text())) if state.epochs_done else None
        points = live_points(result) if result else {"epoch": []}
        assert len(points["epoch"]) == state.epochs_done
        running = [
            epoch
            for arm, seed, epoch in zip(points.get("arm", []), points.get("seed", []), points["epoch"])
            if (arm, seed) == (state.arm, state.seed)
        ]
        assert running == list(range(1, len(running) + 1))
        assert len(running) in (state.epoch - 1, state.epoch)  # during an epoch, or as it ends
        assert (state.eta is None) == (state.epochs_done == 0)
        if state.eta is not None:
            assert state.eta == pytest.approx(state.epoch_seconds * state.epochs_total * (1 - state.done_fraction))
        statuses.append(json.loads((run_dir / "status.json").read_text())["status"])
        reports.append(state)

    reports: list[Progress] = []
    monkeypatch.setattr(worker, "load_spec_dataset", tiny)
    result = worker.execute(run_dir, on_progress=check)
    assert result.status == "finished" and statuses[0] == "starting" and set(statuses[1:]) == {"running"}
    assert reports[-1].epochs_done == reports[-1].epochs_total == 2 * 2 * 2
    assert Progress.from_json(json.loads((run_dir / "progress.json").read_text())).epochs_done == 8


# -- the page --------------------------------------------------------------------------------------


def _fake_run(root: Path, status: str, result: RunResult | None = None, progress: Progress | None = None) -> str:
    """A run folder as the worker leaves it mid-run, owned by this (live) process."""
    run_dir = new_run(SPEC, root)
    set_status(run_dir, status, pid=os.getpid())
    if result is not None:
        write_json(run_dir / "result.json", result.to_json())
    if progress is not None:
        write_json(run_dir / "progress.json", progress.to_json())
    return run_dir.name


def test_the_page_says_starting_not_queued_while_the_worker_loads(tmp_path, monkeypatch):
    at = open_run(monkeypatch, tmp_path, _fake_run(tmp_path, "starting"))
    infos = [box.value for box in at.info]
    assert STARTING in infos and not [text for text in infos if text.startswith("Queued")]
    assert at.button(key="stop_run")


def test_the_page_shows_progress_and_live_curves_of_the_running_seed(tmp_path, monkeypatch):
    progress = Progress(
        "baseline", 1, 3, 5, 10, 6.5 / 16, 30.0, epochs=4, epochs_done=6, epochs_total=16, epoch_seconds=4.0
    )
    at = open_run(monkeypatch, tmp_path, _fake_run(tmp_path, "running", _running_result(), progress))
    assert not [box.value for box in at.info if box.value in (STARTING,) or box.value.startswith("Queued")]
    texts = [element.proto.text for element in at.get("progress")]
    assert texts == ["baseline, seed 1: epoch 3 of 4, batch 5/10 · 6 of 16 epochs done, about 38 s left"]
    (chart,) = at.get("vega_lite_chart")
    spec = json.loads(chart.proto.spec)
    assert spec["encoding"]["x"]["title"] == "epoch" and spec["encoding"]["y"]["title"] == "validation accuracy"
    rows = ipc.open_stream(chart.proto.data.data).read_all().to_pylist()
    assert [(row["epoch"], row["val_accuracy"]) for row in rows if (row["arm"], row["seed"]) == ("baseline", 1)] == [
        (1, 0.4),
        (2, 0.55),
    ]  # the running seed's finished epochs, from 1


def test_the_train_panel_says_how_many_trials_and_where_they_train(monkeypatch):
    from headless_page import run_train_section as run_app

    monkeypatch.setenv("AUGMENT_BACKEND", "ray")
    monkeypatch.setenv("AUGMENT_RAY_ADDRESS", "ray://head:10001")
    at = run_app()
    captions = [caption.value for caption in at.caption]
    assert any(
        caption.startswith("Train runs on **digits (demo)** with **small CNN**, 8 epochs at 32 px")
        and caption.endswith(
            "2 arms x 3 seeds = 6 trials · they train on: Ray cluster at ray://head:10001, 1 CPU per trial"
        )
        for caption in captions
    ), captions
    monkeypatch.setenv("AUGMENT_BACKEND", "slurm")
    at.run()
    assert any(
        "The server's backend settings: backend must be one of local, ray; got 'slurm'" in error.value
        for error in at.error
    )
