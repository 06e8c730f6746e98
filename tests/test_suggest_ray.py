"""Suggest on the Ray backend (issue 17): the search on a real Ray Tune run with the Optuna
searcher, on a local Ray instance of 2 CPUs. The user's configuration is tried first and
scores what the local search gives it; Stop ends the search (configurations side by side)
with the best so far; the pick is checked on fresh seeds."""

from __future__ import annotations

import time

import pytest

pytest.importorskip("keras")
pytest.importorskip("optuna")
pytest.importorskip("ray.tune", reason="ray[tune]")

from explorer.augment.config import AugmentConfig  # noqa: E402
from explorer.data.demos import make_shapes  # noqa: E402
from explorer.experiments.records.spec import TrainSettings  # noqa: E402
from explorer.experiments.suggest.search import CheckHooks, suggest  # noqa: E402
from explorer.experiments.suggest.space import config_from  # noqa: E402
from explorer.experiments.training.backends import RayBackend  # noqa: E402

pytestmark = pytest.mark.slow
CONFIG = AugmentConfig(rotation_range=30, zoom_range=0.2, rescale=1 / 255)
TINY = TrainSettings(seeds=(0,), epochs=2, batch_size=16, image_size=16)
DEADLINE_S = 300  # a search not finished by then is stopped, and its test fails


@pytest.fixture(scope="module")
def shapes():
    return make_shapes(image_size=16, per_class=24)


def test_ray_tune_tries_the_users_config_first_and_scores_it_as_the_local_search_does(shapes, local_ray):
    states = []
    started = time.monotonic()
    # 2 CPUs per trial: Ray's trials train with this process's threads, so the scores can be equal.
    on_ray = suggest(
        shapes,
        CONFIG,
        TINY,
        budget=4,
        check_seeds=2,
        progress=states.append,
        should_stop=lambda: time.monotonic() - started > DEADLINE_S,
        check=CheckHooks(backend=RayBackend(cpus_per_trial=2)),
    )
    here = suggest(shapes, CONFIG, TINY, budget=1, check_seeds=2, check_after_stop=False)
    assert not on_ray.stopped and len(on_ray.trials) == 4
    # The local search's first configuration is the user's (a dropped value made milder).
    # The same training wherever it runs (TPE may propose it again; a copy may be stopped early).
    mine = [t.score for t in on_ray.trials if t.choices == here.trials[0].choices and t.score is not None]
    assert mine and all(score == pytest.approx(here.trials[0].score) for score in mine)
    assert [s.phase for s in states][-1] == "check" and max(s.done for s in states) == 4
    assert len(on_ray.vs_user.deltas) == 2 and on_ray.seeds_used_for_check == [1, 2]
    best = max(t.score for t in on_ray.trials if t.score is not None)
    assert on_ray.config == next(
        config_from(CONFIG, t.choices, on_ray.excluded) for t in on_ray.trials if t.score == best
    )


def test_stop_ends_the_ray_search_with_the_best_so_far_and_still_checks_it(shapes, local_ray):
    states = []

    def should_stop() -> bool:
        return bool(states) and states[-1].done >= 1

    result = suggest(
        shapes,
        CONFIG,
        TINY,
        budget=40,
        check_seeds=2,
        progress=states.append,
        should_stop=should_stop,
        check=CheckHooks(backend=RayBackend(cpus_per_trial=1)),
    )
    assert result.stopped and 1 <= len(result.trials) < 40
    assert any(t.score is not None for t in result.trials) and len(result.vs_user.deltas) == 2
