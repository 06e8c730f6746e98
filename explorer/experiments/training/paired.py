"""A fair comparison: the same model, initial weights, batch order and epochs, with and
without augmentation, over several seeds; validation data never augmented. The run is a list
of trials (one arm on one seed, `trials`) that a backend trains (`backends`: this process, a
local pool, Ray) and that are combined here into one `RunResult`, live, as they report.

Imports Keras (seconds): used by the job worker and the CLI, never by the preview.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ...augment.config import AugmentConfig
from ...data.datasets import Dataset
from ...data.split import Split, split_dataset
from ..analysis.verdict import headline_summary
from ..records.results import ArmHistory, Progress, RunResult
from ..records.spec import METRICS, SPLIT_SEED, ModelRef, TrainSettings
from ..records.stack_arm import StackArm
from ..records.status import RunState
from ..records.trials import HISTORY, Trial, TrialContext, TrialEvent, TrialResult, model_files, plan_trials
from .backends import Backend, LocalBackend
from .fit import model_factory, validation_input
from .models import training_device


def prepare(dataset: Dataset, settings: TrainSettings) -> Split:
    """The split, shared by every arm and seed."""
    return split_dataset(dataset, settings.validation_fraction, seed=SPLIT_SEED)


class _Board:
    """Where the run is over its trials, kept from their events as they come (from one trial
    at a time, or from many at once on a cluster): the result's curves, the trials done,
    running and waiting, and the measured pace.

    Epochs are counted over everything the run trains; a running trial adds the share of its
    current epoch. The pace counts from the start of training to the end of the latest
    finished epoch over the epochs finished, so what every trial repeats (building the
    model, tracing its graphs, the evaluation after it) is part of it, and trials running
    side by side shorten it; there is none (and no ETA) until the first epoch has finished.
    `now` is a clock in seconds."""

    def __init__(
        self,
        result: RunResult,
        trials: list[Trial],
        steps: int,
        report: Callable[[Progress], None] | None,
        on_epoch: Callable[[RunResult], None] | None,
        backend: str = "",
        now: Callable[[], float] = time.perf_counter,
    ):
        self.result, self.steps, self.report, self.on_epoch, self.backend, self.now = (
            result,
            steps,
            report,
            on_epoch,
            backend,
            now,
        )
        self.trials_total = len(trials)
        self.epochs = result.settings.epochs
        self.epochs_total = len(trials) * self.epochs
        self.finished_epochs: dict[tuple, int] = {}
        self.running: dict[tuple, float] = {}  # trial key -> share of its current epoch
        self.done: set[tuple] = set()
        self.ended: set[tuple] = set()  # returned, the result not here yet
        self.last_epoch_end: float | None = None
        self.start = now()

    def event(self, event: TrialEvent) -> None:
        """A trial started, ended a batch, finished an epoch (its metrics recorded) or returned."""
        if event.key in self.done or event.key in self.ended:
            return  # a late event of a trial whose result is in (or on its way)
        if event.ended:  # no longer running: the trial started on its CPU must not look like a third
            self.ended.add(event.key)
            self.running.pop(event.key, None)
            return
        if event.metrics is not None:
            history = self.result.arms[event.arm]
            for metric in HISTORY:
                history.runs(metric)[event.seed_index].append(getattr(event.metrics, metric))
            self.finished_epochs[event.key] = len(history.val_accuracy[event.seed_index])
            self.last_epoch_end = self.now()
            self.running[event.key] = 0.0
            if self.on_epoch:  # the result first: a progress line never runs ahead of the curves
                self.on_epoch(self.result)
        else:
            self.running[event.key] = event.batch / self.steps if event.batch else 0.0
        self._report(event)

    def finished(self, outcome: TrialResult) -> None:
        """A trial's result: its full history replaces what its events said."""
        result, index = self.result, outcome.seed_index
        for metric in HISTORY:
            result.arms[outcome.arm].runs(metric)[index] = list(outcome.history.get(metric, []))
        self.finished_epochs[outcome.key] = len(outcome.history.get("val_accuracy", []))
        self.running.pop(outcome.key, None)
        if outcome.stopped:
            return
        self.done.add(outcome.key)
        result.confusion[outcome.arm][index] = outcome.confusion
        result.predictions[outcome.arm][index] = outcome.predictions
        for name, accuracy in outcome.probe_accuracy.items():
            result.probe_accuracy[name][index] = accuracy
        if self.on_epoch:
            self.on_epoch(result)
        self._report(TrialEvent(outcome.arm, index, outcome.seed, self.epochs, self.steps))

    @property
    def complete(self) -> bool:
        return len(self.done) == self.trials_total

    def _report(self, event: TrialEvent) -> None:
        if not self.report:
            return
        epochs_done = sum(self.finished_epochs.values())
        pace = None
        if self.last_epoch_end is not None and epochs_done:
            pace = (self.last_epoch_end - self.start) / epochs_done
        total = max(1, self.epochs_total)
        within = sum(self.running.values())
        self.report(
            Progress(
                event.arm,
                event.seed,
                max(1, event.epoch),
                event.batch or self.steps,
                self.steps,
                min(1.0, (epochs_done + within) / total),
                self.now() - self.start,
                epochs=self.epochs,
                epochs_done=epochs_done,
                epochs_total=self.epochs_total,
                epoch_seconds=pace,
                trials_done=len(self.done),
                trials_running=len(self.running),
                trials_total=self.trials_total,
                backend=self.backend,
            )
        )


