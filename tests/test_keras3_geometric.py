"""explorer/augment/keras3/geometric.py and affine.py against the real Keras 3 layers.

Keras draws (its own `get_random_transformation`), our `apply` replays each image's draw, and
the result must equal Keras's `transform_images(..., training=True)` within 0.01 of 255, on
TensorFlow in this process and on JAX in one fresh interpreter for the whole file. Constructors
must accept exactly what Keras's accept, and refuse the rest with Keras's message; our draws
must stay inside the ranges Keras draws from.

Where the backends disagree: fill_mode="wrap". TensorFlow's kernel maps a position less than
one pixel outside an edge onto the opposite edge's pixel alone (and positions more than n - 1
outside onto an edge pixel too); JAX blends across the seam with `index % n`. Our layers reproduce
TensorFlow; on JAX the wrap cases are checked against `affine_transform(..., wrap="jax")`,
which reproduces JAX's rule with the same matrices and draws.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer.augment.keras3 import geometric
from explorer.augment.keras3.affine import affine_transform, fold
from explorer.augment.keras3.base import KerasArgumentError

ROOT = Path(__file__).resolve().parents[1]
TOL = 0.01  # of 255: the bar
SIZES = ((31, 45), (20, 9), (64, 64))  # odd and non-square (wide and tall), square

CASES = [
    ("RandomFlip", {}, "flip-both-default"),
    ("RandomFlip", {"mode": "horizontal"}, "flip-horizontal"),
    ("RandomFlip", {"mode": "vertical", "seed": 7}, "flip-vertical-seed"),
    ("RandomFlip", {"mode": "diagonal"}, "flip-unknown-mode-never-flips"),
    ("RandomFlip", {"data_format": "channels_first"}, "flip-channels-first"),
    ("RandomRotation", {"factor": 0.2}, "rotation-number"),
    ("RandomRotation", {"factor": -0.1}, "rotation-negative-number"),
    ("RandomRotation", {"factor": (-0.5, 0.5), "fill_mode": "wrap"}, "rotation-pair-wrap"),
    ("RandomRotation", {"factor": [0.1, 0.3], "fill_mode": "nearest"}, "rotation-list-nearest-fill"),
    (
        "RandomRotation",
        {"factor": 0.3, "fill_mode": "constant", "fill_value": 40.0, "interpolation": "nearest"},
        "rotation-constant-fill-value-nearest",
    ),
    ("RandomRotation", {"factor": 1.0, "fill_mode": "reflect"}, "rotation-full-turn-reflect"),
    ("RandomRotation", {"factor": 0.25, "data_format": "channels_first"}, "rotation-channels-first"),
    ("RandomTranslation", {"height_factor": 0.3, "width_factor": (-0.5, 0.2)}, "translation-number-pair"),
    (
        "RandomTranslation",
        {"height_factor": -0.2, "width_factor": 0.0, "fill_mode": "constant"},
        "translation-constant",
    ),
    (
        "RandomTranslation",
        {"height_factor": 1.0, "width_factor": 1.0, "fill_mode": "wrap", "interpolation": "nearest"},
        "translation-whole-size-wrap-nearest",
    ),
    ("RandomTranslation", {"height_factor": 0.4, "width_factor": 0.4, "fill_mode": "nearest"}, "translation-nearest"),
    ("RandomZoom", {"height_factor": 0.5}, "zoom-width-none-keeps-aspect"),
    ("RandomZoom", {"height_factor": (-0.5, -0.2), "width_factor": (0.1, 0.9)}, "zoom-in-tall-out-wide"),
    ("RandomZoom", {"height_factor": (-0.9, 1.0), "interpolation": "nearest"}, "zoom-nearest"),
    (
        "RandomZoom",
        {"height_factor": 0.8, "fill_mode": "constant", "fill_value": 255.0, "data_format": "channels_first"},
        "zoom-constant-channels-first",
    ),
    ("RandomZoom", {"height_factor": 0.6, "width_factor": -0.3, "fill_mode": "wrap"}, "zoom-wrap"),
    ("RandomShear", {"x_factor": 0.3, "y_factor": 0.2}, "shear-x-and-y"),
    ("RandomShear", {"x_factor": (0.1, 0.9), "fill_mode": "wrap", "interpolation": "nearest"}, "shear-x-pair-wrap"),
    ("RandomShear", {"y_factor": 1.0, "fill_mode": "constant", "fill_value": 9.0}, "shear-y-constant"),
    ("RandomShear", {"x_factor": 0.5, "fill_mode": "nearest", "data_format": "channels_first"}, "shear-channels-first"),
    ("RandomCrop", {"height": 10, "width": 7}, "crop-smaller"),
    ("RandomCrop", {"height": 25, "width": 25, "seed": 3}, "crop-square-larger-on-one-axis-stretched"),
    ("RandomCrop", {"height": 40, "width": 12}, "crop-taller-than-image"),
    ("RandomCrop", {"height": 9, "width": 8, "data_format": "channels_first"}, "crop-channels-first"),
    ("CenterCrop", {"height": 10, "width": 7}, "center-crop-smaller"),
    ("CenterCrop", {"height": 40, "width": 12}, "center-crop-taller-smart-resize"),
    ("CenterCrop", {"height": 50, "width": 70, "data_format": "channels_first"}, "center-crop-larger-channels-first"),
    ("Resizing", {"height": 10, "width": 7}, "resize-bilinear-down"),
    ("Resizing", {"height": 50, "width": 70}, "resize-bilinear-up"),
    ("Resizing", {"height": 13, "width": 29, "interpolation": "nearest"}, "resize-nearest"),
    ("Resizing", {"height": 50, "width": 17, "interpolation": "nearest"}, "resize-nearest-up-and-down"),
    ("Resizing", {"height": 24, "width": 24, "crop_to_aspect_ratio": True}, "resize-crop-to-aspect"),
    (
        "Resizing",
        {"height": 24, "width": 24, "pad_to_aspect_ratio": True, "fill_value": 9.0},
        "resize-pad-to-aspect-fill",
    ),
    ("Resizing", {"height": 15, "width": 40, "pad_to_aspect_ratio": True}, "resize-pad-wide"),
    (
        "Resizing",
        {"height": 15, "width": 40, "crop_to_aspect_ratio": True, "interpolation": "nearest"},
        "resize-crop-nearest",
    ),
    ("Resizing", {"height": 20, "width": 20, "data_format": "channels_first"}, "resize-channels-first"),
    ("RandomPerspective", {}, "perspective-default"),
    (
        "RandomPerspective",
        {"factor": 1.0, "scale": 0.5, "interpolation": "nearest", "fill_value": 20.0},
        "perspective-nearest-fill-value",
    ),
    ("RandomPerspective", {"factor": (0.5, 1.0), "data_format": "channels_first"}, "perspective-pair-channels-first"),
]


@pytest.fixture(scope="module")
def keras_tf():
    """Keras on TensorFlow, imported once for this file."""
    import keras

    if keras.backend.backend() != "tensorflow":
        pytest.fail(f"these tests run Keras on TensorFlow in process; KERAS_BACKEND is {keras.backend.backend()}")
    return keras


def _jax_key(result: dict) -> str:
    """What must meet the bar on JAX: our JAX-style wrap for wrap cases; for nearest Resizing,
    the rows and columns whose sample centre is not a whole number (see `_nearest_ties`)."""
    if result["worst_jax_wrap"] is not None:
        return "worst_jax_wrap"
    return "worst_off_ties"


def _check(case: str, result: dict, backend: str) -> None:
    key = _jax_key(result) if backend == "jax" else "worst"
    assert result[key] <= TOL, f"{case} on {backend}: max |ours - keras| = {result[key]:.4g} > {TOL}"


@pytest.mark.parametrize(("name", "kwargs"), [pytest.param(n, k, id=i) for n, k, i in CASES])
def test_layer_equals_keras_on_tensorflow(keras_tf, name, kwargs):
    from tests.keras3_oracle import geometric_case, geometric_images

    for height, width in SIZES:
        for channels in (3, 1) if height == 20 else (3,):
            images = geometric_images(height, width, count=4, channels=channels, seed=height)
            result = geometric_case(name, kwargs, images, seed=height + width)
            _check(f"{name}({kwargs}) on {height}x{width}x{channels}", result, "tensorflow")


def test_wrap_differs_between_backends_only_outside_the_image():
    """Our TensorFlow wrap and our JAX wrap agree wherever no fold is needed, and differ at the seam."""
    rng = np.random.default_rng(3)
    image = rng.uniform(0, 255, (12, 17, 3)).astype(np.float32)
    shift = np.array([1, 0, -0.4, 0, 1, 0, 0, 0], np.float32)  # column 0 reads 0.4 px left of the image
    tf_style = affine_transform(image, shift, "bilinear", "wrap", 0.0)
    jax_style = affine_transform(image, shift, "bilinear", "wrap", 0.0, wrap="jax")
    assert np.abs(tf_style[:, 1:] - jax_style[:, 1:]).max() < 1e-3  # no wrapping needed there
    # TensorFlow reads the opposite edge's pixel alone; JAX blends it with the near edge.
    assert np.allclose(tf_style[:, 0], image[:, -1], atol=1e-3)
    assert np.allclose(jax_style[:, 0], 0.6 * image[:, 0] + 0.4 * image[:, -1], atol=1e-2)


def test_fold_matches_tensorflow_rules_far_outside():
    """TensorFlow's wrap steps by n but divides by n - 1: far positions land on the edge."""
    coords = np.array([-0.3, -3.5, 6.5, 2.5, 3.2, -1.3], np.float32)
    assert np.allclose(fold(coords, 4, "wrap"), [3.0, 3.0, 0.0, 2.5, 0.0, 2.7], atol=1e-6)
    assert np.allclose(
        fold(coords, 4, "reflect"), [0.0, 2.5, 0.5, 2.5, 3.0, 0.3], atol=1e-6
    )  # mirror about -0.5 and n - 0.5
    assert np.allclose(fold(coords, 4, "nearest"), [0.0, 0.0, 3.0, 2.5, 3.0, 0.0])
    assert np.array_equal(fold(coords, 4, "constant"), coords)


