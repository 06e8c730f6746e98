"""Training one trial (one arm on one seed) wherever it runs, and evaluating it.

The numbers depend on the trial and the CPU threads it trains with, nothing else: the same
trial gives the same numbers in this process, in a local pool or in a Ray task with the same
threads (tests/test_backends.py).

Imports Keras (seconds): used by the job worker, the CLI, the notebook and the backends.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import keras
import numpy as np

from ...augment.config import AugmentConfig
from ...augment.engine import augment_batch, standardize
from ...data.split import Split
from ...dropin.sequence import AugmentedSequence
from ..records.spec import BASELINE, ModelRef, TrainSettings
from ..records.stack_arm import IN_MAP, StackArm
from ..records.trials import HISTORY, EpochMetrics, Trial, TrialContext, TrialEvent, TrialResult
from .models import ModelFactory, training_device
from .stack_training import check_size, mapped, with_stack

EPOCH_IN_MEMORY_BYTES = 256 * 2**20  # larger training sets stream through the PyDataset


def model_factory(model: ModelRef, split: Split, shared: AugmentConfig) -> ModelFactory:
    """The run's model builder; the small CNN rescales pixels itself when the arms'
    preprocessing leaves them in 0..255."""
    models = ModelFactory(
        model,
        tuple(split.train_images.shape[1:]),
        len(split.class_names),
        scale_inputs=not (shared.rescale or shared.samplewise_center or shared.samplewise_std_normalization),
    )
    models.note_rescale(shared.rescale)
    return models


def validation_input(split: Split, models: ModelFactory, shared: AugmentConfig) -> np.ndarray:
    """The validation images as every trial is fed them: the shared preprocessing, never augmented."""
    return standardize(np.asarray(split.validation_images, dtype=np.float32), models.data_config(shared))


def _local_model(model: ModelRef, files: dict[str, bytes]) -> ModelRef:
    """The ModelRef with each file it names readable here: a path this machine lacks is
    written from the bytes the run sent (into a temporary folder kept for the process)."""
    missing = {path: data for path, data in files.items() if not Path(path).is_file()}
    if not missing:
        return model
    folder = Path(tempfile.mkdtemp(prefix="augment-model-"))
    moved = {}
    for index, (path, data) in enumerate(missing.items()):
        target = folder / f"{index}-{Path(path).name}"
        target.write_bytes(data)
        moved[path] = str(target)
    return replace(model, path=moved.get(model.path, model.path), weights=moved.get(model.weights, model.weights))


class _Recorder(keras.callbacks.Callback):
    """Reports batches and finished epochs only; stops within a batch when asked."""

    def __init__(self, trial: Trial, report: Callable[[TrialEvent], None], should_stop: Callable[[], bool]):
        super().__init__()
        self.trial, self.report, self.should_stop = trial, report, should_stop
        self.history: dict[str, list[float]] = {metric: [] for metric in HISTORY}
        self.stopped = False
        self.current_epoch = 0
        self.epoch_start = time.perf_counter()

    def _event(self, **fields) -> TrialEvent:
        return TrialEvent(self.trial.arm, self.trial.seed_index, self.trial.seed, time=time.time(), **fields)

    def on_epoch_begin(self, epoch, logs=None):
        self.current_epoch = epoch
        self.epoch_start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.report(self._event(epoch=self.current_epoch + 1, batch=batch + 1))
        if self.should_stop():
            self.stopped = True
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if self.stopped:
            return  # an interrupted epoch is not a finished one
        logs = logs or {}
        metrics = EpochMetrics(
            float(logs["accuracy"]),
            float(logs["loss"]),
            float(logs["val_accuracy"]),
            float(logs["val_loss"]),
            time.perf_counter() - self.epoch_start,
        )
        for metric in HISTORY:
            self.history[metric].append(getattr(metrics, metric))
        self.report(self._event(epoch=epoch + 1, batch=0, metrics=metrics))


def _epoch_batches(sequence: AugmentedSequence, epochs: int, batch_size: int):
    """Every epoch's batches in order, each epoch augmented as a whole (`epoch_arrays`)."""
    for epoch in range(epochs):
        x, y = sequence.epoch_arrays(epoch)
        for start in range(0, len(y), batch_size):
            yield x[start : start + batch_size], y[start : start + batch_size]


def _sequence_batches(sequence: AugmentedSequence, epochs: int):
    """Every epoch's batches from the PyDataset, for a tf.data map over data too large to hold."""
    for _ in range(epochs):
        for index in range(len(sequence)):
            yield sequence[index]
        sequence.on_epoch_end()


