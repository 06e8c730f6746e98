"""A fair comparison: the same model, initial weights, batch order and epochs, with and
without augmentation, over several seeds; validation data never augmented.

Imports Keras (seconds): used by the job worker and the CLI, never by the preview.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import keras
import numpy as np

from ..augment.config import AugmentConfig
from ..augment.engine import augment_batch, standardize
from ..data.datasets import Dataset
from ..data.split import Split, split_dataset
from ..dropin.sequence import AugmentedSequence
from .models import ModelFactory, training_device
from .records import ArmHistory, Progress, RunResult
from .spec import AUGMENTED, BASELINE, METRICS, SPLIT_SEED, ModelRef, TrainSettings
from .summary import summarize

EPOCH_IN_MEMORY_BYTES = 256 * 2**20  # larger training sets stream through the PyDataset


class _Recorder(keras.callbacks.Callback):
    """Hands on finished epochs only; reports progress; stops within a batch when asked."""

    def __init__(self, on_batch: Callable[[int, int], None], should_stop: Callable[[], bool],
                 on_finished_epoch: Callable[[dict], None]):
        super().__init__()
        self.on_batch, self.should_stop, self.on_finished_epoch = on_batch, should_stop, on_finished_epoch
        self.stopped = False
        self.current_epoch = 0
        self.epoch_start = time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self.current_epoch = epoch
        self.epoch_start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch(self.current_epoch, batch)
        if self.should_stop():
            self.stopped = True
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if self.stopped:
            return  # an interrupted epoch is not a finished one
        logs = logs or {}
        self.on_finished_epoch({
            "train_accuracy": float(logs["accuracy"]), "train_loss": float(logs["loss"]),
            "val_accuracy": float(logs["val_accuracy"]), "val_loss": float(logs["val_loss"]),
            "epoch_seconds": time.perf_counter() - self.epoch_start,  # validation included
        })


def prepare(dataset: Dataset, settings: TrainSettings) -> Split:
    """The split, shared by every arm and seed."""
    return split_dataset(dataset, settings.validation_fraction, seed=SPLIT_SEED)


class _Clock:
    """Where the run is over every arm, seed and epoch it trains, and its measured pace.

    The pace counts from the start of training to the end of the latest finished epoch, so
    the building, tracing and evaluating that every arm and seed repeats is part of it; there
    is none (and no ETA) until the first epoch has finished. `now` is a clock in seconds."""

    def __init__(self, epochs_total: int, epochs: int, steps: int, report: Callable[[Progress], None] | None,
                 now: Callable[[], float] = time.perf_counter):
        self.epochs_total, self.epochs, self.steps, self.report, self.now = epochs_total, epochs, steps, report, now
        self.epochs_done = 0
        self.last_epoch_end: float | None = None
        self.start = now()

    def tick(self, arm: str, seed: int, epoch: int, batch: int) -> None:
        """A batch ended (0-based epoch and batch of the current arm and seed)."""
        if self.report:
            self.report(self._progress(arm, seed, epoch + 1, batch + 1, (batch + 1) / self.steps))

    def epoch_finished(self, arm: str, seed: int, epoch: int) -> None:
        """An epoch ended with its metrics recorded (1-based epoch of the current arm and seed)."""
        self.epochs_done += 1
        self.last_epoch_end = self.now()
        if self.report:
            self.report(self._progress(arm, seed, epoch, self.steps, 0.0))

    def _progress(self, arm: str, seed: int, epoch: int, batch: int, within: float) -> Progress:
        pace = None
        if self.last_epoch_end is not None:
            pace = (self.last_epoch_end - self.start) / self.epochs_done
        total = max(1, self.epochs_total)
        return Progress(arm, seed, epoch, batch, self.steps, min(1.0, (self.epochs_done + within) / total),
                        self.now() - self.start, epochs=self.epochs, epochs_done=self.epochs_done,
                        epochs_total=self.epochs_total, epoch_seconds=pace)


def _new_result(dataset: Dataset, split: Split, arms: dict[str, AugmentConfig], settings: TrainSettings,
                probes: dict[str, AugmentConfig], model: ModelRef) -> RunResult:
    seeds = len(settings.seeds)
    return RunResult(
        dataset=dataset.name, class_names=list(dataset.class_names), settings=settings, model=model,
        train_images=int(len(split.train_labels)), validation_images=int(len(split.validation_labels)),
        configs=dict(arms), arms={name: ArmHistory.empty(seeds) for name in arms},
        confusion={name: [None] * seeds for name in arms},
        probe_accuracy={name: [None] * seeds for name in probes},
        predictions={name: [None] * seeds for name in arms},
        validation_labels=[int(label) for label in split.validation_labels],
        validation_indices=[int(index) for index in split.validation_indices],
    )


def _same_training(earlier: RunResult, result: RunResult) -> bool:
    """Whether an earlier result trained exactly what `result` trains, apart from its seeds."""
    same_settings = replace(earlier.settings, seeds=result.settings.seeds) == result.settings
    return (same_settings and earlier.configs == result.configs and earlier.dataset == result.dataset
            and earlier.model == result.model
            and earlier.class_names == result.class_names
            and earlier.validation_indices == result.validation_indices)


def _complete(earlier: RunResult, index: int) -> bool:
    """Whether every arm (and probe) of the earlier result's seed at `index` finished."""
    epochs = earlier.settings.epochs
    arms = all(len(history.val_accuracy) > index and len(history.val_accuracy[index]) == epochs
               and len(earlier.confusion.get(arm) or []) > index and earlier.confusion[arm][index] is not None
               for arm, history in earlier.arms.items())
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


