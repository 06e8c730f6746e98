"""Bounded storage: uploads are written only when a run uses them, once per content; retention
removes ended runs by age, then the oldest by size, never an active one, and the uploads no
run names, logging each; a disk that fills while a run writes fails that run with a sentence
saying so and leaves every other run's files as they were."""

from __future__ import annotations

import ast
import errno
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import pytest

import hostile_files as hf
from explorer.augment.config import AugmentConfig
from explorer.experiments.records.spec import DatasetRef, RunSpec, TrainSettings
from explorer.experiments.runs import folders as runs_module
from explorer.experiments.runs.folders import new_run, read_json, set_status, write_json
from explorer.experiments.runs.limits import ServerLimits
from explorer.experiments.runs.queue import JobManager
from explorer.experiments.runs.storage import (
    DATASETS,
    DISK_FULL_EXIT,
    GRACE_S,
    LOG_NAME,
    MODELS,
    RESERVE_NAME,
    Upload,
    disk_full_message,
    enforce_retention,
    keep_upload,
    keep_used,
)
from explorer.experiments.runs.worker import execute
from explorer.ui.train import model_upload
from headless_page import run_train_section

ROOT = Path(__file__).resolve().parents[1]
CONFIG = AugmentConfig(rotation_range=20)
DAY = 86400.0
NOW = 1_800_000_000.0
DISK_FULL = "the disk holding runs/ is full (No space left on device) while writing "
DISK_FULL_END = ": free space or lower AUGMENT_KEEP_GB"


def _spec(dataset: DatasetRef | None = None, **settings) -> RunSpec:
    arms = {"baseline": CONFIG.without_transforms(), "augmented": CONFIG}
    return RunSpec(dataset or DatasetRef("demo", "shapes"), CONFIG, arms, TrainSettings(**settings))


def _plant(root: Path, name: str, status: str, ended: float, size: int = 4000, dataset: Path | None = None) -> Path:
    """A run folder that ended (or changed state) at `ended`, holding about `size` bytes."""
    run_dir = root / name
    run_dir.mkdir(parents=True)
    ref = DatasetRef("path", "mine.zip", str(dataset)) if dataset else DatasetRef("demo", "shapes")
    write_json(run_dir / "spec.json", _spec(ref).to_json())
    write_json(run_dir / "status.json", {"status": status, "created": ended - 60, "updated": ended})
    taken = sum(path.stat().st_size for path in run_dir.iterdir())
    (run_dir / "result.json").write_bytes(b"x" * max(0, size - taken))
    return run_dir


