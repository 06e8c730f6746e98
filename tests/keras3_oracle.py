"""The real Keras 3 layers as the oracle for explorer/augment/keras3: their own draws, turned
into our typed `Draw` records, so that tests compare our `apply` with Keras's output.

Shared by the layer families' tests; each family has its section. Imports Keras only inside
functions (the caller picks the backend: in-process TensorFlow, or a fresh JAX interpreter).
"""

from __future__ import annotations

import dataclasses

import numpy as np

# --- pixel ---


def pixel_images(height: int, width: int, count: int = 3, channels: int = 3, seed: int = 0) -> np.ndarray:
    """A batch of 0..255 float32 images: uniform noise, a smooth photo-like ramp, blocky flats."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    smooth = 127.5 + 100 * np.sin(xx / max(width, 1) * 5 + yy / max(height, 1) * 3)
    blocky = np.floor(rng.uniform(0, 4, (height, width))) * 60
    bases = [None, smooth, blocky]
    images = []
    for i in range(count):
        base = bases[i % 3]
        if base is None:
            images.append(rng.uniform(0, 255, (height, width, channels)))
        else:
            images.append(np.stack([base * (0.6 + 0.2 * c) for c in range(channels)], axis=-1))
    return np.clip(np.stack(images), 0, 255).astype(np.float32)


def _numpy(value) -> np.ndarray:
    import keras

    return np.asarray(keras.ops.convert_to_numpy(value))


def _box(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(left, top, width, height) of a H x W boolean mask that is a rectangle (or empty)."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return 0, 0, 0, 0
    left, top, width, height = int(cols[0]), int(rows[0]), int(cols.size), int(rows.size)
    box = np.zeros_like(mask)
    box[top : top + height, left : left + width] = True
    assert np.array_equal(box, mask), "Keras's mask is not a rectangle"
    return left, top, width, height


def _hwc(array: np.ndarray, data_format: str | None) -> np.ndarray:
    """Channels-first (..., C, H, W) to channels-last (..., H, W, C); channels-last unchanged."""
    return np.moveaxis(array, -3, -1) if data_format == "channels_first" else array


def pixel_draw(name: str, transformation, index: int, images: np.ndarray, data_format: str | None = None):
    """Keras's draw for image `index` of the batch (channels-last `images`) as our Draw."""
    from explorer.augment.keras3 import mixing, pixel
    from explorer.augment.keras3.base import NoDraw

    t = {key: _numpy(value) for key, value in (transformation or {}).items()}
    if name == "RandomGaussianBlur":
        sigma = t["blur_factor"]
        return pixel.BlurDraw(bool(t["should_apply_blur"][index]), float(sigma[0]), float(sigma[1]))
    if name == "RandomSharpness":
        return pixel.SharpnessDraw(float(t["factor"][index]))
    if name in ("RandomErasing", "CutMix"):
        mask = _hwc(t["batch_masks"][index], data_format)
        assert (mask == mask[..., :1]).all(), "Keras's mask differs between channels"
        left, top, width, height = _box(mask[..., 0])
        if name == "CutMix":
            partner = int(t["permutation_order"][index])
            return mixing.CutMixDraw(left, top, width, height, partner, images[partner])
        fill = _hwc(t["fill_value"][index] if t["fill_value"].ndim == 4 else t["fill_value"], data_format)
        return pixel.ErasingDraw(bool(t["apply_erasing"][index]), left, top, width, height, fill=fill)
    if name == "MixUp":
        partner = int(t["permutation_order"][index])
        return mixing.MixDraw(float(t["mix_weight"][index]), partner, images[partner])
    assert name in ("AutoContrast", "Equalization"), name
    return NoDraw()


