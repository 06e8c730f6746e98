"""Training speed: augmentation must not starve training, and the default comparison must
finish in under 45 s on 2 cores.

    python tests/benchmarks/bench_training.py

1. Epoch time with and without augmentation (the article's "over-augmentation" example) on
   the `digits` demo at 32 px, same model, same run; epoch 1 (graph tracing) is left out.
   Goal: augmented <= 1.15x unaugmented.
2. The default comparison as the page and the CLI run it: digits, baseline and augmented,
   the default seeds and epochs. Goal: <= 45 s, TensorFlow's import (paid once per worker)
   included. (bench_verdict.py times the same from a click in the page.)
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    start = time.perf_counter()
    from explorer.augment.presets import preset
    from explorer.data.demos import load_demo
    from explorer.experiments.records.spec import TrainSettings
    from explorer.experiments.training import paired  # imports Keras and TensorFlow

    imported = time.perf_counter() - start
    digits = load_demo("digits", image_size=32)
    augmented = preset("over-augmentation")
    arms = {"baseline": augmented.without_transforms(), "augmented": augmented}

    stamps: dict[str, list[float]] = {name: [] for name in arms}
    current = {"arm": None}

    def progress(state):
        current["arm"] = state.arm

    def on_epoch(_result):
        stamps[current["arm"]].append(time.perf_counter())

    # 1. epoch times, one seed, both arms
    began = time.perf_counter()
    paired.run_comparison(digits, arms, TrainSettings(seeds=(0,), epochs=8), progress=progress, on_epoch=on_epoch)
    per_epoch = {name: [b - a for a, b in zip(times, times[1:])] for name, times in stamps.items()}
    baseline, augmented_time = statistics.median(per_epoch["baseline"]), statistics.median(per_epoch["augmented"])
    ratio = augmented_time / baseline
    print(f"CPU cores: {os.cpu_count()}; digits at 32 px, {TrainSettings().batch_size} per batch")
    print(
        f"epoch time, median of epochs 2-8: unaugmented {baseline * 1000:.0f} ms, augmented "
        f"{augmented_time * 1000:.0f} ms, ratio {ratio:.2f}x (goal <= 1.15x: {'met' if ratio <= 1.15 else 'MISSED'})"
    )
    del began

    # 2. the default comparison
    began = time.perf_counter()
    defaults = TrainSettings()
    result = paired.run_comparison(digits, arms, defaults)
    took = time.perf_counter() - began
    total = took + imported
    print(
        f"default comparison (2 arms x {len(defaults.seeds)} seeds x {defaults.epochs} epochs): {took:.1f} s "
        f"+ TensorFlow import {imported:.1f} s "
        f"= {total:.1f} s (goal <= 45 s: {'met' if total <= 45 else 'MISSED'})"
    )
    print(f"verdict ({result.summary.verdict_code}): {result.summary.verdict}")


if __name__ == "__main__":
    from refresh_docs import docs_output  # the --docs option: docs/benchmarks/bench_training.txt

    docs_output(main, "bench_training")