def _new_result(
    dataset: Dataset,
    split: Split,
    arms: dict[str, AugmentConfig],
    settings: TrainSettings,
    probes: dict[str, AugmentConfig],
    model: ModelRef,
) -> RunResult:
    seeds = len(settings.seeds)
    return RunResult(
        dataset=dataset.name,
        class_names=list(dataset.class_names),
        settings=settings,
        model=model,
        train_images=int(len(split.train_labels)),
        validation_images=int(len(split.validation_labels)),
        configs=dict(arms),
        arms={name: ArmHistory.empty(seeds) for name in arms},
        confusion={name: [None] * seeds for name in arms},
        probe_accuracy={name: [None] * seeds for name in probes},
        predictions={name: [None] * seeds for name in arms},
        validation_labels=[int(label) for label in split.validation_labels],
        validation_indices=[int(index) for index in split.validation_indices],
    )


def _same_training(earlier: RunResult, result: RunResult) -> bool:
    """Whether an earlier result trained exactly what `result` trains, apart from its seeds."""
    same_settings = replace(earlier.settings, seeds=result.settings.seeds) == result.settings
    return (
        same_settings
        and earlier.configs == result.configs
        and earlier.stacks == result.stacks
        and earlier.dataset == result.dataset
        and earlier.model == result.model
        and earlier.class_names == result.class_names
        and earlier.validation_indices == result.validation_indices
    )


def _complete(earlier: RunResult, index: int) -> bool:
    """Whether every arm (and probe) of the earlier result's seed at `index` finished."""
    epochs = earlier.settings.epochs
    arms = all(
        len(history.val_accuracy) > index
        and len(history.val_accuracy[index]) == epochs
        and len(earlier.confusion.get(arm) or []) > index
        and earlier.confusion[arm][index] is not None
        for arm, history in earlier.arms.items()
    )
    probes = all(len(values) > index and values[index] is not None for values in earlier.probe_accuracy.values())
    return arms and probes


def _carry_over(earlier: RunResult | None, result: RunResult) -> set[int]:
    """Copy the seeds an earlier result of the same training finished in full into `result`
    (more seeds on demand); returns them: they are not trained again."""
    if earlier is None or not _same_training(earlier, result):
        return set()
    kept = set()
    for old, seed in enumerate(earlier.seeds):
        if seed not in result.seeds or not _complete(earlier, old):
            continue
        new = result.seeds.index(seed)
        for arm, history in result.arms.items():
            for metric in (*METRICS, "epoch_seconds"):
                runs = earlier.arms[arm].runs(metric)
                history.runs(metric)[new] = list(runs[old]) if old < len(runs) else []
            result.confusion[arm][new] = earlier.confusion[arm][old]
            result.predictions[arm][new] = (earlier.predictions.get(arm) or [None] * (old + 1))[old]
        for name, values in result.probe_accuracy.items():
            values[new] = earlier.probe_accuracy[name][old]
        kept.add(seed)
    return kept


