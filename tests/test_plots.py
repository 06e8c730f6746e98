"""The comparison figure: builds and renders for normal, one-seed, stopped and one-epoch results."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from explorer.diagnostics import plots
from explorer.diagnostics.plots import figure_png
from explorer.experiments.analysis.verdict import summarize
from explorer.experiments.records.results import RunResult


def comparison_figure(result: dict, **options) -> Figure:
    """The figure of a result written as result.json holds it."""
    return plots.comparison_figure(RunResult.from_json(result), **options)


def curves(rng, seeds, epochs, start, end, noise=0.01):
    """Per-seed rising accuracy curves and the matching falling losses."""
    acc = [list(np.linspace(start, end, epochs) + rng.normal(0, noise, epochs)) for _ in range(seeds)]
    return {
        "val_accuracy": acc,
        "train_accuracy": [[min(1.0, v + 0.03) for v in r] for r in acc],
        "val_loss": [[2.0 * (1 - v) for v in r] for r in acc],
        "train_loss": [[1.8 * (1 - v) for v in r] for r in acc],
    }


def make_result(seeds=3, epochs=5, arms=("baseline", "augmented")):
    rng = np.random.default_rng(0)
    ends = {"baseline": 0.95, "augmented": 0.91}
    return {
        "dataset": "digits",
        "settings": {"seeds": list(range(seeds)), "epochs": epochs},
        "arms": {a: curves(rng, seeds, epochs, 0.5, ends.get(a, 0.9)) for a in arms},
    }


def truncate(arm: dict, lengths: list[int]) -> dict:
    return {m: [r[:n] for r, n in zip(runs, lengths)] for m, runs in arm.items()}


def partial_result():
    """A stopped run: baseline finished, augmented seed 1 stopped at 2 epochs, seed 2 never ran."""
    result = make_result()
    result["arms"]["augmented"] = truncate(result["arms"]["augmented"], [5, 2, 0])
    return result


def check(fig: Figure, arms, result):
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    png = figure_png(fig)
    assert png.startswith(b"\x89PNG") and len(png) > 5_000
    for ax in fig.axes:
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        for arm in arms:
            assert any(arm in label for label in labels), (arm, labels)
    verdict_start = " ".join(summarize(RunResult.from_json(result)).verdict.split()[:4])
    assert verdict_start in fig._suptitle.get_text().replace("\n", " ")
    return png


def test_normal_two_arms_three_seeds_five_epochs():
    result = make_result()
    fig = comparison_figure(result)
    check(fig, ["baseline", "augmented"], result)
    accuracy, loss = fig.axes
    assert len(accuracy.lines) == 4 and len(loss.lines) == 4  # 2 arms x validation/training
    assert len(accuracy.collections) == 4  # one ±1 SD band per line
    assert list(accuracy.lines[0].get_xdata()) == [1, 2, 3, 4, 5]
    styles = {line.get_label(): line.get_linestyle() for line in accuracy.lines}
    assert styles["baseline · validation"] == "-" and styles["baseline · training"] == "--"
    assert fig._suptitle.get_text().startswith("digits\n")


def test_one_seed_has_no_band():
    result = make_result(seeds=1)
    fig = comparison_figure(result)
    check(fig, ["baseline", "augmented"], result)
    assert all(len(ax.collections) == 0 for ax in fig.axes)
    assert "one paired seed gives no interval" in fig._suptitle.get_text().replace("\n", " ")


def test_partial_stopped_result():
    result = partial_result()
    fig = comparison_figure(result)
    check(fig, ["baseline", "augmented"], result)
    lines = {line.get_label(): line for line in fig.axes[0].lines}
    assert len(lines["augmented · validation"].get_xdata()) == 5
    assert summarize(RunResult.from_json(result)).n_seeds == 1


def test_arm_with_no_epochs_is_skipped():
    result = make_result()
    result["arms"]["augmented"] = truncate(result["arms"]["augmented"], [0, 0, 0])
    fig = comparison_figure(result)
    for ax in fig.axes:
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert labels and not any("augmented" in label for label in labels)
    assert "No paired results yet" in fig._suptitle.get_text()


def test_nothing_finished_yet_still_renders():
    result = make_result()
    for arm in result["arms"]:
        result["arms"][arm] = truncate(result["arms"][arm], [0, 0, 0])
    fig = comparison_figure(result)
    assert len(fig.axes) == 2 and figure_png(fig).startswith(b"\x89PNG")


def test_one_epoch_shows_markers():
    result = make_result(epochs=1)
    fig = comparison_figure(result)
    check(fig, ["baseline", "augmented"], result)
    assert all(line.get_marker() == "o" for ax in fig.axes for line in ax.lines)
    assert fig.axes[0].get_xlim() == pytest.approx((0.5, 1.5))
    assert list(fig.axes[0].get_xticks()) == [1]


def test_extra_arm_gets_its_own_colour_and_custom_title():
    result = make_result(arms=("baseline", "augmented", "flips only"))
    fig = comparison_figure(result, title="My run")
    check(fig, ["baseline", "augmented", "flips only"], result)
    colours = {line.get_color() for line in fig.axes[0].lines}
    assert len(colours) == 3
    assert fig._suptitle.get_text().startswith("My run\n")


def test_uses_stored_summary_when_present():
    result = make_result()
    result["summary"] = dict(summarize(RunResult.from_json(result)).to_json(), verdict="Stored verdict text.")
    assert "Stored verdict text." in comparison_figure(result)._suptitle.get_text()


def test_long_verdict_is_wrapped():
    result = make_result()
    title = comparison_figure(result)._suptitle.get_text()
    assert max(len(line) for line in title.split("\n")) <= 120


def test_plots_use_no_pyplot_or_heavy_packages():
    tree = ast.parse(Path(plots.__file__).read_text())
    modules = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    modules |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not any(m.startswith(("scipy", "tensorflow", "streamlit", "matplotlib.pyplot")) for m in modules)


def broken_result(broken=12, images=14, classes=("cats", "golden retriever dogs", "birds of prey and songbirds")):
    """A comparison whose augmented arm gets the first `broken` validation images wrong in
    every seed (taking each for the next class) that the baseline gets right."""
    result = make_result()
    labels = [i % len(classes) for i in range(images)]
    wrong = [(y + 1) % len(classes) if i < broken else y for i, y in enumerate(labels)]
    result |= {
        "class_names": list(classes),
        "validation_labels": labels,
        "validation_indices": list(range(images)),
        "predictions": {"baseline": [labels] * 3, "augmented": [wrong] * 3},
    }
    return RunResult.from_json(result)


@pytest.mark.parametrize("broken, shape", [(12, (16, 16, 3)), (3, (16, 16, 3)), (8, (12, 40, 1)), (7, (40, 12, 1))])
def test_broken_images_titles_clear_the_other_images_and_titles(broken, shape):
    """Titles wrap to the thumbnail's width and sit above it, clear of the row above, of the
    titles beside them and of the heading; for square, wide and tall grey pictures."""
    images = np.random.default_rng(0).integers(0, 256, (14, *shape), dtype=np.uint8)
    fig = plots.broken_images_figure(broken_result(broken), images)
    canvas = FigureCanvasAgg(fig)  # the renderer figure_png draws with; lays the figure out
    canvas.draw()
    renderer = canvas.get_renderer()
    shown = [ax for ax in fig.axes if ax.get_title()]
    assert len(shown) == broken and any("→ golden retriever dogs" in ax.get_title() for ax in shown)
    titles = [ax.title.get_window_extent(renderer) for ax in shown]
    for ax, title in zip(shown, titles):
        for other in fig.axes:  # the images above (and beside) it
            if other is not ax:
                assert not title.overlaps(other.get_window_extent(renderer)), ax.get_title()
        for other in titles:
            assert other is title or not title.overlaps(other), ax.get_title()
        assert not title.overlaps(fig._suptitle.get_window_extent(renderer)), ax.get_title()
    assert max(len(line) for ax in shown for line in ax.get_title().split("\n")) <= plots.BROKEN_TITLE_WIDTH
