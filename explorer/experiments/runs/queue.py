"""One run at a time for the whole server: a queue, a worker process per run.

The web page submits runs and polls their folders; a background thread starts one worker
process after another (`python -m explorer worker RUN_DIR`), so TensorFlow never runs in
the server and a crash of a run cannot take the page down. A run is "queued" until its
worker process is given it, then "starting" (importing TensorFlow, loading the dataset)
until the worker reports its first batch and marks it "running". A worker that cannot be
started marks its run failed, with the reason, and the queue goes on. The queue lives in the
run folders: a new server queues again the runs still "queued" and waits for a worker that
outlived the old one (`_recover`), so nothing stays queued forever.

Fair use (`limits`, docs/deploy.md "Server limits"): an owner (a signed-in user or a browser session;
runs without one count as the owner "") may have `max_active_per_owner` runs queued or
training at once, and a run over the cost or search-budget limit is refused, with the limit
and by how much, when it is queued and when seeds are added. Owners take turns: each queued
run gets a turn number, the turn of the run that started last, or one past its owner's last
queued or running run when that is later; the queue hands out the lowest turn first, the
earlier arrival within a turn. Owner A queues two runs, then B one: A1 (turn 0), B1 (turn 0),
A2 (turn 1). A restart gives the queued runs their turns again in the order they were made,
after the run it adopts.

Warm start: while the queue is idle, the next run's worker is already started with
`--wait`: it has imported TensorFlow (seconds) and waits for its run folder on stdin. It is
still one fresh process per run; it just starts before the click. AUGMENT_WARM_WORKER=0
turns this off (the test suite does, where many job managers come and go).
"""

from __future__ import annotations

import errno
import itertools
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ...errors import InputError
from ..records.spec import SUGGEST, RunSpec
from ..records.status import RunState, RunStatus
from .folders import (
    list_runs,
    load_run,
    new_run,
    pid_alive,
    read_record,
    read_status,
    run_owner,
    set_status,
    write_json,
)
from .limits import ServerLimits, check_active, check_run
from .storage import DISK_FULL_EXIT, disk_full_message, enforce_retention

PACKAGE_ROOT = Path(__file__).resolve().parents[3]  # the repository: `python -m explorer` runs from it
# The worker process; RUN_DIR is appended. `explorer.cli` wires the worker to the step that
# draws the run's figures and report, which lives in a layer above this one.
WORKER_COMMAND = (sys.executable, "-m", "explorer", "worker")
MAX_ADDED_SEEDS = 20
ADOPTED_POLL_S = 1.0  # how often a worker a previous server started is checked on
log = logging.getLogger(__name__)


def _is_worker(pid) -> bool:
    """Whether pid is alive and, where /proc tells, one of our workers (not a process that
    took a dead worker's number)."""
    if not pid_alive(pid):
        return False
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return True  # no /proc here: liveness is all we can know
    return b"explorer" in command and b"worker" in command


def _active(run_dir: Path) -> bool:
    """Whether the run's status.json says it is queued, starting or running."""
    status = read_status(run_dir)
    return status is not None and status.active


@dataclass(frozen=True)
class _Queued:
    """A run waiting for a worker: its folder, its owner ('' for none), its turn (module
    docstring) and when it arrived (a counter: the order within a turn)."""

    path: Path
    owner: str
    turn: int
    arrival: int


