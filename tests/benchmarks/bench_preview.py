"""Preview compute time: a 3x3 grid of a 512 px image, engine against IDG, in one run.

    python tests/benchmarks/bench_preview.py [--repeats 20]

The engine side is everything the page computes for the grid: the draws, the augmented
tiles, fill masks and fractions, display conversion and 256 px thumbnails
(`explorer.ui.preview.random_grid`). The IDG side is `get_random_transform` + `apply_transform`
+ `standardize` for the same nine tiles. Goal: <= 25 ms (median) for the engine. Settings:
the article's "over-augmentation" example. Needs TensorFlow and SciPy (test dependencies).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from explorer import load_image  # noqa: E402
from explorer.augment.presets import preset  # noqa: E402
from explorer.data.images import resize  # noqa: E402
from explorer.ui.preview import random_grid  # noqa: E402

GOAL_MS = 25


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()

    import tensorflow as tf

    image = resize(load_image(ROOT / "sample_images" / "astronaut.jpg"), (512, 512))
    config = preset("over-augmentation")
    idg = tf.keras.preprocessing.image.ImageDataGenerator(**config.to_idg_kwargs())

    def engine(seed: int) -> None:
        random_grid(image, config, 9, seed, thumbnail=256)

    def reference(seed: int) -> None:
        np.random.seed(seed)
        for _ in range(9):
            params = idg.get_random_transform(image.shape)
            idg.standardize(idg.apply_transform(image.astype(np.float32), params))

    timings = {}
    for name, run in (("engine", engine), ("IDG", reference)):
        run(0)  # warm-up
        samples = []
        for seed in range(args.repeats):
            start = time.perf_counter()
            run(seed)
            samples.append((time.perf_counter() - start) * 1000)
        timings[name] = samples
    engine_ms, idg_ms = statistics.median(timings["engine"]), statistics.median(timings["IDG"])
    engine_p95 = sorted(timings["engine"])[int(0.95 * (len(timings["engine"]) - 1))]
    print(f"3x3 grid of a 512x512x3 image, over-augmentation, median of {args.repeats}, {os.cpu_count()} cores")
    print(f"IDG    {idg_ms:7.1f} ms")
    print(
        f"engine {engine_ms:7.1f} ms (p95 {engine_p95:.1f} ms)  {idg_ms / engine_ms:.1f}x faster; "
        f"goal <= {GOAL_MS} ms: {'met' if engine_ms <= GOAL_MS else 'MISSED'}"
    )


if __name__ == "__main__":
    from refresh_docs import docs_output  # the --docs option: docs/benchmarks/bench_preview.txt

    docs_output(main, "bench_preview")
