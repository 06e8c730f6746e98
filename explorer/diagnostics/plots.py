"""Learning-curve figure for the with/without-augmentation comparison, and the ablation's
figures (effect bars, affinity/diversity scatter, change in confusion counts).

Built on `matplotlib.figure.Figure` directly (no pyplot), so it needs no backend switch,
keeps no global figure state and is safe inside a web app's threads. The numbers come
from the run's `Summary.per_epoch`: the line is the mean over seeds and the band is
mean ± 1 SD over the seeds that reached each epoch (drawn only where >= 2 seeds did).
Colours of effects follow `Effect.decision()`, the one "clear of zero" decision.
"""

from __future__ import annotations

import textwrap
from io import BytesIO

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from ..experiments.analysis.breakdown import class_names, paired_confusion_seeds, summed_confusion
from ..experiments.analysis.stats import points as format_points
from ..experiments.analysis.verdict import headline_summary, wording
from ..experiments.records.results import AblationAnalysis, Curve, Effect, RunResult, Summary
from ..experiments.records.spec import AUGMENTED, BASELINE, FULL

ARM_COLOURS = {BASELINE: "#4C72B0", AUGMENTED: "#DD8452"}  # blue, orange
EXTRA_COLOURS = ("#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C", "#CCB974")
PANELS = (
    ("Accuracy", ("val_accuracy", "train_accuracy"), True),
    ("Loss", ("val_loss", "train_loss"), False),
)


def arm_colour(arm: str, arms: list[str]) -> str:
    if arm in ARM_COLOURS:
        return ARM_COLOURS[arm]
    extras = [a for a in arms if a not in ARM_COLOURS]
    return EXTRA_COLOURS[extras.index(arm) % len(EXTRA_COLOURS)]


def run_summary(result: RunResult) -> Summary:
    """The result's stored summary, or one computed now (a run still going has none):
    baseline against the augmented arm, or the full config of an ablation."""
    return result.summary or headline_summary(result)


def _draw(ax, curve: Curve, colour: str, label: str, validation: bool) -> None:
    """One arm's metric: mean line, ±1 SD band where >= 2 seeds, a marker if one epoch."""
    mean, std, n = curve.mean, curve.std, curve.n
    epochs = list(range(1, len(mean) + 1))
    ax.plot(
        epochs,
        mean,
        color=colour,
        label=label,
        linestyle="-" if validation else "--",
        linewidth=2.0 if validation else 1.2,
        marker="o" if len(mean) == 1 else None,
        markersize=6 if validation else 4,
    )
    if max(n, default=0) >= 2:
        ax.fill_between(
            epochs,
            [m - s for m, s in zip(mean, std)],
            [m + s for m, s in zip(mean, std)],
            where=[k >= 2 for k in n],
            color=colour,
            alpha=0.18 if validation else 0.08,
            linewidth=0,
            interpolate=True,
        )


def comparison_figure(result: RunResult, title: str | None = None, caption: str | None = None) -> Figure:
    """Validation (solid) and training (dashed) curves per arm: accuracy left, loss right.

    The suptitle is `title` (default: the dataset name) followed by `caption` (default: the
    verdict), wrapped. Arms with no finished epoch are left out; with one seed there is no band.
    """
    summary = run_summary(result)
    per_epoch = summary.per_epoch
    arms = _headline_arms(list(per_epoch))
    fig = Figure(figsize=(11, 4.6))
    axes = fig.subplots(1, 2)
    longest = 0
    most_seeds = 0
    for ax, (name, metrics, is_accuracy) in zip(axes, PANELS):
        for arm in arms:
            for metric in metrics:
                curve = per_epoch[arm].get(metric)
                if not curve or not curve.mean:
                    continue
                longest = max(longest, len(curve.mean))
                most_seeds = max(most_seeds, max(curve.n, default=0))
                split = "validation" if metric.startswith("val") else "training"
                _draw(ax, curve, arm_colour(arm, arms), f"{arm} · {split}", split == "validation")
        ax.set_title(f"{name}: validation (solid), training (dashed)", fontsize=10)
        ax.set_xlabel("epoch")
        ax.set_ylabel(f"{name.lower()} (mean ± 1 SD over seeds)")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if is_accuracy:
            ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
        ax.grid(alpha=0.3)
    for ax in axes:
        if longest <= 1:
            ax.set_xlim(0.5, 1.5)
            ax.set_xticks([1])
        if ax.get_legend_handles_labels()[0]:
            band = "band: mean ± 1 SD" if most_seeds >= 2 else "1 seed: no band"
            ax.legend(fontsize=8, title=band, title_fontsize=8, loc="best")
        else:
            ax.text(0.5, 0.5, "No finished epochs yet", ha="center", va="center", transform=ax.transAxes, color="0.4")
    heading = title if title is not None else (result.dataset or "Comparison")
    text = caption if caption is not None else summary.verdict
    fig.suptitle(_plain(f"{heading}\n" + textwrap.fill(text, width=120)), fontsize=10)
    fig.tight_layout()
    return fig


