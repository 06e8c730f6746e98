"""The HTML report, per-class changes and the ablation figures, on synthetic results."""

from __future__ import annotations

import ast
import base64
import dataclasses
import html
import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from explorer.augment.config import AugmentConfig
from explorer.diagnostics import perclass, plots, report
from explorer.diagnostics.doctor import diagnose, measure_pixels
from explorer.diagnostics.perclass import ConfusionPair, per_class
from explorer.diagnostics.plots import ablation_figure, affinity_figure, confusion_figure, figure_png
from explorer.diagnostics.report import build_report
from explorer.experiments.analysis.ablation import analyze
from explorer.experiments.analysis.verdict import summarize
from explorer.experiments.records.results import AblationAnalysis, RunResult

SEEDS, EPOCHS = 3, 3
CLASSES = ["<b>cats</b>", "dogs", "birds"]
FULL_CONFIG = AugmentConfig(rotation_range=40, horizontal_flip=True, rescale=1 / 255)
# Final validation accuracy of each arm; rotation hurts by ~10 points, the flip helps a little.
FINAL = {
    "baseline": 0.90,
    "only:horizontal_flip": 0.92,
    "only:rotation_range": 0.80,
    "full": 0.82,
    "without:horizontal_flip": 0.80,
    "without:rotation_range": 0.92,
}
NOISE = [0.004, -0.003, 0.001]  # per seed, rotated per arm so paired differences vary


def curves(final: float, seed: int, arm_index: int = 0) -> dict:
    acc = [final - 0.2, final - 0.05, final + NOISE[(seed + arm_index) % len(NOISE)]]
    return {
        "val_accuracy": acc,
        "train_accuracy": [a + 0.02 for a in acc],
        "val_loss": [2 * (1 - a) for a in acc],
        "train_loss": [1.5 * (1 - a) for a in acc],
    }


def confusion(arm: str, seed: int) -> list[list[int]]:
    """30 validation images per class; rotation arms confuse dogs with birds (the planted pair)."""
    matrix = np.array([[27, 2, 1], [2, 26, 2], [1, 2, 27]])
    if arm in ("full", "only:rotation_range", "without:horizontal_flip"):
        matrix[1] = [2, 20, 8]  # dogs predicted as birds: +6 per seed
        matrix[0] = [26, 2, 2]
    return matrix.tolist()


def ablation_result() -> dict:
    arms = {}
    for index, (arm, final) in enumerate(FINAL.items()):
        runs = [curves(final, seed, index) for seed in range(SEEDS)]
        arms[arm] = {metric: [run[metric] for run in runs] for metric in runs[0]}
        if arm == "only:rotation_range":  # harder training data: higher training loss
            arms[arm]["train_loss"] = [[v * 1.4 for v in run] for run in arms[arm]["train_loss"]]
    base = FULL_CONFIG.without_transforms()
    configs = {
        "baseline": base.to_dict(),
        "only:horizontal_flip": base.replace(horizontal_flip=True).to_dict(),
        "only:rotation_range": base.replace(rotation_range=40).to_dict(),
        "full": FULL_CONFIG.to_dict(),
        "without:horizontal_flip": FULL_CONFIG.replace(horizontal_flip=False).to_dict(),
        "without:rotation_range": FULL_CONFIG.replace(rotation_range=0).to_dict(),
    }
    return {
        "dataset": "pets <script>alert(1)</script>",
        "class_names": list(CLASSES),
        "settings": {"seeds": list(range(SEEDS)), "epochs": EPOCHS, "train_images": 360, "validation_images": 90},
        "configs": configs,
        "arms": arms,
        "confusion": {arm: [confusion(arm, seed) for seed in range(SEEDS)] for arm in FINAL},
        "probe_accuracy": {"horizontal_flip": [0.89, 0.90, 0.895], "rotation_range": [0.62, 0.60, 0.65]},
        "status": "finished",
    }


def comparison_result() -> dict:
    """A plain two-arm comparison, no confusion, no probes."""
    arms = {}
    for index, (arm, final) in enumerate((("baseline", 0.90), ("augmented", 0.86))):
        runs = [curves(final, seed, index) for seed in range(SEEDS)]
        arms[arm] = {metric: [run[metric] for run in runs] for metric in runs[0]}
    return {
        "dataset": "digits",
        "class_names": [str(i) for i in range(10)],
        "settings": {"seeds": list(range(SEEDS)), "epochs": EPOCHS},
        "configs": {"baseline": AugmentConfig().to_dict(), "augmented": AugmentConfig(rotation_range=20).to_dict()},
        "arms": arms,
        "status": "finished",
    }


@pytest.fixture(scope="module")
def result():
    return RunResult.from_json(ablation_result())


@pytest.fixture(scope="module")
def analysis(result):
    return analyze(result)


