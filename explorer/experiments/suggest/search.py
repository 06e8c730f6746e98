"""Suggest, run: search IDG settings around the user's with Optuna, then prove the pick on
fresh seeds (issue 17).

1. Affinity: the baseline (no augmentation) trains on the first search seed; its accuracy on
   validation images augmented by each candidate choice alone, over its clean accuracy,
   drops the choices (and holds off the settings) that change what images show
   (`space.search_space`); so does the caller's veto (the config doctor's warnings).
2. Search: Optuna's TPE sampler (seeded) picks a choice per dimension (an ordinal index, so
   "x0.5" sits between "off" and "x1"); each configuration trains on the search seeds and
   scores the mean validation accuracy of its last epochs; the user's own config is tried
   first; the median pruner stops a configuration whose first seed falls behind, epoch by epoch.
   A combination the veto objects to (each value passed alone, but not together) is never
   trained: it is recorded with its objection, pruned, and the sampler learns to avoid it.
3. Check, against the winner's curse: the best configuration, the user's and the baseline
   train again, paired, on fresh seeds never used to choose (`run_comparison`); the
   suggestion's differences from both, with 95% t-intervals, are what it is judged by.

On the Ray backend the search is Ray Tune with the Optuna searcher (`ray_search`).

Imports Keras (through `training.fit`) and Optuna: used by the CLI and the worker only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ...augment.config import AugmentConfig
from ...data.datasets import Dataset
from ..analysis.verdict import paired_deltas, window
from ..records.results import Progress, RunResult
from ..records.spec import BASELINE, SUGGESTED, YOURS, ModelRef, TrainSettings
from ..records.stack_arm import StackArm
from ..records.trials import Trial, TrialContext
from ..training.fit import model_factory, run_trial, validation_input
from ..training.paired import prepare, run_comparison
from .space import (
    Comparison,
    SearchProgress,
    Suggestion,
    TrialScore,
    Veto,
    comparison_of,
    config_from,
    first_point,
    objections,
    search_space,
)


@dataclass(frozen=True)
class CheckHooks:
    """How the check on fresh seeds reports (as a comparison does: `run_comparison`'s
    progress and on_epoch, then its whole result), when it stops, and where its trials train
    (a backend; None: this process)."""

    progress: Callable[[Progress], None] | None = None
    on_epoch: Callable[[RunResult], None] | None = None
    should_stop: Callable[[], bool] | None = None
    backend: object = None
    on_result: Callable[[RunResult], None] | None = None


@dataclass(frozen=True)
class SearchHooks:
    """`suggest`'s progress, stop, check_after_stop and check hooks, as one record."""

    progress: Callable[[SearchProgress], None] | None
    should_stop: Callable[[], bool]
    check_after_stop: bool | Callable[[], bool]
    check: CheckHooks


class _Reporter:
    """SearchProgress as the search goes: the scores so far, the best, the time spent."""

    def __init__(self, budget: int, report: Callable[[SearchProgress], None] | None):
        self.budget, self.report, self.started = budget, report or (lambda state: None), time.monotonic()
        self.scores: list[float | None] = []
        self.best: tuple[float, AugmentConfig] | None = None

    def scored(self, score: float | None, config: AugmentConfig | StackArm) -> None:
        self.scores.append(score)
        if score is not None and (self.best is None or score > self.best[0]):
            self.best = (score, config)

    def __call__(self, phase: str, fraction: float = 0.0) -> None:
        score, best = self.best or (None, None)
        stack = best if isinstance(best, StackArm) else None
        self.report(
            SearchProgress(
                len(self.scores),
                self.budget,
                score,
                None if stack is not None else best,
                phase,
                fraction,
                tuple(self.scores),
                time.monotonic() - self.started,
                stack,
            )
        )


def _affinity(config: AugmentConfig, context: TrialContext, models, seed: int) -> dict[tuple[str, int], float]:
    """(setting, choice index) -> the baseline's accuracy on validation images augmented by
    that choice alone over its clean accuracy (every choice but "off", index 0)."""
    base = config.without_transforms()
    candidates, _ = search_space(config)
    probes = {
        f"{d.setting}#{index}": models.data_config(base.replace(**{d.setting: choice}))
        for d in candidates
        for index, choice in enumerate(d.choices)
        if index
    }
    outcome = run_trial(Trial(BASELINE, 0, seed, base), replace(context, probes=probes), models=models)
    matrix = np.asarray(outcome.confusion)
    clean = float(np.trace(matrix) / max(1, matrix.sum()))
    if not clean:
        return {}
    return {
        (name.split("#")[0], int(name.split("#")[1])): accuracy / clean
        for name, accuracy in outcome.probe_accuracy.items()
    }