def _headline_arms(arms: list[str]) -> list[str]:
    """An ablation trains many arms; its learning curves show the baseline against the full
    config (or the augmented arm). The per-setting effects have their own figure."""
    for main in (FULL, AUGMENTED):
        if BASELINE in arms and main in arms and len(arms) > 3:
            return [BASELINE, main]
    return arms


def figure_png(figure: Figure) -> bytes:
    """The figure as PNG bytes (110 dpi, trimmed to its content)."""
    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


# --- ablation, affinity/diversity and confusion-change figures -----------------------------

HURTS, HELPS, UNCLEAR = "#C44E52", "#55A868", "#8C8C8C"  # red, green, grey
EFFECT_LABEL = "change in validation accuracy (mean of the last epochs), points (negative = the setting hurts)"
ABLATION_PANELS = (
    ("one_at_a_time", "Each setting alone vs no augmentation (one at a time)"),
    ("leave_one_out", "Each setting's share of the full config (full minus full without it)"),
)


def _plain(text) -> str:
    """Text for a matplotlib label, shown as typed: a '$' never starts mathtext."""
    return str(text).replace("$", r"\$")


ABLATION_TITLE = (
    "Which setting hurts? Error bars: the interval each decision uses (95% over paired seeds, "
    "widened for all the settings tested at once)"
)
DECISION_COLOURS = {"hurts": HURTS, "helps": HELPS, "unclear": UNCLEAR}


def _effect_colour(effect: Effect | None) -> str:
    """Red when the interval the decisions use (family-wise when several settings were
    tested at once) is entirely below zero, green above, else grey: `Effect.decision()`."""
    return DECISION_COLOURS[effect.decision()] if effect is not None else UNCLEAR


def _effect_panel(ax, rows: list[Effect], heading: str) -> None:
    """Horizontal bars in percentage points, the first row (most harmful) at the top."""
    names = [_plain(row.transform) for row in rows]
    positions = list(range(len(rows)))[::-1]
    for y, row in zip(positions, rows):
        mean = row.delta_mean
        if mean is None:
            ax.text(0, y, "  no finished paired runs", va="center", ha="left", fontsize=8, color="0.4")
            continue
        points = mean * 100
        low, high = row.ci_family  # the interval the colour's decision uses
        xerr = None
        if low is not None and high is not None:
            xerr = [[max(0.0, points - low * 100)], [max(0.0, high * 100 - points)]]
        ax.barh(
            y,
            points,
            color=_effect_colour(row),
            height=0.6,
            xerr=xerr,
            error_kw={"ecolor": "0.2", "capsize": 4, "linewidth": 1},
        )
        n = row.n_seeds
        label = format_points(mean) + (f"  (n={n})" if n else "")
        end = high * 100 if high is not None and points >= 0 else (low * 100 if low is not None else points)
        ax.annotate(
            label,
            (end, y),
            xytext=(4 if points >= 0 else -4, 0),
            textcoords="offset points",
            ha="left" if points >= 0 else "right",
            va="center",
            fontsize=8,
        )
    ax.axvline(0, color="black", linewidth=1)
    ax.set_yticks(positions)
    ax.set_yticklabels(names)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.margins(x=0.25)
    ax.set_title(heading, fontsize=10)
    ax.set_xlabel(EFFECT_LABEL, fontsize=9)
    ax.grid(axis="x", alpha=0.3)


