"""Trials on every backend give the same numbers (issue 16): one trial at a time in this
process, a pool of local processes, and a real local Ray instance (2 CPUs, loopback only);
Stop ends a Ray run with what finished; a trial that fails is retried once, then reported."""

from __future__ import annotations

import os
import time

import pytest

pytest.importorskip("keras")
ray = pytest.importorskip("ray")

from explorer.augment.config import AugmentConfig  # noqa: E402
from explorer.data.demos import make_shapes  # noqa: E402
from explorer.errors import InputError  # noqa: E402
from explorer.experiments.analysis.ablation import ablation_arms, probe_configs  # noqa: E402
from explorer.experiments.records.spec import TrainSettings  # noqa: E402
from explorer.experiments.records.trials import Trial, TrialResult, plan_trials  # noqa: E402
from explorer.experiments.training import paired  # noqa: E402
from explorer.experiments.training.backends import (  # noqa: E402
    LocalBackend,
    RayBackend,
    TrialFailed,
    backend_from_settings,
)

pytestmark = pytest.mark.slow
CONFIG = AugmentConfig(rotation_range=30, horizontal_flip=True, rescale=1 / 255)
ARMS = {"baseline": CONFIG.without_transforms(), "augmented": CONFIG}
TINY = TrainSettings(seeds=(0, 1), epochs=2, batch_size=16, image_size=16)
DEADLINE_S = 240  # a run that has not finished by then is stopped, and its test fails


@pytest.fixture(scope="module")
def shapes():
    return make_shapes(image_size=16, per_class=12)


def _bounded():
    deadline = time.monotonic() + DEADLINE_S
    return lambda: time.monotonic() > deadline


def _numbers(result):
    """Everything a verdict is computed from (times aside: they are measured, not computed)."""
    arms = {
        arm: {metric: history.runs(metric) for metric in ("train_accuracy", "train_loss", "val_accuracy", "val_loss")}
        for arm, history in result.arms.items()
    }
    return arms, result.confusion, result.predictions, result.probe_accuracy


def _compare(dataset, backend, arms=ARMS, probes=None, **kwargs):
    return paired.run_comparison(dataset, arms, TINY, should_stop=_bounded(), backend=backend, probes=probes, **kwargs)


def test_trials_no_node_could_take_are_refused_not_left_waiting(shapes, local_ray):
    with pytest.raises(InputError, match=r"each trial asks for 1 GPU\(s\) and the Ray cluster has 0"):
        _compare(shapes, RayBackend(gpus_per_trial=1))
    with pytest.raises(InputError, match=r"each trial asks for 3 CPU\(s\) and the Ray cluster has 2"):
        _compare(shapes, RayBackend(cpus_per_trial=3))


def test_backend_settings_come_from_the_environment_and_are_checked(monkeypatch):
    assert backend_from_settings() == LocalBackend()
    monkeypatch.setenv("AUGMENT_BACKEND", "ray")
    monkeypatch.setenv("AUGMENT_RAY_ADDRESS", "ray://head:10001")
    monkeypatch.setenv("AUGMENT_CPUS_PER_TRIAL", "4")
    backend = backend_from_settings()
    assert (backend.address, backend.cpus_per_trial, backend.threads) == ("ray://head:10001", 4, 4)
    assert backend.label == "Ray cluster at ray://head:10001, 4 CPU per trial"
    assert backend_from_settings("local", workers=3).workers == 3
    with pytest.raises(InputError, match="backend must be one of local, ray"):
        backend_from_settings("slurm")
    with pytest.raises(InputError, match="workers must be 1 to 64"):
        LocalBackend(workers=0)
    monkeypatch.setenv("AUGMENT_CPUS_PER_TRIAL", "many")
    with pytest.raises(InputError, match="not a number"):
        backend_from_settings()


def test_a_comparison_and_an_ablation_on_ray_equal_the_local_backend(shapes, local_ray):
    # Two CPU threads per trial: what a trial in this process trains with on this machine's 2 cores.
    local, on_ray = LocalBackend(), RayBackend(cpus_per_trial=2)
    here, there = _compare(shapes, local), _compare(shapes, on_ray)
    assert here.status == there.status == "finished"
    assert _numbers(here) == _numbers(there)
    assert there.backend.startswith("Ray on this machine") and here.backend == "local: one trial at a time"
    assert here.summary.verdict == there.summary.verdict

    config = AugmentConfig(rotation_range=30, zoom_range=0.2, rescale=1 / 255)
    arms, probes = ablation_arms(config, leave_one_out=False), probe_configs(config)
    here, there = _compare(shapes, local, arms, probes), _compare(shapes, on_ray, arms, probes)
    assert set(there.arms) == {"baseline", "only:rotation_range", "only:zoom_range"}
    assert _numbers(here) == _numbers(there) and all(None not in v for v in there.probe_accuracy.values())


def test_a_local_pool_equals_ray_with_one_thread_per_trial(shapes, local_ray):
    pool, on_ray = _compare(shapes, LocalBackend(workers=2)), _compare(shapes, RayBackend(cpus_per_trial=1))
    assert pool.status == on_ray.status == "finished"
    assert _numbers(pool) == _numbers(on_ray)
    assert pool.backend == "local: 2 worker processes, 1 CPU thread(s) each"


def _epochs(result, arm):
    """Finished epochs per seed of an arm, as the partial result has them."""
    return [len(run) for run in result.arms[arm].val_accuracy]


