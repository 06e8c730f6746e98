"""A fair comparison: the same model, initial weights, batch order and epochs, with and
without augmentation, over several seeds; validation data never augmented.

Imports Keras (seconds): used by the job worker and the CLI, never by the preview.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import keras
import numpy as np

from ..augment.config import AugmentConfig
from ..augment.engine import standardize
from ..data.datasets import Dataset
from ..data.split import split_dataset
from ..dropin.pipeline import AugmentedSequence
from .stats import summarize

METRICS = ("train_accuracy", "val_accuracy", "train_loss", "val_loss")
SPLIT_SEED = 0  # one split for every seed and arm: only initial weights and batch order vary
EPOCH_IN_MEMORY_BYTES = 256 * 2**20  # larger training sets stream through the PyDataset


@dataclass(frozen=True)
class TrainSettings:
    seeds: tuple = (0, 1, 2)
    epochs: int = 10
    batch_size: int = 64
    learning_rate: float = 3e-3
    image_size: int = 32
    validation_fraction: float = 0.2

    def __post_init__(self):
        checks = [
            (len(self.seeds) >= 1 and all(isinstance(s, int) and 0 <= s < 2**31 for s in self.seeds), "seeds", "one or more whole numbers >= 0"),
            (1 <= self.epochs <= 500, "epochs", "1 to 500"),
            (1 <= self.batch_size <= 4096, "batch_size", "1 to 4096"),
            (0 < self.learning_rate <= 1, "learning_rate", "a number in (0, 1]"),
            (8 <= self.image_size <= 256, "image_size", "8 to 256 pixels"),
            (0 < self.validation_fraction < 1, "validation_fraction", "between 0 and 1"),
        ]
        for ok, name, accepted in checks:
            if not ok:
                raise ValueError(f"{name} must be {accepted}; got {getattr(self, name)!r}")
        object.__setattr__(self, "seeds", tuple(self.seeds))


@dataclass
class Progress:
    """Where a comparison is: reported after every batch."""

    arm: str
    seed: int
    epoch: int  # 1-based epoch being trained
    batch: int
    batches: int
    done_fraction: float
    elapsed: float
    eta: float | None


def build_model(input_shape: tuple, classes: int, scale_inputs: bool) -> keras.Model:
    """A small CNN: two strided convolutions and a dense layer (about 30 k weights), fast
    enough for 2 arms x 3 seeds x 10 epochs of digits in well under a minute on 2 cores."""
    layers = [keras.Input(input_shape)]
    if scale_inputs:
        layers.append(keras.layers.Rescaling(1 / 255))  # the same for every arm
    layers += [
        keras.layers.Conv2D(16, 3, strides=2, padding="same", activation="relu"),
        keras.layers.Conv2D(32, 3, strides=2, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(classes, activation="softmax"),
    ]
    return keras.Sequential(layers)


class _Recorder(keras.callbacks.Callback):
    """Hands on finished epochs only; reports progress; stops within a batch when asked."""

    def __init__(self, on_batch: Callable[[int, int], None], should_stop: Callable[[], bool],
                 on_finished_epoch: Callable[[dict], None]):
        super().__init__()
        self.on_batch, self.should_stop, self.on_finished_epoch = on_batch, should_stop, on_finished_epoch
        self.stopped = False
        self.current_epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.current_epoch = epoch

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
        })


def prepare(dataset: Dataset, settings: TrainSettings):
    """The split, shared by every arm and seed."""
    return split_dataset(dataset, settings.validation_fraction, seed=SPLIT_SEED)


def run_comparison(
    dataset: Dataset,
    arms: dict[str, AugmentConfig],
    settings: TrainSettings = TrainSettings(),
    progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_epoch: Callable[[dict], None] | None = None,
    log_dir: Path | None = None,
    probes: dict[str, AugmentConfig] | None = None,
) -> dict:
    """Train every arm for every seed and return the result dict (see `stats.summarize`).

    Per seed, every arm starts from the same initial weights (Keras seeded with the seed
    before the model is built) and sees the same batches in the same order (the order
    depends on the seed and epoch only). Validation images go through the config's
    preprocessing (rescale, samplewise) but never through augmentation. `on_epoch` gets the
    partial result after every finished epoch; `should_stop` is polled after every batch.

    After each arm's training, its final confusion matrix on the validation set is stored
    (result["confusion"][arm], one per seed). `probes` (name -> config) measure affinity
    without retraining: the baseline arm's trained model is evaluated on validation images
    augmented by each probe (result["probe_accuracy"][name], one per seed). That is the one
    place validation images are augmented on purpose, to test the model, never to train it.
    """
    should_stop = should_stop or (lambda: False)
    split = prepare(dataset, settings)
    preprocessing = {name: config.without_transforms() for name, config in arms.items()}
    if len({p for p in preprocessing.values()}) != 1:
        raise ValueError("every arm must share the same preprocessing (rescale, samplewise_*) to be comparable")
    shared = next(iter(preprocessing.values()))
    validation_x = standardize(np.asarray(split.validation_images, dtype=np.float32), shared)
    scale_inputs = not (shared.rescale or shared.samplewise_center or shared.samplewise_std_normalization)

    result = {
        "dataset": dataset.name,
        "class_names": list(dataset.class_names),
        "settings": {**asdict(settings), "seeds": list(settings.seeds), "split_seed": SPLIT_SEED,
                     "train_images": int(len(split.train_labels)), "validation_images": int(len(split.validation_labels))},
        "configs": {name: config.to_dict() for name, config in arms.items()},
        "arms": {name: {m: [[] for _ in settings.seeds] for m in METRICS} for name in arms},
        "status": "running",
        "confusion": {name: [None for _ in settings.seeds] for name in arms},
        "probe_accuracy": {name: [None for _ in settings.seeds] for name in (probes or {})},
    }
    steps = -(-len(split.train_labels) // settings.batch_size)
    total_batches = len(arms) * len(settings.seeds) * settings.epochs * steps
    done = 0
    start = time.perf_counter()
    for seed_index, seed in enumerate(settings.seeds):
        for arm, config in arms.items():
            def on_batch(epoch, batch, arm=arm, seed=seed):
                nonlocal done
                done += 1
                if progress:
                    elapsed = time.perf_counter() - start
                    fraction = done / total_batches
                    progress(Progress(arm, seed, epoch + 1, batch + 1, steps, fraction, elapsed,
                                      elapsed / fraction * (1 - fraction) if fraction else None))

            def finished(metrics, arm=arm, seed_index=seed_index):
                for metric, value in metrics.items():
                    result["arms"][arm][metric][seed_index].append(value)
                if on_epoch:
                    on_epoch(result)

            recorder = _Recorder(on_batch, should_stop, finished)
            keras.utils.set_random_seed(seed)  # same initial weights for every arm of this seed
            model = build_model(split.train_images.shape[1:], len(split.class_names), scale_inputs)
            model.compile(optimizer=keras.optimizers.Adam(settings.learning_rate),
                          loss="sparse_categorical_crossentropy", metrics=["accuracy"])
            callbacks = [recorder]
            if log_dir is not None:
                callbacks.append(keras.callbacks.TensorBoard(str(Path(log_dir) / f"{arm}-seed{seed}"), write_graph=False))
            sequence = AugmentedSequence(split.train_images, split.train_labels, config, settings.batch_size, seed=seed)
            fit = dict(validation_data=(validation_x, split.validation_labels), verbose=0, callbacks=callbacks)
            if split.train_images.size * 4 <= EPOCH_IN_MEMORY_BYTES:
                # A whole augmented epoch as arrays: far less per-step overhead than a PyDataset.
                for epoch in range(settings.epochs):
                    x, y = sequence.epoch_arrays(epoch)
                    model.fit(x, y, batch_size=settings.batch_size, shuffle=False, initial_epoch=epoch, epochs=epoch + 1, **fit)
                    if recorder.stopped:
                        break
            else:
                model.fit(sequence, epochs=settings.epochs, **fit)
            if recorder.stopped:
                result["status"] = "stopped"
                result["summary"] = summarize(result)
                return result
            predicted = model.predict(validation_x, verbose=0, batch_size=256).argmax(axis=1)
            result["confusion"][arm][seed_index] = confusion_matrix(split.validation_labels, predicted, len(split.class_names)).tolist()
            if probes and arm == "baseline":
                for name, probe in probes.items():
                    probed = _probe_images(split, probe, seed)
                    accuracy = float((model.predict(probed, verbose=0, batch_size=256).argmax(axis=1) == split.validation_labels).mean())
                    result["probe_accuracy"][name][seed_index] = accuracy
            if on_epoch:
                on_epoch(result)
    result["status"] = "finished"
    result["summary"] = summarize(result)
    return result


def confusion_matrix(truth: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """counts[true class, predicted class]."""
    counts = np.zeros((classes, classes), np.int64)
    np.add.at(counts, (truth, predicted), 1)
    return counts


def _probe_images(split, config: AugmentConfig, seed: int) -> np.ndarray:
    """Validation images augmented by `config`, to test a trained model (affinity). The
    read-only ValidationImages type is set aside deliberately here and nowhere else."""
    from ..augment.engine import augment_batch

    return augment_batch(np.asarray(split.validation_images).copy(), config, seed=10_000 + seed)
