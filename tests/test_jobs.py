"""The server's job queue: one run at a time in a worker process, queue positions, stop."""

from __future__ import annotations

import json
import time

import hostile_files as hf
import pytest

from explorer.experiments.jobs import JobManager
from explorer.experiments.runs import load_run

pytestmark = pytest.mark.slow


def _spec(dataset, epochs=1):
    return {
        "dataset": {"kind": "path", "path": str(dataset), "name": "pets"},
        "image_size": 16,
        "arms": {"baseline": {"rescale": 1 / 255}, "augmented": {"rotation_range": 20, "rescale": 1 / 255}},
        "settings": {"seeds": [0], "epochs": epochs, "batch_size": 4},
    }


def _wait(manager, root, run_id, statuses, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        run = load_run(root / run_id, manager.active_ids())
        if run.status in statuses:
            return run
        time.sleep(0.5)
    raise AssertionError(f"{run_id} still {run.status}")


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
        result = json.loads((root / long_run / "result.json").read_text()) if (root / long_run / "result.json").exists() else {}
        if result.get("arms", {}).get("baseline", {}).get("val_accuracy", [[]])[0]:
            break
        time.sleep(0.5)
    manager.stop(long_run)
    stopped = _wait(manager, root, long_run, {"stopped"})
    kept = stopped.result["arms"]["baseline"]["val_accuracy"][0]
    assert 1 <= len(kept) < 200 and (stopped.path / "figure.png").exists()
    finished = _wait(manager, root, short_run, {"finished"})
    assert finished.result["summary"]["verdict"] and running.run_id == long_run