JAX_SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
import keras
assert keras.backend.backend() == "jax", keras.backend.backend()
from tests.keras3_oracle import geometric_case, geometric_images
cases, sizes = json.loads(sys.stdin.read())
out = []
for name, kwargs, case_id in cases:
    for height, width in sizes:
        images = geometric_images(height, width, count=4, seed=height)
        result = geometric_case(name, kwargs, images, seed=height + width)
        out.append({"case": f"{case_id} {height}x{width}", **result})
print("RESULTS" + json.dumps(out))
"""


@pytest.mark.slow  # a fresh interpreter that imports Keras on JAX (about 20 s)
def test_layers_equal_keras_on_jax():
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", JAX_SCRIPT, str(ROOT)],
        input=json.dumps([CASES, SIZES]),
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout.split("RESULTS", 1)[1])
    assert len(results) == len(CASES) * len(SIZES)
    failures = [r for r in results if r[_jax_key(r)] > TOL]
    keys = ("case", "worst", "worst_jax_wrap", "worst_off_ties")
    assert not failures, json.dumps([{k: r[k] for k in keys} for r in failures])


# --- constructors accept what Keras accepts -------------------------------------------------

_NUMBER = st.one_of(
    st.floats(-1.5, 1.5, allow_nan=False),
    st.sampled_from([-1, 0, 1, 2, -1.0, 1.0, 0.0, True]),
)
_FACTOR = st.one_of(
    _NUMBER,
    st.none(),
    st.lists(_NUMBER, min_size=0, max_size=3),
    st.tuples(_NUMBER, _NUMBER),
    st.sampled_from(["0.2", "a"]),
)
_CHOICE = {
    "fill_mode": st.sampled_from(["reflect", "wrap", "constant", "nearest", "mirror", "REFLECT", None]),
    "interpolation": st.sampled_from(["bilinear", "nearest", "bicubic", "area", None]),
    "data_format": st.sampled_from([None, "channels_last", "channels_first", "Channels_First", "nchw"]),
    "seed": st.sampled_from([None, 0, 42, True, 1.5, "7"]),
    "mode": st.sampled_from(["horizontal", "vertical", "horizontal_and_vertical", "both", None, 3]),
    "fill_value": st.sampled_from([0.0, 127, -1.0]),
}
_ARGUMENTS = {
    "RandomFlip": ("mode", "seed", "data_format"),
    "RandomRotation": ("factor", "fill_mode", "interpolation", "seed", "fill_value", "data_format"),
    "RandomTranslation": ("height_factor", "width_factor", "fill_mode", "interpolation", "seed", "data_format"),
    "RandomZoom": ("height_factor", "width_factor", "fill_mode", "interpolation", "seed", "data_format"),
    "RandomShear": ("x_factor", "y_factor", "interpolation", "fill_mode", "fill_value", "data_format", "seed"),
    "RandomPerspective": ("factor", "scale", "interpolation", "fill_value", "seed", "data_format"),
}
_REQUIRED = {
    "RandomRotation": ("factor",),
    "RandomTranslation": ("height_factor", "width_factor"),
    "RandomZoom": ("height_factor",),
}


def _arguments(name: str):
    def strategy(arg):
        return _FACTOR if arg.endswith("factor") else _NUMBER if arg == "scale" else _CHOICE[arg]

    required = _REQUIRED.get(name, ())
    optional = [arg for arg in _ARGUMENTS[name] if arg not in required]
    return st.fixed_dictionaries({arg: strategy(arg) for arg in required}, optional={a: strategy(a) for a in optional})


def _outcome(make):
    try:
        make()
    except KerasArgumentError as error:
        return "refused", error.reason
    except Exception as error:  # Keras refuses with ValueError, NotImplementedError or TypeError
        return "refused", str(error)
    return "accepted", None


@pytest.mark.parametrize("name", sorted(_ARGUMENTS))
def test_constructor_accepts_what_keras_accepts(keras_tf, name):
    ours = getattr(geometric, name)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(kwargs=_arguments(name))
    def check(kwargs):
        expected = _outcome(lambda: getattr(keras_tf.layers, name)(**kwargs))
        assert _outcome(lambda: ours(**kwargs)) == expected, kwargs

    check()


_CROP_CHOICE = {
    "height": st.integers(1, 30),
    "width": st.integers(1, 30),
    "seed": _CHOICE["seed"],
    "data_format": _CHOICE["data_format"],
    "interpolation": st.sampled_from(["bilinear", "nearest", "bicubic", "area", "lanczos3", "cubic", None]),
    "crop_to_aspect_ratio": st.booleans(),
    "pad_to_aspect_ratio": st.booleans(),
    "fill_mode": st.sampled_from(["constant", "reflect"]),
    "fill_value": st.sampled_from([0.0, 255.0]),
    "antialias": st.booleans(),
}
_CROP_ARGUMENTS = {
    "RandomCrop": ("seed", "data_format"),
    "CenterCrop": ("data_format",),
    "Resizing": tuple(k for k in _CROP_CHOICE if k not in ("height", "width", "seed")),
}


@pytest.mark.parametrize("name", sorted(_CROP_ARGUMENTS))
def test_crop_constructors_refuse_what_keras_refuses_by_its_first_call(keras_tf, name):
    """Keras's crop and resize constructors check little; the rest fails on the first call.
    Ours refuses both at construction: compare with constructing Keras's layer and calling it."""
    ours = getattr(geometric, name)
    image = np.random.default_rng(0).uniform(0, 255, (12, 10, 3)).astype(np.float32)
    arguments = st.fixed_dictionaries(
        {"height": _CROP_CHOICE["height"], "width": _CROP_CHOICE["width"]},
        optional={arg: _CROP_CHOICE[arg] for arg in _CROP_ARGUMENTS[name]},
    )

    def keras_call(kwargs):
        layer = getattr(keras_tf.layers, name)(**kwargs)
        shape = (1,) + (image.transpose(2, 0, 1).shape if layer.data_format == "channels_first" else image.shape)
        layer(np.zeros(shape, np.float32), training=True)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(kwargs=arguments)
    def check(kwargs):
        verdict, reason = _outcome(lambda: keras_call(kwargs))
        mine, my_reason = _outcome(lambda: ours(**kwargs))
        assert mine == verdict, (kwargs, reason, my_reason)
        if mine == "refused":
            assert my_reason in reason, (kwargs, reason, my_reason)
        elif getattr(ours(**kwargs), "reproduced", lambda: True)():
            layer = ours(**kwargs)
            out = layer.apply(image, layer.draw(np.random.default_rng(0), 12, 10))
            assert out.shape == (kwargs["height"], kwargs["width"], 3)

    check()


