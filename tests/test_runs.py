"""Run history on disk: survives a restart, marks what was cut short, downloads as a zip."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

import hostile_files as hf
from explorer.augment.config import AugmentConfig
from explorer.experiments.analysis.ablation import analyze
from explorer.experiments.analysis.verdict import summarize
from explorer.experiments.records.results import AblationAnalysis, RunResult
from explorer.experiments.records.spec import DatasetRef, RunSpec, TrainSettings
from explorer.experiments.runs.folders import list_runs, load_run, new_run, run_zip, set_status, write_json
from explorer.experiments.runs.plan import build_spec

ROOT = Path(__file__).resolve().parents[1]
# Run folders written by the code before the typed records (JSON files only): a comparison
# and an ablation with leave-one-out, both from `python -m explorer` on shapes at 16 px.
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "legacy_runs"
OLD_COMPARE, OLD_ABLATION = "20261202-050000-c0ffee", "20261202-050100-ab1a7e"
SPEC = build_spec(AugmentConfig(rotation_range=20), DatasetRef("demo", "digits"), TrainSettings(seeds=(0,)))


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_run_cut_short_is_marked_interrupted_and_keeps_its_epochs(tmp_path):
    run = new_run(SPEC, tmp_path)
    set_status(run, "running", pid=_dead_pid())
    partial = {"arms": {"baseline": {"val_accuracy": [[0.5, 0.6]]}, "augmented": {"val_accuracy": [[0.4]]}}}
    write_json(run / "result.json", partial)
    # A new server process (nothing active) reads the folder:
    (info,) = list_runs(tmp_path)
    assert info.status == "interrupted" and info.result == RunResult.from_json(partial)
    assert info.result.arms["baseline"].val_accuracy == [[0.5, 0.6]] and info.result.summary is None
    assert json.loads((run / "status.json").read_text())["status"] == "interrupted"


def test_active_runs_of_this_server_are_not_interrupted(tmp_path):
    queued = new_run(SPEC, tmp_path)
    assert load_run(queued, active_ids={queued.name}).status == "queued"
    assert load_run(queued).status == "interrupted"  # after a restart nobody will run it


def test_history_lists_newest_first_and_zips_a_run(tmp_path):
    first = new_run(SPEC, tmp_path)
    time.sleep(1.1)
    second = new_run(SPEC, tmp_path)
    (second / "figure.png").write_bytes(b"\x89PNG fake")
    assert [run.run_id for run in list_runs(tmp_path)] == [second.name, first.name]
    names = zipfile.ZipFile(io.BytesIO(run_zip(second))).namelist()
    assert f"{second.name}/spec.json" in names and f"{second.name}/figure.png" in names


def test_runs_written_before_the_typed_records_still_load(tmp_path):
    shutil.copytree(FIXTURES, tmp_path, dirs_exist_ok=True)
    compare, ablation = (load_run(tmp_path / name) for name in (OLD_COMPARE, OLD_ABLATION))
    for run in (compare, ablation):
        assert run.status == "finished" and run.spec is not None and run.result is not None
        assert run.spec.dataset == DatasetRef("demo", "shapes") and run.spec.settings.image_size == 16
        assert run.spec.config == AugmentConfig(rotation_range=20, horizontal_flip=True, rescale=1 / 255)
        stored = json.loads((run.path / "result.json").read_text())
        assert run.result.to_json()["arms"] == stored["arms"] and run.result.confusion == stored["confusion"]
    # the comparison shows the verdict it was given; recomputed, today's estimator reads its curves
    assert compare.spec.mode == "compare" and set(compare.spec.arms) == {"baseline", "augmented"}
    assert compare.headline == compare.result.summary.verdict and compare.result.summary.last_epochs == 1
    assert compare.headline.startswith("No detectable difference: augmentation changed final validation accuracy")
    today = summarize(compare.result)
    assert today.verdict_code is not None and "mean of the last 2 epochs" in today.verdict
    # the ablation: its analysis, and a headline that is the analysis, not "No paired results yet."
    assert ablation.spec.mode == "ablation" and set(ablation.spec.probes) == {"rotation_range", "horizontal_flip"}
    analysis = AblationAnalysis.from_json(json.loads((ablation.path / "ablation.json").read_text()))
    assert ablation.result.ablation == analysis
    # its headline is the finding as this version words it (the stored one could contradict
    # the tables drawn beside it), analysed again from the saved arms
    assert ablation.headline == analyze(ablation.result).sentence != analysis.sentence
    assert {effect.transform for effect in analysis.one_at_a_time} == {"rotation_range", "horizontal_flip"}
    assert ablation.result.probe_accuracy["horizontal_flip"][0] is not None


def test_records_round_trip_through_json():
    spec = build_spec(
        AugmentConfig(rotation_range=20, horizontal_flip=True),
        DatasetRef("path", "pets", "/data/pets"),
        TrainSettings(seeds=(3, 4), epochs=2, image_size=48, validation_fraction=0.25),
        "ablation",
        leave_one_out=True,
    )
    assert RunSpec.from_json(json.loads(json.dumps(spec.to_json()))) == spec
    result = load_run(FIXTURES / OLD_ABLATION).result
    assert RunResult.from_json(json.loads(json.dumps(result.to_json()))) == result


def test_a_status_file_that_is_not_an_object_counts_as_missing(tmp_path):
    run = new_run(SPEC, tmp_path)
    (run / "status.json").write_text("[1, 2]")
    assert load_run(run).status == "interrupted"
    set_status(run, "stopped", note="by hand")  # and it can be written again
    assert json.loads((run / "status.json").read_text())["status"] == "stopped"


@pytest.mark.parametrize("damage", ["{not json", "[1, 2]", '{"arms": {"baseline": {"val_accuracy": "high"}}}'])
def test_an_unreadable_result_leaves_the_rest_of_the_run_readable(tmp_path, damage):
    run = new_run(SPEC, tmp_path)
    set_status(run, "finished")
    (run / "result.json").write_text(damage)
    info = load_run(run)
    assert info.status == "finished" and info.result is None and info.spec == SPEC and info.headline == ""


@pytest.mark.slow
def test_the_cli_writes_the_result_schema(tmp_path):
    dataset = hf.dataset_folder(tmp_path / "pets", classes={"cats": 6, "dogs": 6})
    config = tmp_path / "cfg.json"
    config.write_text(json.dumps({"rotation_range": 30, "horizontal_flip": True}))
    out = tmp_path / "out"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "explorer",
            "compare",
            "--dataset",
            str(dataset),
            "--config",
            str(config),
            "--seeds",
            "2",
            "--epochs",
            "2",
            "--image-size",
            "16",
            "--batch-size",
            "4",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
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
        ("digits", '{"rotation_range": "fast"}', "error: rotation_range must be a number"),
        ("digits", "{not json", "error: --config"),
        ("digits", '{"featurewise_center": true}', "error: unsupported setting(s): featurewise_center"),
        ("digits", '{"rescale": 0.5}', "error: no augmentation setting is active"),
    ],
)
def test_the_cli_refuses_bad_input_clearly(tmp_path, dataset, config, message):
    path = tmp_path / "cfg.json"
    path.write_text(config)
    for command in ("compare", "ablate"):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "explorer",
                command,
                "--dataset",
                dataset,
                "--config",
                str(path),
                "--out",
                str(tmp_path / "out"),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 2 and result.stderr.startswith(message), result.stderr
        assert "Traceback" not in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    "config, hurt",
    [
        (
            {
                "rotation_range": 40,
                "width_shift_range": 0.2,
                "height_shift_range": 0.2,
                "shear_range": 0.2,
                "zoom_range": 0.2,
                "horizontal_flip": True,
                "fill_mode": "nearest",
            },
            True,
        ),  # the article's example 1
        ({"rotation_range": 10, "width_shift_range": 0.1, "height_shift_range": 0.1}, False),  # mild, no flip
    ],
)
def test_the_default_comparison_on_digits_is_decisive(tmp_path, config, hurt):
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps(config))
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "explorer", "compare", "--dataset", "digits", "--config", str(path), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "result.json").read_text())["summary"]
    assert (summary["verdict_code"] == "hurt") is hurt, summary["verdict"]
    assert summary["verdict"] in result.stdout and f"verdict_code: {summary['verdict_code']}" in result.stdout
    assert len(summary["classes"]) == 10 and summary["final_delta_mean"] is not None