def _epoch_batches(sequence: AugmentedSequence, epochs: int, batch_size: int):
    """Every epoch's batches in order, each epoch augmented as a whole (`epoch_arrays`)."""
    for epoch in range(epochs):
        x, y = sequence.epoch_arrays(epoch)
        for start in range(0, len(y), batch_size):
            yield x[start:start + batch_size], y[start:start + batch_size]


def _fit(model, sequence: AugmentedSequence, settings: TrainSettings, fit: dict) -> None:
    if sequence.images.size * 4 <= EPOCH_IN_MEMORY_BYTES:
        # Whole augmented epochs as arrays, fed to ONE fit call: a fit call per epoch rebuilt
        # the input pipeline and retraced the validation step every epoch (a quarter of the
        # time on digits), and a PyDataset costs more per step. Same batches, same order.
        model.fit(_epoch_batches(sequence, settings.epochs, settings.batch_size), steps_per_epoch=len(sequence),
                  epochs=settings.epochs, shuffle=False, **fit)
    else:
        model.fit(sequence, epochs=settings.epochs, **fit)


@dataclass
class _Comparison:
    """What every arm and seed of one comparison share: the split, the preprocessed
    validation images, the result being filled in and the callbacks."""

    split: Split
    settings: TrainSettings
    validation_x: np.ndarray
    models: ModelFactory
    result: RunResult
    clock: _Clock
    should_stop: Callable[[], bool]
    on_epoch: Callable[[RunResult], None] | None
    log_dir: Path | None

    def train(self, arm: str, config: AugmentConfig, seed_index: int, seed: int):
        """One arm on one seed; returns the trained model, or None when asked to stop."""
        history = self.result.arms[arm]

        def finished(metrics: dict) -> None:
            for metric, value in metrics.items():
                history.runs(metric)[seed_index].append(value)
            if self.on_epoch:  # the result first: a progress line never runs ahead of the curves
                self.on_epoch(self.result)
            self.clock.epoch_finished(arm, seed, len(history.val_accuracy[seed_index]))

        recorder = _Recorder(lambda epoch, batch: self.clock.tick(arm, seed, epoch, batch), self.should_stop, finished)
        keras.utils.set_random_seed(seed)  # same initial weights for every arm of this seed
        split = self.split
        model = self.models.build()
        model.compile(optimizer=keras.optimizers.Adam(self.settings.learning_rate),
                      loss=self.models.loss(model), metrics=["accuracy"])
        callbacks = [recorder]
        if self.log_dir is not None:
            logs = str(Path(self.log_dir) / f"{arm}-seed{seed}")
            callbacks.append(keras.callbacks.TensorBoard(logs, write_graph=False))
        sequence = AugmentedSequence(split.train_images, split.train_labels, self.models.data_config(config),
                                     self.settings.batch_size, seed=seed)
        _fit(model, sequence, self.settings,
             dict(validation_data=(self.validation_x, split.validation_labels), verbose=0, callbacks=callbacks))
        return None if recorder.stopped else model


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
) -> RunResult:
    """Train every arm for every seed and return the `RunResult` (summary included).

    Per seed, every arm starts from the same initial weights (Keras seeded with the seed
    before the model is built) and sees the same batches in the same order (the order
    depends on the seed and epoch only). Validation images go through the config's
    preprocessing (rescale, samplewise) but never through augmentation. `on_epoch` gets the
    partial result after every finished epoch, the running arm and seed's epochs included;
    `progress` a `Progress` after every batch and, just after `on_epoch`, as every epoch
    ends; `should_stop` is polled after every batch.

    After each arm's training, its final confusion matrix on the validation set is stored
    (result.confusion[arm], one per seed). `probes` (name -> config) measure affinity
    without retraining: the baseline arm's trained model is evaluated on validation images
    augmented by each probe (result.probe_accuracy[name], one per seed). That is the one
    place validation images are augmented on purpose, to test the model, never to train it.

    `earlier`: a result of this same training with fewer seeds; the seeds it finished are
    kept as they are and only the others are trained (pairing is per seed, so nothing changes).
    `model` (default: the small CNN) is built by `models.ModelFactory` for every arm and seed;
    result.device says what trained, each arm's `epoch_seconds` how long each epoch took.
    """
    probes = probes or {}
    settings = settings or TrainSettings()
    model = model or ModelRef()
    split = prepare(dataset, settings)
    shared = _shared_preprocessing(arms)
    models = _model_factory(model, split, shared)
    result = _new_result(dataset, split, arms, settings, probes, model)
    result.device, result.model_notes = training_device(), models.notes
    kept = _carry_over(earlier, result)
    steps = -(-len(split.train_labels) // settings.batch_size)
    to_train = len(settings.seeds) - len(kept)
    validation_x = standardize(np.asarray(split.validation_images, dtype=np.float32), models.data_config(shared))
    comparison = _Comparison(
        split, settings, validation_x, models=models,
        result=result, clock=_Clock(len(arms) * to_train * settings.epochs, settings.epochs, steps, progress),
        should_stop=should_stop or (lambda: False), on_epoch=on_epoch, log_dir=log_dir,
    )
    for seed_index, seed in enumerate(settings.seeds):
        for arm, config in arms.items() if seed not in kept else ():
            trained = comparison.train(arm, config, seed_index, seed)
            if trained is None:
                return _finish(result, "stopped")
            _evaluate(trained, result, arm, seed_index, seed, split, comparison.validation_x,
                      {name: models.data_config(probe) for name, probe in probes.items()})
            if on_epoch:
                on_epoch(result)
    return _finish(result, "finished")


def _model_factory(model: ModelRef, split: Split, shared: AugmentConfig) -> ModelFactory:
    """The run's model builder; the small CNN rescales pixels itself when the arms'
    preprocessing leaves them in 0..255."""
    models = ModelFactory(model, tuple(split.train_images.shape[1:]), len(split.class_names),
                          scale_inputs=not (shared.rescale or shared.samplewise_center
                                            or shared.samplewise_std_normalization))
    models.note_rescale(shared.rescale)
    return models


def _finish(result: RunResult, status: str) -> RunResult:
    result.status = status
    result.summary = summarize(result, augmented=result.headline_arm or AUGMENTED)
    return result


def _evaluate(model, result: RunResult, arm: str, seed_index: int, seed: int, split: Split,
              validation_x: np.ndarray, probes: dict[str, AugmentConfig]) -> None:
    """The trained model's confusion counts and, for the baseline, its accuracy on each probe."""
    predicted = model.predict(validation_x, verbose=0, batch_size=256).argmax(axis=1)
    classes = len(split.class_names)
    result.confusion[arm][seed_index] = confusion_matrix(split.validation_labels, predicted, classes).tolist()
    result.predictions[arm][seed_index] = predicted.tolist()
    if arm != BASELINE:
        return
    for name, probe in probes.items():
        probed = _probe_images(split, probe, seed)
        hits = model.predict(probed, verbose=0, batch_size=256).argmax(axis=1) == split.validation_labels
        result.probe_accuracy[name][seed_index] = float(hits.mean())


def confusion_matrix(truth: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """counts[true class, predicted class]."""
    counts = np.zeros((classes, classes), np.int64)
    np.add.at(counts, (truth, predicted), 1)
    return counts


def _probe_images(split: Split, config: AugmentConfig, seed: int) -> np.ndarray:
    """Validation images augmented by `config`, to test a trained model (affinity). The
    read-only ValidationImages type is set aside deliberately here and nowhere else."""
    return augment_batch(np.asarray(split.validation_images).copy(), config, seed=10_000 + seed)
