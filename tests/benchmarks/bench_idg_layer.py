"""IDGAugmentation (one Keras 3 layer) against ImageDataGenerator.flow and our NumPy engine
(FastImageDataGenerator.flow), in images per second.

    python tests/benchmarks/bench_idg_layer.py [--repeats 3]

Settings: the article's "over-augmentation" example (rotation 40, shifts 0.2, shear 0.2, zoom
0.2, horizontal flip, fill nearest), batches of 32, float32 crops of the sample photo at 32 px
(1024 images) and 224 px (128 images). One measurement is one pass over the images: IDG and
the engine through `flow(...)[i]` for every batch, the layer through a compiled call on every
batch (TensorFlow: `tf.function(jit_compile=False)`; the backend is Keras's, KERAS_BACKEND).
The layer's first call (tracing) is made before timing. Each side runs `--repeats` times,
interleaved, with a pause of PAUSE_S after each (after the layer's calls the engine measured
up to a third slower for a while, probably TensorFlow's thread pools; the pause recovers part); the
median is reported with its ratio to IDG measured in the same run. On a GPU
(when TensorFlow sees one) the layer runs there; IDG and the engine always run on the CPU.
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import make_images  # noqa: E402

SETTINGS = {
    "rotation_range": 40,
    "width_shift_range": 0.2,
    "height_shift_range": 0.2,
    "shear_range": 0.2,
    "zoom_range": 0.2,
    "horizontal_flip": True,
    "fill_mode": "nearest",
}
BATCH = 32
PAUSE_S = 2.0


def _flow_pass(generator, images) -> None:
    flow = generator.flow(images, batch_size=BATCH, shuffle=False, seed=0)
    for index in range(len(flow)):
        flow[index]


def _layer_pass(call, batches) -> None:
    for batch in batches:
        out = call(batch)
    getattr(out, "numpy", lambda: out)()  # wait for the device


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import keras
    import tensorflow as tf

    from explorer import FastImageDataGenerator, IDGAugmentation

    layer = IDGAugmentation(seed=0, **SETTINGS)
    if keras.backend.backend() == "tensorflow":
        call = tf.function(lambda batch: layer(batch, training=True), jit_compile=False)
    else:
        call = lambda batch: layer(batch, training=True)  # noqa: E731
    devices = [d.device_type for d in tf.config.list_physical_devices("GPU")]
    print(
        f"over-augmentation {SETTINGS}; batches of {BATCH}; Keras backend {keras.backend.backend()}; "
        f"layer on {'GPU' if devices else 'CPU'}; {os.cpu_count()} cores"
    )
    idg = tf.keras.preprocessing.image.ImageDataGenerator(**SETTINGS)
    fast = FastImageDataGenerator(**SETTINGS)
    for size, count in ((32, 1024), (224, 128)):
        images = make_images(size, count).astype("float32")
        batches = [keras.ops.convert_to_tensor(images[i : i + BATCH]) for i in range(0, count, BATCH)]
        call(batches[0])  # trace
        runs: dict[str, list[float]] = {"IDG.flow": [], "engine (Fast.flow)": [], "IDGAugmentation": []}
        for _ in range(args.repeats):
            for name, work, data in (
                ("IDG.flow", lambda d: _flow_pass(idg, d), images),
                ("engine (Fast.flow)", lambda d: _flow_pass(fast, d), images),
                ("IDGAugmentation", lambda d: _layer_pass(call, d), batches),
            ):
                start = time.perf_counter()
                work(data)
                runs[name].append(time.perf_counter() - start)
                time.sleep(PAUSE_S)
        base = statistics.median(runs["IDG.flow"])
        for name, times in runs.items():
            took = statistics.median(times)
            print(f"{size:>3} px  {name:<20} {count / took:>9.0f} images/s  {base / took:5.2f}x IDG")


if __name__ == "__main__":
    from refresh_docs import docs_output  # the --docs option: docs/benchmarks/bench_idg_layer.txt

    docs_output(main, "bench_idg_layer")
