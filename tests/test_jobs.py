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
from explorer.experiments import jobs
from explorer.experiments.jobs import JobManager
from explorer.experiments.plan import build_spec
from explorer.experiments.records import DatasetRef, TrainSettings
from explorer.experiments.runs import load_run


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