@pytest.mark.parametrize("size", [(0, 5), (-1, 5), (2.5, 5), (True, 5), ("4", 5), (None, 5)])
def test_sizes_that_keras_takes_until_the_call_are_refused_up_front(size):
    """Keras's RandomCrop(0, 5) and CenterCrop(-1, 5) even return empty images; we refuse."""
    for layer in (geometric.RandomCrop, geometric.CenterCrop, geometric.Resizing):
        with pytest.raises(KerasArgumentError, match="positive integers"):
            layer(*size)


def test_unreproduced_resize_methods_say_so():
    assert geometric.Resizing(8, 8, interpolation="bicubic").reproduced() is False
    assert geometric.Resizing(8, 8, antialias=True).reproduced() is False
    with pytest.raises(NotImplementedError, match="bicubic"):
        geometric.Resizing(8, 8, interpolation="bicubic").apply(np.zeros((4, 4, 3), np.float32), None)


# --- our draws stay where Keras draws --------------------------------------------------------

_VALID_FACTOR = st.one_of(st.floats(-1.0, 1.0), st.tuples(st.floats(-1.0, 1.0), st.floats(-1.0, 1.0)))
_VALID_ZOOM = st.one_of(st.floats(-0.99, 1.0), st.tuples(st.floats(-0.99, 1.0), st.floats(-0.99, 1.0)))
_VALID_SHEAR = st.one_of(st.floats(0.0, 1.0), st.tuples(st.floats(0.0, 1.0), st.floats(0.0, 1.0)))


