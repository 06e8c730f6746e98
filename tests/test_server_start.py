"""The queue runs from server start, not from a visitor: a real server killed with `kill -9`
while one run trained and two waited; the next `streamlit run app.py` over its runs folder finishes the
queued runs, in order, with real workers, while nobody opens the page; the health check the
Dockerfile uses fails until the queue is up, and Streamlit's own health never says ok before."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from test_deploy import _instructions

from browser import _free_port, streamlit_command
from explorer.augment.config import AugmentConfig
from explorer.experiments.records.spec import DatasetRef, TrainSettings
from explorer.experiments.runs import service
from explorer.experiments.runs.folders import new_run, set_status
from explorer.experiments.runs.plan import build_spec

ROOT = Path(__file__).resolve().parents[1]
# A real run, as small as a run gets: one seed, one epoch, 8 px shapes (about 10 s, mostly
# TensorFlow's import).
TINY = build_spec(
    AugmentConfig(horizontal_flip=True), DatasetRef("demo", "shapes"), TrainSettings(seeds=(0,), epochs=1, image_size=8)
)


def _docker_health_command(port: int) -> list[str]:
    """The Dockerfile's HEALTHCHECK command, aimed at `port` and run with this interpreter."""
    healthcheck = next(rest for keyword, rest in _instructions() if keyword == "HEALTHCHECK")
    program, *args = shlex.split(healthcheck.partition(" CMD ")[2].replace(":8501", f":{port}"))
    assert program == "python"
    return [sys.executable, *args]