def test_ray_streams_epochs_as_trials_finish_and_stop_keeps_what_finished(shapes, local_ray):
    reports, saved = [], []
    stop_after = {"trials": 1}

    def should_stop():
        return bool(reports) and reports[-1].trials_done >= stop_after["trials"]

    result = paired.run_comparison(
        shapes,
        ARMS,
        TrainSettings(seeds=(0, 1, 2), epochs=2, batch_size=16, image_size=16),
        progress=reports.append,
        should_stop=should_stop,
        on_epoch=lambda partial: saved.extend(_epochs(partial, arm) for arm in ARMS),
        backend=RayBackend(cpus_per_trial=1),
    )
    assert result.status == "stopped"
    finished = sum(matrix is not None for matrices in result.confusion.values() for matrix in matrices)
    assert 1 <= finished < 6  # what finished is kept; the rest was cancelled
    assert max(report.trials_running for report in reports) == 2  # two trials side by side on 2 CPUs
    assert reports[0].trials_total == 6 and reports[0].backend.startswith("Ray")
    # A trial's first epoch (of 2) arrived before that trial ended, whichever arm ended first.
    assert any(1 in epochs for epochs in saved)


def test_a_trial_that_fails_is_retried_once_then_reported(local_ray, tmp_path):
    # Defined in here: Ray sends them by value (this test module cannot be imported by its workers).
    def _flaky(marker: str) -> str:
        """Fails the first time it runs (no marker file yet), then succeeds."""
        from pathlib import Path

        if not Path(marker).exists():
            Path(marker).write_text("tried")
            raise RuntimeError("first try fails")
        return "second try"

    def _broken(trial: Trial) -> TrialResult:
        raise RuntimeError(f"no memory left for {trial.label}")

    backend = RayBackend(cpus_per_trial=1)
    assert ray.get(backend.task(ray, _flaky).remote(str(tmp_path / "marker"))) == "second try"

    from ray.util.queue import Queue

    events = Queue(actor_options={"num_cpus": 0})
    trial = plan_trials(ARMS, (0,))[1]
    pending = {backend.task(ray, _broken).remote(trial): trial}
    with pytest.raises(TrialFailed, match="trial augmented, seed 0 failed twice on Ray .*no memory left"):
        list(backend._collect(ray, pending, events, lambda event: None, lambda: False))
    events.shutdown()


def test_a_model_file_travels_with_its_trials_to_machines_that_cannot_read_its_path(shapes, tmp_path):
    import keras
    import numpy as np

    from explorer.augment.engine import standardize
    from explorer.experiments.records.spec import MODEL_FILE, ModelRef
    from explorer.experiments.records.trials import TrialContext, model_files
    from explorer.experiments.training.fit import model_factory, run_trial

    keras.utils.set_random_seed(3)
    saved = tmp_path / "mine.keras"
    keras.Sequential(
        [
            keras.Input((16, 16, 3)),
            keras.layers.Rescaling(1 / 255),
            keras.layers.Flatten(),
            keras.layers.Dense(4, activation="softmax"),
        ]
    ).save(saved)
    model = ModelRef(kind=MODEL_FILE, name="mine.keras", path=str(saved))
    split = paired.prepare(shapes, TINY)
    shared = ARMS["baseline"]
    data = model_factory(model, split, shared).data_config(shared)
    files = model_files(model)
    assert list(files) == [str(saved)] and files[str(saved)] == saved.read_bytes()
    validation = standardize(np.asarray(split.validation_images, dtype=np.float32), data)
    context = TrialContext(split, validation, TINY, model, shared, model_files=files)
    here = run_trial(plan_trials(ARMS, (0,))[0], context)
    saved.rename(tmp_path / "moved.keras")  # another machine: the path names nothing there
    there = run_trial(plan_trials(ARMS, (0,))[0], context)
    here.history.pop("epoch_seconds"), there.history.pop("epoch_seconds")  # measured, not computed
    assert there.history == here.history and there.confusion == here.confusion


def test_the_page_queue_trains_on_the_backend_its_environment_names(tmp_path, monkeypatch):
    """The server's AUGMENT_BACKEND reaches the worker it starts; the run's progress counts
    the trials and its result says where they trained (the page shows both)."""
    from explorer.experiments.records.spec import DatasetRef
    from explorer.experiments.runs.folders import load_run
    from explorer.experiments.runs.plan import build_spec
    from explorer.experiments.runs.queue import JobManager

    monkeypatch.setenv("AUGMENT_BACKEND", "ray")
    monkeypatch.setenv("AUGMENT_CPUS_PER_TRIAL", "1")
    manager = JobManager(tmp_path, warm=False)
    run_id = manager.submit(build_spec(CONFIG, DatasetRef("demo", "shapes"), TINY))
    deadline = time.monotonic() + DEADLINE_S
    while (run := load_run(tmp_path / run_id, manager.active_ids())).status in ("queued", "starting", "running"):
        assert time.monotonic() < deadline, f"still {run.status}"
        time.sleep(0.5)
    assert run.status == "finished", (tmp_path / run_id / "worker.log").read_text()[-2000:]
    assert run.result.backend == f"Ray on this machine ({os.cpu_count()} CPUs), 1 CPU per trial"
    assert (run.progress.trials_total, run.progress.trials_done) == (4, 4)
