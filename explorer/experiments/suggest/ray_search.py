"""Suggest's search on the Ray backend: Ray Tune with the Optuna searcher (issue 17).

The same search as on one machine (`search`): Optuna's TPE sampler (seeded), each
dimension an ordinal index, the user's own configuration first, each configuration trained on
the search seeds and scored by the mean validation accuracy of its last epochs. Tune runs the
configurations side by side, one per `cpus_per_trial` (and `gpus_per_trial`) of the cluster,
and its median stopping rule stands in for Optuna's median pruner: a configuration whose first
seed falls below the median of the others, epoch by epoch, is stopped (its score is None). A
combination the veto objects to ends at once, untrained, with its objection (`search`).

Stop (`should_stop`) ends every running configuration; the best so far is kept. Tune's own
files go to a temporary folder, removed afterwards: search.json and suggestion.json are the
record. The affinity model and the check are not Tune's: see `search.suggest`. Imports Ray
Tune when the search starts, Keras in the trials.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable

from ...augment.config import AugmentConfig
from ...errors import InputError
from ..records.spec import SUGGESTED
from ..records.trials import Trial, TrialContext
from ..training.backends import RayBackend, use_threads
from .space import Dimension, Excluded, TrialScore, Veto, config_from, objections

METRIC, SCORE = "val_accuracy", "score"  # the first seed's per-epoch accuracy; the configuration's score
VETOED = "vetoed"  # a combination never trained: the veto's objection
TUNE_ENVIRON = {
    "TUNE_DISABLE_SIGINT_HANDLER": "1",  # Ctrl-C is the CLI's: stop the search, then check
    "TUNE_DISABLE_STRICT_METRIC_CHECKING": "1",  # the epochs report no score, only the end does
    "RAY_AIR_NEW_OUTPUT": "0",  # with verbose=0: no tables on stdout (the CLI and page say the progress)
}


@contextlib.contextmanager
def _environ(values: dict[str, str]):
    """These environment variables while the block runs, the earlier values after."""
    earlier = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in earlier.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _tune_trial(
    params: dict,
    context: TrialContext,
    config: AugmentConfig,
    dimensions: list[Dimension],
    excluded: list[Excluded],
    threads: int,
    veto: Veto | None = None,
) -> None:
    """A Tune trial: one configuration on every search seed; the first seed's epochs reported
    for the stopping rule, then the score. A combination `veto` objects to reports its
    objection and no score (NaN for the stopping rule, which leaves it out)."""
    from ray import tune

    candidate = config_from(config, {d.setting: d.choices[params[d.setting]] for d in dimensions}, excluded)
    said = objections(veto, candidate, config.without_transforms())
    if said:  # never trained: nothing to import or set up
        tune.report({METRIC: float("nan"), "share": 1.0, VETOED: said[0].message})
        return
    import numpy as np

    from ..analysis.verdict import window
    from ..training.fit import run_trial

    use_threads(threads)
    seeds, epochs = context.settings.seeds, context.settings.epochs
    first: list[float] = []

    def report(event) -> None:
        if event.metrics is not None and event.seed_index == 0:
            first.append(event.metrics.val_accuracy)
            tune.report({METRIC: event.metrics.val_accuracy, "share": event.epoch / (len(seeds) * epochs)})

    finals = []
    for index, seed in enumerate(seeds):
        outcome = run_trial(Trial(SUGGESTED, index, seed, candidate), context, report)
        finals.append(window(outcome.history["val_accuracy"]))
    tune.report({METRIC: first[-1], "share": 1.0, SCORE: float(np.mean(finals))})


def _callbacks(tune, dimensions, config, excluded, scores: list[TrialScore], reporter, should_stop):
    """Tune's callbacks into the search's records: each finished configuration's score (None:
    stopped early) and the progress; and a stopper that ends everything on Stop."""

    class Progress(tune.Callback):
        def __init__(self):
            self.shares: dict[str, float] = {}

        def on_trial_result(self, iteration, trials, trial, result, **info):
            self.shares[trial.trial_id] = float(result.get("share", 0.0))
            reporter("search", min(0.999, sum(self.shares.values())))

        def on_trial_complete(self, iteration, trials, trial, **info):
            self.shares.pop(trial.trial_id, None)
            choices = {d.setting: d.choices[trial.config[d.setting]] for d in dimensions}
            last = trial.last_result or {}
            score, vetoed = last.get(SCORE), str(last.get(VETOED) or "")
            pruned = score is None and (bool(vetoed) or not should_stop())
            scores.append(TrialScore(len(scores), choices, score, pruned=pruned, vetoed=vetoed))
            reporter.scored(score, config_from(config, choices, excluded))
            reporter("search", sum(self.shares.values()))

    class Stop(tune.Stopper):
        def __call__(self, trial_id, result):
            return False

        def stop_all(self):
            return should_stop()

    return Progress(), Stop()


def ray_search(
    backend: RayBackend,
    config: AugmentConfig,
    dimensions: list[Dimension],
    excluded: list[Excluded],
    context: TrialContext,
    budget: int,
    first: dict[str, int],
    reporter,
    should_stop: Callable[[], bool],
    veto: Veto | None = None,
) -> list[TrialScore]:
    """Try `budget` configurations on Ray Tune (`first`: the user's, as choice indices); the
    scores in the order the configurations ended."""
    with backend.session() as ray:
        try:
            import optuna
            from optuna.samplers import TPESampler
            from ray import tune
            from ray.tune.search.optuna import OptunaSearch
        except ImportError:
            raise InputError("suggest on the ray backend needs Ray Tune: pip install 'ray[tune]>=2.30'") from None
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        scores: list[TrialScore] = []
        progress, stopper = _callbacks(tune, dimensions, config, excluded, scores, reporter, should_stop)

        class Searcher(OptunaSearch):
            def on_trial_result(self, trial_id, result):
                """The epochs are the stopping rule's (METRIC), not Optuna's: only the final
                report has the score, and a configuration stopped early ends without one
                (Optuna records it as pruned)."""

        searcher = Searcher(
            metric=SCORE, mode="max", points_to_evaluate=[first] if first else None, sampler=TPESampler(seed=0)
        )
        epochs = context.settings.epochs
        stopping = tune.schedulers.MedianStoppingRule(
            time_attr="training_iteration",
            metric=METRIC,
            mode="max",
            grace_period=max(1, epochs // 2),
            min_samples_required=4,
        )
        trainable = tune.with_resources(
            tune.with_parameters(
                _tune_trial,
                context=context,
                config=config,
                dimensions=dimensions,
                excluded=excluded,
                threads=backend.threads,
                veto=veto,
            ),
            {"cpu": backend.cpus_per_trial, "gpu": backend.gpus_per_trial},
        )
        slots = max(1, int(ray.cluster_resources().get("CPU", 1) // backend.cpus_per_trial))
        with tempfile.TemporaryDirectory(prefix="explorer-tune-") as storage, _environ(TUNE_ENVIRON):
            tuner = tune.Tuner(
                trainable,
                param_space={d.setting: tune.randint(0, len(d.choices)) for d in dimensions},
                tune_config=tune.TuneConfig(
                    search_alg=searcher,
                    scheduler=stopping,
                    num_samples=budget,
                    max_concurrent_trials=slots,
                    reuse_actors=True,
                ),
                run_config=tune.RunConfig(
                    storage_path=storage,
                    name="suggest",
                    stop=stopper,
                    callbacks=[progress],
                    verbose=0,
                    failure_config=tune.FailureConfig(max_failures=1),
                ),
            )
            tuner.fit()
        return scores
