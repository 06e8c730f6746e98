"""Suggest over a Keras 3 stack, run: the search of `search` with layers for settings (issue 31).

1. Affinity: the baseline (the stack's layers that draw nothing, no augmentation) trains on
   the first search seed; its accuracy on validation images augmented by each candidate
   layer alone (`stack_space.alone`, through the NumPy reproduction `Stack.run`, which
   matches Keras within 0.01 of 255), over its accuracy on the clean ones, drops the choices
   that change what images show. `run_trial` evaluates one validation set, so the clean
   images and each probe's are stacked into one (at most PROBE_BYTES of them) and the
   baseline's predictions are read back block by block; the fixed layers run in a map for
   this model only, so each block holds exactly what the model sees.
2. Search: Optuna's TPE over each layer's choices (ordinal indices), the user's stack first,
   each candidate trained as `Trial(SUGGESTED, i, seed, preprocessing, stack=candidate)` on
   the search seeds, the median pruner as for settings. No veto: the stack doctor sits above
   this layer and is not passed in.
3. Check: the baseline, the user's stack and the pick, paired on fresh seeds
   (`run_comparison(..., stacks=...)`).

The Ray backend does not search stacks yet: InputError. Imports Keras (through `training`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ...augment.config import AugmentConfig
from ...augment.keras3 import Stack
from ...data.datasets import Dataset
from ...errors import InputError
from ..records.spec import BASELINE, SUGGESTED, YOURS, ModelRef, TrainSettings
from ..records.stack_arm import IN_MAP, StackArm
from ..records.trials import Trial, TrialContext
from ..training.fit import model_factory, run_trial, validation_input
from ..training.paired import prepare
from ..training.stack_training import check_size
from .search import SearchHooks, _check, _optuna_search, _Reporter, _scored, _scored_trial
from .space import Comparison, Suggestion
from .stack_space import alone, choice_text, first_stack_point, stack_from, stack_search_space

PROBE_BYTES = 256 * 2**20  # the clean and probed validation images together, at most
PROBE_SEED = 10_000  # the probes' draws: 10_000 + the seed, as the IDG probes'


def _augmented(stack: Stack, images: np.ndarray, seed: int) -> np.ndarray:
    """`images` (N x H x W x C) each run through `stack` (NumPy), with seeded draws."""
    if not stack.layers:
        return np.asarray(images, np.float32)
    rng = np.random.default_rng(PROBE_SEED + seed)
    return np.stack([stack.run(image, rng)[0] for image in images]).astype(np.float32)


def stack_affinity(arm: StackArm, context: TrialContext, models, seed: int) -> dict[tuple[str, int], float]:
    """(label, choice index) -> the baseline's accuracy on validation images augmented by
    that layer alone over its clean accuracy (every choice but "off")."""
    dimensions, _ = stack_search_space(arm)
    probes = {
        (d.label, index): alone(arm, d, choice)
        for d in dimensions
        for index, choice in enumerate(d.choices)
        if choice is not None
    }
    if not probes:
        return {}
    images, labels = context.validation_x, context.split.validation_labels
    blocks = 1 + len(probes)
    keep = max(1, min(len(images), PROBE_BYTES // max(1, blocks * images[0].nbytes)))
    chosen = np.sort(np.random.default_rng(seed).permutation(len(images))[:keep])
    images, labels = images[chosen], labels[chosen]
    fixed = arm.fixed().stack
    x = np.concatenate(
        [_augmented(fixed, images, seed), *(_augmented(stack, images, seed) for stack in probes.values())]
    )
    probing = replace(
        context, split=replace(context.split, validation_labels=np.tile(labels, blocks)), validation_x=x, probes={}
    )
    trainer = StackArm(fixed, IN_MAP) if fixed.layers else None
    base = context.shared
    outcome = run_trial(Trial(BASELINE, 0, seed, base, trainer), probing, models=models)
    hits = (np.asarray(outcome.predictions) == np.tile(labels, blocks)).reshape(blocks, -1).mean(axis=1)
    if not hits[0]:
        return {}
    return {key: float(hits[k + 1] / hits[0]) for k, key in enumerate(probes)}


def _objective(arm, base, dimensions, excluded, context, models, scores, should_stop, reporter: _Reporter):
    import optuna

    def objective(trial: optuna.Trial) -> float:
        picks = {d.label: d.choices[trial.suggest_int(d.label, 0, len(d.choices) - 1)] for d in dimensions}
        choices = {label: choice_text(layer) for label, layer in picks.items()}
        candidate = stack_from(arm, picks, excluded)
        stack = candidate if candidate.stack.layers else None
        score, pruned = _scored(
            trial,
            lambda index, seed: Trial(SUGGESTED, index, seed, base, stack),
            context,
            models,
            should_stop,
            reporter,
        )
        return _scored_trial(trial, choices, score, pruned, candidate, scores, reporter)

    return objective


def _check_stacks(arm: StackArm, best: StackArm) -> dict[str, StackArm]:
    """The check's stacks: the baseline's fixed layers (if any), the user's and the pick
    (an arm whose stack has no layer at all trains on its config alone)."""
    stacks = {BASELINE: arm.fixed(), YOURS: arm, SUGGESTED: best}
    return {name: stack for name, stack in stacks.items() if stack.stack.layers}


def suggest_stack(
    dataset: Dataset,
    config: AugmentConfig,
    arm: StackArm,
    settings: TrainSettings,
    budget: int,
    check_seeds: int,
    model: ModelRef,
    hooks: SearchHooks,
) -> Suggestion:
    """`search.suggest` for a Keras 3 stack: the search around `arm`'s layers (module
    docstring), `config`'s preprocessing in every arm; the `Suggestion`'s `stack` is the
    pick and `user_stack` the user's. InputError on the Ray backend, or when the stack
    changes the images' size."""
    from ..training.backends import RayBackend

    if isinstance(hooks.check.backend, RayBackend):
        raise InputError(
            "suggest over a Keras 3 stack runs on the local backends only for now: the Ray backend "
            "searches ImageDataGenerator settings (run it with --backend local, or without Ray)"
        )
    base = config.without_transforms()
    reporter = _Reporter(budget, hooks.progress)
    split = prepare(dataset, settings)
    check_size(arm, tuple(split.train_images.shape[1:]))
    models = model_factory(model, split, base)
    context = TrialContext(split, validation_input(split, models, base), settings, model, base)
    reporter("affinity")
    dimensions, excluded = stack_search_space(arm, stack_affinity(arm, context, models, settings.seeds[0]))
    reporter("search")
    scores = _optuna_search(
        lambda scores: _objective(
            arm, base, dimensions, excluded, context, models, scores, hooks.should_stop, reporter
        ),
        settings.epochs,
        budget,
        first_stack_point(arm, dimensions),
        reporter,
        hooks.should_stop,
    )
    stopped = len(scores) < budget or hooks.should_stop()
    best = reporter.best[1] if reporter.best else arm
    fresh = tuple(range(max(settings.seeds) + 1, max(settings.seeds) + 1 + check_seeds))
    vs_baseline = vs_user = yours = Comparison(None, (None, None))
    wanted = hooks.check_after_stop() if callable(hooks.check_after_stop) else hooks.check_after_stop
    if reporter.best and (wanted or not stopped):
        reporter("check")
        arms = {BASELINE: base, YOURS: base, SUGGESTED: base}
        vs_baseline, vs_user, yours = _check(
            dataset, arms, settings, fresh, model, hooks.check, _check_stacks(arm, best)
        )
    return Suggestion(
        base,
        base,
        vs_baseline,
        vs_user,
        list(settings.seeds),
        list(fresh),
        scores,
        excluded,
        stopped,
        {d.label: d.dropped for d in dimensions if d.dropped},
        yours,
        best,
        arm,
    )