def _scored(trial, make: Callable[[int, int], Trial], context, models, should_stop, reporter: _Reporter):
    """Train the candidate `make(seed_index, seed)` on every search seed: its score (the mean
    validation accuracy of the last epochs) and False, or None and whether the pruner
    stopped it (stopped on the first seed's epochs, or by `should_stop`)."""
    seeds, epochs = context.settings.seeds, context.settings.epochs
    flags = {"prune": False}

    def report(event) -> None:  # prune on the first seed's epochs; the share done to the page
        if event.metrics is None:
            return
        reporter("search", (event.seed_index * epochs + event.epoch) / (len(seeds) * epochs))
        if event.seed_index == 0:
            trial.report(event.metrics.val_accuracy, event.epoch)
            flags["prune"] = bool(trial.should_prune())  # NumPy's bool from the pruner

    finals = []
    for index, seed in enumerate(seeds):
        outcome = run_trial(make(index, seed), context, report, lambda: flags["prune"] or should_stop(), models)
        if outcome.stopped:
            return None, flags["prune"]
        finals.append(window(outcome.history["val_accuracy"]))
    return float(np.mean(finals)), False


def _objective(
    config, dimensions, excluded, context, models, scores, should_stop, reporter: _Reporter, veto: Veto | None = None
):
    import optuna

    def objective(trial: optuna.Trial) -> float:
        choices = {d.setting: d.choices[trial.suggest_int(d.setting, 0, len(d.choices) - 1)] for d in dimensions}
        candidate = config_from(config, choices, excluded)
        said = objections(veto, candidate, config.without_transforms())
        if said:  # never trained: the doctor warns about this combination
            scores.append(TrialScore(trial.number, choices, None, pruned=True, vetoed=said[0].message))
            reporter.scored(None, candidate)
            raise optuna.TrialPruned()
        score, pruned = _scored(
            trial, lambda index, seed: Trial(SUGGESTED, index, seed, candidate), context, models, should_stop, reporter
        )
        return _scored_trial(trial, choices, score, pruned, candidate, scores, reporter)

    return objective


def _scored_trial(trial, choices: dict, score: float | None, pruned: bool, candidate, scores: list, reporter) -> float:
    """Record a trained configuration's score (and tell the reporter); a configuration
    without a score is pruned for Optuna."""
    import optuna

    scores.append(TrialScore(trial.number, choices, score, pruned=pruned))
    reporter.scored(score, candidate)
    if score is None:
        raise optuna.TrialPruned()
    return score


def _compare(suggested_runs, other_runs) -> Comparison:
    """The paired effect as every comparison writes it (`stats.effect_from`)."""
    return comparison_of(paired_deltas(suggested_runs, other_runs))


def _check(
    dataset, arms: dict, settings, fresh, model, hooks: CheckHooks, stacks: dict | None = None
) -> tuple[Comparison, Comparison, Comparison]:
    """The pick, the user's config and the baseline (`arms`: BASELINE, YOURS, SUGGESTED;
    `stacks`: the arms that run a Keras 3 stack), paired on fresh seeds: the pick against
    the baseline and against the user's config, and the user's config against the baseline."""
    checked = run_comparison(
        dataset,
        arms,
        replace(settings, seeds=fresh),
        model=model,
        progress=hooks.progress,
        should_stop=hooks.should_stop,
        on_epoch=hooks.on_epoch,
        backend=hooks.backend,
        stacks=stacks,
    )
    if hooks.on_result is not None:
        hooks.on_result(checked)
    runs = {arm: history.val_accuracy for arm, history in checked.arms.items()}
    return (
        _compare(runs[SUGGESTED], runs[BASELINE]),
        _compare(runs[SUGGESTED], runs[YOURS]),
        _compare(runs[YOURS], runs[BASELINE]),
    )