def _fit(model, sequence: AugmentedSequence, settings: TrainSettings, fit: dict, stack: StackArm | None) -> None:
    in_memory = sequence.images.size * 4 <= EPOCH_IN_MEMORY_BYTES
    if stack is not None and stack.placement == IN_MAP:
        batches = (
            _epoch_batches(sequence, settings.epochs, settings.batch_size)
            if in_memory
            else _sequence_batches(sequence, settings.epochs)
        )
        data = mapped(batches, stack, tuple(sequence.images.shape[1:]))
        model.fit(data, steps_per_epoch=len(sequence), epochs=settings.epochs, shuffle=False, **fit)
    elif in_memory:
        # Whole augmented epochs as arrays, fed to ONE fit call: a fit call per epoch rebuilt
        # the input pipeline and retraced the validation step every epoch (a quarter of the
        # time on digits), and a PyDataset costs more per step. Same batches, same order.
        model.fit(
            _epoch_batches(sequence, settings.epochs, settings.batch_size),
            steps_per_epoch=len(sequence),
            epochs=settings.epochs,
            shuffle=False,
            **fit,
        )
    else:
        model.fit(sequence, epochs=settings.epochs, **fit)


def run_trial(
    trial: Trial,
    context: TrialContext,
    report: Callable[[TrialEvent], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    models: ModelFactory | None = None,
) -> TrialResult:
    """Train one arm on one seed and evaluate it.

    Pairing: Keras is seeded with the seed right before the model is built, so every arm of
    a seed starts from the same weights; the batch order depends on the seed and epoch only.
    `should_stop` is polled after every batch: a stopped trial keeps its finished epochs and
    is not evaluated. `models`: the run's model builder when the caller has one already."""
    report = report or (lambda event: None)
    recorder = _Recorder(trial, report, should_stop or (lambda: False))
    report(recorder._event())
    models = models or model_factory(_local_model(context.model, context.model_files), context.split, context.shared)
    settings, split = context.settings, context.split
    keras.backend.clear_session()  # a process that trains many trials keeps no graphs from the last
    keras.utils.set_random_seed(trial.seed)  # same initial weights for every arm of this seed
    model = models.build()
    if trial.stack is not None:  # its layers are built after the model: the weights stay paired
        check_size(trial.stack, tuple(split.train_images.shape[1:]))
        model = with_stack(model, trial.stack)
    model.compile(
        optimizer=keras.optimizers.Adam(settings.learning_rate), loss=models.loss(model), metrics=["accuracy"]
    )
    callbacks = [recorder]
    if context.log_dir is not None:
        callbacks.append(
            keras.callbacks.TensorBoard(str(Path(context.log_dir) / f"{trial.arm}-seed{trial.seed}"), write_graph=False)
        )
    sequence = AugmentedSequence(
        split.train_images, split.train_labels, models.data_config(trial.config), settings.batch_size, seed=trial.seed
    )
    _fit(
        model,
        sequence,
        settings,
        dict(validation_data=(context.validation_x, split.validation_labels), verbose=0, callbacks=callbacks),
        trial.stack,
    )
    result = TrialResult(
        trial.arm, trial.seed_index, trial.seed, recorder.history, stopped=recorder.stopped, device=training_device()
    )
    if not recorder.stopped:
        _evaluate(model, result, context)
    return result


def _evaluate(model, result: TrialResult, context: TrialContext) -> None:
    """The trained model's confusion counts and, for the baseline, its accuracy on each probe."""
    split = context.split
    predicted = model.predict(context.validation_x, verbose=0, batch_size=256).argmax(axis=1)
    result.confusion = confusion_matrix(split.validation_labels, predicted, len(split.class_names)).tolist()
    result.predictions = predicted.tolist()
    if result.arm != BASELINE:
        return
    for name, probe in context.probes.items():
        probed = _probe_images(split, probe, result.seed)
        hits = model.predict(probed, verbose=0, batch_size=256).argmax(axis=1) == split.validation_labels
        result.probe_accuracy[name] = float(hits.mean())


def confusion_matrix(truth: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """counts[true class, predicted class]."""
    counts = np.zeros((classes, classes), np.int64)
    np.add.at(counts, (truth, predicted), 1)
    return counts


def _probe_images(split: Split, config: AugmentConfig, seed: int) -> np.ndarray:
    """Validation images augmented by `config`, to test a trained model (affinity). The
    read-only ValidationImages type is set aside deliberately here and nowhere else."""
    return augment_batch(np.asarray(split.validation_images).copy(), config, seed=10_000 + seed)