class JobManager:
    def __init__(
        self,
        root: Path,
        command: Sequence[str] = WORKER_COMMAND,
        warm: bool | None = None,
        limits: ServerLimits | None = None,
    ):
        self.root = Path(root)
        self.command = tuple(command)
        self.warm = os.environ.get("AUGMENT_WARM_WORKER", "1") != "0" if warm is None else warm
        self.limits = ServerLimits.from_env() if limits is None else limits
        self._queue: list[_Queued] = []  # in arrival order; `_order()` is the order they train in
        self._arrivals = itertools.count()
        self._turn = 0  # the turn of the run that started last
        self._running: Path | None = None
        self._running_owner = ""
        self._process: subprocess.Popen | None = None
        self._spare: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._adopted_pid: int | None = None
        self._recover()
        self._start_spare()
        self._thread = threading.Thread(target=self._serve, name="comparison-jobs", daemon=True)
        self._thread.start()

    @property
    def serving(self) -> bool:
        """Whether the queue's thread is alive (what the server's queue health reports)."""
        return self._thread.is_alive()

    def _recover(self) -> None:
        """The runs a previous server left: queued ones are queued again, in the order they
        were made; one whose worker outlived the server is adopted as the running run (it
        finishes and writes its own result); the others, whose worker is gone, are marked
        interrupted with what they finished."""
        folders = [path for path in self.root.iterdir() if (path / "spec.json").is_file()] if self.root.is_dir() else []
        statuses: dict[Path, RunStatus] = {
            path: status for path in folders if (status := read_status(path)) is not None
        }
        queued: list[Path] = []
        # In the order they were queued: folder names share a second, their "created" times do not.
        for run_dir, status in sorted(statuses.items(), key=lambda item: (item[1].created, item[0].name)):
            if status.status == RunState.QUEUED:
                queued.append(run_dir)
            elif (
                status.status in (RunState.STARTING, RunState.RUNNING)
                and self._running is None
                and _is_worker(status.pid)
            ):
                self._running, self._adopted_pid = run_dir, status.pid
                self._running_owner = run_owner(run_dir)
                log.info(
                    "run %s: its worker (pid %d) outlived the server; waiting for it", run_dir.name, self._adopted_pid
                )
        for run_dir in queued:  # after the adopted run: its owner's next run waits a turn
            self._enqueue(run_dir, run_owner(run_dir))
            log.info("run %s: queued again after a restart", run_dir.name)
        list_runs(self.root, self.active_ids())  # marks the rest interrupted
        if self._queue:
            self._wake.set()

    def _wait_for_adopted(self) -> None:
        """Hold the queue while an adopted worker runs (polled: it is not our child)."""
        run_dir = self._running
        if run_dir is None or self._adopted_pid is None:
            return
        while _is_worker(self._adopted_pid) and _active(run_dir):
            time.sleep(ADOPTED_POLL_S)
        with self._lock:
            self._running, self._adopted_pid, self._running_owner = None, None, ""
        load_run(run_dir)  # a worker that died without a word leaves its run interrupted
        log.info("run %s: the adopted worker ended", run_dir.name)

    def _active_of(self, owner: str) -> int:
        """How many runs `owner` has queued or running (with the lock held)."""
        running = self._running is not None and self._running_owner == owner
        return sum(1 for item in self._queue if item.owner == owner) + int(running)

    def _enqueue(self, run_dir: Path, owner: str) -> None:
        """Put a run in line with its turn (module docstring); with the lock held, or alone."""
        turns = [item.turn for item in self._queue if item.owner == owner]
        if self._running is not None and self._running_owner == owner:
            turns.append(self._turn)
        turn = max(self._turn, max(turns) + 1) if turns else self._turn
        self._queue.append(_Queued(run_dir, owner, turn, next(self._arrivals)))

    def _order(self) -> list[_Queued]:
        """The queued runs in the order they will train (with the lock held)."""
        return sorted(self._queue, key=lambda item: (item.turn, item.arrival))

    def submit(self, spec: RunSpec, owner: str | None = None) -> str:
        """Queue a run (owned by `owner`, a user's or a browser session's id, when given); its
        id. InputError, queuing nothing, when the run is over the server's limits or its owner
        has as many runs queued or training as the server allows."""
        check_run(spec, self.limits)
        with self._lock:  # counted and queued at once: two clicks cannot both take the last place
            check_active(self._active_of(owner or ""), self.limits)
            run_dir = new_run(spec, self.root, owner)
            self._enqueue(run_dir, owner or "")
        self._wake.set()
        log.info("run %s: queued", run_dir.name)
        return run_dir.name

    def add_seeds(self, run_id: str, count: int) -> None:
        """Queue a run that ended again with `count` more seeds (numbered after its last).
        The worker keeps the seeds it finished and trains only the new ones; the verdict is
        computed again over all of them."""
        run_dir = self.root / run_id
        spec = read_record(run_dir / "spec.json", RunSpec.from_json)
        if spec is None:
            raise InputError(f"run {run_id} has no readable spec")
        if spec.mode == SUGGEST:
            raise InputError("a suggestion's check cannot take more seeds: suggest again with more check seeds")
        if not 1 <= count <= MAX_ADDED_SEEDS:
            raise InputError(f"add 1 to {MAX_ADDED_SEEDS} seeds at a time; got {count}")
        seeds = spec.settings.seeds
        more = tuple(range(max(seeds) + 1, max(seeds) + 1 + count))
        extended = replace(spec, settings=replace(spec.settings, seeds=seeds + more))
        check_run(extended, self.limits)  # what it costs with the new seeds
        owner = run_owner(run_dir)
        with self._lock:
            if run_id in {item.path.name for item in self._queue} or (
                self._running is not None and self._running.name == run_id
            ):
                raise InputError(f"run {run_id} is still queued or running")
            check_active(self._active_of(owner), self.limits)
            write_json(run_dir / "spec.json", extended.to_json())
            (run_dir / "STOP").unlink(missing_ok=True)
            set_status(run_dir, RunState.QUEUED, note=f"{count} more seed(s) asked for")
            self._enqueue(run_dir, owner)
        self._wake.set()
        log.info("run %s: queued again with %d more seed(s)", run_id, count)

    def active_ids(self) -> set[str]:
        with self._lock:
            ids = {item.path.name for item in self._queue}
            if self._running is not None:
                ids.add(self._running.name)
        return ids

    def position(self, run_id: str) -> int | None:
        """0 while running, 1.. while queued (1 = next), None when not waiting or running."""
        with self._lock:
            if self._running is not None and self._running.name == run_id:
                return 0
            for index, item in enumerate(self._order(), start=1):
                if item.path.name == run_id:
                    return index
        return None

    def ahead(self, run_id: str) -> int | None:
        """How many runs will train before this one: the one running (unless it is this one)
        and those queued before it. 0 once it runs, or while it waits on nothing but its
        worker; None when it is neither waiting nor running."""
        with self._lock:
            running = self._running is not None and self._running.name != run_id
            if self._running is not None and not running:
                return 0
            for index, item in enumerate(self._order()):
                if item.path.name == run_id:
                    return index + int(running)
        return None

    def stop(self, run_id: str, marker: str = "STOP") -> None:
        """A running job stops within a batch and keeps its finished epochs; a queued one is
        taken off the queue. marker="STOP_SEARCH": a suggest run ends its search with the best
        so far and still checks it on fresh seeds (STOP ends it all)."""
        if marker not in ("STOP", "STOP_SEARCH"):
            raise ValueError(f"marker must be STOP or STOP_SEARCH; got {marker!r}")
        with self._lock:
            for item in list(self._queue):
                if item.path.name == run_id:
                    self._queue.remove(item)
                    set_status(item.path, RunState.STOPPED, note="stopped before it started")
                    log.info("run %s: stopped before it started", run_id)
                    return
            running = self._running
        if running is not None and running.name == run_id:
            (running / marker).touch()
            log.info("run %s: asked to stop (%s)", run_id, marker)

    def _next(self) -> Path | None:
        self._wake.wait()
        with self._lock:
            if not self._queue:
                self._wake.clear()
                return None
            item = self._order()[0]  # the lowest turn, then the earliest arrival
            self._queue.remove(item)
            self._running, self._running_owner, self._turn = item.path, item.owner, item.turn
            return self._running

    def _retain(self) -> None:
        """Retention (`storage.enforce_retention`): as the queue starts and after each run."""
        try:
            enforce_retention(self.root, self.limits, self.active_ids())
        except Exception:  # the queue must outlive a failed clean-up
            log.exception("retention failed; runs are kept")

    def _serve(self) -> None:
        self._retain()
        self._wait_for_adopted()
        while True:
            run_dir = self._next()
            if run_dir is None:
                continue
            try:
                self._run(run_dir)
            except Exception as error:  # the thread must outlive any one run
                log.exception("run %s: the worker could not be run", run_dir.name)
                try:
                    set_status(run_dir, RunState.FAILED, error=f"the worker process could not be started: {error}")
                except OSError:
                    log.exception("run %s: could not write its status", run_dir.name)
            finally:
                with self._lock:
                    self._running, self._running_owner = None, ""
                    self._process = None
            self._retain()
            # After the run (it never competes with training for the CPU), and after the run
            # is no longer counted as running: starting a process takes a moment, during which
            # `ahead` would count a run that has ended.
            self._start_spare()

    def _start_spare(self) -> None:
        """Start the next run's worker ahead of time (it imports TensorFlow, then waits)."""
        if not self.warm or (self._spare is not None and self._spare.poll() is None):
            return
        try:
            self._spare = subprocess.Popen(
                [*self.command, "--wait"],
                cwd=PACKAGE_ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            log.exception("could not start a warm worker; runs will start cold")
            self._spare = None

    def _hand_to_spare(self, run_dir: Path) -> subprocess.Popen | None:
        """The waiting worker, given this run folder; None when there is none alive."""
        spare, self._spare = self._spare, None
        if spare is None or spare.poll() is not None:
            return None
        set_status(run_dir, RunState.STARTING, pid=spare.pid)  # before it can write "running" itself
        try:
            spare.stdin.write(f"{run_dir}\n".encode())
            spare.stdin.close()
        except OSError:  # it died just now: start one cold instead
            spare.kill()
            return None
        return spare

    def _run(self, run_dir: Path) -> None:
        self._process = self._hand_to_spare(run_dir)
        if self._process is None:
            with (run_dir / "worker.log").open("wb") as stderr:
                self._process = subprocess.Popen(
                    [*self.command, str(run_dir)], cwd=PACKAGE_ROOT, stdout=subprocess.DEVNULL, stderr=stderr
                )
            # "starting" while it imports TensorFlow (seconds); the worker says "running" at
            # its first batch. It cannot get there before this line: the imports come first.
            set_status(run_dir, RunState.STARTING, pid=self._process.pid)
        log.info("run %s: worker started (pid %d)", run_dir.name, self._process.pid)
        code = self._process.wait()
        log.info("run %s: worker exited with code %d", run_dir.name, code)
        if code == DISK_FULL_EXIT and _active(run_dir):
            # The disk was too full for the worker to write why: its files are closed now.
            reason = disk_full_message(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
            try:
                set_status(run_dir, RunState.FAILED, error=reason)
            except OSError:
                log.exception("run %s: %s, and its status could not be written", run_dir.name, reason)
