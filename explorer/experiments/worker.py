"""Runs one comparison from its run folder: `python -m explorer.experiments.worker RUN_DIR`.

A separate process per run keeps TensorFlow's state (graphs, memory) out of the web
server: repeated runs cannot leak. Progress goes to progress.json, each finished epoch to
result.json, and the run stops within a batch once RUN_DIR/STOP exists.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from ..augment.config import AugmentConfig  # noqa: E402
from .runs import read_json, set_status, write_json  # noqa: E402

PROGRESS_INTERVAL = 0.25  # seconds between progress.json writes


def load_spec_dataset(spec: dict):
    from ..data.datasets import load_dataset
    from ..data.demos import load_demo

    source = spec["dataset"]
    size = int(spec.get("image_size", 32))
    if source.get("kind") == "demo":
        return load_demo(source["name"], image_size=size)
    return load_dataset(source["path"], image_size=size, name=source.get("name"))


def execute(run_dir: Path, on_progress=None) -> dict:
    """Run the comparison described by RUN_DIR/spec.json; returns the result dict."""
    from ..diagnostics.plots import comparison_figure, figure_png
    from .training import TrainSettings, run_comparison

    run_dir = Path(run_dir)
    spec = read_json(run_dir / "spec.json")
    set_status(run_dir, "running", pid=os.getpid(), started=time.time())
    try:
        dataset = load_spec_dataset(spec)
        arms = {name: AugmentConfig.from_dict(config) for name, config in spec["arms"].items()}
        probes = {name: AugmentConfig.from_dict(config) for name, config in spec.get("probes", {}).items()}
        settings = TrainSettings(**spec.get("settings", {}))
        last_write = [0.0]

        def progress(state) -> None:
            now = time.monotonic()
            if now - last_write[0] >= PROGRESS_INTERVAL or state.done_fraction >= 1:
                last_write[0] = now
                write_json(run_dir / "progress.json", dict(vars(state), time=time.time()))
            if on_progress:
                on_progress(state)

        def save(partial: dict) -> None:
            write_json(run_dir / "result.json", partial)

        result = run_comparison(
            dataset, arms, settings, progress=progress, should_stop=(run_dir / "STOP").exists,
            on_epoch=save, log_dir=run_dir / "tensorboard", probes=probes,
        )
        if spec.get("mode") == "ablation":
            result["ablation"] = write_ablation(run_dir, result, spec, dataset)
        save(result)
        (run_dir / "figure.png").write_bytes(figure_png(comparison_figure(result)))
        set_status(run_dir, result["status"], finished=time.time())
        return result
    except Exception as error:
        set_status(run_dir, "failed", error=str(error) or type(error).__name__,
                   traceback=traceback.format_exc(limit=5))
        raise


def write_ablation(run_dir: Path, result: dict, spec: dict, dataset) -> dict:
    """ablation.json, the ablation figures and the one-page report, next to result.json."""
    from ..diagnostics.doctor import diagnose
    from ..diagnostics.pixelstats import pixel_stats
    from ..diagnostics.plots import ablation_figure, affinity_figure, figure_png
    from ..diagnostics.report import build_report
    from .ablation import analyze

    analysis = analyze(result)
    write_json(run_dir / "ablation.json", analysis)
    (run_dir / "ablation.png").write_bytes(figure_png(ablation_figure(analysis)))
    (run_dir / "affinity.png").write_bytes(figure_png(affinity_figure(analysis)))
    config = AugmentConfig.from_dict(spec.get("config", {}))
    sample = dataset.images[:64]
    findings = diagnose(config, list(sample[:4]), input_range="0-255")
    pixel = pixel_stats(sample, config, input_range="0-255")
    html = build_report(result, analysis, config=config, findings=findings, pixel=pixel,
                        title=f"Augmentation report: {dataset.name}")
    (run_dir / "report.html").write_text(html, encoding="utf-8")
    return analysis


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m explorer.experiments.worker RUN_DIR", file=sys.stderr)
        return 2
    try:
        execute(Path(argv[0]))
    except Exception:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
