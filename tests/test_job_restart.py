"""The queue survives the server: a server process killed with runs queued and one running;
the next server adopts the worker that outlived it (its result is kept) and starts the queued
runs in order. Nothing stays queued."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from explorer.augment.config import AugmentConfig
from explorer.experiments.records.spec import DatasetRef, RunSpec
from explorer.experiments.runs.folders import load_run, new_run, set_status
from explorer.experiments.runs.queue import JobManager

ROOT = Path(__file__).resolve().parents[1]
CONFIG = AugmentConfig(rotation_range=20)
SPEC = RunSpec(DatasetRef("demo", "digits"), CONFIG, {"baseline": CONFIG.without_transforms(), "augmented": CONFIG})
# A stand-in for `python -m explorer worker RUN_DIR` (its command line names the explorer
# worker, as the real one does): running for a few seconds, then a result and "finished".
SLOW_WORKER = (
    "import os, pathlib, sys, time  # explorer worker stand-in\n"
    "from explorer.experiments.runs.folders import set_status\n"
    "run = pathlib.Path(sys.argv[1]); time.sleep(0.5)\n"
    "set_status(run, 'running', pid=os.getpid()); time.sleep(4)\n"
    "(run / 'kept.txt').write_text('the result'); set_status(run, 'finished')\n"
)
FAST_WORKER = (
    "import pathlib, sys  # explorer worker stand-in\n"
    "from explorer.experiments.runs.folders import set_status\n"
    "set_status(pathlib.Path(sys.argv[1]), 'finished')\n"
)
SERVER = (
    "import sys, time, pathlib\n"
    "from explorer.experiments.runs.queue import JobManager\n"
    "from test_job_restart import SPEC, SLOW_WORKER\n"
    "manager = JobManager(pathlib.Path(sys.argv[1]), command=(sys.executable, '-c', SLOW_WORKER), warm=False)\n"
    "print(' '.join(manager.submit(SPEC) for _ in range(3)), flush=True)\n"
    "time.sleep(600)\n"
)


def _status(run_dir: Path) -> dict:
    return json.loads((run_dir / "status.json").read_text())


def _wait(predicate, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while not predicate():
        if time.time() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.2)


@pytest.mark.slow
def test_a_killed_server_leaves_nothing_queued_forever_and_loses_no_result(tmp_path):
    # One owner's three runs: the per-owner cap (limits.py) is not what this test is about.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]), AUGMENT_MAX_ACTIVE_RUNS="0")
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(tmp_path)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        first, second, third = (tmp_path / run_id for run_id in server.stdout.readline().split())
        _wait(lambda: _status(first).get("status") == "running")
    finally:
        server.send_signal(signal.SIGKILL)  # no clean shutdown: a crash, an OOM kill, a redeploy
        server.wait(timeout=10)
    worker_pid = _status(first)["pid"]
    os.kill(worker_pid, 0)  # the worker outlived its server
    assert _status(second)["status"] == _status(third)["status"] == "queued"

    manager = JobManager(tmp_path, command=(sys.executable, "-c", FAST_WORKER), warm=False)
    assert manager.position(first.name) == 0  # adopted: still running, not "interrupted"
    assert [manager.position(second.name), manager.position(third.name)] == [1, 2]
    _wait(lambda: all(load_run(run, manager.active_ids()).status == "finished" for run in (first, second, third)))
    assert (first / "kept.txt").read_text() == "the result"
    assert _status(second)["updated"] <= _status(third)["updated"]  # in the order they were queued
    # The worker writes "finished" just before it exits; the queue lets go of it once it has.
    _wait(lambda: manager.active_ids() == set(), timeout=10)


def test_a_run_whose_worker_is_gone_is_interrupted_not_adopted(tmp_path):
    run = new_run(SPEC, tmp_path)
    set_status(run, "running", pid=2**22 + 12345)  # no such process
    manager = JobManager(tmp_path, command=(sys.executable, "-c", FAST_WORKER), warm=False)
    assert manager.position(run.name) is None
    assert load_run(run).status == "interrupted"
