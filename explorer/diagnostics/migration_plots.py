"""The migration check's figure: IDG's draws against the stack's, one small histogram per
quantity on a shared axis, and the map of where the mean images differ.

Built on `matplotlib.figure.Figure` directly (no pyplot), like `plots`: no backend switch, no
global state, safe in a web app's threads. Sized for about 1100 px wide at 100 dpi.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .migration_draws import DrawQuantity, SideBySide
from .migration_pixels import band_margins

IDG_COLOUR, STACK_COLOUR = "#4C72B0", "#DD8452"  # the comparison figure's baseline / augmented colours
HIST_COLUMNS = 3
BINS = 24
UNIT_LABELS = {"°": "degrees", "px": "pixels", "x": "factor (x)", "0/1": "flipped (0 no, 1 yes)"}


def _bins(quantity: DrawQuantity) -> np.ndarray:
    """Shared bin edges for both sides: whole values for flips, 24 bins over both ranges."""
    if quantity.is_flag:
        return np.array([-0.5, 0.5, 1.5])
    values = np.asarray(quantity.idg + quantity.stack, dtype=np.float64)
    values = values[np.isfinite(values)]
    low, high = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
    if high - low < 1e-9:
        low, high = low - 0.5, high + 0.5
    return np.linspace(low, high, BINS + 1)


def _histogram(ax, quantity: DrawQuantity) -> None:
    """Both sides' draws on one axis: IDG filled, the stack outlined, as shares of the draws."""
    bins = _bins(quantity)
    for values, colour, label, kind in (
        (quantity.idg, IDG_COLOUR, "IDG", "stepfilled"),
        (quantity.stack, STACK_COLOUR, "stack", "step"),
    ):
        array = np.asarray(values, dtype=np.float64)
        array = np.clip(array[np.isfinite(array)], bins[0], bins[-1])
        weights = np.full(len(array), 1.0 / max(1, len(array)))
        alpha = 0.45 if kind == "stepfilled" else 1.0
        if quantity.is_flag:  # side by side bars: share not flipped, share flipped
            shares = [float(np.mean(array < 0.5)), float(np.mean(array >= 0.5))] if len(array) else [0.0, 0.0]
            offset = -0.18 if kind == "stepfilled" else 0.18
            ax.bar([offset, 1 + offset], shares, width=0.34, color=colour, alpha=max(alpha, 0.6), label=label)
            continue
        ax.hist(array, bins=bins, weights=weights, histtype=kind, color=colour, alpha=alpha, linewidth=1.6, label=label)
    title = quantity.name + (" (differs)" if quantity.differs else "")
    ax.set_title(title, fontsize=9, color="#C44E52" if quantity.differs else "black")
    ax.set_xlabel(UNIT_LABELS.get(quantity.unit, quantity.unit), fontsize=8)
    if quantity.is_flag:
        ax.set_xticks([0, 1])
    ax.tick_params(labelsize=7)
    ax.set_yticks([])


def _difference_map(figure: Figure, ax, side: SideBySide) -> None:
    """The difference heatmap, its colour bar in grey levels and the border band outlined."""
    height, width = side.difference.shape
    image = ax.imshow(side.difference, cmap="magma", vmin=0.0, interpolation="nearest")
    colorbar = figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    colorbar.set_label("|mean IDG - mean stack|, grey levels", fontsize=8)
    colorbar.ax.tick_params(labelsize=7)
    rows, cols = band_margins(height, width)
    inner = Rectangle(
        (cols - 0.5, rows - 0.5), width - 2 * cols, height - 2 * rows, fill=False, edgecolor="#7FDBFF", linestyle="--"
    )
    ax.add_patch(inner)
    ax.set_title(
        f"mean difference {side.mean_difference:.1f} (noise {side.noise_floor:.1f})\n"
        f"{100 * side.border_share:.0f}% in the outer 10% band (dashed; {100 * side.band_area:.0f}% of pixels)",
        fontsize=9,
    )
    ax.set_xticks([])
    ax.set_yticks([])


def side_by_side_figure(side: SideBySide) -> Figure:
    """Histograms of what each side draws (IDG filled, stack outlined) and the difference map.

    One axis per quantity (three columns), the map on the right with its colour bar: so
    len(side.quantities) + 2 axes in all.
    """
    count = len(side.quantities)
    rows = max(2, math.ceil(count / HIST_COLUMNS))
    figure = Figure(figsize=(11, 2.1 * rows + 0.6), dpi=100, layout="constrained")
    grid = figure.add_gridspec(rows, HIST_COLUMNS + 2)
    for index, quantity in enumerate(side.quantities):
        _histogram(figure.add_subplot(grid[index // HIST_COLUMNS, index % HIST_COLUMNS]), quantity)
    _difference_map(figure, figure.add_subplot(grid[:, HIST_COLUMNS:]), side)
    if count:
        handles, labels = figure.axes[0].get_legend_handles_labels()
        figure.legend(handles, labels, loc="outside upper left", ncols=2, fontsize=8, frameon=False)
    figure.suptitle(
        f"Your IDG config vs your Keras 3 stack: {side.images} image(s), {side.draws} draws each", fontsize=11
    )
    return figure
