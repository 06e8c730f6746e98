"""`python -m explorer compare/ablate --backend ray` (issue 16): the same numbers as the local
backend for the same spec and seeds, on a local Ray instance the CLI starts (and stops) for
the run; a cluster that cannot be reached is named, with nothing written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("keras")
pytest.importorskip("ray")

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
CONFIG = {"rotation_range": 30, "zoom_range": 0.2, "horizontal_flip": True, "rescale": 1 / 255}
TINY = ("--dataset", "shapes", "--seeds", "2", "--epochs", "2", "--image-size", "16", "--batch-size", "16")


def _explorer(*args, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "explorer", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )


def _numbers(out: Path) -> dict:
    """What result.json's verdict is computed from (epoch times aside: measured, not computed)."""
    result = json.loads((out / "result.json").read_text())
    for history in result["arms"].values():
        history.pop("epoch_seconds", None)
    return {key: result[key] for key in ("arms", "confusion", "predictions", "probe_accuracy", "summary", "status")}


@pytest.mark.parametrize("command", ["compare", "ablate"])
def test_the_ray_backend_gives_the_local_backends_numbers(command, tmp_path):
    config = tmp_path / "cfg.json"
    config.write_text(json.dumps(CONFIG))
    extra = ("--no-leave-one-out",) if command == "ablate" else ()
    local = _explorer(command, *TINY, *extra, "--config", config, "--out", tmp_path / "local")
    # 2 CPU threads per trial: what a trial in the CLI's own process trains with on 2 cores.
    on_ray = _explorer(
        command,
        *TINY,
        *extra,
        "--config",
        config,
        "--out",
        tmp_path / "ray",
        "--backend",
        "ray",
        "--cpus-per-trial",
        "2",
    )
    assert local.returncode == 0, local.stderr[-2000:]
    assert on_ray.returncode == 0, on_ray.stderr[-2000:]
    assert _numbers(tmp_path / "local") == _numbers(tmp_path / "ray")
    assert "trials: local: one trial at a time" in local.stdout
    assert "trials: Ray on this machine" in on_ray.stdout and "2 CPU per trial" in on_ray.stdout
    assert (tmp_path / "ray" / "report.html").is_file()


def test_a_cluster_that_cannot_be_reached_is_named(tmp_path):
    run = _explorer(
        "compare",
        *TINY,
        "--out",
        tmp_path / "run",
        "--backend",
        "ray",
        "--ray-address",
        "ray://127.0.0.1:1",
        "--config",
        ROOT / "tests" / "missing.json",
    )
    assert run.returncode == 2 and "--config" in run.stderr  # checked before anything starts
    config = tmp_path / "cfg.json"
    config.write_text(json.dumps(CONFIG))
    # Ray's client tries 3 times for 5, 10 and 15 s (30 s); from 1 s, 1, 6 and 11 s (18 s).
    run = _explorer(
        "compare",
        *TINY,
        "--out",
        tmp_path / "run",
        "--backend",
        "ray",
        "--ray-address",
        "ray://127.0.0.1:1",
        "--config",
        config,
        env={"RAY_CLIENT_INITIAL_CONNECTION_TIMEOUT_S": "1"},
    )
    assert run.returncode != 0
    assert "could not reach Ray at ray://127.0.0.1:1" in run.stderr and "Traceback" not in run.stderr
