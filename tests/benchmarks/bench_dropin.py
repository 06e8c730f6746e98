"""FastImageDataGenerator against ImageDataGenerator, as drop-ins: `flow` and `flow_from_directory`.

    python tests/benchmarks/bench_dropin.py [--repeats 3]

Settings: the article's "over-augmentation" example (rotation 40, shifts 0.2, shear 0.2,
zoom 0.2, horizontal flip, fill nearest), batches of 32, a fixed seed, shuffle on (the default).
Goals on a 2-core CPU:
- `flow` on float32 input: >= 15x at 224 px (192 images), >= 10x at 32 px (2048 images);
  the data are crops of the shipped sample photo, as in bench_engine.py.
- `flow_from_directory` at target_size=(224, 224), with rescale=1/255 as well: >= 4x, decoding
  included. The folder (2 classes x 60 JPEGs of 500x375 px, Pillow quality 90, crops of the
  shipped sample photos) is built once and kept under /tmp/bench_dropin_jpegs.
One measurement is one epoch, `it[i]` for every batch i in order, iterator construction
included (a drop-in may do its work there). Each side runs `--repeats` times, interleaved; the
median time is reported. Before timing, the first batches of both sides are compared: the
maximum absolute difference, on the 0..255 scale, should be within 0.01 (printed, not asserted;
a speed run of the wrong thing is moot). Needs TensorFlow and SciPy (test dependencies).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench_engine import make_images  # noqa: E402  (the same crops of the sample photo)

OVER_AUGMENTATION = {
    "rotation_range": 40,
    "width_shift_range": 0.2,
    "height_shift_range": 0.2,
    "shear_range": 0.2,
    "zoom_range": 0.2,
    "horizontal_flip": True,
    "fill_mode": "nearest",
}
BATCH = 32
SEED = 0
TOLERANCE = 0.01  # max |ours - IDG| on the 0..255 scale, first batch
# flow: (size, image count, goal)
FLOW_CASES = [(224, 192, 15), (32, 2048, 10)]
# flow_from_directory
JPEG_DIR = Path("/tmp/bench_dropin_jpegs")
JPEG_CLASSES = ("class_a", "class_b")
JPEGS_PER_CLASS = 60
JPEG_SIZE = (500, 375)  # width, height
TARGET_SIZE = (224, 224)
DIRECTORY_GOAL = 4


def jpeg_paths(root: Path) -> list[Path]:
    return [root / name / f"{index:03d}.jpg" for name in JPEG_CLASSES for index in range(JPEGS_PER_CLASS)]


def build_jpeg_folder(root: Path = JPEG_DIR) -> Path:
    """A class-per-folder folder of JPEGs: 4:3 crops of the sample photos (each class its own
    photos), resized to 500x375 and saved at quality 90. Built once, atomically; reused after."""
    if all(path.is_file() for path in jpeg_paths(root)):
        return root
    photos = [
        Image.open(path).convert("RGB")
        for path in sorted((ROOT / "sample_images").glob("*.*"))
        if path.suffix.lower() in (".jpg", ".png")
    ]
    rng = np.random.RandomState(0)
    staging = Path(tempfile.mkdtemp(prefix="bench_dropin_jpegs.", dir=root.parent))
    for class_index, name in enumerate(JPEG_CLASSES):
        (staging / name).mkdir()
        own = photos[class_index :: len(JPEG_CLASSES)]
        for index in range(JPEGS_PER_CLASS):
            photo = own[index % len(own)]
            width = rng.randint(photo.width // 2, photo.width + 1)
            height = min(photo.height, width * 3 // 4)
            width = height * 4 // 3
            left = rng.randint(0, photo.width - width + 1)
            top = rng.randint(0, photo.height - height + 1)
            crop = photo.crop((left, top, left + width, top + height)).resize(JPEG_SIZE, Image.BICUBIC)
            crop.save(staging / name / f"{index:03d}.jpg", quality=90)
    shutil.rmtree(root, ignore_errors=True)
    os.replace(staging, root)
    return root


def time_epoch(make_iterator) -> float:
    """Seconds for one epoch: the iterator built, then every batch `it[i]` in order."""
    start = time.perf_counter()
    iterator = make_iterator()
    for index in range(len(iterator)):
        iterator[index]
    return time.perf_counter() - start


def first_batch_diff(idg_iterator, our_iterator, scale: float) -> str:
    """Max |diff| of the first batch's images on the 0..255 scale, and whether the labels agree."""
    (idg_x, idg_y), (our_x, our_y) = idg_iterator[0], our_iterator[0]
    if np.shape(idg_x) != np.shape(our_x):
        return f"shapes differ: IDG {np.shape(idg_x)}, ours {np.shape(our_x)}"
    diff = float(np.abs(np.asarray(idg_x, np.float64) - np.asarray(our_x, np.float64)).max()) * scale
    labels = "labels equal" if np.array_equal(np.asarray(idg_y), np.asarray(our_y)) else "LABELS DIFFER"
    verdict = "ok" if diff <= TOLERANCE else "DIFFERS"
    return f"first batch max |diff| vs IDG: {diff:.4f} ({verdict}), {labels}"