@pytest.fixture(scope="module")
def html_report(result, analysis):
    # Images already in 0..1 while FULL_CONFIG rescales by 1/255: the measured pixels show it.
    images = np.random.default_rng(0).integers(0, 256, size=(4, 16, 16, 3), dtype=np.uint8)
    pixels = measure_pixels(images, FULL_CONFIG, input_range="0-1")
    findings = diagnose(FULL_CONFIG, images, input_range="0-1", pixels=pixels)
    return build_report(result, analysis, config=FULL_CONFIG, findings=findings, pixels=pixels)


def is_png(data: bytes) -> bool:
    return data.startswith(b"\x89PNG") and len(data) > 2_000


# --- the synthetic data says what the tests assume ---------------------------------------------


def test_synthetic_analysis_names_rotation(analysis):
    assert analysis.one_at_a_time[0].transform == "rotation_range"
    assert "Alone, rotation_range hurts: it changes validation accuracy by -10.0 points" in analysis.sentence
    assert analysis.leave_one_out and analysis.affinity["rotation_range"] < 0.8


# --- per_class --------------------------------------------------------------------------------


def test_per_class_finds_the_planted_confusion(result):
    classes = per_class(result)
    assert classes.class_names == CLASSES and classes.n_seeds == SEEDS
    full = classes.arms["full"]
    assert full.n_seeds == SEEDS
    top = full.most_affected_pairs[0]
    assert top == ConfusionPair(true="dogs", predicted="birds", baseline_count=6, arm_count=24, increase=18)
    assert len(full.most_affected_pairs) <= 3
    assert full.baseline_accuracy[1] == pytest.approx(26 / 30)
    assert full.accuracy[1] == pytest.approx(20 / 30)
    assert full.change[1] == pytest.approx(-6 / 30)
    assert full.change[2] == pytest.approx(0.0)
    # the flip alone changes nothing in the confusion counts
    assert classes.arms["only:horizontal_flip"].most_affected_pairs == []
    assert "baseline" not in classes.arms
    assert top.sentence() == "dogs predicted as birds: +18 images (6 → 24)"


def test_per_class_pairs_over_seeds_both_arms_have():
    result = ablation_result()
    result["confusion"]["full"][2] = None  # a stopped run: the full arm lacks its last seed
    full = per_class(RunResult.from_json(result)).arms["full"]
    assert full.n_seeds == 2
    assert full.most_affected_pairs[0].increase == 12
    assert per_class(RunResult.from_json(comparison_result())).arms == {}


# --- figures ----------------------------------------------------------------------------------


def test_ablation_figure(analysis):
    fig = ablation_figure(analysis)
    assert isinstance(fig, Figure) and len(fig.axes) == 2  # one-at-a-time and leave-one-out
    assert is_png(figure_png(fig))
    first = fig.axes[0]
    heights = {t.get_text(): y for t, y in zip(first.get_yticklabels(), first.get_yticks())}
    assert max(heights, key=heights.get) == "rotation_range"  # most harmful at the top
    bars = {round(p.get_width(), 6): p.get_facecolor() for p in first.patches}
    rotation = min(bars)
    assert rotation == pytest.approx(analysis.one_at_a_time[0].delta_mean * 100)
    assert bars[rotation] == to_rgba(plots.HURTS)
    assert "negative = the setting hurts" in first.get_xlabel()


def test_ablation_figure_without_intervals_or_leave_one_out(analysis):
    one_seed = dataclasses.replace(
        analysis,
        leave_one_out=[],
        one_at_a_time=[
            dataclasses.replace(effect, ci95=(None, None), ci_family=(None, None), n_seeds=1)
            for effect in analysis.one_at_a_time
        ],
    )
    fig = ablation_figure(one_seed, title="one seed")
    assert len(fig.axes) == 1 and is_png(figure_png(fig))
    assert all(p.get_facecolor() == to_rgba(plots.UNCLEAR) for p in fig.axes[0].patches)
    empty = AblationAnalysis([], [], {}, {}, None, "", [])
    assert is_png(figure_png(ablation_figure(empty)))


def test_affinity_figure(analysis):
    fig = affinity_figure(analysis)
    assert is_png(figure_png(fig))
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "rotation_range" in texts and "horizontal_flip" in texts
    empty = affinity_figure(AblationAnalysis([], [], {"rotation_range": None}, {"rotation_range": 1.2}, None, "", []))
    assert any("Nothing to plot" in t.get_text() for t in empty.axes[0].texts)
    assert is_png(figure_png(empty))


def test_confusion_figure(result):
    fig = confusion_figure(result, "full")
    assert is_png(figure_png(fig))
    heat = fig.axes[0]
    change = heat.images[0].get_array()
    assert change[1, 2] == 18 and change[1, 1] == -18
    lo, hi = heat.images[0].get_clim()
    assert lo == -hi  # centred at zero
    assert [t.get_text() for t in heat.get_xticklabels()] == CLASSES
    assert "+18" in [t.get_text() for t in heat.texts]
    missing = confusion_figure(RunResult.from_json(comparison_result()), "augmented")
    assert is_png(figure_png(missing))