def _files(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def _log_lines(root: Path) -> list[str]:
    return (root / LOG_NAME).read_text().splitlines()


def _wait(predicate, timeout: float = 20) -> None:
    deadline = time.time() + timeout
    while not predicate():
        if time.time() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


# -- uploads -----------------------------------------------------------------------------------


def test_the_same_upload_twice_is_stored_once_under_its_content_hash(tmp_path):
    data = hf.dataset_zip()
    first = keep_upload(Upload(data, DATASETS), tmp_path)
    again = keep_upload(Upload(bytes(data), DATASETS), tmp_path)
    other = keep_upload(Upload(hf.dataset_zip({"cats": 5, "dogs": 4}), DATASETS), tmp_path)
    assert first == again != other
    assert sorted(path.name for path in (tmp_path / DATASETS).iterdir()) == sorted([first.name, other.name])
    assert first.read_bytes() == data and first.name.endswith(".zip") and len(first.stem) == 16
    assert first == Upload(data, DATASETS).path(tmp_path)  # the path a spec names before the write


def test_an_upload_is_written_only_when_a_run_it_is_part_of_is_submitted(tmp_path, monkeypatch):
    monkeypatch.setenv("AUGMENT_RUNS_DIR", str(tmp_path))
    zipped, model_data = hf.dataset_zip(), b"not a model, but bytes all the same"
    uploads = [Upload(zipped, DATASETS), Upload(model_data, MODELS)]
    # A run on the zip with our small CNN: the model file the visitor also uploaded stays in memory.
    written = keep_used(uploads, tmp_path, (str(uploads[0].path(tmp_path)), None))
    assert written == [uploads[0].path(tmp_path)] and written[0].read_bytes() == zipped
    assert not (tmp_path / MODELS).exists()
    assert keep_used(uploads, tmp_path, (None, None)) == []


def test_a_checked_model_upload_writes_nothing_until_it_trains(tmp_path, monkeypatch):
    monkeypatch.setenv("AUGMENT_RUNS_DIR", str(tmp_path))
    monkeypatch.setattr(
        "explorer.experiments.training.model_file.inspect_model_file",
        lambda data, name: types.SimpleNamespace(
            name=name, class_name="Sequential", layers=2, input_shape=(8, 8, 3), outputs=2, output_activation="softmax"
        ),
    )
    model, message = model_upload(b"PK model bytes", "mine.keras")
    assert model is not None and "Sequential" in message
    assert Path(model.path) == Upload(b"PK model bytes", MODELS).path(tmp_path)
    assert not Path(model.path).exists() and not (tmp_path / MODELS).exists()


def test_the_page_keeps_an_uploaded_zip_only_when_train_is_clicked(submitted, tmp_path):
    data = hf.dataset_zip()
    at = run_train_section({"rotation_range": "20"})
    at.selectbox(key="train_dataset").set_value("your zip").run()
    at.file_uploader(key="train_zip").set_value(("pets.zip", data, "application/zip")).run()
    assert not at.exception and not at.error, [error.value for error in at.error]
    assert not (tmp_path / "runs" / DATASETS).exists()  # checked, shown, not kept
    at.button(key="train").click().run()
    assert not at.exception
    [spec] = submitted
    kept = Upload(data, DATASETS).path(tmp_path / "runs")
    assert spec.dataset.path == str(kept) and kept.read_bytes() == data
    assert [path.name for path in kept.parent.iterdir()] == [kept.name]


# -- retention ---------------------------------------------------------------------------------


def test_retention_removes_ended_runs_older_than_keep_days_and_logs_them(tmp_path):
    old = {
        state: _plant(tmp_path, f"2020010{index}-000000-aaaaa{index}", state, NOW - 40 * DAY)
        for index, state in enumerate(("finished", "stopped", "failed", "interrupted"))
    }
    young = _plant(tmp_path, "20200201-000000-bbbbbb", "finished", NOW - 2 * DAY)
    queued = _plant(tmp_path, "20200101-000000-cccccc", "queued", NOW - 40 * DAY)
    training = _plant(tmp_path, "20200101-000000-dddddd", "running", NOW - 40 * DAY)
    served = _plant(tmp_path, "20200101-000000-eeeeee", "finished", NOW - 40 * DAY)  # queued again in memory
    report = enforce_retention(tmp_path, ServerLimits(keep_days=30, keep_bytes=0), {served.name}, now=NOW)
    assert sorted(report.runs) == sorted(path.name for path in old.values())
    assert not any(path.exists() for path in old.values())
    assert young.is_dir() and queued.is_dir() and training.is_dir() and served.is_dir()
    lines = _log_lines(tmp_path)
    assert len(lines) == 4
    for line in lines:
        when, what, age, size, why = line.split("\t")
        assert what.split()[1] in report.runs and what.startswith("run ")
        assert age == "age 40.0 days" and size == "4000 bytes" and "30 days" in why
        assert time.strptime(when, "%Y-%m-%dT%H:%M:%S")
    assert not (tmp_path / ".trash").exists() or not any((tmp_path / ".trash").iterdir())


def test_retention_removes_the_oldest_ended_runs_until_under_the_size_limit(tmp_path):
    ages = {
        "20200101-000000-000001": 9,
        "20200101-000000-000002": 8,
        "20200101-000000-000003": 7,
        "20200101-000000-000004": 6,
    }
    planted = {name: _plant(tmp_path, name, "finished", NOW - days * DAY) for name, days in ages.items()}
    oldest_active = _plant(tmp_path, "20200101-000000-000000", "running", NOW - 20 * DAY)
    report = enforce_retention(tmp_path, ServerLimits(keep_days=0, keep_bytes=12000), now=NOW)
    # 20000 bytes: the two oldest ended runs go (the active one, older still, stays), leaving 12000.
    assert report.runs == ("20200101-000000-000001", "20200101-000000-000002")
    assert report.total_bytes == 12000
    assert [name for name, path in planted.items() if path.exists()] == [
        "20200101-000000-000003",
        "20200101-000000-000004",
    ]
    assert oldest_active.is_dir()
    assert all("over the 12000 allowed" in line for line in _log_lines(tmp_path))


def test_retention_never_removes_active_runs_even_over_the_size_limit(tmp_path):
    active = [
        _plant(tmp_path, f"20200101-000000-00000{index}", state, NOW - 90 * DAY, size=5000)
        for index, state in enumerate(("queued", "starting", "running"))
    ]
    report = enforce_retention(tmp_path, ServerLimits(keep_days=1, keep_bytes=10), now=NOW)
    assert report.removed == () and all(path.is_dir() for path in active)
    assert report.total_bytes == 15000


def test_retention_removes_uploads_no_run_uses_and_counts_them_in_the_size(tmp_path):
    used = keep_upload(Upload(b"a zip a run trains on", DATASETS), tmp_path)
    orphan = keep_upload(Upload(b"a zip whose run was removed", DATASETS), tmp_path)
    fresh = keep_upload(Upload(b"a model being submitted right now", MODELS), tmp_path)
    old_time = NOW - 3 * DAY
    for path in (used, orphan):
        os.utime(path, (old_time, old_time))
    os.utime(fresh, (NOW - GRACE_S / 2, NOW - GRACE_S / 2))
    user = _plant(tmp_path, "20200101-000000-000001", "finished", NOW - DAY, dataset=used)
    report = enforce_retention(tmp_path, ServerLimits(keep_days=30, keep_bytes=0), now=NOW)
    assert report.uploads == (f"{DATASETS}/{orphan.name}",)
    assert used.is_file() and fresh.is_file() and not orphan.exists() and user.is_dir()
    [line] = _log_lines(tmp_path)
    assert f"upload {DATASETS}/{orphan.name}" in line and "no run uses it" in line
    # The run goes (too old now), and its zip with it: nothing names it any more.
    later = enforce_retention(tmp_path, ServerLimits(keep_days=0.5, keep_bytes=0), now=NOW)
    assert later.runs == (user.name,) and later.uploads == (f"{DATASETS}/{used.name}",)
    assert fresh.is_file()


def test_retention_by_size_counts_the_upload_a_removed_run_frees(tmp_path):
    big = keep_upload(Upload(b"z" * 8000, DATASETS), tmp_path)
    os.utime(big, (NOW - DAY, NOW - DAY))
    _plant(tmp_path, "20200101-000000-000001", "finished", NOW - 5 * DAY, dataset=big)
    second = _plant(tmp_path, "20200101-000000-000002", "finished", NOW - 4 * DAY)
    # 16000 bytes; removing the oldest run frees its 4000 and its zip's 8000: one run is enough.
    report = enforce_retention(tmp_path, ServerLimits(keep_days=0, keep_bytes=5000), now=NOW)
    assert report.runs == ("20200101-000000-000001",) and second.is_dir() and not big.exists()
    assert report.total_bytes == 4000


def test_two_processes_enforcing_retention_at_once_remove_each_run_once(tmp_path):
    planted = [_plant(tmp_path, f"20200101-000000-0000{index:02d}", "finished", NOW - 60 * DAY) for index in range(40)]
    start, reports = threading.Barrier(2), []

    def enforce() -> None:
        start.wait()
        reports.append(enforce_retention(tmp_path, ServerLimits(keep_days=30), now=NOW))

    threads = [threading.Thread(target=enforce) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    removed = [name for report in reports for name in report.runs]
    assert sorted(removed) == sorted(path.name for path in planted)  # each once, none left
    assert len(_log_lines(tmp_path)) == 40
    script = (
        "import sys; from explorer.experiments.runs.storage import enforce_retention\n"
        "from explorer.experiments.runs.limits import ServerLimits\n"
        "print(enforce_retention(sys.argv[1], ServerLimits(keep_days=30)).runs)\n"
    )
    again = [
        _plant(tmp_path, f"20200102-000000-0000{index:02d}", "finished", time.time() - 60 * DAY) for index in range(20)
    ]
    processes = [
        subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=60)[0] for process in processes]
    assert all(process.returncode == 0 for process in processes)
    removed = [name for output in outputs for name in ast.literal_eval(output.strip())]
    assert sorted(removed) == sorted(path.name for path in again)  # each once, by one process or the other
    assert len(_log_lines(tmp_path)) == 60


def test_the_queue_enforces_retention_as_it_starts_and_after_each_run(tmp_path):
    now = time.time()
    stale = _plant(tmp_path, "20200101-000000-000001", "finished", now - 10 * DAY)
    worker = (
        "import pathlib, sys  # explorer worker stand-in\n"
        "from explorer.experiments.runs.folders import set_status\n"
        "set_status(pathlib.Path(sys.argv[1]), 'finished')\n"
    )
    manager = JobManager(
        tmp_path, command=(sys.executable, "-c", worker), warm=False, limits=ServerLimits(keep_days=1, keep_bytes=0)
    )
    _wait(lambda: not stale.exists())
    later = _plant(tmp_path, "20200101-000000-000002", "stopped", now - 3 * DAY)
    run_id = manager.submit(_spec(epochs=1, seeds=(0,)))
    _wait(lambda: read_json(tmp_path / run_id / "status.json", {}).get("status") == "finished")
    _wait(lambda: not later.exists())
    assert (tmp_path / run_id).is_dir()  # the run that just ended is young
    assert [line.split("\t")[1] for line in _log_lines(tmp_path)] == [f"run {stale.name}", f"run {later.name}"]


# -- a full disk -------------------------------------------------------------------------------


def test_a_write_that_fills_the_disk_leaves_the_old_file_whole_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "result.json"
    write_json(path, {"epochs": 3})
    before = path.read_bytes()
    real_write = Path.write_text

    def full(self, text, *args, **kwargs):
        real_write(self, text[: len(text) // 2])  # half written, then the disk is full
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(OSError) as raised:
        write_json(path, {"epochs": 4, "more": "x" * 1000})
    assert raised.value.errno == errno.ENOSPC and raised.value.filename == str(path)
    assert path.read_bytes() == before and [item.name for item in tmp_path.iterdir()] == ["result.json"]


def test_a_run_that_fills_the_disk_fails_with_a_message_and_others_stay_intact(tmp_path, monkeypatch):
    other = _plant(tmp_path, "20200101-000000-000001", "finished", NOW - DAY)
    kept = _files(other)
    run_dir = new_run(_spec(epochs=2, seeds=(0,), image_size=8), tmp_path)
    real_write = Path.write_text

    def write_text(self, text, *args, **kwargs):
        if self.name.startswith(".result.json"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(self, text, *args, **kwargs)

    class Partial:  # what an epoch's save writes
        def to_json(self):
            return {"epochs": 1}

    def run_comparison(dataset, arms, settings, on_epoch, **kwargs):
        assert (run_dir / RESERVE_NAME).is_file()  # room kept to say why
        on_epoch(Partial())
        raise AssertionError("the epoch's save should have failed")

    # No TensorFlow: the worker's training step is a stand-in that saves one epoch.
    monkeypatch.setitem(
        sys.modules, "explorer.experiments.training.paired", types.SimpleNamespace(run_comparison=run_comparison)
    )
    monkeypatch.setattr("explorer.experiments.runs.worker.load_spec_dataset", lambda spec: object())
    monkeypatch.setattr(Path, "write_text", write_text)
    with pytest.raises(OSError):
        execute(run_dir, backend=object())
    status = read_json(run_dir / "status.json")
    assert status["status"] == "failed"
    assert status["error"] == DISK_FULL + "result.json" + DISK_FULL_END
    assert not (run_dir / RESERVE_NAME).exists() and not (run_dir / "result.json").exists()
    assert _files(other) == kept


def test_a_worker_that_cannot_even_write_why_is_failed_by_the_queue(tmp_path):
    # It exits as the real worker does when status.json could not be written either.
    worker = f"import sys  # explorer worker stand-in\nsys.exit({DISK_FULL_EXIT})\n"
    manager = JobManager(tmp_path, command=(sys.executable, "-c", worker), warm=False, limits=ServerLimits())
    run_id = manager.submit(_spec(epochs=1, seeds=(0,)))
    _wait(lambda: read_json(tmp_path / run_id / "status.json", {}).get("status") == "failed")
    error = read_json(tmp_path / run_id / "status.json")["error"]
    assert error == DISK_FULL + "the run's files" + DISK_FULL_END


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs, unmounted afterwards (skipped where mounting is not permitted)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command to make a small disk")
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True, text=True
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root or CAP_SYS_ADMIN): {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path, leave: int) -> None:
    """Fill the disk up to `leave` free bytes."""
    stats = os.statvfs(disk)
    free = stats.f_bavail * stats.f_frsize
    (disk / "filler").write_bytes(b"\0" * max(0, free - leave))


@pytest.mark.slow  # a real worker: TensorFlow trains one tiny epoch (about 10 s)
def test_a_real_run_on_a_full_disk_fails_and_the_other_run_is_byte_identical(small_disk):
    runs = small_disk / "runs"
    other = runs / "20261202-050000-c0ffee"
    shutil.copytree(ROOT / "tests" / "fixtures" / "legacy_runs" / other.name, other)
    kept = _files(other)
    run_dir = new_run(_spec(epochs=1, seeds=(0,), image_size=8), runs)
    _fill(small_disk, 64 * 1024 + 24 * 1024)  # its reserve and a little: less than its result and report
    env = dict(os.environ, AUGMENT_RUNS_DIR=str(runs), PYTHONPATH=str(ROOT))
    worker = subprocess.run(
        [sys.executable, "-m", "explorer", "worker", str(run_dir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    status = json.loads((run_dir / "status.json").read_text())
    assert status["status"] == "failed", worker.stderr[-2000:]
    assert status["error"].startswith(DISK_FULL) and status["error"].endswith(DISK_FULL_END), status["error"]
    assert worker.returncode in (1, DISK_FULL_EXIT)
    assert _files(other) == kept
    assert not (run_dir / RESERVE_NAME).exists()
    assert not list(runs.rglob(".*.tmp"))  # no half-written file left behind
    # With room again, the history reads both runs as they are.
    (small_disk / "filler").unlink()
    assert {run.run_id: run.status for run in runs_module.list_runs(runs)} == {
        other.name: "finished",
        run_dir.name: "failed",
    }


def test_a_status_that_cannot_be_written_still_lists_the_run(tmp_path, monkeypatch):
    run_dir = new_run(_spec(), tmp_path)
    set_status(run_dir, "running", pid=2**22 + 12345)  # a process that is gone

    def full(path, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(runs_module, "write_json", full)
    [run] = runs_module.list_runs(tmp_path)
    assert run.status == "interrupted" and "crash or restart" in run.note


def test_an_upload_that_does_not_fit_names_itself_and_leaves_nothing_half_written(tmp_path, monkeypatch):
    upload = Upload(hf.dataset_zip(), DATASETS)

    def full(self, data):
        Path.write_text(self, "half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Path, "write_bytes", full)
    with pytest.raises(OSError) as raised:
        keep_upload(upload, tmp_path)
    assert disk_full_message(raised.value) == DISK_FULL + upload.filename + DISK_FULL_END
    assert list((tmp_path / DATASETS).iterdir()) == []


@pytest.mark.slow
def test_a_real_server_keeps_an_upload_once_only_for_runs_and_retires_old_runs_as_it_starts(tmp_path):
    """`streamlit run app.py` on 127.0.0.1 over a runs folder with a run ended 40 days ago, one
    ended 2 days ago, an upload no run uses (40 days old) and bob's run training (a worker a
    previous server started, adopted: nothing trains for real, so the runs below stay queued).
    With nobody visiting, the server's queue applies retention as it starts (AUGMENT_KEEP_DAYS=30)
    and logs it. Then two browser sessions upload the same zip: checked and shown, it is not
    kept; each Train click keeps it, once, under its content hash, named by both runs' specs."""
    from browser import chromium_page, chromium_path, streamlit_server

    if chromium_path() is None:
        pytest.skip("no chromium here: apt-get install -y chromium")
    runs = tmp_path / "runs"
    old = _plant(runs, "20200101-000000-0a0a0a", "finished", time.time() - 40 * DAY)
    young = _plant(runs, "20200102-000000-0b0b0b", "finished", time.time() - 2 * DAY)
    orphan = Upload(b"a zip nobody trains on", DATASETS).path(runs)
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"a zip nobody trains on")
    os.utime(orphan, (time.time() - 40 * DAY,) * 2)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", "explorer", "worker"])
    data = hf.dataset_zip()
    kept = Upload(data, DATASETS).path(runs)
    try:
        training = new_run(_spec(DatasetRef("demo", "shapes")), runs, "bob")
        set_status(training, "running", pid=sleeper.pid)
        env = {"AUGMENT_RUNS_DIR": str(runs), "AUGMENT_KEEP_DAYS": "30", "AUGMENT_WARM_WORKER": "0"}
        with streamlit_server(ROOT / "app.py", env) as url:
            _wait(lambda: (runs / LOG_NAME).is_file() and len(_log_lines(runs)) == 2)  # nobody visited
            assert not old.exists() and not orphan.exists()
            assert young.is_dir() and training.is_dir()
            logged = "\n".join(_log_lines(runs))
            assert f"run {old.name}" in logged and f"upload datasets/{orphan.name}" in logged, logged
            specs = []
            for _browser in range(2):
                with chromium_page() as page:
                    page.goto(
                        url + "/?section=train&rotation_range=20.0&dataset=your+zip&epochs=1&seeds=1&image_size=8"
                    )
                    page.locator(".st-key-train_zip input[type=file]").set_input_files(
                        {"name": "pets.zip", "mimeType": "application/zip", "buffer": data}
                    )
                    page.get_by_text("2 classes: cats (4), dogs (4)").wait_for(timeout=60000)
                    before = sorted(path.name for path in kept.parent.iterdir())
                    assert before == ([] if not specs else [kept.name])  # checked and shown, kept only for a run
                    page.locator(".st-key-train button:not([disabled])").click(timeout=30000)
                    page.get_by_text(re.compile(r"Queued: \d run\(s\) ahead of yours")).first.wait_for(timeout=30000)
                    mine = {path for path in runs.iterdir() if (path / "spec.json").is_file()} - {young, training}
                    specs = [json.loads((path / "spec.json").read_text()) for path in mine]
            assert sorted(path.name for path in kept.parent.iterdir()) == [kept.name]  # the same zip twice: once
            assert len(specs) == 2 and all(spec["dataset"]["path"] == str(kept) for spec in specs)
            assert kept.read_bytes() == data
    finally:
        sleeper.kill()
        sleeper.wait(timeout=10)