def pixel_case(name: str, kwargs: dict, images: np.ndarray, seed: int = 1) -> dict:
    """Run Keras's layer and ours on `images` (B x H x W x C, 0..255); the worst |diff| and more.

    Equalization histograms the whole batch in Keras: each image goes in as a batch of one.
    """
    import keras

    from explorer.augment.keras3 import LAYERS

    data_format = kwargs.get("data_format")
    keras_kwargs = dict(kwargs)
    if name not in ("AutoContrast", "Equalization"):
        keras_kwargs.setdefault("seed", seed)
    layer = getattr(keras.layers, name)(**keras_kwargs)
    ours = LAYERS[name](**kwargs)
    batches = [images[i : i + 1] for i in range(len(images))] if name == "Equalization" else [images]
    worst, draws = 0.0, []
    for batch in batches:
        x = np.moveaxis(batch, -1, -3) if data_format == "channels_first" else batch
        transformation = layer.get_random_transformation(x, training=True)
        expected = _hwc(_numpy(layer.transform_images(x, transformation, training=True)), data_format)
        for i in range(len(batch)):
            draw = pixel_draw(name, transformation, i, batch, data_format)
            if name == "RandomErasing" and kwargs.get("fill_value") is not None:
                draw = dataclasses.replace(draw, fill=None)  # our own fill from `fill_value`, not Keras's
            got = ours.apply(batch[i], draw)
            assert got.shape == expected[i].shape and got.dtype == np.float32, (got.shape, got.dtype)
            both_nan = np.isnan(got) & np.isnan(expected[i])
            diff = np.where(both_nan, 0.0, np.abs(got.astype(np.float64) - expected[i]))
            worst = max(worst, float(np.nan_to_num(diff, nan=np.inf).max()))
            draws.append(draw.caption())
    return {"worst": worst, "captions": draws}


def rand_augment_draw(layer, transformation, images: np.ndarray):
    """Keras's RandAugment draw for image 0 of `images` as our ChainDraw (the sub-layers' draws
    converted by each family's converter)."""
    keys = list(transformation["transforms"])
    steps = [(keys[int(i)], transformation["transforms"][keys[int(i)]]) for i in _numpy(transformation["layer_idxes"])]
    return _chain_draw(layer, steps, images)


def _chain_draw(layer, steps, images: np.ndarray):
    """A chain of (Keras attribute name, its transformation) as our ChainDraw, for image 0."""
    from explorer.augment.keras3.composite import ChainDraw

    ops, draws = [], []
    for key, t in steps:
        sub = getattr(layer, key)
        name = type(sub).__name__
        if name in ("RandomShear", "RandomTranslation", "RandomRotation"):
            draws.append(geometric_draw(name, {}, t, 0))
        elif name in ("RandomSharpness", "AutoContrast", "Equalization"):
            draws.append(pixel_draw(name, t, 0, images, layer.data_format))
        else:
            draws.append(color_draw(name, t, 0, sub))
        ops.append(name)
    return ChainDraw(tuple(ops), tuple(draws))


def _steps_worst(layer, ours, steps, chain_draw, x, data_format, skip=()):
    """Run Keras's chain step by step; each step's worst |ours - keras| on Keras's input (the
    layers named in `skip` run but are not compared); and the chain's output."""
    worst, running = 0.0, x
    for (key, t), (op, op_draw) in zip(steps, chain_draw, strict=True):
        step_in = _hwc(_numpy(running), data_format)[0]
        running = getattr(layer, key).transform_images(running, t)
        if op in skip:
            continue
        got = ours.ops()[op].apply(step_in, op_draw)
        worst = max(worst, float(np.abs(got.astype(np.float64) - _hwc(_numpy(running), data_format)[0]).max()))
    return worst, running


def aug_mix_case(kwargs: dict, images: np.ndarray, seed: int = 1, skip=()) -> dict:
    """AugMix on each image as a batch of one; "worst" step by step and for the mix of Keras's
    own chain outputs ("chain_worst"), and "end_to_end" (see `rand_augment_case`)."""
    import keras

    from explorer.augment.keras3 import LAYERS
    from explorer.augment.keras3.composite import AugMixDraw

    data_format = kwargs.get("data_format")
    layer = keras.layers.AugMix(**{"seed": seed, **kwargs})
    ours = LAYERS["AugMix"](**kwargs)
    worst, chain, end_to_end, captions = 0.0, 0.0, 0.0, []
    for image in images:
        x = image[None]
        x = np.moveaxis(x, -1, -3) if data_format == "channels_first" else x
        t = layer.get_random_transformation(x, training=True)
        expected = _hwc(_numpy(layer.transform_images(x, t, training=True)), data_format)[0]
        chains, outputs = [], []
        for chain_steps in t["chain_transforms"]:
            steps = [(step["layer_name"], step["transformation"]) for step in chain_steps]
            chains.append(_chain_draw(layer, steps, image[None]))
            step_worst, out = _steps_worst(layer, ours, steps, chains[-1], x, data_format, skip)
            worst = max(worst, step_worst)
            outputs.append(_hwc(_numpy(out), data_format)[0])
        weights = tuple(float(w) for w in _numpy(t["chain_mixing_weights"]))
        draw = AugMixDraw(float(_numpy(t["weight_sample"])), weights, tuple(chains))
        chain = max(chain, float(np.abs(ours.mix(image, outputs, draw).astype(np.float64) - expected).max()))
        end_to_end = max(end_to_end, float(np.abs(ours.apply(image, draw).astype(np.float64) - expected).max()))
        captions.append(draw.caption())
    return {"worst": worst, "chain_worst": chain, "end_to_end": end_to_end, "captions": captions}


