"""The files a finished run is drawn into, next to its result.json: figure.png, broken.png
(the validation images augmentation broke most, when any broke), for an ablation
ablation.png and affinity.png, and the one-page report.html (with the doctor's findings on
the run's own images, pixel measurements included).

`write_run_files` is the worker's `on_finished` step (see `explorer.cli`): the worker trains
(experiments), this layer draws and writes.
"""

from __future__ import annotations

from pathlib import Path

from ..data.datasets import Dataset
from ..experiments.records.results import RunResult
from ..experiments.records.spec import ABLATION, SUGGEST, RunSpec
from ..experiments.runs.folders import read_record
from ..experiments.suggest.space import Suggestion
from .doctor import diagnose
from .pixels import measure_pixels
from .plots import ablation_figure, affinity_figure, broken_images_figure, comparison_figure, figure_png
from .report import build_report

SAMPLE_IMAGES = 64  # images measured for the report's pixel statistics
DOCTOR_IMAGES = 4  # images the doctor looks at (sizes, non-square pivots)


def write_run_files(run_dir: Path, spec: RunSpec, result: RunResult, dataset: Dataset) -> None:
    run_dir = Path(run_dir)
    (run_dir / "figure.png").write_bytes(figure_png(comparison_figure(result)))
    broken = broken_images_figure(result, dataset.images)
    if broken is not None:
        (run_dir / "broken.png").write_bytes(figure_png(broken))
    if spec.mode == ABLATION and result.ablation is not None:
        (run_dir / "ablation.png").write_bytes(figure_png(ablation_figure(result.ablation)))
        (run_dir / "affinity.png").write_bytes(figure_png(affinity_figure(result.ablation)))
    # A suggest run's suggestion.json is written before this step: its report leads with it.
    suggestion = read_record(run_dir / "suggestion.json", Suggestion.from_json) if spec.mode == SUGGEST else None
    (run_dir / "report.html").write_text(report_html(spec, result, dataset, suggestion), encoding="utf-8")


def report_html(spec: RunSpec, result: RunResult, dataset: Dataset, suggestion: Suggestion | None = None) -> str:
    """The run's one-page report, with the doctor's findings on the run's own images (a
    suggest run's: with its suggestion)."""
    sample = dataset.images[:SAMPLE_IMAGES]
    pixels = measure_pixels(sample, spec.config, input_range="0-255")
    findings = diagnose(spec.config, list(sample[:DOCTOR_IMAGES]), input_range="0-255", pixels=pixels)
    return build_report(
        result,
        result.ablation,
        config=spec.config,
        findings=findings,
        pixels=pixels,
        title=f"Augmentation report: {dataset.name}",
        images=dataset.images,
        suggestion=suggestion,
    )