def measure(repeats: int, make_idg, make_ours) -> tuple[float, float]:
    """Median seconds per epoch (IDG, ours), the two sides interleaved."""
    idg_times, our_times = [], []
    for _ in range(repeats):
        idg_times.append(time_epoch(make_idg))
        our_times.append(time_epoch(make_ours))
    return statistics.median(idg_times), statistics.median(our_times)


def row(label: str, size: int, count: int, idg_rate: float, our_rate: float | None, goal: int, note: str) -> str:
    """One result line: case, size, images, IDG img/s, ours img/s, ratio, goal and verdict, sanity note."""
    head = f"{label:<20} {size:>3}x{size:<3} {count:>6} {idg_rate:>10.1f}"
    if our_rate is None:
        return f"{head} {'n/a':>10} {'-':>7}  >= {goal}x -  ({note})"
    ratio = our_rate / idg_rate
    verdict = f">= {goal}x {'met' if ratio >= goal else 'MISSED'}"
    return f"{head} {our_rate:>10.1f} {ratio:>6.1f}x  {verdict}  ({note})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import tensorflow as tf

    from explorer import FastImageDataGenerator

    IDG = tf.keras.preprocessing.image.ImageDataGenerator
    print(
        f"CPU cores: {os.cpu_count()}; batches of {BATCH}, seed {SEED}; "
        f"median of {args.repeats} interleaved one-epoch runs"
    )
    print(f"{'case':<20} {'size':>7} {'images':>6} {'IDG img/s':>10} {'ours img/s':>10} {'ratio':>7}  goal")

    for size, count, goal in FLOW_CASES:
        images = make_images(size, count).astype(np.float32)  # the dtype IDG users feed
        idg, ours = IDG(**OVER_AUGMENTATION), FastImageDataGenerator(**OVER_AUGMENTATION)
        labels = np.arange(count)

        def make_idg(idg=idg, images=images, labels=labels):
            return idg.flow(images, labels, batch_size=BATCH, shuffle=True, seed=SEED)

        def make_ours(ours=ours, images=images, labels=labels):
            return ours.flow(images, labels, batch_size=BATCH, shuffle=True, seed=SEED)

        note = first_batch_diff(make_idg(), make_ours(), scale=1.0)  # also the warm-up
        idg_time, our_time = measure(args.repeats, make_idg, make_ours)
        print(row("flow float32", size, count, count / idg_time, count / our_time, goal, note))

    directory = build_jpeg_folder()
    count = len(jpeg_paths(directory))
    for path in jpeg_paths(directory):
        path.read_bytes()  # both sides read from the page cache
    settings = dict(OVER_AUGMENTATION, rescale=1 / 255)
    idg, ours = IDG(**settings), FastImageDataGenerator(**settings)
    options = dict(target_size=TARGET_SIZE, class_mode="categorical", batch_size=BATCH, shuffle=True, seed=SEED)

    def make_idg_dir():
        return idg.flow_from_directory(str(directory), **options)

    def make_ours_dir():
        return ours.flow_from_directory(str(directory), **options)

    quiet = contextlib.redirect_stdout(io.StringIO())  # both print "Found 120 images belonging to 2 classes."
    with quiet:
        if hasattr(FastImageDataGenerator, "flow_from_directory"):
            note = first_batch_diff(make_idg_dir(), make_ours_dir(), scale=255.0)
            idg_time, our_time = measure(args.repeats, make_idg_dir, make_ours_dir)
            our_rate = count / our_time
        else:
            note = "FastImageDataGenerator has no flow_from_directory yet"
            idg_time = statistics.median(time_epoch(make_idg_dir) for _ in range(args.repeats))
            our_rate = None
    size = TARGET_SIZE[0]
    print(row("flow_from_directory", size, count, count / idg_time, our_rate, DIRECTORY_GOAL, note))


if __name__ == "__main__":
    from refresh_docs import docs_output  # the --docs option: docs/benchmarks/bench_dropin.txt

    docs_output(main, "bench_dropin")