def rand_augment_case(kwargs: dict, images: np.ndarray, seed: int = 1, skip=()) -> dict:
    """RandAugment on each image as a batch of one (Equalization's histogram spans the batch).

    "worst" is step by step: each picked layer, ours and Keras's, on Keras's image so far (a
    1e-5 difference from a warp can cross a posterization or solarization edge later and
    grow to a level; layers named in `skip` are run but not compared). The steps must compose
    to RandAugment's own output ("chain_worst"), and "end_to_end" is our whole chain against
    Keras's.
    """
    import keras

    from explorer.augment.keras3 import LAYERS

    data_format = kwargs.get("data_format")
    layer = keras.layers.RandAugment(**{"seed": seed, **kwargs})
    ours = LAYERS["RandAugment"](**kwargs)
    worst, chain, end_to_end, captions = 0.0, 0.0, 0.0, []
    for image in images:
        x = image[None]
        x = np.moveaxis(x, -1, -3) if data_format == "channels_first" else x
        transformation = layer.get_random_transformation(x, training=True)
        expected = _hwc(_numpy(layer.transform_images(x, transformation, training=True)), data_format)[0]
        draw = rand_augment_draw(layer, transformation, image[None])
        end_to_end = max(end_to_end, float(np.abs(ours.apply(image, draw).astype(np.float64) - expected).max()))
        keys = list(transformation["transforms"])
        steps = [
            (keys[int(i)], transformation["transforms"][keys[int(i)]]) for i in _numpy(transformation["layer_idxes"])
        ]
        step_worst, running = _steps_worst(layer, ours, steps, draw, x, data_format, skip)
        worst = max(worst, step_worst)
        chain = max(chain, float(np.abs(_hwc(_numpy(running), data_format)[0] - expected).max()))
        captions.append(draw.caption())
    return {"worst": worst, "chain_worst": chain, "end_to_end": end_to_end, "captions": captions}


# --- color ---


def color_images(height: int, width: int, low: float = 0.0, high: float = 255.0, seed: int = 0) -> np.ndarray:
    """Four RGB float32 images in low..high: noise, a smooth photo-like image, grays, saturated flats."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    smooth = np.stack([127.5 + 120 * np.sin(xx / width * 4 + c + yy / height * 2) for c in range(3)], axis=-1)
    gray = np.repeat(rng.integers(0, 256, (height, width, 1)), 3, axis=-1)
    flats = rng.choice([0.0, 255.0, 64.0], (height, width, 3))
    images = np.stack([rng.uniform(0, 255, (height, width, 3)), smooth, gray, flats])
    unit = np.clip(images, 0, 255).astype(np.float32) / np.float32(255)
    return (unit * np.float32(high - low) + np.float32(low)).astype(np.float32)


def _color_value(transformation, key: str, index: int) -> float:
    return float(_numpy(transformation[key]).reshape(-1)[index])


def color_draw(name: str, transformation, index: int, layer):
    """Keras's transformation for image `index` as our typed draw (see explorer.augment.keras3.color)."""
    from explorer.augment.keras3 import color, color_adjust

    if name == "RandomBrightness":
        delta = _color_value(transformation, "rgb_delta", index)
        span = layer.value_range[1] - layer.value_range[0]
        return color_adjust.BrightnessDraw(delta / span if span else 0.0, delta)
    keys = {"RandomContrast": ("contrast_factor", "contrast"), "RandomSaturation": ("factor", "saturation")}
    keys["RandomHue"] = ("factor", "hue")
    if name in keys:
        key, label = keys[name]
        return color_adjust.FactorDraw(_color_value(transformation, key, index), label)
    if name == "RandomGrayscale":
        return color.SwitchDraw(bool(_numpy(transformation).reshape(-1)[index]), "grayscale")
    if name == "RandomColorDegeneration":
        return color.DegenerationDraw(_color_value(transformation, "factor", index))
    if name == "RandomInvert":
        return color.SwitchDraw(bool(_numpy(transformation["apply_inversion"])[index]), "invert")
    if name == "RandomPosterization":
        return color.PosterizeDraw(8 - int(_numpy(transformation["shift_factor"])[index]))
    if name == "Solarization":
        addition = _color_value(transformation, "additions", index)
        return color.SolarizeDraw(addition, _color_value(transformation, "thresholds", index))
    raise KeyError(name)


