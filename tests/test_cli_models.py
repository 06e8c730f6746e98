"""`python -m explorer compare/ablate --model ...`: a keras.applications architecture and the
user's .keras file trained for real, what result.json and the CLI say about model, device and
epoch times, and hostile model files refused with a clear message and nothing else done."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

keras = pytest.importorskip("keras")

ROOT = Path(__file__).resolve().parents[1]
CONFIG = {"rotation_range": 20, "horizontal_flip": True}


def _explorer(*args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "explorer", *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def config_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("config") / "cfg.json"
    path.write_text(json.dumps(CONFIG))
    return path


@pytest.fixture(scope="module")
def model_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("models")
    keras.utils.set_random_seed(1)
    ten = keras.Sequential(
        [
            keras.Input((24, 24, 3)),
            keras.layers.Conv2D(4, 3, strides=2),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    ten.save(folder / "ten_classes.keras")
    with_lambda = keras.Sequential(
        [
            keras.Input((24, 24, 3)),
            keras.layers.Lambda(lambda x: x * 2),
            keras.layers.Flatten(),
            keras.layers.Dense(4, activation="softmax"),
        ]
    )
    with_lambda.save(folder / "lambda.keras")
    (folder / "not_a_model.keras").write_bytes(b"PK\x03\x04 this is not a zip at all")
    return {
        "ten": folder / "ten_classes.keras",
        "lambda": folder / "lambda.keras",
        "garbage": folder / "not_a_model.keras",
    }


@pytest.mark.slow
def test_compare_trains_a_users_model_from_its_weights_and_records_model_and_device(tmp_path, config_file, model_files):
    out = tmp_path / "run"
    done = _explorer(
        "compare",
        "--dataset",
        "shapes",
        "--config",
        config_file,
        "--model",
        model_files["ten"],
        "--start",
        "weights",
        "--seeds",
        2,
        "--epochs",
        2,
        "--out",
        out,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads((out / "result.json").read_text())
    assert result["model"]["kind"] == "file" and result["model"]["start"] == "weights"
    assert result["settings"]["image_size"] == 24  # the model's own input size
    assert result["device"].startswith(("CPU", "GPU"))
    assert all(len(run) == 2 and min(run) > 0 for run in result["arms"]["augmented"]["epoch_seconds"])
    assert any("replaced by a softmax head" in note for note in result["model_notes"])
    assert "model: ten_classes.keras (from its weights) at 24 px, trained on" in done.stdout
    assert "s per epoch on average" in done.stdout
    assert "ten_classes.keras" in (out / "report.html").read_text()


@pytest.mark.slow
def test_ablate_trains_a_keras_applications_architecture(tmp_path, config_file):
    out = tmp_path / "run"
    done = _explorer(
        "ablate",
        "--dataset",
        "shapes",
        "--config",
        config_file,
        "--model",
        "applications:MobileNetV3Small",
        "--image-size",
        32,
        "--seeds",
        1,
        "--epochs",
        1,
        "--no-leave-one-out",
        "--out",
        out,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    spec = json.loads((out / "spec.json").read_text())
    assert spec["model"] == {
        "kind": "applications",
        "name": "MobileNetV3Small",
        "path": None,
        "weights": None,
        "start": "scratch",
    }
    result = json.loads((out / "result.json").read_text())
    assert set(result["arms"]) == {"baseline", "only:rotation_range", "only:horizontal_flip"}
    assert "keras.applications.MobileNetV3Small (random weights) at 32 px" in done.stdout


@pytest.mark.parametrize(
    "which, message",
    [
        ("lambda", "Lambda"),
        ("garbage", "not a Keras model file"),
    ],
)
def test_hostile_model_files_are_refused_before_anything_runs(tmp_path, config_file, model_files, which, message):
    out = tmp_path / "run"
    done = _explorer(
        "compare",
        "--dataset",
        "shapes",
        "--config",
        config_file,
        "--model",
        model_files[which],
        "--out",
        out,
        cwd=tmp_path,
    )
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--model", "applications:AlexNet"], "not a keras.applications architecture"),
        (["--model", "missing.keras"], "no such file"),
        (["--model", "applications:MobileNetV3Small", "--weights", "nowhere.h5"], "no such file"),
        (["--weights", "imagenet"], "--weights goes with applications:NAME"),
    ],
)
def test_model_options_are_checked_with_a_clear_message(tmp_path, config_file, args, message):
    done = _explorer(
        "compare", "--dataset", "digits", "--config", config_file, *args, "--out", tmp_path / "run", cwd=tmp_path
    )
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
