"""Comparisons on a real architecture: keras.applications.MobileNetV3Small, and the default
comparison's time beside it (it must not change).

    python tests/benchmarks/bench_models.py [--seeds 3] [--epochs 5] [--image-size 96]

1. The default comparison (small CNN, digits at 32 px, 3 seeds x 8 epochs), as in
   bench_training.py, first (a run after a large model in the same process is slower): its
   time should stay what it was before model choice (README).
2. MobileNetV3Small (random weights) at 96 px on the `shapes` demo, baseline and augmented
   (the article's "over-augmentation" example), 3 seeds x 5 epochs: total time, mean epoch
   time (validation included; the first epoch of each arm and seed includes graph tracing)
   and the device, as result.json records them.
Both are timed in this process, TensorFlow's import paid once before either.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def _timed_run(dataset, config, settings, model):
    from explorer.experiments.training import paired

    arms = {"baseline": config.without_transforms(), "augmented": config}
    start = time.perf_counter()
    result = paired.run_comparison(dataset, arms, settings, model=model)
    return time.perf_counter() - start, result


def _epoch_line(result) -> str:
    first, rest = [], []
    for history in result.arms.values():
        for run in history.epoch_seconds:
            first += run[:1]
            rest += run[1:]
    later = f", later epochs median {statistics.median(rest):.1f} s" if rest else ""
    return f"first epoch of each arm and seed median {statistics.median(first):.1f} s (tracing){later}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--image-size", type=int, default=96)
    args = parser.parse_args()

    start = time.perf_counter()
    from explorer.augment.presets import preset
    from explorer.data.demos import load_demo
    from explorer.experiments.records.spec import ModelRef, TrainSettings
    from explorer.experiments.training import paired  # noqa: F401  (Keras and TensorFlow)

    imported = time.perf_counter() - start
    config = preset("over-augmentation")
    print(f"CPU cores: {os.cpu_count()}; TensorFlow import {imported:.1f} s (paid once, not counted below)")

    digits = load_demo("digits", image_size=32)
    took, result = _timed_run(digits, config, TrainSettings(), ModelRef())
    print(
        f"default comparison (small CNN, digits at 32 px, 2 arms x 3 seeds x 8 epochs) on {result.device}: "
        f"total {took:.1f} s, mean epoch {result.mean_epoch_seconds():.2f} s"
    )
    print(f"  verdict: {result.summary.verdict}")

    size = args.image_size
    shapes = load_demo("shapes", image_size=size)
    settings = TrainSettings(seeds=tuple(range(args.seeds)), epochs=args.epochs, image_size=size)
    model = ModelRef.parse("applications:MobileNetV3Small")
    took, result = _timed_run(shapes, config, settings, model)
    runs = 2 * args.seeds
    print(
        f"{model.label} at {size} px on shapes ({result.train_images} training images), 2 arms x "
        f"{args.seeds} seeds x {args.epochs} epochs on {result.device}: total {took:.1f} s, "
        f"{took / runs:.1f} s per arm and seed, mean epoch {result.mean_epoch_seconds():.1f} s"
    )
    print(f"  {_epoch_line(result)}")
    print(f"  verdict: {result.summary.verdict}")


if __name__ == "__main__":
    from refresh_docs import docs_output  # the --docs option: docs/benchmarks/bench_models.txt

    docs_output(main, "bench_models")