def _jitter_run(layer, images):
    """Run RandomColorJitter, recording what each part drew; return (output, JitterDraw per image)."""
    from explorer.augment.keras3 import color_adjust

    parts = {"brightness": layer.random_brightness, "contrast": layer.random_contrast}
    parts.update(saturation=layer.random_saturation, hue=layer.random_hue)
    seen = {}
    for key, part in parts.items():
        if part is not None:
            original = part.get_random_transformation

            def record(*args, _key=key, _original=original, **kwargs):
                seen[_key] = _original(*args, **kwargs)
                return seen[_key]

            part.get_random_transformation = record
    out = _numpy(layer.transform_images(images, None, training=True))
    names = {"brightness": "RandomBrightness", "contrast": "RandomContrast"}
    names.update(saturation="RandomSaturation", hue="RandomHue")
    draws = [
        color_adjust.JitterDraw(**{key: color_draw(names[key], t, i, parts[key]) for key, t in seen.items()})
        for i in range(images.shape[0])
    ]
    return out, draws


def color_case(name: str, kwargs: dict, shape: tuple[int, int] = (17, 23), value_range=(0, 255), seed: int = 0) -> dict:
    """Run the real Keras layer and ours on the same draws; worst |diff| in units of 0..255.

    `value_range` is where the test images live (the layer's own `value_range` may differ).
    Returns {"diff": float, "draws": [caption, ...]}.
    """
    import keras

    from explorer.augment.keras3 import LAYERS

    ours = LAYERS[name](**kwargs)
    layer = getattr(keras.layers, name)(**kwargs)
    low, high = float(min(value_range)), float(max(value_range))
    images = color_images(*shape, low, high, seed)
    channels_first = kwargs.get("data_format") == "channels_first"
    feed = np.transpose(images, (0, 3, 1, 2)) if channels_first else images
    if name == "Rescaling":
        out, draws = _numpy(layer(feed)), [ours.draw(np.random.default_rng(0), *shape)] * len(images)
    elif name == "RandomColorJitter":
        out, draws = _jitter_run(layer, feed)
    else:
        transformation = layer.get_random_transformation(feed, training=True)
        out = _numpy(layer.transform_images(feed, transformation, training=True))
        draws = [color_draw(name, transformation, i, layer) for i in range(len(images))]
    out = np.transpose(out, (0, 2, 3, 1)) if channels_first else out
    mine = np.stack([ours.apply(image, draw) for image, draw in zip(images, draws)])
    assert mine.shape == out.shape and mine.dtype == np.float32, (mine.shape, out.shape, mine.dtype)
    scale = 255.0 / (high - low)
    return {"diff": float(np.max(np.abs(mine - out))) * scale, "draws": [d.caption() for d in draws]}


# --- geometric ---


def geometric_images(height: int, width: int, count: int = 2, channels: int = 3, seed: int = 0) -> np.ndarray:
    """0..255 float32 images for the geometric layers: uniform noise, then a smooth photo-like
    image (gradients and soft blobs), alternating."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    images = []
    for i in range(count):
        if i % 2 == 0:
            images.append(rng.uniform(0, 255, (height, width, channels)))
            continue
        planes = []
        for c in range(channels):
            cy, cx = rng.uniform(0, height), rng.uniform(0, width)
            blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * (0.3 * max(height, width)) ** 2))
            planes.append(255 * (0.5 * blob + 0.5 * (xx / max(width - 1, 1)) * (1 - c / max(channels, 2))))
        images.append(np.stack(planes, axis=-1))
    return np.clip(np.stack(images), 0, 255).astype(np.float32)


def geometric_draw(name: str, kwargs: dict, transformation, index: int):
    """Keras's draw for image `index` of the batch, as our typed Draw."""
    from explorer.augment.keras3 import geometric, perspective
    from explorer.augment.keras3.base import NoDraw

    if name in ("CenterCrop", "Resizing"):
        return NoDraw()
    if name == "RandomCrop":  # one (top, left) for the whole batch
        top, left = transformation
        return geometric.CropDraw(top=int(_numpy(top)), left=int(_numpy(left)))
    t = {key: _numpy(value) for key, value in transformation.items() if key != "input_shape"}
    if name == "RandomFlip":
        flip = bool(t["flips"].reshape(-1)[index])
        mode = kwargs.get("mode", "horizontal_and_vertical")
        horizontal = flip and mode in ("horizontal", "horizontal_and_vertical")
        vertical = flip and mode in ("vertical", "horizontal_and_vertical")
        return geometric.FlipDraw(horizontal=horizontal, vertical=vertical)
    if name == "RandomRotation":
        return geometric.RotationDraw(angle=float(t["angle"][index]))
    if name == "RandomTranslation":
        x, y = (float(v) for v in t["translations"][index])
        return geometric.TranslationDraw(x=x, y=y)
    if name == "RandomZoom":
        return geometric.ZoomDraw(float(t["height_zoom"][index, 0]), float(t["width_zoom"][index, 0]))
    if name == "RandomShear":
        x, y = (float(v) for v in t["shear_factor"][index])
        return geometric.ShearDraw(x=x, y=y)
    if name == "RandomPerspective":  # with the backend's own float32 homography (see perspective.py)
        import importlib

        import keras

        backend_image = importlib.import_module(f"keras.src.backend.{keras.backend.backend()}.image")
        start, end = t["start_points"][index : index + 1], t["end_points"][index : index + 1]
        matrix = tuple(float(v) for v in _numpy(backend_image.compute_homography_matrix(start, end))[0])
        corners = tuple((float(x), float(y)) for x, y in end[0])
        size = (int(t["start_points"][index, 3, 1]) + 1, int(t["start_points"][index, 3, 0]) + 1)
        return perspective.PerspectiveDraw(bool(t["apply_perspective"][index]), corners, size, matrix)
    raise AssertionError(f"no converter for {name}")


