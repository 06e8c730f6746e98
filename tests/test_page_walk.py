"""The random walk of `page_walk` through AppTest: a long seeded walk among the slow tests,
a short one in the quick loop. AppTest also shows the session's record, which must be the
walk's expected one after every step; a Train click's submitted spec is checked against it.
The browser's walk is tests/test_e2e_walk.py.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis.stateful import run_state_machine_as_test
from page_walk import AppTestDriver, PageWalk

from explorer.experiments.runs.folders import new_run, set_status
from explorer.experiments.runs.queue import JobManager

WALK_SEED = 20261207
QUICK_SEED = 7


def walk(machine: type[PageWalk], steps: int, walk_seed: int) -> int:
    """Walk `steps` steps from `walk_seed`; returns how many were taken."""
    PageWalk.steps_taken, PageWalk.actions_taken, PageWalk.walks = 0, Counter(), 0
    PageWalk.trace, PageWalk.first_failure = [], None
    try:
        run_state_machine_as_test(
            seed(walk_seed)(machine),
            settings=settings(
                max_examples=1,
                stateful_step_count=steps,
                deadline=None,
                database=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            ),
        )
    except Exception as error:
        if PageWalk.first_failure is None:
            raise
        raise AssertionError(f"seed {walk_seed}: the page broke {PageWalk.first_failure}") from error
    return PageWalk.steps_taken


def _apptest_walk(tmp_path: Path, steps: int, walk_seed: int) -> int:
    submitted: list = []

    def submit(manager, spec, owner=None):
        submitted.append(spec)
        run_dir = new_run(spec, manager.root, owner)
        set_status(run_dir, "finished")  # nothing trains: the page shows the run as ended
        return run_dir.name

    class Walk(PageWalk):
        driver_factory = staticmethod(lambda: AppTestDriver(submitted))

    with (
        mock.patch.dict(os.environ, {"AUGMENT_RUNS_DIR": str(tmp_path / "runs")}),
        mock.patch.object(JobManager, "submit", submit),
    ):
        return walk(Walk, steps, walk_seed)


def test_a_short_walk_over_the_page(tmp_path):
    """The quick loop's walk: the same actions and invariants, fewer steps (15: 10 s alone, 20 to 40 s
    late in a whole quick run; the 220-step walk is among the slow tests)."""
    assert _apptest_walk(tmp_path, 15, QUICK_SEED) >= 12


@pytest.mark.slow
def test_a_long_random_walk_over_the_page_keeps_it_in_one_piece(tmp_path):
    taken = _apptest_walk(tmp_path, 220, WALK_SEED)
    print(f"AppTest walk: {taken} steps, seed {WALK_SEED}: {dict(PageWalk.actions_taken.most_common())}")
    assert taken >= 200
