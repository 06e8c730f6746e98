"""Learning-curve figure for the with/without-augmentation comparison.

Built on `matplotlib.figure.Figure` directly (no pyplot), so it needs no backend switch,
keeps no global figure state and is safe inside a web app's threads. The numbers come
from `stats.summarize(result)["per_epoch"]`: the line is the mean over seeds and the band
is mean ± 1 SD over the seeds that reached each epoch (drawn only where >= 2 seeds did).
"""

from __future__ import annotations

import textwrap
from io import BytesIO

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from .stats import summarize

ARM_COLOURS = {"baseline": "#4C72B0", "augmented": "#DD8452"}  # blue, orange
EXTRA_COLOURS = ("#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C", "#CCB974")
PANELS = (
    ("Accuracy", ("val_accuracy", "train_accuracy"), True),
    ("Loss", ("val_loss", "train_loss"), False),
)


def _colour(arm: str, arms: list[str]) -> str:
    if arm in ARM_COLOURS:
        return ARM_COLOURS[arm]
    extras = [a for a in arms if a not in ARM_COLOURS]
    return EXTRA_COLOURS[extras.index(arm) % len(EXTRA_COLOURS)]


def _summary(result: dict) -> dict:
    """The result's own summary when it has the curves and verdict, else a fresh one."""
    summary = result.get("summary") or {}
    return summary if "per_epoch" in summary and "verdict" in summary else summarize(result)


def _draw(ax, curve: dict, colour: str, label: str, validation: bool) -> None:
    """One arm's metric: mean line, ±1 SD band where >= 2 seeds, a marker if one epoch."""
    mean, std, n = curve["mean"], curve["std"], curve.get("n", [2] * len(curve["mean"]))
    epochs = list(range(1, len(mean) + 1))
    ax.plot(
        epochs, mean, color=colour, label=label,
        linestyle="-" if validation else "--", linewidth=2.0 if validation else 1.2,
        marker="o" if len(mean) == 1 else None, markersize=6 if validation else 4,
    )
    if max(n, default=0) >= 2:
        ax.fill_between(
            epochs, [m - s for m, s in zip(mean, std)], [m + s for m, s in zip(mean, std)],
            where=[k >= 2 for k in n], color=colour, alpha=0.18 if validation else 0.08,
            linewidth=0, interpolate=True,
        )


def comparison_figure(result: dict, title: str | None = None) -> Figure:
    """Validation (solid) and training (dashed) curves per arm: accuracy left, loss right.

    The suptitle is `title` (default: the dataset name) followed by the verdict, wrapped.
    Arms with no finished epoch are left out; with one seed there is no band.
    """
    summary = _summary(result)
    per_epoch = summary["per_epoch"]
    arms = list(per_epoch)
    fig = Figure(figsize=(11, 4.6))
    axes = fig.subplots(1, 2)
    longest = 0
    most_seeds = 0
    for ax, (name, metrics, is_accuracy) in zip(axes, PANELS):
        for arm in arms:
            for metric in metrics:
                curve = per_epoch[arm].get(metric)
                if not curve or not curve["mean"]:
                    continue
                longest = max(longest, len(curve["mean"]))
                most_seeds = max(most_seeds, max(curve.get("n", [0]), default=0))
                split = "validation" if metric.startswith("val") else "training"
                _draw(ax, curve, _colour(arm, arms), f"{arm} · {split}", split == "validation")
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
            ax.text(0.5, 0.5, "No finished epochs yet", ha="center", va="center",
                    transform=ax.transAxes, color="0.4")
    heading = title if title is not None else str(result.get("dataset", "Comparison"))
    fig.suptitle(f"{heading}\n" + textwrap.fill(summary["verdict"], width=120), fontsize=10)
    fig.tight_layout()
    return fig


def figure_png(figure: Figure) -> bytes:
    """The figure as PNG bytes (110 dpi, trimmed to its content)."""
    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()