def _shared_preprocessing(arms: dict[str, AugmentConfig]) -> AugmentConfig:
    preprocessing = {config.without_transforms() for config in arms.values()}
    if len(preprocessing) != 1:
        raise ValueError("every arm must share the same preprocessing (rescale, samplewise_*) to be comparable")
    return preprocessing.pop()


def run_comparison(
    dataset: Dataset,
    arms: dict[str, AugmentConfig],
    settings: TrainSettings | None = None,
    progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_epoch: Callable[[RunResult], None] | None = None,
    log_dir: Path | None = None,
    probes: dict[str, AugmentConfig] | None = None,
    earlier: RunResult | None = None,
    model: ModelRef | None = None,
    backend: Backend | None = None,
    stacks: dict[str, StackArm] | None = None,
) -> RunResult:
    """Train every arm for every seed and return the `RunResult` (summary included).

    The run is a list of trials (`trials.plan_trials`: one arm on one seed each) trained by
    `backend` (default: one after another in this process; see `backends`) and combined
    here. Per seed, every arm starts from the same initial weights (Keras seeded with the
    seed before the model is built) and sees the same batches in the same order (the order
    depends on the seed and epoch only). Validation images go through the config's
    preprocessing (rescale, samplewise) but never through augmentation. `on_epoch` gets the
    partial result after every finished epoch (the running trials' epochs included) and
    every finished trial; `progress` a `Progress` after every batch a trial reports and,
    just after `on_epoch`, as every epoch ends; `should_stop` is polled after every batch.

    Each trial stores its final confusion matrix on the validation set (result.confusion
    [arm], one per seed). `probes` (name -> config) measure affinity without retraining:
    the baseline arm's trained model is evaluated on validation images augmented by each
    probe (result.probe_accuracy[name], one per seed). That is the one place validation
    images are augmented on purpose, to test the model, never to train it.

    `earlier`: a result of this same training with fewer seeds; the seeds it finished are
    kept as they are and only the others are trained (pairing is per seed, so nothing changes).
    `model` (default: the small CNN) is built by `models.ModelFactory` for every trial;
    result.device says what trained, each arm's `epoch_seconds` how long each epoch took.
    `stacks` (arm -> `StackArm`): arms that run a Keras 3 stack's real layers on top of their
    config's preprocessing, in the model or in a tf.data map (`training.stack_training`).
    """
    settings, model = settings or TrainSettings(), model or ModelRef()
    backend = backend or LocalBackend()
    split = prepare(dataset, settings)
    shared = _shared_preprocessing(arms)
    models = model_factory(model, split, shared)
    result = _new_result(dataset, split, arms, settings, probes or {}, model)
    result.device, result.model_notes, result.backend = training_device(), models.notes, backend.label
    result.stacks = dict(stacks or {})
    kept = _carry_over(earlier, result)
    trials = plan_trials(arms, settings.seeds, kept, stacks)
    context = TrialContext(
        split,
        validation_input(split, models, shared),
        settings,
        model,
        shared,
        {name: models.data_config(probe) for name, probe in (probes or {}).items()},
        model_files={} if backend.shares_files else model_files(model),
        log_dir=log_dir if backend.shares_files else None,
    )
    board = _Board(result, trials, context.steps, progress, on_epoch, backend.label)
    devices = set()
    for outcome in backend.run(trials, context, board.event, should_stop or (lambda: False), models):
        board.finished(outcome)
        devices.add(outcome.device)
    result.device = ", ".join(sorted(filter(None, devices))) or result.device
    return _finish(result, RunState.FINISHED if board.complete else RunState.STOPPED)


def _finish(result: RunResult, status: RunState) -> RunResult:
    result.status = status
    result.summary = headline_summary(result)
    return result
