"""The one-line progress bar the CLI and the notebook show while a run trains
(`python -m explorer compare ...`, `explorer.compare(..., progress=True)`)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from .experiments.records.results import Progress

WIDTH = 30  # characters of the bar itself
LINE = 110  # a line is padded to this: a shorter line covers a longer one


class ProgressBar:
    """A one-line progress bar on stderr (a notebook shows it too): arm, seed, epoch, epochs
    done, and the ETA once an epoch has finished (`Progress.eta`: the measured pace, never
    the first batches'). Redrawn at most every `interval` seconds, and as every epoch ends
    (a notebook keeps every redraw it is sent). `close` ends its line.

    Args:
        interval: the least time between two redraws within one epoch, in seconds.
        stream: where it writes (default: `sys.stderr` at the time of each write).

    Example:
        >>> import io
        >>> from explorer.experiments.records.results import Progress
        >>> out = io.StringIO()
        >>> bar = ProgressBar(stream=out)
        >>> bar(Progress("augmented", 0, 1, 8, 8, 0.5, 3.0, epochs=2, epochs_done=1, epochs_total=2,
        ...              epoch_seconds=3.0, trials_total=1))
        >>> "50%" in out.getvalue() and "(1/2 epochs done)" in out.getvalue()
        True
    """

    def __init__(self, interval: float = 0.2, stream: TextIO | None = None):
        self.interval, self.last, self.epochs_done = interval, float("-inf"), -1
        self.stream = stream

    def _write(self, text: str) -> None:
        stream = self.stream or sys.stderr
        stream.write(text)
        stream.flush()

    def close(self) -> None:
        """End the bar's line."""
        self._write("\n")

    def __call__(self, state: Progress) -> None:
        now = time.monotonic()
        if now - self.last < self.interval and state.epochs_done == self.epochs_done:
            return
        self.last, self.epochs_done = now, state.epochs_done
        self._write(f"\r{line(state):<{LINE}}")


def line(state: Progress) -> str:
    """The bar's text for one progress report."""
    filled = int(state.done_fraction * WIDTH)
    eta = f"ETA {state.eta:4.0f}s" if state.eta is not None else "ETA after the first epoch"
    if state.trials_running > 1:  # side by side: one trial's epoch says little
        where = f"trials {state.trials_done} done, {state.trials_running} running, {state.trials_waiting} waiting"
    else:
        where = f"{state.arm:>10} seed {state.seed} epoch {state.epoch}/{state.epochs}"
    return (
        f"[{'#' * filled}{'.' * (WIDTH - filled)}] {state.done_fraction:4.0%} {where} "
        f"({state.epochs_done}/{state.epochs_total} epochs done) {eta}"
    )