def ablation_figure(analysis: AblationAnalysis, title: str | None = None) -> Figure:
    """One-at-a-time effects (and leave-one-out effects when there are any) as horizontal
    bars in percentage points, most harmful at the top, with error bars of the interval the
    decisions use (none where one seed gives no interval). Red: that interval is entirely below
    zero (the setting hurts); green: entirely above (it helps); grey: it includes zero. The
    two views are stacked at the same size and on the same scale, so they compare at a glance."""
    panels = [(key, heading, list(getattr(analysis, key))) for key, heading in ABLATION_PANELS]
    panels = [panels[0]] + [panel for panel in panels[1:] if panel[2]]
    rows = max(len(panel[2]) for panel in panels)
    fig = Figure(figsize=(10, len(panels) * (1.5 + 0.45 * max(rows, 2))))
    axes = fig.subplots(len(panels), 1, squeeze=False)[:, 0]
    for ax, (_, heading, panel_rows) in zip(axes, panels):
        if panel_rows:
            _effect_panel(ax, panel_rows, heading)
        else:
            ax.set_title(heading, fontsize=10)
            ax.text(0.5, 0.5, "No ablation results yet", ha="center", va="center", transform=ax.transAxes, color="0.4")
            ax.set_xticks([])
            ax.set_yticks([])
    drawn = [ax for ax, panel in zip(axes, panels) if panel[2]]
    if len(drawn) > 1:
        low = min(ax.get_xlim()[0] for ax in drawn)
        high = max(ax.get_xlim()[1] for ax in drawn)
        for ax in drawn:
            ax.set_xlim(low, high)
    heading = title if title is not None else ABLATION_TITLE
    fig.suptitle(_plain(heading), fontsize=11)
    fig.tight_layout()
    return fig


def affinity_figure(analysis: AblationAnalysis) -> Figure:
    """Affinity (x) against diversity (y) per setting, labelled with its IDG keyword and
    coloured by its one-at-a-time effect. Reference lines at 1: affinity 1 means the baseline
    model scores as well on images augmented by the setting as on clean ones; diversity 1
    means training with the setting is no harder than without. Settings missing either
    number are left out; with none left, the figure says so."""
    affinity, diversity = analysis.affinity, analysis.diversity
    effects = {effect.transform: effect for effect in analysis.one_at_a_time}
    points = [
        (name, affinity[name], diversity[name])
        for name in affinity
        if name in diversity and affinity[name] is not None and diversity[name] is not None
    ]
    fig = Figure(figsize=(6.5, 5))
    ax = fig.subplots()
    ax.axvline(1, color="0.5", linestyle="--", linewidth=1)
    ax.axhline(1, color="0.5", linestyle="--", linewidth=1)
    for name, x, y in points:
        ax.scatter([x], [y], s=60, color=_effect_colour(effects.get(name)), edgecolor="black", linewidth=0.5, zorder=3)
        ax.annotate(_plain(name), (x, y), xytext=(6, 4), textcoords="offset points", fontsize=8)
    if points:
        xs = [x for _, x, _ in points] + [1.0]
        ys = [y for _, _, y in points] + [1.0]
        pad_x = max(0.05, (max(xs) - min(xs)) * 0.15)
        pad_y = max(0.05, (max(ys) - min(ys)) * 0.15)
        ax.set_xlim(min(xs) - pad_x, max(xs) + pad_x * 2.5)
        ax.set_ylim(min(ys) - pad_y, max(ys) + pad_y)
    else:
        ax.text(
            0.5,
            0.5,
            "Nothing to plot: affinity and diversity need the baseline's probe\naccuracies and each setting's own arm",
            ha="center",
            va="center",
            transform=ax.transAxes,
            color="0.4",
            fontsize=9,
        )
    ax.set_xlabel(
        "affinity: baseline model's accuracy on augmented ÷ clean validation images\n"
        "(1 = images stay on the data's distribution; lower = pushed off it)",
        fontsize=9,
    )
    ax.set_ylabel(
        "diversity: final training loss with the setting ÷ without\n(higher = harder training data)", fontsize=9
    )
    ax.set_title(
        "Affinity and diversity per setting (Gontijo-Lopes et al. 2020)\n"
        "colour: red hurts, green helps, grey unclear (alone vs baseline)",
        fontsize=10,
    )
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def confusion_figure(result: RunResult, arm: str, baseline: str = BASELINE) -> Figure:
    """The change in confusion counts, arm minus baseline, summed over the seeds where both
    have a matrix: rows are the true class, columns the predicted class. Diverging colours
    centred at 0 (red: more images in that cell with the arm, blue: fewer). On the diagonal
    red is good (more correct); off it, red is new confusion. Counts are annotated for up to
    12 classes."""
    seeds = paired_confusion_seeds(result, arm, baseline)
    fig = Figure(figsize=(7, 6))
    ax = fig.subplots()
    heading = f"Change in confusion counts: {arm} minus {baseline}"
    if not seeds:
        ax.text(
            0.5,
            0.5,
            "No confusion matrices for both arms yet",
            ha="center",
            va="center",
            transform=ax.transAxes,
            color="0.4",
        )
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(_plain(heading), fontsize=10)
        return fig
    change = summed_confusion(result, arm, seeds) - summed_confusion(result, baseline, seeds)
    classes = change.shape[0]
    names = [_plain(name) for name in class_names(result, classes)]
    limit = max(1, int(abs(change).max()))
    image = ax.imshow(change, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label=_plain(f"images ({arm} minus {baseline})"))
    ax.set_xticks(range(classes))
    ax.set_yticks(range(classes))
    ax.set_xticklabels(
        names,
        rotation=45 if classes > 4 else 0,
        ha="right" if classes > 4 else "center",
        fontsize=8 if classes > 12 else 9,
    )
    ax.set_yticklabels(names, fontsize=8 if classes > 12 else 9)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    if classes <= 12:
        for (row, col), value in np.ndenumerate(change):
            strong = abs(value) > limit * 0.6
            ax.text(
                col,
                row,
                f"{value:+d}" if value else "0",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if strong else "black",
                fontweight="bold" if row == col else "normal",
            )
    ax.set_title(
        _plain(
            f"{heading}, summed over {len(seeds)} seed(s)\n"
            "diagonal: correct (red = more right); off-diagonal: confusions (red = more wrong)"
        ),
        fontsize=10,
    )
    fig.tight_layout()
    return fig


