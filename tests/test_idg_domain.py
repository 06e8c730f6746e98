"""Whatever ImageDataGenerator accepts, we accept and reproduce; what it refuses, we refuse.

A property test against the real class: random settings drawn from IDG's whole accepted
domain (negative ranges, list shifts with negatives, any zoom, zoom and brightness pairs in
either order, brightness from 0, every SciPy fill mode, spline orders 0-5, truthy strings
as flags) and a few values IDG refuses. For each: we accept exactly when IDG constructs,
draws, applies and standardizes without an error; when both accept, the draws are IDG's
and the pixels agree within 0.01 on 0..255 data.

Deliberate difference, not drawn here: NaN and infinite values are refused everywhere
(IDG refuses them in its draws too, but takes a NaN cval and fills images with NaN).
"""

from __future__ import annotations

import numpy as np
import pytest

from explorer import AugmentConfig, apply_transform, sample_transform
from explorer.augment.config import FILL_MODES

CASES = 300
TOLERANCE = 0.01
SHAPE = (11, 16, 3)


def _number(rng, low, high):
    return int(rng.integers(low, high + 1)) if rng.random() < 0.3 else float(rng.uniform(low, high))


def _shift(rng):
    kind = rng.integers(6)
    if kind == 0:
        return float(rng.uniform(-0.6, 0.6))
    if kind == 1:
        return float(rng.uniform(-4, 8))  # pixels (or a fraction when negative: max < 1)
    if kind == 2:
        return int(rng.integers(-5, 7))  # 1 never shifts; below 0 NumPy's choice refuses and IDG draws uniformly
    if kind == 3:
        return [int(v) for v in rng.integers(-3, 4, rng.integers(1, 4))]
    if kind == 4:
        return [float(v) for v in rng.uniform(-0.4, 0.4, rng.integers(1, 4))]
    return [] if rng.random() < 0.5 else 0


def _zoom(rng):
    if rng.random() < 0.4:
        return _number(rng, -1, 2)
    return [float(v) for v in rng.uniform(-0.5, 2.5, 2)]  # either order


def _refused(rng):
    """One value IDG refuses (at construction, draw, warp or standardize), and its setting."""
    return [
        ("rotation_range", "40"),
        ("width_shift_range", "0.2"),
        ("zoom_range", [0.8, 1.0, 1.2]),
        ("zoom_range", "0.2"),
        ("brightness_range", 0.5),
        ("brightness_range", [0.9]),
        ("fill_mode", "bogus"),
        ("interpolation_order", 6),
        ("interpolation_order", 2.0),
        ("horizontal_flip", None),
        ("rescale", "1/255"),
        ("rotation_range", float("inf")),
    ][rng.integers(12)]


def _settings(rng) -> dict:
    kwargs = {
        "rotation_range": _number(rng, -200, 200),
        "width_shift_range": _shift(rng),
        "height_shift_range": _shift(rng),
        "shear_range": _number(rng, -60, 60),
        "zoom_range": _zoom(rng),
        "brightness_range": None if rng.random() < 0.5 else [float(v) for v in rng.uniform(0, 2, 2)],
        "channel_shift_range": _number(rng, -80, 80),
        "horizontal_flip": [True, False, 1, 2, "yes", ""][rng.integers(6)],
        "vertical_flip": bool(rng.random() < 0.5),
        "fill_mode": FILL_MODES[rng.integers(len(FILL_MODES))],
        "cval": float(rng.uniform(0, 255)),
        "interpolation_order": int(rng.choice([0, 1, 1, 0, 2, 3, 4, 5])),
        "rescale": [None, 0, 1 / 255, 2.0][rng.integers(4)],
    }
    for name in rng.choice(list(kwargs), size=rng.integers(3, len(kwargs)), replace=False):
        del kwargs[name]  # settings left out take IDG's defaults
    if rng.random() < 0.15:
        name, value = _refused(rng)
        kwargs[name] = value
    return kwargs


def _idg(idg_class, kwargs, image, seed):
    """IDG's draws and output, or None when it refuses the settings anywhere on the way."""
    try:
        generator = idg_class(**kwargs)
        params = generator.get_random_transform(image.shape, seed=seed)
        output = generator.apply_transform(image.copy(), params)
        generator.standardize(output.copy())
        return params, output
    except Exception:
        return None


def _ours(kwargs, image, seed):
    try:
        config = AugmentConfig(**kwargs)
    except ValueError:
        return None
    params = sample_transform(config, image.shape, np.random.RandomState(seed))
    return params, apply_transform(image, params, config)


def _same_draws(ours: dict, theirs: dict) -> bool:
    for key, value in theirs.items():
        mine = ours[key]
        if key.startswith("flip"):
            if bool(mine) != bool(value):
                return False
        elif value is None or mine is None:
            if value is not mine:
                return False
        elif not np.isclose(float(mine), float(value), rtol=1e-12, atol=1e-12):
            return False
    return True


@pytest.mark.parametrize("block", range(6))
def test_random_settings_from_idgs_domain_behave_as_idg(block, idg_class):
    rng = np.random.default_rng(1000 + block)
    accepted = refused = 0
    for _ in range(CASES // 6):
        kwargs = _settings(rng)
        image = rng.uniform(0, 255, SHAPE)
        seed = int(rng.integers(2**31))
        theirs, ours = _idg(idg_class, kwargs, image, seed), _ours(kwargs, image, seed)
        assert (theirs is None) == (ours is None), (kwargs, "IDG refuses" if theirs is None else "we refuse")
        if theirs is None:
            refused += 1
            continue
        accepted += 1
        assert _same_draws(ours[0], theirs[0]), (kwargs, ours[0], theirs[0])
        worst = float(np.abs(ours[1].astype(np.float64) - theirs[1]).max())
        assert worst <= TOLERANCE, (kwargs, worst)
    assert accepted > refused > 0  # both sides of the domain were exercised


def test_the_issues_two_lines_are_accepted_and_do_what_idg_does(idg_class):
    rng = np.random.default_rng(7)
    image = rng.uniform(0, 255, (20, 20, 3))
    for kwargs in (
        {"rotation_range": 20, "width_shift_range": [-2, 0, 2], "zoom_range": [0.9, 1.1], "horizontal_flip": True},
        {"rescale": 1.0 / 255, "rotation_range": 40, "zoom_range": 1.5},
    ):
        for seed in range(20):
            theirs, ours = _idg(idg_class, kwargs, image, seed), _ours(kwargs, image, seed)
            assert _same_draws(ours[0], theirs[0])
            assert float(np.abs(ours[1] - theirs[1]).max()) <= TOLERANCE
