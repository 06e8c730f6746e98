"""One run at a time for the whole server: a queue, a worker process per run.

The web page submits runs and polls their folders; a background thread starts one worker
process after another (`python -m explorer worker RUN_DIR`), so TensorFlow never runs in
the server and a crash of a run cannot take the page down. A worker that cannot be started
marks its run failed, with the reason, and the queue goes on.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Sequence
from pathlib import Path

from .records import RunSpec
from .runs import list_runs, new_run, set_status

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
# The worker process; RUN_DIR is appended. `explorer.cli` wires the worker to the step that
# draws the run's figures and report, which lives in a layer above this one.
WORKER_COMMAND = (sys.executable, "-m", "explorer", "worker")
log = logging.getLogger(__name__)


class JobManager:
    def __init__(self, root: Path, command: Sequence[str] = WORKER_COMMAND):
        self.root = Path(root)
        self.command = tuple(command)
        self._queue: deque[Path] = deque()
        self._running: Path | None = None
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        list_runs(self.root)  # marks runs a previous server left unfinished as interrupted
        threading.Thread(target=self._serve, name="comparison-jobs", daemon=True).start()

    def submit(self, spec: RunSpec) -> str:
        run_dir = new_run(spec, self.root)
        with self._lock:
            self._queue.append(run_dir)
        self._wake.set()
        log.info("run %s: queued", run_dir.name)
        return run_dir.name

    def active_ids(self) -> set[str]:
        with self._lock:
            ids = {path.name for path in self._queue}
            if self._running is not None:
                ids.add(self._running.name)
        return ids

    def position(self, run_id: str) -> int | None:
        """0 while running, 1.. while queued (1 = next), None when not waiting or running."""
        with self._lock:
            if self._running is not None and self._running.name == run_id:
                return 0
            for index, path in enumerate(self._queue, start=1):
                if path.name == run_id:
                    return index
        return None

    def stop(self, run_id: str) -> None:
        """A running job stops within a batch and keeps its finished epochs; a queued one is
        taken off the queue."""
        with self._lock:
            for path in list(self._queue):
                if path.name == run_id:
                    self._queue.remove(path)
                    set_status(path, "stopped", note="stopped before it started")
                    log.info("run %s: stopped before it started", run_id)
                    return
            running = self._running
        if running is not None and running.name == run_id:
            (running / "STOP").touch()
            log.info("run %s: asked to stop", run_id)

    def _next(self) -> Path | None:
        self._wake.wait()
        with self._lock:
            if not self._queue:
                self._wake.clear()
                return None
            self._running = self._queue.popleft()
            return self._running

    def _serve(self) -> None:
        while True:
            run_dir = self._next()
            if run_dir is None:
                continue
            try:
                self._run(run_dir)
            except Exception as error:  # the thread must outlive any one run
                log.exception("run %s: the worker could not be run", run_dir.name)
                set_status(run_dir, "failed", error=f"the worker process could not be started: {error}")
            finally:
                with self._lock:
                    self._running = None
                    self._process = None

    def _run(self, run_dir: Path) -> None:
        with (run_dir / "worker.log").open("wb") as stderr:
            self._process = subprocess.Popen([*self.command, str(run_dir)], cwd=PACKAGE_ROOT,
                                             stdout=subprocess.DEVNULL, stderr=stderr)
        set_status(run_dir, "running", pid=self._process.pid)
        log.info("run %s: worker started (pid %d)", run_dir.name, self._process.pid)
        code = self._process.wait()
        log.info("run %s: worker exited with code %d", run_dir.name, code)
