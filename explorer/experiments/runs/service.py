"""The server's job queue as a service: one `JobManager` per runs folder and process, started
when the server starts, not when a visitor first draws the Train section.

`streamlit run app.py` serves `app.py`'s `st.App`, whose lifespan (`lifespan` below) creates
the manager before the server answers any request, /_stcore/health included: runs left queued
by a crash or a restart start with nobody visiting. The page asks `job_manager` for the same
manager (`ui.train.server_jobs`), so page and server share one queue. `queue_health` is what
/queue/health (app.py; the Docker health check) reports: up only while the queue's thread is
alive.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from ...errors import InputError
from .folders import runs_root
from .queue import WORKER_COMMAND, JobManager

HEALTH_PATH = "/queue/health"
_managers: dict[str, JobManager] = {}
_lock = threading.Lock()
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueueHealth:
    """The queue as /queue/health reports it: `up` while its thread serves runs; how many runs
    wait; the run training now (its id), if any."""

    up: bool
    queued: int = 0
    running: str | None = None

    def to_json(self) -> dict:
        return {"queue": "up" if self.up else "down", "queued": self.queued, "running": self.running}


def _key(root: Path) -> str:
    return str(Path(root).resolve())


def job_manager(root: Path | None = None, command: Sequence[str] = WORKER_COMMAND) -> JobManager:
    """The one manager of the runs under `root` (default: `runs_root()`) in this process,
    created (recovering what a previous server left) on the first call, with `command` as
    its worker (tests give a stand-in; later calls' `command` is not used)."""
    key = _key(runs_root() if root is None else root)
    with _lock:
        manager = _managers.get(key)
        if manager is None:
            manager = _managers[key] = JobManager(Path(key), command)
            log.info("job queue up for %s", key)
        return manager


def queue_health(root: Path | None = None) -> QueueHealth:
    """The queue of `root`'s runs (default: `runs_root()`): down until `job_manager` has made
    it, and down again if its thread has died. Never creates the manager."""
    with _lock:
        manager = _managers.get(_key(runs_root() if root is None else root))
    if manager is None or not manager.serving:
        return QueueHealth(up=False)
    active = manager.active_ids()
    running = next((run_id for run_id in sorted(active) if manager.position(run_id) == 0), None)
    return QueueHealth(up=True, queued=len(active) - (running is not None), running=running)


@asynccontextmanager
async def lifespan(_app) -> AsyncIterator[None]:
    """An ASGI lifespan (`st.App(..., lifespan=lifespan)`): the queue is up before the server
    accepts a connection. Nothing to stop at shutdown: the queue lives in the run folders, and
    a worker that outlives the server is adopted by the next one."""
    try:
        manager = job_manager()
    except InputError as error:  # an operator's setting (a limit, say): a message, not a traceback
        print(f"Augmentation Explorer cannot start: {error}", file=sys.stderr, flush=True)
        os._exit(2)  # uvicorn would print the traceback of anything raised here
    health = queue_health(manager.root)
    log.info("job queue serving %s: %d queued, running %s", manager.root, health.queued, health.running or "nothing")
    yield
