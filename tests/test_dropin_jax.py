"""The drop-in trains under Keras 3's JAX backend without TensorFlow: `flow` and
`flow_from_directory` both feed `model.fit`, and `tensorflow` is never imported.

Runs in a fresh interpreter (KERAS_BACKEND is read once, when Keras is first imported).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import sys
from pathlib import Path

import keras
import numpy as np
from PIL import Image

from explorer import FastImageDataGenerator

assert keras.backend.backend() == "jax", keras.backend.backend()


def model(classes):
    net = keras.Sequential([
        keras.Input((16, 16, 3)),
        keras.layers.Conv2D(4, 3),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(classes, activation="softmax"),
    ])
    net.compile(optimizer="adam", loss="categorical_crossentropy")
    return net


def fit(net, flow):
    assert isinstance(flow, keras.utils.PyDataset), type(flow)
    loss = net.fit(flow, epochs=1, verbose=0).history["loss"]
    assert len(loss) == 1 and np.isfinite(loss[0]), loss


rng = np.random.RandomState(0)
x = rng.randint(0, 256, (40, 16, 16, 3)).astype(np.uint8)
y = keras.utils.to_categorical(rng.randint(0, 3, 40), 3)
fit(model(3), FastImageDataGenerator(rotation_range=20, horizontal_flip=True, rescale=1 / 255)
    .flow(x, y, batch_size=8, seed=1))

root = Path(sys.argv[1])
for name in ("cats", "dogs"):
    (root / name).mkdir()
    for i in range(6):  # 20 wide, 24 high: resized to target_size
        Image.fromarray(rng.randint(0, 256, (24, 20, 3)).astype(np.uint8)).save(root / name / f"{i}.png")
flow = FastImageDataGenerator(rescale=1 / 255).flow_from_directory(str(root), target_size=(16, 16), batch_size=4,
                                                                   seed=0)
batch_x, batch_y = flow[0]
assert len(flow) == 3 and batch_x.shape == (4, 16, 16, 3) and batch_y.shape == (4, 2), (
    len(flow), batch_x.shape, batch_y.shape)
assert 0.0 <= batch_x.min() and batch_x.max() <= 1.0, (batch_x.min(), batch_x.max())
fit(model(2), flow)

assert "tensorflow" not in sys.modules, sorted(m for m in sys.modules if m.split(".")[0] == "tensorflow")[:5]
print("OK")
"""


@pytest.mark.slow  # JAX imports and trains twice in a fresh interpreter (about 18 s)
def test_dropin_trains_under_jax_without_tensorflow(tmp_path):
    if importlib.util.find_spec("jax") is None:
        pytest.fail("jax is not installed: `pip install -r tests/requirements.txt` brings the CPU build")
    images = tmp_path / "images"
    images.mkdir()
    pythonpath = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu", "PYTHONPATH": pythonpath}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(images)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0 and "OK" in result.stdout, (
        f"exit {result.returncode}\n--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )
