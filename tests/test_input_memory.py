"""Peak memory while loading the whole hostile corpus stays bounded.

Run in a fresh interpreter: ru_maxrss is the process's high-water mark, so its growth across
all loads bounds the peak of the worst one (a 30000x30000 header, a 50 MB zip bomb, 3000 GIF
frames, 25000 zip entries...).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PEAK_LIMIT_MB = 100

SCRIPT = r"""
import json, resource, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import hostile_files as hf
from explorer import InputError, load_dataset, load_image
images, datasets = hf.image_corpus(), hf.dataset_corpus()
load_image(hf.png()); load_dataset(hf.dataset_zip(), image_size=16)  # warm imports and caches
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
outcomes = {}
for name, data in images.items():
    try:
        outcomes[name] = list(load_image(data, name=name).shape)
    except InputError as error:
        outcomes[name] = str(error)
for name, data in datasets.items():
    try:
        outcomes[name] = len(load_dataset(data, image_size=32, name=name))
    except InputError as error:
        outcomes[name] = str(error)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"peak_growth_mb": (after - before) / 1024, "outcomes": outcomes}))
"""


def test_loading_every_hostile_file_keeps_peak_memory_bounded():
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(root), str(root / "tests")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr  # no exception but InputError escaped
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["peak_growth_mb"] < PEAK_LIMIT_MB, report
    outcomes = report["outcomes"]
    assert outcomes["png_claiming_huge_size.png"].endswith("the limit is 40 megapixels")
    assert outcomes["gif_many_frames.gif"] == [16, 16, 3]