def _interval(factor, low_bound=None):
    if isinstance(factor, tuple):
        return min(factor), max(factor)
    return -abs(factor), abs(factor)


def _inside(value, interval, scale=1.0, slack=1e-5):
    low, high = interval
    return low * scale - slack * max(1.0, abs(scale)) <= value <= high * scale + slack * max(1.0, abs(scale))


@settings(max_examples=80, deadline=None)
@given(factor=_VALID_FACTOR, seed=st.integers(0, 2**32 - 1))
def test_rotation_draw_within_keras_bounds(factor, seed):
    draw = geometric.RandomRotation(factor).draw(np.random.default_rng(seed), 30, 40)
    assert _inside(draw.angle, _interval(factor), 360.0)


@settings(max_examples=80, deadline=None)
@given(h=_VALID_FACTOR, w=_VALID_FACTOR, seed=st.integers(0, 2**32 - 1))
def test_translation_draw_within_keras_bounds(h, w, seed):
    draw = geometric.RandomTranslation(h, w).draw(np.random.default_rng(seed), 30, 40)
    assert _inside(draw.y, _interval(h), 30) and _inside(draw.x, _interval(w), 40)


@settings(max_examples=80, deadline=None)
@given(h=_VALID_ZOOM, w=st.one_of(st.none(), _VALID_ZOOM), seed=st.integers(0, 2**32 - 1))
def test_zoom_draw_within_keras_bounds(h, w, seed):
    draw = geometric.RandomZoom(h, w).draw(np.random.default_rng(seed), 30, 40)
    low, high = _interval(h)
    assert _inside(draw.height_zoom, (1 + low, 1 + high))
    if w is None:
        assert draw.width_zoom == draw.height_zoom
    else:
        low, high = _interval(w)
        assert _inside(draw.width_zoom, (1 + low, 1 + high))


