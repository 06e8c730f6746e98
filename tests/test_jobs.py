"""The server's job queue: one run at a time in a worker process, queue positions, stop, and a
worker that cannot start."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time

import pytest

import hostile_files as hf
from explorer.augment.config import AugmentConfig
from explorer.errors import InputError
from explorer.experiments import jobs
from explorer.experiments.jobs import JobManager
from explorer.experiments.plan import build_spec
from explorer.experiments.runs import load_run
from explorer.experiments.spec import DatasetRef, TrainSettings


def _spec(dataset, epochs=1):
    return build_spec(AugmentConfig(rotation_range=20, rescale=1 / 255), DatasetRef("path", "pets", str(dataset)),
                      TrainSettings(seeds=(0,), epochs=epochs, batch_size=4, image_size=16))


def _wait(manager, root, run_id, statuses, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        run = load_run(root / run_id, manager.active_ids())
        if run.status in statuses:
            return run
        time.sleep(0.5)
    raise AssertionError(f"{run_id} still {run.status}")


@pytest.mark.slow
def test_runs_queue_one_at_a_time_and_stop_keeps_finished_epochs(tmp_path):
    dataset = hf.dataset_folder(tmp_path / "pets", classes={"cats": 8, "dogs": 8})
    root = tmp_path / "runs"
    manager = JobManager(root)
    long_run = manager.submit(_spec(dataset, epochs=200))
    short_run = manager.submit(_spec(dataset, epochs=1))
    assert manager.position(short_run) in (1, 2)  # behind the long run
    running = _wait(manager, root, long_run, {"running"})
    assert manager.position(long_run) == 0 and manager.position(short_run) == 1
    # wait for a finished epoch, then stop
    deadline = time.time() + 120
    while time.time() < deadline:
        path = root / long_run / "result.json"
        result = json.loads(path.read_text()) if path.exists() else {}
        if result.get("arms", {}).get("baseline", {}).get("val_accuracy", [[]])[0]:
            break
        time.sleep(0.5)
    manager.stop(long_run)
    stopped = _wait(manager, root, long_run, {"stopped"})
    kept = stopped.result.arms["baseline"].val_accuracy[0]
    assert 1 <= len(kept) < 200 and (stopped.path / "figure.png").exists()
    finished = _wait(manager, root, short_run, {"finished"})
    assert finished.result.summary.verdict and running.run_id == long_run
    assert finished.headline == finished.result.summary.verdict
    assert "finished" in (finished.path / "worker.log").read_text()  # the worker logs


@pytest.mark.slow
def test_a_warm_worker_takes_the_next_run_and_logs_into_its_folder(tmp_path):
    dataset = hf.dataset_folder(tmp_path / "pets", classes={"cats": 6, "dogs": 6})
    root = tmp_path / "runs"
    manager = JobManager(root, warm=True)
    spare = manager._spare
    assert spare is not None and spare.poll() is None  # started before any run, waiting
    time.sleep(3)  # let it get through its imports
    run_id = manager.submit(_spec(dataset))
    finished = _wait(manager, root, run_id, {"finished"})
    status = json.loads((finished.path / "status.json").read_text())
    assert status["pid"] == spare.pid  # the waiting process ran it
    log_text = (finished.path / "worker.log").read_text()
    assert f"run {run_id}: started" in log_text and f"run {run_id}: finished" in log_text
    deadline = time.time() + 30
    while (manager._spare is None or manager._spare.pid == spare.pid) and time.time() < deadline:
        time.sleep(0.2)
    assert manager._spare is not None and manager._spare.pid != spare.pid  # the next one waits already
    manager._spare.stdin.close()  # a closed stdin ends a waiting worker cleanly
    assert manager._spare.wait(timeout=60) == 0


# A stand-in worker: marks its run finished without training.
FAKE_WORKER = (sys.executable, "-c", "import pathlib, sys; from explorer.experiments.runs import set_status; "
               "set_status(pathlib.Path(sys.argv[1]), 'finished')")


def test_a_worker_that_cannot_start_fails_its_run_and_the_queue_goes_on(tmp_path, monkeypatch, caplog):
    real_popen = subprocess.Popen
    launches = []

    def popen(args, **kwargs):
        launches.append(args)
        if len(launches) == 1:
            raise OSError("no such interpreter")
        return real_popen(args, **kwargs)

    monkeypatch.setattr(jobs.subprocess, "Popen", popen)
    caplog.set_level(logging.INFO, logger="explorer.experiments.jobs")
    manager = JobManager(tmp_path, command=FAKE_WORKER)
    spec = _spec(tmp_path)
    first, second = manager.submit(spec), manager.submit(spec)
    failed = _wait(manager, tmp_path, first, {"failed"}, timeout=30)
    assert failed.error == "the worker process could not be started: no such interpreter"
    assert _wait(manager, tmp_path, second, {"finished"}, timeout=30).status == "finished"
    assert any(record.levelno == logging.ERROR and first in record.getMessage() for record in caplog.records)
    assert len(launches) == 2


def test_more_seeds_queue_an_ended_run_again_with_its_spec_extended(tmp_path):
    manager = JobManager(tmp_path, command=FAKE_WORKER)
    run_id = manager.submit(_spec(tmp_path))
    _wait(manager, tmp_path, run_id, {"finished"}, timeout=30)
    manager.add_seeds(run_id, 2)
    spec = json.loads((tmp_path / run_id / "spec.json").read_text())
    assert spec["settings"]["seeds"] == [0, 1, 2]
    assert _wait(manager, tmp_path, run_id, {"finished"}, timeout=30).spec.settings.seeds == (0, 1, 2)
    with pytest.raises(InputError, match="1 to 20 seeds"):
        manager.add_seeds(run_id, 0)
    with pytest.raises(InputError, match="no readable spec"):
        manager.add_seeds("nowhere", 1)


def test_more_seeds_are_refused_while_the_run_is_going(tmp_path):
    manager = JobManager(tmp_path, command=(sys.executable, "-c", "import time; time.sleep(3)"))
    run_id = manager.submit(_spec(tmp_path))
    with pytest.raises(InputError, match="still queued or running"):
        manager.add_seeds(run_id, 1)
    manager.stop(run_id)