def _streamlit_health(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().strip() == b"ok"
    except OSError:
        return False


def _queue(url: str) -> dict:
    with urllib.request.urlopen(f"{url}{service.HEALTH_PATH}", timeout=2) as response:
        return json.loads(response.read())


def _status(run_dir: Path) -> dict:
    return json.loads((run_dir / "status.json").read_text())


DEAD_PID = 2**22 + 12345  # no such process


def _plant_a_crashed_server(root: Path) -> tuple[Path, Path, Path]:
    """What `kill -9` of a server leaves, planted: a run whose worker died with it, two queued."""
    crashed = new_run(TINY, root)
    set_status(crashed, "running", pid=DEAD_PID)
    time.sleep(0.01)  # queued in this order ("created" times)
    first = new_run(TINY, root)
    time.sleep(0.01)
    return crashed, first, new_run(TINY, root)


def _serve(runs: Path, port: int, log) -> subprocess.Popen:
    """`streamlit run app.py` on 127.0.0.1:`port` over `runs`."""
    return subprocess.Popen(
        streamlit_command("app.py", port),
        cwd=ROOT,
        env={**os.environ, "AUGMENT_RUNS_DIR": str(runs)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _crash_a_server(runs: Path, tmp_path: Path) -> tuple[Path, Path, Path]:
    """A real server killed with `kill -9` while one run trains and two wait: the training
    run's worker (a sleeping process whose command line says it is one, adopted by the server
    from the folder) dies with it, as a worker in the server's process group does."""
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", "explorer", "worker"])
    crashed = new_run(TINY, runs)
    set_status(crashed, "running", pid=worker.pid)
    time.sleep(0.01)  # queued in this order ("created" times)
    first = new_run(TINY, runs)
    time.sleep(0.01)
    second = new_run(TINY, runs)
    port = _free_port()
    with open(tmp_path / "crashed.log", "wb") as log:
        server = _serve(runs, port, log)
        try:
            deadline = time.time() + 90
            while _queue_or_none(f"http://127.0.0.1:{port}") != {"queue": "up", "queued": 2, "running": crashed.name}:
                assert server.poll() is None and time.time() < deadline, f"first server not up; see {log.name}"
                time.sleep(0.2)
        finally:
            server.send_signal(signal.SIGKILL)
            worker.send_signal(signal.SIGKILL)
            server.wait(timeout=10)
            worker.wait(timeout=10)
    assert [_status(run)["status"] for run in (crashed, first, second)] == ["running", "queued", "queued"]
    return crashed, first, second


@pytest.mark.slow
def test_runs_queued_before_a_crash_finish_with_nobody_visiting(tmp_path):
    runs = tmp_path / "runs"
    crashed, first, second = _crash_a_server(runs, tmp_path)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(tmp_path / "streamlit.log", "wb")
    server = _serve(runs, port, log)
    docker_health = _docker_health_command(port)
    try:
        deadline = time.time() + 90
        healthy_before_queue = []  # Streamlit's health said ok while the queue was not up
        while subprocess.run(docker_health, capture_output=True).returncode != 0:
            if _streamlit_health(url):
                healthy_before_queue.append(_queue_or_none(url))
            assert server.poll() is None and time.time() < deadline, f"no healthy server; see {log.name}"
            time.sleep(0.2)
        assert [state for state in healthy_before_queue if not state or state["queue"] != "up"] == []
        assert _streamlit_health(url)
        first_answer = _queue(url)
        # Both queued runs are the queue's from its first answer: one may have started already.
        assert first_answer["queue"] == "up"
        assert first_answer["queued"] + (first_answer["running"] is not None) == 2
        assert first_answer["running"] in (None, first.name)

        # Nobody opens the page: only health is polled while the queue works through the runs
        # (two real trainings: their own deadline, generous on a busy machine).
        deadline = time.time() + 240
        while not all(_status(run).get("status") == "finished" for run in (first, second)):
            assert all(
                _status(run).get("status") in ("queued", "starting", "running", "finished") for run in (first, second)
            ), [_status(run) for run in (first, second)]
            assert server.poll() is None and time.time() < deadline, f"runs not finished; see {log.name}"
            time.sleep(0.5)
        assert _settled(url)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    for run in (first, second):
        result = json.loads((run / "result.json").read_text())
        assert result, run
    assert _status(first)["finished"] <= _status(second)["started"]  # in the order they were queued
    assert _status(crashed)["status"] == "interrupted"  # its worker is gone: not adopted, not rerun


def _queue_or_none(url: str) -> dict | None:
    try:
        return _queue(url)
    except OSError:  # 503 (an HTTPError) or no answer
        return None


def _settled(url: str) -> bool:
    """Whether the queue reports itself empty within 10 s (the worker writes "finished" just
    before it exits; the queue lets go of it once it has)."""
    deadline = time.time() + 10
    while time.time() < deadline:
        if _queue(url) == {"queue": "up", "queued": 0, "running": None}:
            return True
        time.sleep(0.2)
    return False


# Stands in for `python -m explorer worker RUN_DIR` in the quick test: busy until told to stop.
BUSY_WORKER = (
    "import pathlib, sys, time  # explorer worker stand-in\n"
    "run = pathlib.Path(sys.argv[1])\n"
    "while not (run / 'STOP').exists(): time.sleep(0.05)\n"
)


def test_queue_health_is_down_until_the_manager_is_made_and_counts_its_runs(tmp_path):
    assert service.queue_health(tmp_path) == service.QueueHealth(up=False)
    _crashed, first, second = _plant_a_crashed_server(tmp_path)
    assert service.queue_health(tmp_path).up is False  # asking never starts the queue
    manager = service.job_manager(tmp_path, command=(sys.executable, "-c", BUSY_WORKER))
    try:
        assert service.job_manager(tmp_path / ".") is manager  # one per folder and process
        health = service.queue_health(tmp_path)
        assert health.up and health.queued + (health.running is not None) == 2
        assert health.running in (None, first.name)
        assert health.to_json() == {"queue": "up", "queued": health.queued, "running": health.running}
    finally:
        manager.stop(second.name)
        manager.stop(first.name)
    deadline = time.time() + 10
    while service.queue_health(tmp_path) != service.QueueHealth(up=True):
        assert time.time() < deadline, service.queue_health(tmp_path)
        time.sleep(0.05)


@pytest.mark.slow
def test_a_bad_limit_stops_the_server_with_a_message_naming_it_not_a_traceback(tmp_path):
    """An operator's typo in a limit (limits.py) is found as the queue starts: the server says
    which variable and exits, rather than serving a page whose queue never came up."""
    port = _free_port()
    env = dict(os.environ, AUGMENT_RUNS_DIR=str(tmp_path), AUGMENT_MAX_RUN_COST="20M")
    done = subprocess.run(
        streamlit_command("app.py", port),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert (
        "Augmentation Explorer cannot start: AUGMENT_MAX_RUN_COST='20M' is not a number; unset it for the "
        "default (20000000)"
    ) in output
    assert "Traceback" not in output