# --- the validation images augmentation broke ----------------------------------------------


BROKEN_TITLE_WIDTH = 26  # characters of an 8 pt title line that fit a 1.9 inch thumbnail column


def broken_images_figure(result: RunResult, images: np.ndarray, count: int = 12) -> Figure | None:
    """Thumbnails of the validation images that augmentation broke in the most seeds (right
    without it, wrong with it), each titled with its class, in how many seeds it broke, and
    the class the augmented models took it for most often. None when nothing broke or the
    result holds no per-image predictions. `images`: the dataset the run trained on."""
    summary = run_summary(result)
    effects, arm = summary.images, result.headline_arm
    if effects is None or arm is None or not effects.most_broken(count):
        return None
    positions = effects.most_broken(count)
    names = class_names(result, len(result.class_names) or 1 + max(result.validation_labels))
    columns = min(6, len(positions))
    rows = -(-len(positions) // columns)
    titles = []
    for position in positions:
        guesses = [run[position] for run in result.predictions.get(arm) or [] if run is not None]
        taken = max(set(guesses), key=guesses.count) if guesses else None
        truth = names[result.validation_labels[position]]
        lines = textwrap.wrap(f"{truth}: broken in {effects.broken[position]}/{effects.seeds}", BROKEN_TITLE_WIDTH)
        if taken is not None and taken < len(names):
            lines += textwrap.wrap(f"→ {names[taken]}", BROKEN_TITLE_WIDTH)
        titles.append(_plain("\n".join(lines)))
    heading = textwrap.fill(
        f"Validation images {wording(result).broken}, most seeds first", width=26 * columns
    )  # ~26 characters of 10 pt text per 1.9 inch column
    # Each row gets room (inches) for its images and its tallest title, the heading for its
    # lines: constrained layout keeps titles clear of the row above only in a tall enough figure.
    tallest = [max(t.count("\n") + 1 for t in titles[r * columns : (r + 1) * columns]) for r in range(rows)]
    height = sum(1.7 + 0.16 * n for n in tallest) + 0.2 * (heading.count("\n") + 2)
    fig = Figure(figsize=(1.9 * columns, height), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, columns, squeeze=False).ravel())
    for ax in axes:
        ax.axis("off")
        # An image less tall than its cell sits at the cell's top, where the layout measured its
        # title; centred (the default), constrained layout puts the title into the row above.
        ax.set_anchor("N")
    for ax, position, title in zip(axes, positions, titles):
        image = images[result.validation_indices[position]]
        ax.imshow(
            image[..., 0] if image.shape[-1] == 1 else image,
            cmap="gray" if image.shape[-1] == 1 else None,
            vmin=0,
            vmax=255,
            interpolation="nearest",
        )
        ax.set_title(title, fontsize=8)
    fig.suptitle(heading, fontsize=10)
    return fig