def test_class_names_with_dollars_render():
    result = ablation_result()
    result["class_names"] = ["$x$", "a $b", r"$\frac$"]
    assert is_png(figure_png(confusion_figure(RunResult.from_json(result), "full")))


# --- the report -------------------------------------------------------------------------------


def test_report_is_one_self_contained_page(html_report, analysis):
    page = html_report
    assert page.startswith("<!DOCTYPE html>") and page.count("<html") == 1 and page.rstrip().endswith("</html>")
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page.lower() and "<link" not in page.lower()
    assert not re.search(r"""src=["'](?!data:)""", page)  # every image is inline
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) >= 4  # comparison, ablation, affinity, confusion
    assert all(base64.b64decode(data).startswith(b"\x89PNG") for data in images)


def test_report_contents(html_report, analysis):
    page = html_report
    text = html.unescape(page)
    assert analysis.sentence in text
    assert analysis.recommendation[0] in text
    assert "horizontal_flip" in page and "rotation_range" in page
    assert "ImageDataGenerator(" in text and "rotation_range=40" in text  # the config as IDG code
    assert "Gontijo-Lopes" in page and "never augmented" in page
    assert "dogs predicted as birds: +18 images" in text
    assert "Rescale applied twice" in text  # a units problem the measured pixels show
    finding = diagnose(FULL_CONFIG)[0]
    assert finding.fix in text
    # sections in the order a reader needs them
    order = [
        page.index(f'id="{key}"')
        for key in ("summary", "config", "doctor", "comparison", "ablation", "affinity", "classes", "pixels", "method")
    ]
    assert order == sorted(order)


def test_report_escapes_user_text(html_report):
    assert "<b>cats</b>" not in html_report
    assert "&lt;b&gt;cats&lt;/b&gt;" in html_report
    assert "<script>alert(1)</script>" not in html_report
    assert "pets &lt;script&gt;" in html_report


def test_report_computes_the_analysis_when_not_given(result, analysis):
    page = build_report(result)
    assert analysis.sentence in html.unescape(page)


def test_report_for_a_plain_comparison_without_ablation_or_confusion():
    result = RunResult.from_json(comparison_result())
    page = build_report(result, title="Digits <run>")
    assert page.startswith("<!DOCTYPE html>") and "</html>" in page
    assert "Digits &lt;run&gt;" in page
    verdict = summarize(result).verdict
    assert html.escape(verdict) in page
    assert "data:image/png;base64," in page
    assert "http://" not in page and "https://" not in page and "<script" not in page
    for missing in ('id="ablation"', 'id="affinity"', 'id="classes"', 'id="pixels"', 'id="doctor"'):
        assert missing not in page
    assert 'id="config"' in page and "rotation_range=20" in page  # from the augmented arm's config


def test_report_for_an_empty_or_unfinished_result():
    page = build_report(RunResult.from_json({"dataset": "x", "arms": {}, "status": "running"}))
    assert "No finished paired runs yet." in page and "</html>" in page
    result = comparison_result()
    for arm in result["arms"].values():
        for metric in arm:
            arm[metric] = [[] for _ in arm[metric]]
    result["status"] = "stopped"
    assert "stopped" in build_report(RunResult.from_json(result))


def test_report_modules_import_no_heavy_packages():
    for module in (report, plots, perclass):
        tree = ast.parse(Path(module.__file__).read_text())
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not any(m.startswith(("scipy", "tensorflow", "keras", "streamlit", "matplotlib.pyplot")) for m in names)


def test_report_shows_per_class_effects_and_the_images_augmentation_broke():
    data = ablation_result()
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 3, 12).tolist()
    data["validation_labels"], data["validation_indices"] = labels, list(range(12))
    data["predictions"] = {
        "baseline": [labels] * SEEDS,  # right everywhere; the full config breaks image 5 and 7
        "full": [[9 if i in (5, 7) else y for i, y in enumerate(labels)]] * SEEDS,
    }
    result = RunResult.from_json(data)
    result.summary = summarize(result, augmented="full")
    images = rng.integers(0, 256, (12, 16, 16, 3), dtype=np.uint8)
    page = build_report(result, title="effects", images=images)
    text = html.unescape(page)
    assert 'id="effects"' in page and "Which classes and images it changed" in text
    assert "dogs" in text and "Harmed" in text  # the planted class falls in every seed
    assert "broke 2 (the reverse); 2 broke in every seed" in text
    assert page.count("data:image/png;base64,") >= 5  # the thumbnails of the broken images are in
    assert 'id="effects"' not in build_report(RunResult.from_json(comparison_result()))


def test_per_class_rows_without_an_interval_are_not_coloured_as_findings(result, analysis):
    """The ablation report's per-class table comes from summed confusion counts: no interval,
    so no decision, so no row takes a decision's colour (a drop of one image is not 'hurts'),
    although the planted confusion makes classes drop."""
    context = report._classes_context(result, analysis)
    assert any(delta < 0 for delta in context["class_change"].change if delta is not None)
    assert context["class_rows"] and all(row.kind == "" for row in context["class_rows"])
