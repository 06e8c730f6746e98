"""Run history on disk: survives a restart, marks what was cut short, downloads as a zip."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import hostile_files as hf
import pytest

from explorer.experiments.runs import (
    list_runs,
    load_run,
    new_run,
    run_zip,
    set_status,
    write_json,
)

ROOT = Path(__file__).resolve().parents[1]


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_run_cut_short_is_marked_interrupted_and_keeps_its_epochs(tmp_path):
    run = new_run({"dataset": {"kind": "demo", "name": "digits"}}, tmp_path)
    set_status(run, "running", pid=_dead_pid())
    partial = {"arms": {"baseline": {"val_accuracy": [[0.5, 0.6]]}, "augmented": {"val_accuracy": [[0.4]]}}}
    write_json(run / "result.json", partial)
    # A new server process (nothing active) reads the folder:
    (info,) = list_runs(tmp_path)
    assert info.status == "interrupted" and info.result == partial
    assert json.loads((run / "status.json").read_text())["status"] == "interrupted"


def test_active_runs_of_this_server_are_not_interrupted(tmp_path):
    queued = new_run({}, tmp_path)
    assert load_run(queued, active_ids={queued.name}).status == "queued"
    assert load_run(queued).status == "interrupted"  # after a restart nobody will run it


def test_history_lists_newest_first_and_zips_a_run(tmp_path):
    first = new_run({"n": 1}, tmp_path)
    time.sleep(1.1)
    second = new_run({"n": 2}, tmp_path)
    (second / "figure.png").write_bytes(b"\x89PNG fake")
    assert [run.run_id for run in list_runs(tmp_path)] == [second.name, first.name]
    names = zipfile.ZipFile(io.BytesIO(run_zip(second))).namelist()
    assert f"{second.name}/spec.json" in names and f"{second.name}/figure.png" in names


@pytest.mark.slow
def test_the_cli_writes_the_result_schema(tmp_path):
    dataset = hf.dataset_folder(tmp_path / "pets", classes={"cats": 6, "dogs": 6})
    config = tmp_path / "cfg.json"
    config.write_text(json.dumps({"rotation_range": 30, "horizontal_flip": True}))
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "explorer", "compare", "--dataset", str(dataset), "--config", str(config),
         "--seeds", "2", "--epochs", "2", "--image-size", "16", "--batch-size", "4", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    saved = json.loads((out / "result.json").read_text())
    for arm in ("baseline", "augmented"):
        for metric in ("val_accuracy", "train_accuracy"):
            assert [len(per_seed) for per_seed in saved["arms"][arm][metric]] == [2, 2]
    summary = saved["summary"]
    assert isinstance(summary["delta_mean"], float) and len(summary["ci95"]) == 2 and summary["verdict"]
    assert summary["verdict"] in result.stdout
    assert (out / "figure.png").read_bytes().startswith(b"\x89PNG")
    assert any((out / "tensorboard").rglob("events.out.tfevents*"))


@pytest.mark.parametrize(
    "dataset, config, message",
    [
        ("nowhere", '{"rotation_range": 4}', "error: --dataset nowhere: not a demo"),
        ("digits", '{"rotation_range": -4}', "error: rotation_range must be a number of degrees >= 0"),
        ("digits", "{not json", "error: --config"),
        ("digits", '{"featurewise_center": true}', "error: unsupported setting(s): featurewise_center"),
    ],
)
def test_the_cli_refuses_bad_input_clearly(tmp_path, dataset, config, message):
    path = tmp_path / "cfg.json"
    path.write_text(config)
    for command in ("compare", "ablate"):
        result = subprocess.run(
            [sys.executable, "-m", "explorer", command, "--dataset", dataset, "--config", str(path),
             "--out", str(tmp_path / "out")],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
        assert result.returncode == 2 and result.stderr.startswith(message), result.stderr
        assert "Traceback" not in result.stderr
