"""Where trials train: on this machine (`LocalBackend`) or on a Ray cluster (`RayBackend`).

A backend takes a run's trials and their shared context, trains them, and yields each
`TrialResult` as it finishes; the trials' events (started, batches, finished epochs, returned) go to
`on_event` as they come, so the page's curves and the trial counts stay live. When
`should_stop()` turns true, what has not finished is stopped (a running trial keeps its
finished epochs where it can) and the backend returns.

- local, 1 worker (the default): the trials train one after another in this process.
- local, N workers: a pool of N processes (concurrent.futures, spawned), each trial training
  with cores/N CPU threads.
- ray: each trial is a Ray task asking for `cpus_per_trial` CPUs (and `gpus_per_trial` GPUs),
  training with that many CPU threads; Ray schedules them over the cluster and retries a
  trial that fails once before the run reports it. Without an address a Ray instance is
  started on this machine (loopback only) for the run and shut down after it.

The numbers of a trial depend on its CPU threads and nothing else (TensorFlow's sums are
ordered by its thread pool): the same spec gives the same numbers on every backend whose
trials train with the same threads.

Keras and Ray are imported when trials train, not with this module: the page reads the
backend's settings (`backend_from_settings`, `label`) without loading either.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from ...errors import InputError
from ..records.trials import Trial, TrialContext, TrialEvent, TrialResult

LOCAL, RAY = "local", "ray"
BACKENDS = (LOCAL, RAY)
POLL_S = 0.2  # how often a backend drains its trials' events and checks for Stop
BATCH_EVENT_S = 0.5  # a trial in another process reports batches at most this often
PACKAGE_DIR = Path(__file__).resolve().parents[2]  # explorer/, shipped to a cluster's workers
log = logging.getLogger(__name__)

OnEvent = Callable[[TrialEvent], None]
ShouldStop = Callable[[], bool]


class TrialFailed(RuntimeError):
    """A trial failed (on a cluster: twice) and the run cannot be completed."""


def cpu_cores() -> int:
    return os.cpu_count() or 1


def use_threads(threads: int | None) -> None:
    """Train with `threads` CPU threads in this process (TensorFlow's intra-op pool); set
    before TensorFlow starts, and kept when it has started already."""
    import keras

    if not threads or keras.backend.backend() != "tensorflow":
        return
    import tensorflow as tf

    try:
        if tf.config.threading.get_intra_op_parallelism_threads() != threads:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
    except RuntimeError:  # TensorFlow has started in this process: its pool stays as it is
        log.warning("TensorFlow is running already; its CPU threads stay as they are (asked for %d)", threads)


def _throttled(send: Callable[[TrialEvent], None]) -> Callable[[TrialEvent], None]:
    """Every start and finished epoch, and a batch at most every BATCH_EVENT_S."""
    last = {"at": 0.0}

    def report(event: TrialEvent) -> None:
        now = time.monotonic()
        if event.metrics is None and event.batch and now - last["at"] < BATCH_EVENT_S:
            return
        last["at"] = now
        send(event)

    return report


@dataclass
class LocalBackend:
    """Trials on this machine: in this process (workers=1) or in a pool of processes."""

    workers: int = 1
    name: str = LOCAL
    shares_files: bool = True  # trials read the model's files where they are

    def __post_init__(self) -> None:
        if not 1 <= self.workers <= 64:
            raise InputError(f"--workers must be 1 to 64; got {self.workers}")

    @property
    def label(self) -> str:
        if self.workers == 1:
            return "local: one trial at a time"
        return f"local: {self.workers} worker processes, {self.threads} CPU thread(s) each"

    @property
    def threads(self) -> int:
        return max(1, cpu_cores() // self.workers)

    def run(
        self, trials: list[Trial], context: TrialContext, on_event: OnEvent, should_stop: ShouldStop, models=None
    ) -> Iterator[TrialResult]:
        from .fit import run_trial

        if self.workers == 1:
            for trial in trials:
                result = run_trial(trial, context, on_event, should_stop, models)
                yield result
                if result.stopped or should_stop():
                    return
            return
        yield from self._pool(trials, context, on_event, should_stop)

    def _pool(self, trials, context, on_event, should_stop) -> Iterator[TrialResult]:
        import multiprocessing

        spawn = multiprocessing.get_context("spawn")  # a fresh TensorFlow per process, never a fork of one
        events, stop = spawn.Queue(), spawn.Event()
        with ProcessPoolExecutor(
            self.workers, mp_context=spawn, initializer=_pool_start, initargs=(context, self.threads, events, stop)
        ) as pool:
            pending = {pool.submit(_pool_trial, trial) for trial in trials}
            while pending:
                done, pending = wait(pending, timeout=POLL_S, return_when=FIRST_COMPLETED)
                _drain(events, on_event)
                for future in done:
                    if not future.cancelled():
                        yield future.result()
                if should_stop() and not stop.is_set():
                    stop.set()  # running trials stop within a batch and return what they finished
                    for future in pending:
                        future.cancel()
            _drain(events, on_event)


def _drain(events, on_event: OnEvent) -> None:
    while True:
        try:
            on_event(events.get_nowait())
        except queue.Empty:
            return


_POOL: dict = {}  # in a pool process: the run's context, event queue and stop flag


def _pool_start(context: TrialContext, threads: int, events, stop) -> None:
    use_threads(threads)
    _POOL.update(context=context, events=events, stop=stop)


def _pool_trial(trial: Trial) -> TrialResult:
    from .fit import run_trial

    send = _POOL["events"].put
    return _ended(run_trial(trial, _POOL["context"], _throttled(send), _POOL["stop"].is_set), send)


@dataclass
class RayBackend:
    """Each trial a Ray task. `address`: None starts a Ray instance on this machine (with
    `num_cpus`, default every core) for the run; "auto" or "ray://host:10001" joins a cluster."""

    address: str | None = None
    cpus_per_trial: float = 1
    gpus_per_trial: float = 0
    num_cpus: int | None = None
    name: str = RAY
    shares_files: bool = False  # trials may run on machines that cannot read the model's path

    def __post_init__(self) -> None:
        if self.cpus_per_trial <= 0 or self.gpus_per_trial < 0:
            raise InputError("a trial needs more than 0 CPUs and 0 or more GPUs")

    @property
    def threads(self) -> int:
        return max(1, int(self.cpus_per_trial))

    @property
    def label(self) -> str:
        where = (
            f"Ray cluster at {self.address}"
            if self.address
            else f"Ray on this machine ({self.num_cpus or cpu_cores()} CPUs)"
        )
        gpus = f", {self.gpus_per_trial:g} GPU" if self.gpus_per_trial else ""
        return f"{where}, {self.cpus_per_trial:g} CPU{gpus} per trial"

    @contextlib.contextmanager
    def session(self):
        """Ray, joined (or started on this machine) while the block runs, with room for a trial."""
        try:
            import ray
        except ImportError:
            raise InputError(
                "the ray backend needs Ray: pip install 'ray>=2.30' (see docs/ray.md, 'When one machine is not enough')"
            ) from None
        started_here = self._connect(ray)
        try:
            self._check_room(ray)
            yield ray
        finally:
            if started_here:
                ray.shutdown()

    def run(
        self, trials: list[Trial], context: TrialContext, on_event: OnEvent, should_stop: ShouldStop, models=None
    ) -> Iterator[TrialResult]:
        if not trials:
            return
        with self.session() as ray:
            from ray.util.queue import Queue

            events = Queue(actor_options={"num_cpus": 0})
            try:
                events.qsize()  # the queue is up before the trials: else it waits for a free worker slot
                shared = ray.put(context)
                task = self.task(ray, _ray_trial)
                pending = {task.remote(trial, shared, events, self.threads): trial for trial in trials}
                yield from self._collect(ray, pending, events, on_event, should_stop)
            finally:
                events.shutdown()

    def task(self, ray, function):
        """`function` as a Ray task with this backend's resources, retried once when it fails.
        The thread count is in the task's environment too: Ray keeps a worker process per
        environment, so a process whose TensorFlow started with other threads is never reused."""
        return ray.remote(function).options(
            num_cpus=self.cpus_per_trial,
            num_gpus=self.gpus_per_trial,
            max_retries=1,
            retry_exceptions=True,
            runtime_env={"env_vars": {"TF_NUM_INTRAOP_THREADS": str(self.threads)}},
        )

    def _check_room(self, ray) -> None:
        """InputError when no node could ever take a trial (it would wait forever): a cluster
        with fewer CPUs or GPUs in all than one trial asks for."""
        room = ray.cluster_resources()
        for kind, asked in (("CPU", self.cpus_per_trial), ("GPU", self.gpus_per_trial)):
            if asked and room.get(kind, 0) < asked:
                raise InputError(
                    f"each trial asks for {asked:g} {kind}(s) and the Ray cluster has "
                    f"{room.get(kind, 0):g}: lower --{kind.lower()}s-per-trial or add nodes with {kind}s"
                )

    def _connect(self, ray) -> bool:
        """Join the cluster (or start a local instance); True when this call started Ray."""
        if ray.is_initialized():
            return False  # a notebook's own ray.init: use it, leave it running
        runtime = {"py_modules": [str(PACKAGE_DIR)]}  # this very code on every node
        try:
            if self.address:
                ray.init(address=self.address, runtime_env=runtime, log_to_driver=False, logging_level=logging.WARNING)
            else:
                # No dashboard. Ray's servers listen on every interface even here (Ray maps
                # localhost to the node's address): docs/ray.md, "When one machine is not enough".
                ray.init(
                    num_cpus=self.num_cpus or cpu_cores(),
                    include_dashboard=False,
                    runtime_env=runtime,
                    log_to_driver=False,
                    logging_level=logging.WARNING,
                )
        except (ConnectionError, RuntimeError, ValueError) as error:
            ray.shutdown()  # a failed connection leaves state behind that breaks the next ray.init
            raise InputError(f"could not reach Ray at {self.address or 'a new local instance'}: {error}") from error
        return True

    def _collect(self, ray, pending: dict, events, on_event: OnEvent, should_stop: ShouldStop):
        while pending:
            ray.wait(list(pending), num_returns=1, timeout=POLL_S)
            for event in events.get_nowait_batch(events.qsize()) if events.qsize() else ():
                on_event(event)
            # Which trials ended is asked after the events are read: a trial that started on a
            # freed CPU has its predecessor's result already here, so the two never look running at once.
            done, _ = ray.wait(list(pending), num_returns=len(pending), timeout=0)
            for ref in done:
                trial = pending.pop(ref)
                try:
                    yield ray.get(ref)
                except ray.exceptions.RayError as error:
                    cause = getattr(error, "cause", None) or error
                    for other in pending:
                        ray.cancel(other, force=True)
                    raise TrialFailed(f"trial {trial.label} failed twice on Ray (once retried): {cause}") from None
            if should_stop():
                for ref in pending:
                    ray.cancel(ref, force=True)  # running trials end now; their finished epochs came as events
                for event in events.get_nowait_batch(events.qsize()) if events.qsize() else ():
                    on_event(event)
                return


Backend = LocalBackend | RayBackend


def _ray_trial(trial: Trial, context: TrialContext, events, threads: int) -> TrialResult:
    """A Ray task: one trial, its events sent to the driver through a Ray queue. Sent without
    waiting for the queue: a task that waits on another gives its CPU back to Ray, which then
    starts one more trial on it."""
    from .fit import run_trial

    use_threads(threads)
    send = lambda event: events.actor.put_nowait.remote(event)  # noqa: E731
    return _ended(run_trial(trial, context, _throttled(send)), send)


def _ended(result: TrialResult, send: Callable[[TrialEvent], None]) -> TrialResult:
    """Says through the event queue that a trial returned, before its result travels: a trial
    started on the CPU it frees sends its first event after this one, so the collector never
    counts both as running (the result and the queue reach the driver by different paths)."""
    send(TrialEvent(result.arm, result.seed_index, result.seed, time=time.time(), ended=True))
    return result


def backend_from_settings(
    name: str | None = None,
    address: str | None = None,
    workers: int | None = None,
    cpus_per_trial: float | None = None,
    gpus_per_trial: float | None = None,
):
    """The backend a run uses: the arguments, else AUGMENT_BACKEND, AUGMENT_RAY_ADDRESS,
    AUGMENT_WORKERS, AUGMENT_CPUS_PER_TRIAL and AUGMENT_GPUS_PER_TRIAL, else local with 1 worker."""
    name = (name or os.environ.get("AUGMENT_BACKEND") or LOCAL).strip().lower()
    if name not in BACKENDS:
        raise InputError(f"backend must be one of {', '.join(BACKENDS)}; got {name!r}")
    try:
        workers = int(workers or os.environ.get("AUGMENT_WORKERS") or 1)
        cpus = float(cpus_per_trial or os.environ.get("AUGMENT_CPUS_PER_TRIAL") or 1)
        gpus = float(gpus_per_trial or os.environ.get("AUGMENT_GPUS_PER_TRIAL") or 0)
    except ValueError as error:
        raise InputError(f"a backend setting is not a number: {error}") from None
    if name == LOCAL:
        return LocalBackend(workers)
    address = address or os.environ.get("AUGMENT_RAY_ADDRESS") or None
    return RayBackend(address, cpus, gpus)
