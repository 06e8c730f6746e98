"""One comparison at a time for the whole server: a queue, a worker process per run.

The web page submits runs and polls their folders; a background thread starts one worker
process after another (`python -m explorer.experiments.worker RUN_DIR`), so TensorFlow never runs in
the server and a crash of a run cannot take the page down.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import deque
from pathlib import Path

from .runs import list_runs, new_run, set_status

PACKAGE_ROOT = Path(__file__).resolve().parents[2]


class JobManager:
    def __init__(self, root: Path):
        self.root = Path(root)
        self._queue: deque[Path] = deque()
        self._running: Path | None = None
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        list_runs(self.root)  # marks runs a previous server left unfinished as interrupted
        threading.Thread(target=self._serve, name="comparison-jobs", daemon=True).start()

    def submit(self, spec: dict) -> str:
        run_dir = new_run(spec, self.root)
        with self._lock:
            self._queue.append(run_dir)
        self._wake.set()
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
                    return
            running = self._running
        if running is not None and running.name == run_id:
            (running / "STOP").touch()

    def _serve(self) -> None:
        while True:
            self._wake.wait()
            with self._lock:
                if not self._queue:
                    self._wake.clear()
                    continue
                self._running = self._queue.popleft()
            try:
                self._process = subprocess.Popen(
                    [sys.executable, "-m", "explorer.experiments.worker", str(self._running)], cwd=PACKAGE_ROOT,
                    stdout=subprocess.DEVNULL, stderr=(self._running / "worker.log").open("wb"),
                )
                set_status(self._running, "running", pid=self._process.pid)
                self._process.wait()
            finally:
                with self._lock:
                    self._running = None
                    self._process = None
