"""Keras 3's colour layers in NumPy (explorer/augment/keras3/color*.py) against the real layers.

Each case lets the real Keras layer draw (`get_random_transformation`, or for RandomColorJitter
what its parts draw), replays the draws through our `apply`, and compares with Keras's output:
worst |ours - keras| <= 0.01 in units of 0..255, on TensorFlow (in process) and JAX (one fresh
interpreter for all cases). Property tests check that our constructors accept what Keras's
accept and refuse with Keras's reason, and that our draws stay within Keras's ranges.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer.augment.keras3 import LAYERS, KerasArgumentError
from explorer.augment.keras3.color import LAYERS as COLOR_LAYERS
from tests.keras3_oracle import color_case

ROOT = Path(__file__).resolve().parents[1]
TOLERANCE = 0.01  # of 255
UNIT = (0, 1)

# (id, layer, kwargs, value range of the test images, image height x width)
CASES = [
    ("brightness-number", "RandomBrightness", {"factor": 0.3}, (0, 255), (17, 23)),
    ("brightness-negative", "RandomBrightness", {"factor": -0.4}, (0, 255), (16, 16)),
    ("brightness-pair", "RandomBrightness", {"factor": (-0.9, 0.6), "seed": 3}, (0, 255), (9, 31)),
    ("brightness-pair-reversed", "RandomBrightness", {"factor": [0.5, 0.1]}, (0, 255), (17, 23)),
    ("brightness-none", "RandomBrightness", {"factor": None}, (0, 255), (8, 8)),
    ("brightness-unit-range", "RandomBrightness", {"factor": 0.5, "value_range": (0, 1)}, UNIT, (17, 23)),
    ("brightness-range-reversed", "RandomBrightness", {"factor": 0.5, "value_range": [1, -1]}, (-1, 1), (13, 7)),
    ("brightness-unit-data-default-range", "RandomBrightness", {"factor": 0.2}, UNIT, (17, 23)),
    ("contrast-number", "RandomContrast", {"factor": 0.5}, (0, 255), (17, 23)),
    ("contrast-pair", "RandomContrast", {"factor": (0.1, 0.9), "seed": 7}, (0, 255), (20, 11)),
    ("contrast-one", "RandomContrast", {"factor": 1}, (0, 255), (5, 40)),
    ("contrast-unit-range", "RandomContrast", {"factor": 0.8, "value_range": [0, 1]}, UNIT, (17, 23)),
    ("contrast-channels-first", "RandomContrast", {"factor": 0.5, "data_format": "channels_first"}, (0, 255), (12, 19)),
    ("contrast-range-3", "RandomContrast", {"factor": 0.5, "value_range": (0, 200, 9)}, (0, 255), (8, 9)),
    ("rescaling-unit", "Rescaling", {"scale": 1 / 255}, (0, 255), (17, 23)),
    ("rescaling-offset", "Rescaling", {"scale": 1 / 127.5, "offset": -1}, (0, 255), (17, 23)),
    ("rescaling-per-channel", "Rescaling", {"scale": [1, 0.5, 2], "offset": [0, 1, -3]}, (0, 255), (17, 23)),
    ("grayscale-default", "RandomGrayscale", {}, (0, 255), (17, 23)),
    ("grayscale-always", "RandomGrayscale", {"factor": 1}, (0, 255), (17, 23)),
    ("grayscale-never", "RandomGrayscale", {"factor": 0.0, "seed": 2}, (0, 255), (17, 23)),
    (
        "grayscale-channels-first",
        "RandomGrayscale",
        {"factor": 1.0, "data_format": "channels_first"},
        (0, 255),
        (9, 14),
    ),
    ("saturation-number", "RandomSaturation", {"factor": 0.5}, (0, 255), (17, 23)),
    ("saturation-pair-unit", "RandomSaturation", {"factor": (0.2, 0.99), "value_range": (0, 1)}, UNIT, (17, 23)),
    ("saturation-negative", "RandomSaturation", {"factor": -0.7}, (0, 255), (10, 10)),
    ("saturation-full", "RandomSaturation", {"factor": (0.9, 1.0), "value_range": [1, 0]}, UNIT, (6, 13)),
    (
        "saturation-channels-first",
        "RandomSaturation",
        {"factor": 0.6, "data_format": "channels_first"},
        (0, 255),
        (8, 12),
    ),
    ("hue-number", "RandomHue", {"factor": 0.5}, (0, 255), (17, 23)),
    ("hue-full", "RandomHue", {"factor": 1.0, "seed": 11}, (0, 255), (17, 23)),
    ("hue-pair-unit", "RandomHue", {"factor": [0.2, 0.8], "value_range": (0, 1)}, UNIT, (17, 23)),
    ("hue-channels-first", "RandomHue", {"factor": 0.7, "data_format": "channels_first"}, (0, 255), (11, 8)),
    ("degeneration-number", "RandomColorDegeneration", {"factor": 0.8}, (0, 255), (17, 23)),
    ("degeneration-pair", "RandomColorDegeneration", {"factor": (-1, 1)}, (0, 255), (17, 23)),
    ("degeneration-unit", "RandomColorDegeneration", {"factor": [0.3, 1.0], "value_range": (0, 1)}, UNIT, (7, 9)),
    (
        "degeneration-channels-first",
        "RandomColorDegeneration",
        {"factor": 0.5, "data_format": "channels_first"},
        (0, 255),
        (12, 9),
    ),
    ("invert-default", "RandomInvert", {}, (0, 255), (17, 23)),
    ("invert-always", "RandomInvert", {"factor": (1.0, 1.0)}, (0, 255), (17, 23)),
    ("invert-unit", "RandomInvert", {"factor": 0.7, "value_range": [0, 1]}, UNIT, (17, 23)),
    ("invert-range-reversed", "RandomInvert", {"factor": (1, 1), "value_range": (255, 0)}, (0, 255), (6, 6)),
    ("posterization-number", "RandomPosterization", {"factor": 6}, (0, 255), (17, 23)),
    ("posterization-full", "RandomPosterization", {"factor": 8}, (0, 255), (17, 23)),
    ("posterization-fixed-unit", "RandomPosterization", {"factor": (3, 3), "value_range": (0, 1)}, UNIT, (17, 23)),
    ("posterization-pair", "RandomPosterization", {"factor": [2, 5], "value_range": (-1, 1)}, (-1, 1), (15, 4)),
    ("solarization-default", "Solarization", {}, (0, 255), (17, 23)),
    ("solarization-threshold", "Solarization", {"threshold_factor": 0.5}, (0, 255), (17, 23)),
    ("solarization-both", "Solarization", {"addition_factor": 0.3, "threshold_factor": (0.2, 0.8)}, (0, 255), (9, 9)),
    (
        "solarization-unit",
        "Solarization",
        {"addition_factor": [0.1, 0.4], "threshold_factor": 1, "value_range": (0, 1)},
        UNIT,
        (17, 23),
    ),
    (
        "jitter-all",
        "RandomColorJitter",
        {"brightness_factor": 0.2, "contrast_factor": 0.3, "saturation_factor": 0.4, "hue_factor": 0.2},
        (0, 255),
        (17, 23),
    ),
    (
        "jitter-unit",
        "RandomColorJitter",
        {"value_range": (0, 1), "brightness_factor": (-0.2, 0.1), "hue_factor": 0.5},
        UNIT,
        (10, 21),
    ),
    ("jitter-none", "RandomColorJitter", {"seed": 4}, (0, 255), (8, 8)),
    (
        "jitter-contrast-saturation",
        "RandomColorJitter",
        {"contrast_factor": (0.2, 0.5), "saturation_factor": -0.5},
        (0, 255),
        (17, 23),
    ),
]
# Keras's backends disagree here (ours follows TensorFlow): tf.clip_by_value(x, 255, 0) is 255
# everywhere, jnp.clip(x, 255, 0) is 0.
JAX_DIFFERS = {"contrast-range-reversed"}
CASES.append(("contrast-range-reversed", "RandomContrast", {"factor": 0.5, "value_range": (255, 0)}, (0, 255), (5, 5)))
# Saturation multipliers > 1 with value_range (0, 255) let S pass 1 and RGB reach -65,000; the
# backends' HSV kernels then differ from each other by up to 0.02 (see color_space): ours
# follows TensorFlow, so JAX gets a wider bound here.
JAX_TOLERANCE = {"saturation-overshoot": 0.05}
CASES.append(("saturation-overshoot", "RandomSaturation", {"factor": (0.9, 1.0)}, (0, 255), (60, 80)))


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_layer_matches_keras_tensorflow(case):
    _, name, kwargs, value_range, shape = case
    result = color_case(name, kwargs, shape, value_range)
    assert result["diff"] <= TOLERANCE, result


def test_every_color_layer_is_covered_and_registered():
    names = {cls.layer_name() for cls in COLOR_LAYERS}
    assert names == {case[1] for case in CASES}
    assert all(LAYERS[name].__module__.startswith("explorer.augment.keras3.color") for name in names)
    assert all(hasattr(keras.layers, name) for name in names)


JAX_SCRIPT = """
import ast, json, sys
import keras
assert keras.backend.backend() == "jax", keras.backend.backend()
from tests.keras3_oracle import color_case
report = {}
for line in sys.stdin.read().splitlines():
    case_id, name, kwargs, value_range, shape = ast.literal_eval(line)
    try:
        report[case_id] = color_case(name, kwargs, shape, value_range)["diff"]
    except Exception as error:  # reported, not raised: one bad case must not hide the others
        report[case_id] = f"{type(error).__name__}: {error}"