def _optuna_search(
    make_objective: Callable[[list[TrialScore]], Callable],
    epochs: int,
    budget: int,
    first: dict[str, int],
    reporter: _Reporter,
    should_stop,
) -> list[TrialScore]:
    """Try `budget` configurations one after another in this process (`first`: the user's);
    `make_objective(scores)`: the objective, appending each configuration's TrialScore."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=0),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=4, n_warmup_steps=max(1, epochs // 2)),
    )
    study.enqueue_trial(first)

    def after_each(study, trial) -> None:
        reporter("search")
        if should_stop():
            study.stop()

    scores: list[TrialScore] = []
    study.optimize(
        make_objective(scores),
        n_trials=budget,
        callbacks=[after_each],
    )
    return scores


def suggest(
    dataset: Dataset,
    config: AugmentConfig,
    settings: TrainSettings,
    budget: int = 24,
    check_seeds: int = 3,
    model: ModelRef | None = None,
    progress: Callable[[SearchProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    check_after_stop: bool | Callable[[], bool] = True,
    check: CheckHooks | None = None,
    veto: Veto | None = None,
    stack: StackArm | None = None,
) -> Suggestion:
    """Suggest: search around `config` for a better augmentation, then check the best on fresh
    seeds. The entry point of `python -m explorer suggest` and of the page's suggest runs.
    With a Keras 3 `stack`, the search is over its layers and the answer is a stack
    (`stack_search.suggest_stack`).

    First the baseline (no augmentation) trains once on the first search seed; the choices
    that change what images show (its accuracy on validation images augmented by that choice
    alone falls too far) are left out of the search space, as are those `veto` objects to
    (module docstring, step 1). Then `budget`
    configurations are trained on `settings.seeds` (Optuna's TPE with pruning here; Ray Tune
    with a `RayBackend` in `check.backend`). The best is then trained against no augmentation
    and against `config`, paired, on `check_seeds` fresh seeds numbered after the search seeds,
    so the seeds that chose it never judge it.

    Args:
        dataset: the images and labels (`load_dataset`, `load_demo`); split once, as a
            comparison splits it.
        config: the user's settings: where the search starts and what the pick must beat.
        settings: how every configuration is trained (seeds, epochs, batch size, image size).
        budget: how many configurations the search trains.
        check_seeds: how many fresh seeds the check trains the pick and both references on.
        model: what every arm trains (default: the small CNN).
        progress: called with a `SearchProgress` as the search goes (affinity, search, check).
        should_stop: polled between trials; True ends the search with the best so far.
        check_after_stop: whether a stopped search is still checked (or a function asked once
            the search has ended).
        check: how the check reports, stops and where its trials train (`CheckHooks`).
        veto: config -> its objections (the CLI and the worker pass the config doctor's
            warnings): the search never offers a value, nor trains a combination, it objects to.
            Not used for a stack (the stack doctor is not a veto yet).
        stack: the user's Keras 3 stack (`StackArm`): search its layers, keep `config`'s
            preprocessing; the suggestion's `stack` is the pick.

    Returns:
        The `Suggestion` (suggestion.json): the pick, the trials, what was left out and why,
        and its two comparisons on the check seeds (`vs_baseline`, `vs_user`); `sentence` and
        `verdict` say it in words. Without a check (stopped before one), the comparisons are
        empty.

    Raises:
        InputError: the dataset cannot be split (a class with fewer than 2 images) or the
            model cannot be built or loaded for its images.

    Example:
        >>> from explorer import AugmentConfig, load_demo
        >>> from explorer.experiments.records.spec import TrainSettings
        >>> from explorer.experiments.suggest.search import suggest
        >>> found = suggest(load_demo("digits"), AugmentConfig(rotation_range=20),
        ...                 TrainSettings(seeds=(0, 1), epochs=4), budget=12)  # doctest: +SKIP
        >>> print(found.sentence)  # doctest: +SKIP
    """
    from ..training.backends import RayBackend

    model, should_stop, check = model or ModelRef(), should_stop or (lambda: False), check or CheckHooks()
    if stack is not None:
        from .stack_search import suggest_stack

        hooks = SearchHooks(progress, should_stop, check_after_stop, check)
        return suggest_stack(dataset, config, stack, settings, budget, check_seeds, model, hooks)
    reporter = _Reporter(budget, progress)
    split = prepare(dataset, settings)
    models = model_factory(model, split, config.without_transforms())
    context = TrialContext(
        split,
        validation_input(split, models, config.without_transforms()),
        settings,
        model,
        config.without_transforms(),
    )
    reporter("affinity")
    dimensions, excluded = search_space(config, _affinity(config, context, models, settings.seeds[0]), veto)
    first = first_point(config, dimensions)
    reporter("search")
    if isinstance(check.backend, RayBackend):
        from .ray_search import ray_search

        scores = ray_search(
            check.backend, config, dimensions, excluded, context, budget, first, reporter, should_stop, veto
        )
    else:
        scores = _optuna_search(
            lambda scores: _objective(
                config, dimensions, excluded, context, models, scores, should_stop, reporter, veto
            ),
            settings.epochs,
            budget,
            first,
            reporter,
            should_stop,
        )
    stopped = len(scores) < budget or should_stop()
    best = reporter.best[1] if reporter.best else config
    fresh = tuple(range(max(settings.seeds) + 1, max(settings.seeds) + 1 + check_seeds))
    vs_baseline = vs_user = yours = Comparison(None, (None, None))
    wanted = check_after_stop() if callable(check_after_stop) else check_after_stop
    if reporter.best and (wanted or not stopped):
        reporter("check")
        arms = {BASELINE: config.without_transforms(), YOURS: config, SUGGESTED: best}
        vs_baseline, vs_user, yours = _check(dataset, arms, settings, fresh, model, check)
    return Suggestion(
        best,
        config,
        vs_baseline,
        vs_user,
        list(settings.seeds),
        list(fresh),
        scores,
        excluded,
        stopped,
        {d.setting: d.dropped for d in dimensions if d.dropped},
        yours,
    )