def geometric_case(name: str, kwargs: dict, images: np.ndarray, seed: int = 1) -> dict:
    """Run Keras's layer and ours on `images` (B x H x W x C, 0..255), with Keras's own draws.

    Returns {"worst": max |ours - keras|, "worst_jax_wrap": the same for our JAX-style wrap
    (affine layers with fill_mode="wrap" only, else None), "captions": [...]}.
    """
    import keras

    from explorer.augment.keras3 import LAYERS
    from explorer.augment.keras3.affine import affine_transform

    data_format = kwargs.get("data_format")
    seeded = {} if name in ("CenterCrop", "Resizing") else {"seed": seed}
    layer = getattr(keras.layers, name)(**{**seeded, **kwargs})
    ours = LAYERS[name](**kwargs)
    x = np.moveaxis(images, -1, -3) if data_format == "channels_first" else images
    transformation = layer.get_random_transformation(x, training=True)
    expected = _hwc(_numpy(layer.transform_images(x, transformation, training=True)), data_format)
    worst, worst_jax, worst_off_ties, captions = 0.0, None, 0.0, []
    ties = _nearest_ties(name, kwargs, images.shape[1:3])
    for i, image in enumerate(images):
        draw = geometric_draw(name, kwargs, transformation, i)
        got = ours.apply(image, draw)
        assert got.shape == expected[i].shape and got.dtype == np.float32, (got.shape, got.dtype)
        diff = np.abs(got.astype(np.float64) - expected[i])
        worst = max(worst, float(diff.max()))
        worst_off_ties = max(worst_off_ties, float(diff[~ties[0]][:, ~ties[1]].max(initial=0.0)))
        captions.append(draw.caption())
        if kwargs.get("fill_mode") == "wrap":
            matrix = ours.matrix(draw, *image.shape[:2])
            fill = float(kwargs.get("fill_value", 0.0))
            jax_style = affine_transform(image, matrix, ours.interpolation, "wrap", fill, wrap="jax")
            worst_jax = max(worst_jax or 0.0, float(np.abs(jax_style.astype(np.float64) - expected[i]).max()))
    return {"worst": worst, "worst_jax_wrap": worst_jax, "worst_off_ties": worst_off_ties, "captions": captions}


def _nearest_ties(name: str, kwargs: dict, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of a nearest-neighbour Resizing whose sample centre (i + 0.5) * m / n is
    a whole number: JAX's jitted arithmetic may land just below it there (the row above)."""
    height, width = kwargs.get("height", 0), kwargs.get("width", 0)
    plain = name != "Resizing" or kwargs.get("interpolation") != "nearest" or kwargs.get("crop_to_aspect_ratio")
    if plain or kwargs.get("pad_to_aspect_ratio"):
        return np.zeros(height or size[0], bool), np.zeros(width or size[1], bool)
    rows = (2 * np.arange(height) + 1) * size[0] % (2 * height) == 0
    cols = (2 * np.arange(width) + 1) * size[1] % (2 * width) == 0
    return rows, cols