@settings(max_examples=80, deadline=None)
@given(x=_VALID_SHEAR, y=_VALID_SHEAR, seed=st.integers(0, 2**32 - 1))
def test_shear_draw_within_keras_bounds(x, y, seed):
    draw = geometric.RandomShear(x, y).draw(np.random.default_rng(seed), 30, 40)
    # One random sign for both: (x, y) or (-x, -y) with x, y inside the ranges.
    for sign in (1.0, -1.0):
        if _inside(sign * draw.x, _interval(x)) and _inside(sign * draw.y, _interval(y)):
            return
    raise AssertionError(draw)


@pytest.mark.parametrize("mode", ["horizontal", "vertical", "horizontal_and_vertical", "Horizontal", None])
def test_flip_draws_one_coin_for_both_axes(mode):
    rng = np.random.default_rng(0)
    draws = [geometric.RandomFlip(mode).draw(rng, 8, 8) for _ in range(400)]
    flipped = sum(d.horizontal or d.vertical for d in draws)
    if mode in ("horizontal", "vertical", "horizontal_and_vertical"):
        assert 150 < flipped < 250  # about half
        assert all(d.horizontal == d.vertical for d in draws) or mode != "horizontal_and_vertical"
    else:
        assert flipped == 0  # Keras accepts any mode; an unknown one never flips


def test_captions_in_user_words():
    assert geometric.RotationDraw(12.34).caption() == "rotation +12.3°"
    assert geometric.ZoomDraw(1.15, 1.15).caption() == "zoom x 1.15 (out)"
    assert geometric.ZoomDraw(0.8, 1.2).caption() == "zoom x 0.80 (in) tall, x 1.20 (out) wide"
    assert geometric.TranslationDraw(3.21, -1.0).caption() == "shift +3.2 px right, -1.0 px down"
    assert geometric.ShearDraw(0.12, 0.0).caption() == "shear x +0.12, y +0.00"
    assert geometric.FlipDraw(True, True).caption() == "flip both (180° turn)"


@settings(max_examples=60, deadline=None)
@given(
    factor=st.one_of(st.floats(0.0, 1.0), st.tuples(st.floats(0.0, 1.0), st.floats(0.0, 1.0))),
    scale=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_perspective_draw_within_keras_bounds(factor, scale, seed):
    """Corners move by start * u, u in [-scale/2, scale/2]: the top-left never moves."""
    height, width = 30, 40
    draw = geometric.RandomPerspective(factor, scale).draw(np.random.default_rng(seed), height, width)
    start = np.array([[0, 0], [width - 1, 0], [0, height - 1], [width - 1, height - 1]], float)
    moved = np.array(draw.corners) - start
    assert np.all(np.abs(moved) <= start * scale / 2 + 1e-4)
    assert draw.size == (height, width)
