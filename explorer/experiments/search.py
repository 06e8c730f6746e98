"""Suggest, run: search IDG settings around the user's with Optuna, then prove the pick on
fresh seeds (issue 17).

1. Affinity: the baseline (no augmentation) trains on the first search seed; its accuracy on
   validation images augmented by each candidate choice alone, over its clean accuracy,
   drops the choices (and holds off the settings) that change what images show
   (`suggest.search_space`).
2. Search: Optuna's TPE sampler (seeded) picks a choice per dimension (an ordinal index, so
   "x0.5" sits between "off" and "x1"); each configuration trains on the search seeds and
   scores the mean validation accuracy of its last epochs; the user's own config is tried
   first; the median pruner stops a configuration whose first seed falls behind, epoch by epoch.
3. Check, against the winner's curse: the best configuration, the user's and the baseline
   train again, paired, on fresh seeds never used to choose (`run_comparison`); the
   suggestion's differences from both, with 95% t-intervals, are what it is judged by.

Imports Keras (through `fitting`) and Optuna: used by the CLI and the worker only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ..augment.config import AugmentConfig
from ..data.datasets import Dataset
from .fitting import model_factory, run_trial, validation_input
from .spec import BASELINE, ModelRef, TrainSettings
from .stats import effect_from
from .suggest import Comparison, Dimension, Suggestion, TrialScore, config_from, search_space
from .summary import paired_deltas, window
from .training import prepare, run_comparison
from .trials import Trial, TrialContext

YOURS, SUGGESTED = "yours", "suggested"


@dataclass(frozen=True)
class SearchProgress:
    """After each configuration tried: how many of the budget, the best score so far and its config."""

    done: int
    budget: int
    best_score: float | None
    best: AugmentConfig | None
    phase: str  # "affinity", "search" or "check"


def _affinity(config: AugmentConfig, context: TrialContext, models, seed: int) -> dict[tuple[str, int], float]:
    """(setting, choice index) -> the baseline's accuracy on validation images augmented by
    that choice alone over its clean accuracy (every choice but "off", index 0)."""
    base = config.without_transforms()
    candidates, _ = search_space(config)
    probes = {f"{d.setting}#{index}": models.data_config(base.replace(**{d.setting: choice}))
              for d in candidates for index, choice in enumerate(d.choices) if index}
    outcome = run_trial(Trial(BASELINE, 0, seed, base), replace(context, probes=probes), models=models)
    matrix = np.asarray(outcome.confusion)
    clean = float(np.trace(matrix) / max(1, matrix.sum()))
    if not clean:
        return {}
    return {(name.split("#")[0], int(name.split("#")[1])): accuracy / clean
            for name, accuracy in outcome.probe_accuracy.items()}


def _indices(dimensions: list[Dimension], config: AugmentConfig) -> dict[str, int]:
    """The user's own config as Optuna parameters (its index in each dimension's choices)."""
    return {d.setting: d.choices.index(getattr(config, d.setting)) for d in dimensions
            if getattr(config, d.setting) in d.choices}


def _objective(config, dimensions, excluded, context, models, seeds, scores, should_stop):
    import optuna

    def objective(trial: optuna.Trial) -> float:
        choices = {d.setting: d.choices[trial.suggest_int(d.setting, 0, len(d.choices) - 1)] for d in dimensions}
        candidate = config_from(config, choices, excluded)
        flags = {"prune": False}

        def report(event) -> None:  # prune on the first seed's epochs
            if event.metrics is not None and event.seed_index == 0:
                trial.report(event.metrics.val_accuracy, event.epoch)
                flags["prune"] = trial.should_prune()

        finals = []
        for index, seed in enumerate(seeds):
            outcome = run_trial(Trial(SUGGESTED, index, seed, candidate), context, report,
                                lambda: flags["prune"] or should_stop(), models)
            if outcome.stopped:
                scores.append(TrialScore(trial.number, choices, None, pruned=flags["prune"]))
                raise optuna.TrialPruned()
            finals.append(window(outcome.history["val_accuracy"]))
        score = float(np.mean(finals))
        scores.append(TrialScore(trial.number, choices, score))
        return score

    return objective


def _compare(suggested_runs, other_runs) -> Comparison:
    """The paired effect as every comparison writes it (`stats.effect_from`)."""
    deltas = paired_deltas(suggested_runs, other_runs)
    effect = effect_from(SUGGESTED, deltas)
    return Comparison(effect.delta_mean, tuple(effect.ci95), deltas)


def suggest(dataset: Dataset, config: AugmentConfig, settings: TrainSettings, budget: int = 24,
            check_seeds: int = 3, model: ModelRef | None = None,
            progress: Callable[[SearchProgress], None] | None = None,
            should_stop: Callable[[], bool] | None = None, check_after_stop: bool = True) -> Suggestion:
    """Search around `config` on `settings.seeds` for `budget` configurations, then check the
    best on `check_seeds` fresh seeds (numbered after the search seeds) against the baseline
    and `config`. Stop (`should_stop`) ends the search with the best so far; the check still
    runs when `check_after_stop`."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    model, should_stop = model or ModelRef(), should_stop or (lambda: False)
    report = progress or (lambda state: None)
    split = prepare(dataset, settings)
    models = model_factory(model, split, config.without_transforms())
    context = TrialContext(split, validation_input(split, models, config.without_transforms()), settings, model,
                           config.without_transforms())
    report(SearchProgress(0, budget, None, None, "affinity"))
    dimensions, excluded = search_space(config, _affinity(config, context, models, settings.seeds[0]))
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=0),
                                pruner=optuna.pruners.MedianPruner(n_startup_trials=4,
                                                                   n_warmup_steps=max(1, settings.epochs // 2)))
    study.enqueue_trial(_indices(dimensions, config_from(config, {}, excluded)))

    def chosen(params: dict[str, int]) -> AugmentConfig:  # Optuna's choice indices as a config
        return config_from(config, {d.setting: d.choices[params[d.setting]] for d in dimensions}, excluded)

    def after_each(study, trial) -> None:
        done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
        best = study.best_trial if done else None
        report(SearchProgress(len(study.trials), budget, best.value if best else None,
                              chosen(best.params) if best else None, "search"))
        if should_stop():
            study.stop()

    scores: list[TrialScore] = []
    study.optimize(_objective(config, dimensions, excluded, context, models, settings.seeds, scores, should_stop),
                   n_trials=budget, callbacks=[after_each])
    stopped = len(study.trials) < budget or should_stop()
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    best = chosen(study.best_trial.params) if complete else config
    fresh = tuple(range(max(settings.seeds) + 1, max(settings.seeds) + 1 + check_seeds))
    vs_baseline = vs_user = Comparison(None, (None, None))
    if complete and (check_after_stop or not stopped):
        report(SearchProgress(len(study.trials), budget, study.best_value, best, "check"))
        checked = run_comparison(dataset, {BASELINE: config.without_transforms(), YOURS: config, SUGGESTED: best},
                                 replace(settings, seeds=fresh), model=model)
        runs = {arm: history.val_accuracy for arm, history in checked.arms.items()}
        vs_baseline, vs_user = _compare(runs[SUGGESTED], runs[BASELINE]), _compare(runs[SUGGESTED], runs[YOURS])
    return Suggestion(best, config, vs_baseline, vs_user, list(settings.seeds), list(fresh), scores, excluded,
                      stopped)
