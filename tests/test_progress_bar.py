"""explorer.progress_bar: the one-line bar `python -m explorer compare` and
`explorer.compare(progress=True)` draw while a run trains."""

from __future__ import annotations

import io

from code_map import imported_modules, modules
from explorer.experiments.records.results import Progress
from explorer.progress_bar import LINE, ProgressBar, line


def _progress(done: float, epochs_done: int, **changes) -> Progress:
    values = dict(
        arm="augmented",
        seed=1,
        epoch=epochs_done + 1,
        batch=3,
        batches=8,
        done_fraction=done,
        elapsed=10.0,
        epochs=4,
        epochs_done=epochs_done,
        epochs_total=8,
        trials_total=2,
    )
    return Progress(**(values | changes))


def test_the_line_says_where_the_run_is_and_the_eta_once_an_epoch_has_finished():
    before = line(_progress(0.05, 0))
    assert before.startswith("[" + "#" * 1 + "." * 29 + "]")
    assert "augmented seed 1 epoch 1/4" in before and "(0/8 epochs done)" in before
    assert before.endswith("ETA after the first epoch")
    after = line(_progress(0.5, 4, epoch_seconds=2.0))
    assert after.startswith("[" + "#" * 15 + "." * 15 + "]") and " 50% " in after
    assert after.endswith("ETA    8s")  # 2 s per epoch x 4 epochs left


def test_trials_side_by_side_are_counted_instead_of_one_trials_epoch():
    text = line(_progress(0.25, 2, trials_running=2, trials_done=1, trials_total=4))
    assert "trials 1 done, 2 running, 1 waiting" in text and "seed" not in text


def test_redraws_are_throttled_but_every_finished_epoch_is_drawn():
    out = io.StringIO()
    bar = ProgressBar(interval=3600, stream=out)
    bar(_progress(0.01, 0))
    bar(_progress(0.02, 0))  # within the interval, same epoch: skipped
    bar(_progress(0.125, 1))  # an epoch ended: drawn
    bar.close()
    draws = out.getvalue().split("\r")[1:]
    assert len(draws) == 2 and all(len(draw.rstrip("\n")) == LINE for draw in draws)  # padded: covers a longer line
    assert "(1/8 epochs done)" in draws[1] and out.getvalue().endswith("\n")


def test_the_cli_and_the_notebook_draw_the_same_bar():
    by_name = {module.name: module for module in modules()}
    for user in ("explorer.cli", "explorer.notebook"):
        imported = imported_modules(by_name[user])
        assert "explorer.progress_bar" in imported and "explorer.cli" not in imported, user
