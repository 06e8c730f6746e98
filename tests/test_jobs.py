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
from explorer.experiments.records.spec import DatasetRef, TrainSettings
from explorer.experiments.runs import queue as job_queue
from explorer.experiments.runs.folders import load_run
from explorer.experiments.runs.plan import build_spec
from explorer.experiments.runs.queue import JobManager


def _spec(dataset, epochs=1):
    return build_spec(
        AugmentConfig(rotation_range=20, rescale=1 / 255),
        DatasetRef("path", "pets", str(dataset)),
        TrainSettings(seeds=(0,), epochs=epochs, batch_size=4, image_size=16),
    )


def _wait(manager, root, run_id, statuses, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        run = load_run(root / run_id, manager.active_ids())
        if run.status in statuses:
            return run
        time.sleep(0.5)
    raise AssertionError(f"{run_id} still {run.status}")


def _finished(manager, root, run_id, timeout=30):
    """Finished, and let go by the queue (the worker writes "finished" just before it exits)."""
    run = _wait(manager, root, run_id, {"finished"}, timeout=timeout)
    deadline = time.time() + timeout
    while run_id in manager.active_ids():
        assert time.time() < deadline, f"{run_id} finished but still held by the queue"
        time.sleep(0.05)
    return run


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
FAKE_WORKER = (
    sys.executable,
    "-c",
    "import pathlib, sys; from explorer.experiments.runs.folders import set_status; "
    "set_status(pathlib.Path(sys.argv[1]), 'finished')",
)


def test_a_worker_that_cannot_start_fails_its_run_and_the_queue_goes_on(tmp_path, monkeypatch, caplog):
    real_popen = subprocess.Popen
    launches = []

    def popen(args, **kwargs):
        launches.append(args)
        if len(launches) == 1:
            raise OSError("no such interpreter")
        return real_popen(args, **kwargs)

    monkeypatch.setattr(job_queue.subprocess, "Popen", popen)
    caplog.set_level(logging.INFO, logger="explorer.experiments.runs.queue")
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
    _finished(manager, tmp_path, run_id)
    manager.add_seeds(run_id, 2)
    spec = json.loads((tmp_path / run_id / "spec.json").read_text())
    assert spec["settings"]["seeds"] == [0, 1, 2]
    assert _finished(manager, tmp_path, run_id).spec.settings.seeds == (0, 1, 2)
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


# -- fair use (issue 29): a cap per owner, a cap on cost, owners take turns ----------------------

# A stand-in worker that waits for the test's GO file, then notes which run it was given (the
# order the queue handed them out) and marks it finished.
GATED_WORKER = (
    sys.executable,
    "-c",
    "import pathlib, sys, time\n"
    "from explorer.experiments.runs.folders import set_status\n"
    "run = pathlib.Path(sys.argv[1])\n"
    "while not (run.parent / 'GO').exists(): time.sleep(0.05)\n"
    "with open(run.parent / 'order.log', 'a') as log: log.write(run.name + '\\n')\n"
    "set_status(run, 'finished')\n",
)


def _gated(root, **limits):
    from explorer.experiments.runs.limits import ServerLimits

    return JobManager(root, command=GATED_WORKER, warm=False, limits=ServerLimits(**limits))


def _run_folders(root):
    return {path.parent.name for path in root.glob("*/spec.json")}


def _started_order(root, count, timeout=30):
    (root / "GO").touch()
    deadline = time.time() + timeout
    while time.time() < deadline:
        path = root / "order.log"
        names = path.read_text().split() if path.exists() else []
        if len(names) == count:
            return names
        time.sleep(0.1)
    raise AssertionError(f"only {names} started")


def _running(manager, run_id, timeout=10):
    deadline = time.time() + timeout
    while manager.position(run_id) != 0:
        assert time.time() < deadline, f"{run_id} never started"
        time.sleep(0.05)


def test_an_owner_may_have_two_runs_active_and_the_third_is_refused_saying_so(tmp_path):
    manager = _gated(tmp_path, max_active_per_owner=2)
    spec = _spec(tmp_path)
    first, second = manager.submit(spec, owner="alice"), manager.submit(spec, owner="alice")
    folders = _run_folders(tmp_path)
    with pytest.raises(InputError) as refused:
        manager.submit(spec, owner="alice")
    assert str(refused.value) == (
        "you have 2 runs queued or training; this server allows 2 at a time "
        "(AUGMENT_MAX_ACTIVE_RUNS): wait for one to end or stop one"
    )
    assert _run_folders(tmp_path) == folders == {first, second}  # nothing queued, no folder left
    bob = manager.submit(spec, owner="bob")  # another owner is not held by alice's runs
    manager.stop(second)  # a place comes free
    third = manager.submit(spec, owner="alice")
    assert set(_started_order(tmp_path, 3)) == {first, bob, third}


def test_runs_without_an_owner_share_one_cap(tmp_path):
    manager = _gated(tmp_path, max_active_per_owner=1)
    run_id = manager.submit(_spec(tmp_path))
    with pytest.raises(InputError, match="you have 1 run queued or training; this server allows 1 at a time"):
        manager.submit(_spec(tmp_path))
    (tmp_path / "GO").touch()
    _finished(manager, tmp_path, run_id)
    manager.submit(_spec(tmp_path))  # its place is free again


def test_owners_take_turns_not_first_come_first_served(tmp_path):
    manager = _gated(tmp_path, max_active_per_owner=3)
    spec = _spec(tmp_path)
    a1 = manager.submit(spec, owner="alice")
    _running(manager, a1)
    a2, a3 = manager.submit(spec, owner="alice"), manager.submit(spec, owner="alice")
    b1, c1 = manager.submit(spec, owner="bob"), manager.submit(spec, owner="carol")
    b2 = manager.submit(spec, owner="bob")
    # The page's "N runs ahead" reads the real order: bob and carol before alice's second run.
    assert [manager.position(run) for run in (a1, b1, c1, a2, b2, a3)] == [0, 1, 2, 3, 4, 5]
    assert [manager.ahead(run) for run in (b1, c1, a2, b2, a3)] == [1, 2, 3, 4, 5]
    assert _started_order(tmp_path, 6) == [a1, b1, c1, a2, b2, a3]


def test_a_restart_gives_queued_runs_their_turns_again(tmp_path):
    from explorer.experiments.runs.folders import new_run

    spec = _spec(tmp_path)
    made = []
    for owner in ("alice", "alice", "alice", "bob", "bob", "carol"):  # queued by a server that died
        made.append(new_run(spec, tmp_path, owner).name)
        time.sleep(0.01)  # their "created" times tell the order they were queued in
    a1, a2, a3, b1, b2, c1 = made
    manager = _gated(tmp_path, max_active_per_owner=3)
    _running(manager, a1)
    assert [manager.position(run) for run in (b1, c1, a2, b2, a3)] == [1, 2, 3, 4, 5]
    assert _started_order(tmp_path, 6) == [a1, b1, c1, a2, b2, a3]


def test_a_run_over_the_cost_limit_is_refused_and_more_seeds_count_too(tmp_path):
    manager = _gated(tmp_path, max_active_per_owner=2, max_run_cost=2 * 2 * 1 * 16 * 16)  # 2 arms x 2 seeds
    too_big = build_spec(
        AugmentConfig(rotation_range=20),
        DatasetRef("path", "pets", str(tmp_path)),
        TrainSettings(seeds=(0, 1, 2), epochs=1, batch_size=4, image_size=16),
    )
    with pytest.raises(
        InputError,
        match=r"this run costs 1,536 pixel-epochs \(2 arms x 3 seeds x 1 epoch x 16x16 px"
        r"\), 1.5x this server's limit of 1,024",
    ):
        manager.submit(too_big, owner="alice")
    assert not _run_folders(tmp_path)
    run_id = manager.submit(_spec(tmp_path), owner="alice")  # 1 seed: 512
    (tmp_path / "GO").touch()
    _finished(manager, tmp_path, run_id)
    manager.add_seeds(run_id, 1)  # 2 seeds: 1,024, at the limit
    _finished(manager, tmp_path, run_id)
    with pytest.raises(InputError, match="1,536 pixel-epochs .* 1.5x this server's limit"):
        manager.add_seeds(run_id, 1)
    assert json.loads((tmp_path / run_id / "spec.json").read_text())["settings"]["seeds"] == [0, 1]  # unchanged


def test_more_seeds_count_against_the_owners_cap(tmp_path):
    manager = _gated(tmp_path, max_active_per_owner=1)
    ended = manager.submit(_spec(tmp_path), owner="alice")
    (tmp_path / "GO").touch()
    _finished(manager, tmp_path, ended)
    (tmp_path / "GO").unlink()
    going = manager.submit(_spec(tmp_path), owner="alice")
    with pytest.raises(InputError, match="you have 1 run queued or training"):
        manager.add_seeds(ended, 2)
    assert load_run(tmp_path / ended, manager.active_ids()).status == "finished"  # not queued again
    (tmp_path / "GO").touch()
    _finished(manager, tmp_path, going)


@pytest.mark.parametrize("backend", ["local", "ray"])
def test_the_ray_backend_is_held_to_the_same_limits_and_turns(tmp_path, monkeypatch, backend):
    """AUGMENT_BACKEND=ray sends a run's trials to Ray from its worker; the run itself is
    queued by the same JobManager, so the same limits and the same turns hold (no Ray
    instance is needed to show it: nothing here trains)."""
    from explorer.experiments.records.spec import SUGGEST, SearchSettings
    from explorer.experiments.training.backends import RayBackend, backend_from_settings

    monkeypatch.setenv("AUGMENT_BACKEND", backend)
    assert isinstance(backend_from_settings(), RayBackend) == (backend == "ray")
    manager = _gated(tmp_path, max_active_per_owner=2, max_search_budget=48)
    search = build_spec(
        AugmentConfig(rotation_range=20),
        DatasetRef("path", "pets", str(tmp_path)),
        TrainSettings(seeds=(0,), epochs=1, batch_size=4, image_size=16),
        SUGGEST,
        search=SearchSettings(budget=60),
    )
    with pytest.raises(
        InputError,
        match=r"this search tries up to 60 configurations, 1.2x this server's limit of 48 "
        r"\(AUGMENT_MAX_SEARCH_BUDGET\)",
    ):
        manager.submit(search, owner="alice")
    a1 = manager.submit(_spec(tmp_path), owner="alice")
    _running(manager, a1)
    a2 = manager.submit(_spec(tmp_path), owner="alice")
    with pytest.raises(InputError, match="you have 2 runs queued or training"):
        manager.submit(_spec(tmp_path), owner="alice")
    b1 = manager.submit(_spec(tmp_path), owner="bob")
    assert _started_order(tmp_path, 3) == [a1, b1, a2]