print("REPORT " + json.dumps(report))
"""


@pytest.mark.slow  # a fresh JAX interpreter runs every case (about 30 s)
def test_layers_match_keras_jax():
    pythonpath = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu", "PYTHONPATH": pythonpath}
    lines = "\n".join(repr(case) for case in CASES)
    result = subprocess.run(
        [sys.executable, "-c", JAX_SCRIPT], input=lines, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    found = [line for line in result.stdout.splitlines() if line.startswith("REPORT ")]
    assert result.returncode == 0 and found, f"exit {result.returncode}\n{result.stdout}\n{result.stderr[-3000:]}"
    report = json.loads(found[0][len("REPORT ") :])
    failures = {
        case_id: diff
        for case_id, diff in report.items()
        if isinstance(diff, str) or (diff > JAX_TOLERANCE.get(case_id, TOLERANCE)) != (case_id in JAX_DIFFERS)
    }
    assert not failures, failures
    assert set(report) == {case[0] for case in CASES}


# --- constructors: accept what Keras accepts, refuse with Keras's reason -----------------------

NUMBER = st.one_of(st.integers(-3, 10), st.floats(-2, 2, allow_nan=False), st.booleans())
FACTOR = st.one_of(
    NUMBER,
    st.none(),
    st.tuples(NUMBER, NUMBER),
    st.lists(NUMBER, min_size=0, max_size=3),
    st.lists(st.one_of(NUMBER, st.none(), st.just("a")), min_size=2, max_size=2),
    st.just("0.2"),
)
VALUE_RANGE = st.one_of(
    st.tuples(NUMBER, NUMBER), st.lists(NUMBER, min_size=0, max_size=3), st.none(), NUMBER, st.just("0-255")
)
OPTIONAL = {
    "seed": st.one_of(st.none(), st.integers(0, 2**31 - 1), st.just(1.5), st.just("7")),
    "data_format": st.sampled_from([None, "channels_last", "channels_first", "Channels_First", "nhwc"]),
    "value_range": VALUE_RANGE,
}
ARGUMENTS = {
    "RandomBrightness": ({"factor": FACTOR}, ("value_range", "seed", "data_format")),
    "RandomContrast": ({"factor": FACTOR}, ("value_range", "seed", "data_format")),
    "Rescaling": ({"scale": FACTOR}, ()),
    "RandomGrayscale": ({}, ("seed", "data_format")),
    "RandomSaturation": ({"factor": FACTOR}, ("value_range", "seed", "data_format")),
    "RandomHue": ({"factor": FACTOR}, ("value_range", "seed", "data_format")),
    "RandomColorDegeneration": ({"factor": FACTOR}, ("value_range", "seed", "data_format")),
    "RandomInvert": ({}, ("value_range", "seed", "data_format")),
    "RandomPosterization": ({"factor": st.one_of(FACTOR, st.integers(0, 9))}, ("value_range", "seed", "data_format")),
    "Solarization": ({}, ("value_range", "seed")),
    "RandomColorJitter": ({}, ("value_range", "seed", "data_format")),
}
EXTRA = {
    "Rescaling": {"offset": FACTOR},
    "RandomGrayscale": {"factor": FACTOR},
    "RandomInvert": {"factor": FACTOR},
    "Solarization": {"addition_factor": FACTOR, "threshold_factor": FACTOR},
    "RandomColorJitter": {f"{part}_factor": FACTOR for part in ("brightness", "contrast", "saturation", "hue")},
}


def _kwargs(name: str):
    required, optional = ARGUMENTS[name]
    return st.fixed_dictionaries(required, optional={**{key: OPTIONAL[key] for key in optional}, **EXTRA.get(name, {})})


def _keras_refusal(name: str, kwargs: dict) -> str | None:
    try:
        getattr(keras.layers, name)(**kwargs)
    except (ValueError, TypeError) as error:
        return str(error)
    return None


def _our_refusal(name: str, kwargs: dict) -> str | None:
    try:
        LAYERS[name](**kwargs)
    except KerasArgumentError as error:
        assert error.layer == name
        return error.reason
    return None


def _keras_call_fails(name: str, kwargs: dict) -> bool:
    layer = getattr(keras.layers, name)(**kwargs)
    images = np.full((2, 4, 4, 3), 100.0, np.float32)
    if kwargs.get("data_format") == "channels_first":
        images = np.transpose(images, (0, 3, 1, 2))
    try:
        layer(images, training=True)
    except Exception:  # whatever Keras raises when called: the point is that it does
        return True
    return False


@pytest.mark.parametrize("name", sorted(ARGUMENTS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_constructor_accepts_what_keras_accepts(name, data):
    kwargs = data.draw(_kwargs(name), label="kwargs")
    theirs, ours = _keras_refusal(name, kwargs), _our_refusal(name, kwargs)
    if theirs is not None:
        assert ours == theirs, (kwargs, ours, theirs)
    elif ours is not None:  # Keras builds it but cannot run it: we refuse up front, saying so
        assert ours.startswith("Keras builds the layer with"), (kwargs, ours)
        assert _keras_call_fails(name, kwargs), (kwargs, ours)


REFUSALS = [
    ("contrast-none", "RandomContrast", {"factor": None}),
    ("saturation-none", "RandomSaturation", {"factor": None}),
    ("brightness-too-big", "RandomBrightness", {"factor": 1.5}),
    ("brightness-range-one", "RandomBrightness", {"factor": 0.2, "value_range": [0]}),
    ("hue-negative", "RandomHue", {"factor": -0.2}),
    ("grayscale-pair", "RandomGrayscale", {"factor": (0.1, 0.2)}),
    ("grayscale-big", "RandomGrayscale", {"factor": 2}),
    ("posterization-zero", "RandomPosterization", {"factor": 0}),
    ("posterization-float", "RandomPosterization", {"factor": 4.0}),
    ("posterization-float-pair", "RandomPosterization", {"factor": (2.0, 5)}),
    ("solarization-big", "Solarization", {"addition_factor": 2}),
    ("solarization-triple", "Solarization", {"threshold_factor": (0.1, 0.2, 0.3)}),
    ("degeneration-range", "RandomColorDegeneration", {"factor": 0.2, "value_range": 255}),
    ("invert-range-none", "RandomInvert", {"value_range": None}),
    ("jitter-hue", "RandomColorJitter", {"hue_factor": 2}),
    ("jitter-format", "RandomColorJitter", {"data_format": "nhwc"}),
    ("seed-float", "RandomContrast", {"factor": 0.2, "seed": 1.5}),
    ("rescaling-text", "Rescaling", {"scale": "1/255"}),
]


@pytest.mark.parametrize("case", REFUSALS, ids=[case[0] for case in REFUSALS])
def test_refusals_give_keras_reason(case):
    _, name, kwargs = case
    ours = _our_refusal(name, kwargs)
    theirs = _keras_refusal(name, kwargs)
    assert ours is not None
    if theirs is None:
        assert ours.startswith("Keras builds the layer with") and _keras_call_fails(name, kwargs), ours
    else:
        assert ours == theirs


# --- draws: within Keras's ranges, and distributed as Keras's --------------------------------


def _within(value: float, low: float, high: float) -> bool:
    low, high = min(low, high), max(low, high)
    slack = 1e-5 * max(1.0, abs(low), abs(high))
    return low - slack <= value <= high + slack


def _draw_holds(name: str, layer, draw) -> bool:
    """Whether one of our draws lies where the Keras layer `layer` (built alike) draws."""
    if name == "RandomColorJitter":
        parts = ("brightness", "contrast", "saturation", "hue")
        names = ("RandomBrightness", "RandomContrast", "RandomSaturation", "RandomHue")
        return all(
            (getattr(draw, part) is None) == (getattr(layer, f"random_{part}") is None)
            and (getattr(draw, part) is None or _draw_holds(sub, getattr(layer, f"random_{part}"), getattr(draw, part)))
            for part, sub in zip(parts, names)
        )
    if name in ("RandomGrayscale", "RandomInvert", "Rescaling"):
        return True  # yes/no draws (their frequency is checked below) or nothing drawn
    if name == "Solarization":
        additions, thresholds = layer.addition_factor, layer.threshold_factor
        return _within(draw.addition, additions[0], additions[1] * 255) and _within(
            draw.threshold, thresholds[0], thresholds[1] * 255
        )
    lower, upper = layer.factor
    if name == "RandomBrightness":
        span = layer.value_range[1] - layer.value_range[0]
        return _within(draw.fraction, lower, upper) and _within(draw.delta, lower * span, upper * span)
    if name == "RandomContrast":
        return _within(draw.factor, 1 - lower, 1 + upper)
    if name == "RandomSaturation":
        # g(f) = f / (1 - f) rises to +inf at f = 1 and comes back from -inf above it: a factor
        # range past 1, such as (0, 2), draws from [g(lower), +inf) and (-inf, g(upper)].
        low, high = lower / (1 - lower + 1e-7), upper / (1 - upper + 1e-7)
        if upper <= 1:
            return _within(draw.factor, low, high)
        return draw.factor >= low - 1e-4 or draw.factor <= high + 1e-4
    if name == "RandomHue":
        return _within(abs(draw.factor), lower / 2, upper / 2)
    if name == "RandomPosterization":
        return draw.bits == lower if lower == upper else lower <= draw.bits < upper
    return _within(draw.factor, lower, upper)  # RandomColorDegeneration


@pytest.mark.parametrize("name", sorted(ARGUMENTS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_draws_stay_within_keras_ranges(name, data, seed):
    kwargs = data.draw(_kwargs(name), label="kwargs")
    try:
        ours = LAYERS[name](**kwargs)
    except KerasArgumentError:
        return
    layer = getattr(keras.layers, name)(**kwargs)
    rng = np.random.default_rng(seed)
    for _ in range(10):
        draw = ours.draw(rng, 8, 8)
        assert _draw_holds(name, layer, draw), (kwargs, draw)


DISTRIBUTIONS = [
    ("brightness", "RandomBrightness", {"factor": (-0.3, 0.6), "value_range": (0, 1)}),
    ("contrast", "RandomContrast", {"factor": 0.4}),
    ("contrast-lower-negative", "RandomContrast", {"factor": (-3, 0.5)}),  # uniform(4, 1.5), as TF draws it
    ("saturation", "RandomSaturation", {"factor": 0.8}),
    ("hue", "RandomHue", {"factor": (0.2, 0.9)}),
    ("degeneration", "RandomColorDegeneration", {"factor": 0.5}),
    ("grayscale", "RandomGrayscale", {"factor": 0.3}),
    ("invert", "RandomInvert", {"factor": (0.2, 0.6)}),
    ("posterization", "RandomPosterization", {"factor": (2, 7)}),
    ("solarization", "Solarization", {"addition_factor": (0.1, 0.5), "threshold_factor": 0.7}),
]


def _values(draw) -> tuple[float, ...]:
    fields = ("fraction", "factor", "applied", "bits", "addition", "threshold")
    return tuple(float(getattr(draw, field)) for field in fields if hasattr(draw, field))


@pytest.mark.parametrize("case", DISTRIBUTIONS, ids=[case[0] for case in DISTRIBUTIONS])
def test_draws_are_distributed_as_keras_draws(case):
    from scipy.stats import ks_2samp

    from tests.keras3_oracle import color_draw

    _, name, kwargs = case
    count = 3000
    layer = getattr(keras.layers, name)(**kwargs, seed=5)
    transformation = layer.get_random_transformation(np.zeros((count, 1, 1, 3), np.float32), training=True)
    theirs = np.array([_values(color_draw(name, transformation, i, layer)) for i in range(count)])
    rng = np.random.default_rng(5)
    ours = np.array([_values(LAYERS[name](**kwargs).draw(rng, 1, 1)) for _ in range(count)])
    for column in range(theirs.shape[1]):
        if name in ("RandomGrayscale", "RandomInvert"):  # yes/no: compare frequencies (binomial 5 sigma)
            p = theirs[:, column].mean()
            assert abs(ours[:, column].mean() - p) <= 5 * np.sqrt(max(p * (1 - p), 1e-3) / count) * np.sqrt(2)
        else:
            assert ks_2samp(ours[:, column], theirs[:, column]).pvalue > 1e-4, (column, ours.mean(0), theirs.mean(0))


TIMED = {
    "RandomBrightness": {"factor": 0.3},
    "RandomContrast": {"factor": 0.3},
    "Rescaling": {"scale": 1 / 255},
    "RandomGrayscale": {"factor": 1.0},
    "RandomSaturation": {"factor": 0.5},
    "RandomHue": {"factor": 0.5},
    "RandomColorDegeneration": {"factor": 0.5},
    "RandomInvert": {"factor": (1, 1)},
    "RandomPosterization": {"factor": 4},
    "Solarization": {"addition_factor": 0.2, "threshold_factor": 0.5},
    "RandomColorJitter": {
        "brightness_factor": 0.2,
        "contrast_factor": 0.2,
        "saturation_factor": 0.2,
        "hue_factor": 0.2,
    },
}


@pytest.mark.parametrize("name", sorted(TIMED))
def test_apply_fits_the_preview_budget(name):
    """One 300 x 200 RGB tile per layer within the preview's 100 ms budget (median of 5; about 20 ms at most)."""
    layer = LAYERS[name](**TIMED[name])
    image = np.random.default_rng(0).uniform(0, 255, (200, 300, 3)).astype(np.float32)
    draw = layer.draw(np.random.default_rng(1), 200, 300)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        out = layer.apply(image, draw)
        times.append(time.perf_counter() - start)
    assert out.shape == image.shape and out.dtype == np.float32
    assert float(np.median(times)) < 0.1, times


def test_captions_say_the_drawn_values_in_user_words():
    from explorer.augment.keras3.color import PosterizeDraw, SwitchDraw
    from explorer.augment.keras3.color_adjust import BrightnessDraw, FactorDraw, JitterDraw

    assert BrightnessDraw(0.12, 30.6).caption() == "brightness +0.12 of range (+30.6)"
    assert FactorDraw(1.234, "contrast").caption() == "contrast x 1.23"
    assert FactorDraw(0.05, "hue").caption() == "hue +0.050 turn"
    assert SwitchDraw(True, "grayscale").caption() == "grayscale: yes"
    assert PosterizeDraw(3).caption() == "posterize to 3 bits"
    jitter = JitterDraw(brightness=BrightnessDraw(-0.1, -25.5), hue=FactorDraw(-0.2, "hue"))
    assert jitter.caption() == "brightness -0.10 of range (-25.5), hue -0.200 turn"
    assert JitterDraw().caption() == "no change"
