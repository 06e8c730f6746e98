"""Code export: a config as copy-ready ImageDataGenerator code, as Keras 3 layers, or as JSON.

`idg_code` is exact: exec'ing it rebuilds the same config. `keras_layers_code` is a
translation, and no translation is exact (see /work/shared/IDG_SEMANTICS.md, "Keras 3 layer
equivalents"): it returns the code together with one note per setting that differs, so
the user knows what they are giving up. Nothing here imports Keras; the code is text.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

from ..augment.config import EXACT_LAYER_FILL_MODES, AugmentConfig
from ..augment.sampling import is_fraction, shift_extent

IDG_IMPORT = "from tensorflow.keras.preprocessing.image import ImageDataGenerator"

# An int shift range (whole pixels) is not the same setting as a float one: keep the type.
_TYPED_FIELDS = ("width_shift_range", "height_shift_range")


# -- ImageDataGenerator code --------------------------------------------------------------


def _float_literal(value: float, field: str = "") -> str:
    """A float as short, exact Python: 40.0 -> '40' where the field is float anyway,
    1/255 -> '1 / 255' (within 1e-12), else repr."""
    if field == "rescale" and 1e-9 < value < 1:
        n = round(1 / value)
        expression = f"1 / {n}"
        if n >= 2 and abs(value - 1 / n) <= 1e-12 and len(repr(value)) > len(expression):
            return expression
    if field not in _TYPED_FIELDS and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _literal(value, field: str = "") -> str:
    """A config value as a Python literal: tuples and lists print as lists."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_literal(item, field) for item in value) + "]"
    if isinstance(value, float):
        return _float_literal(value, field)
    return repr(value)  # None, bool, int, str


def kwargs_text(config: AugmentConfig) -> str:
    """The non-default settings as IDG keyword arguments on one line ('' for none):
    'rotation_range=40, horizontal_flip=True, rescale=1 / 255'."""
    kwargs = config.to_idg_kwargs(only_changed=True)
    return ", ".join(f"{name}={_literal(value, name)}" for name, value in kwargs.items())


def idg_code(config: AugmentConfig) -> str:
    """Python that builds `ImageDataGenerator` with this config's non-default settings."""
    kwargs = config.to_idg_kwargs(only_changed=True)
    lines = [IDG_IMPORT, ""]
    if not kwargs:
        lines.append("datagen = ImageDataGenerator()")
    else:
        lines.append("datagen = ImageDataGenerator(")
        lines += [f"    {name}={_literal(value, name)}," for name, value in kwargs.items()]
        lines.append(")")
    return "\n".join(lines) + "\n"


FAST_IMPORT = "from explorer import FastImageDataGenerator  # the same augmentation, no TensorFlow"
# How to get `explorer` where the code is pasted: the package (augmentation-explorer) is not on PyPI.
EXPLORER_INSTALL = "# explorer is not on PyPI: pip install . in a clone of the Augmentation Explorer repository"


def exact_layer_code(config: AugmentConfig) -> tuple[str, list[str]]:
    """The one-layer Keras 3 line, `IDGAugmentation(...)` (IDG's warp, pointwise steps, rescale
    and samplewise standardization in one layer), and notes: what it cannot take."""
    kwargs = config.to_idg_kwargs(only_changed=True)
    lines = [
        "from explorer import IDGAugmentation",
        EXPLORER_INSTALL,
        "",
        "# IDG in one Keras 3 layer: random in training, the identity in inference; rescale always.",
        "# Any backend; inside a model or a tf.data pipeline (ds.map(data_augmentation)).",
        "data_augmentation = IDGAugmentation(" + ("" if kwargs else ")"),
    ]
    if kwargs:
        lines += [f"    {name}={_literal(value, name)}," for name, value in kwargs.items()]
        lines.append(")")
    notes = []
    if config.active_transforms() and config.fill_mode not in (*EXACT_LAYER_FILL_MODES, "grid-mirror"):
        notes.append(
            f"fill_mode={config.fill_mode!r}: the layer resamples it as the closest of "
            f"{', '.join(EXACT_LAYER_FILL_MODES)} (pixels sampled from outside the image differ near the "
            "border); FastImageDataGenerator has it exactly."
        )
    if config.active_transforms() and config.interpolation_order not in (0, 1):
        notes.append(
            f"interpolation_order={config.interpolation_order}: a SciPy spline; the layer resamples "
            "bilinearly (order 1); FastImageDataGenerator has it exactly."
        )
    return "\n".join(lines) + "\n", notes


def fast_code(config: AugmentConfig) -> str:
    """`idg_code`, building our drop-in FastImageDataGenerator instead."""
    body = idg_code(config).split("\n\n", 1)[1]
    return f"{FAST_IMPORT}\n\n" + body.replace("ImageDataGenerator(", "FastImageDataGenerator(", 1)


def config_json(config: AugmentConfig) -> str:
    """Every setting as pretty JSON (what `parse_config_text` and `from_dict` read back)."""
    return json.dumps(config.to_dict(), indent=2)


# -- Keras 3 preprocessing layers ---------------------------------------------------------


def _num(value: float) -> str:
    """A computed factor, rounded to 6 significant digits (0.19999999999999996 -> 0.2)."""
    return repr(float(f"{value:.6g}"))


def _clamp(value: float, low: float, high: float, field: str, layer: str, notes: list) -> float:
    """Keep a factor inside what the layer accepts, and say so when it had to be cut."""
    if low <= value <= high:
        return value
    clamped = min(max(value, low), high)
    notes.append(f"{field}: {layer} accepts factors in [{low}, {high}]; {_num(value)} was cut to {_num(clamped)}.")
    return clamped


def _shift_extent(value, field: str, notes: list) -> tuple[float, bool]:
    """The largest shift a range draws, and whether it is a fraction (else pixels).

    IDG: a float < 1 is a fraction of the size, a float >= 1 is pixels (U(-r, r), like the
    layer); an int n draws whole pixels in -(n-1)..n-1; a list draws one element with a
    random sign (its own sign does not matter). The layer draws any shift up to the largest:
    close, not the same.
    """
    largest, fraction = shift_extent(value), is_fraction(value)
    if isinstance(value, tuple):
        notes.append(
            f"{field}: IDG picks one of {list(value)} with a random sign; RandomTranslation draws "
            f"any shift up to {_num(largest)} {'of the image size' if fraction else 'pixels'} instead."
        )
    elif isinstance(value, int) and value > 0:
        notes.append(
            f"{field}: an int range draws whole pixels in -{largest:g}..{largest:g}; "
            "RandomTranslation draws continuous shifts, so it is converted to a fraction of the image size."
        )
    elif isinstance(value, int) or value < 0:
        notes.append(
            f"{field}: {value} is below 0, so IDG draws U({-value}, {value}) and, every value being "
            f"below 1, reads it as a fraction of the image size: moves of up to {_num(largest)} times it."
        )
    elif value >= 1:
        notes.append(
            f"{field}: {_num(value)} is in pixels (a float >= 1); it is converted to a fraction of the image size."
        )
    return largest, fraction


def _translation(config: AugmentConfig, size, warp: str, notes: list, preamble: list) -> str | None:
    """RandomTranslation with IDG's axis swap: width_shift_range moves rows (scaled by the
    width), height_shift_range moves columns (scaled by the height)."""
    w_range, h_range = config.width_shift_range, config.height_shift_range
    active = [name for name in config.active_transforms() if name in ("width_shift_range", "height_shift_range")]
    if not active:
        return None
    vertical, v_fraction = (
        _shift_extent(w_range, "width_shift_range", notes) if "width_shift_range" in active else (0.0, True)
    )
    horizontal, h_fraction = (
        _shift_extent(h_range, "height_shift_range", notes) if "height_shift_range" in active else (0.0, True)
    )
    notes.append(
        "shifts: IDG swaps the axes — width_shift_range moves images up/down (scaled by the width) and "
        "height_shift_range left/right (scaled by the height) — so the code passes "
        "height_factor=width_shift_range*W/H and width_factor=height_shift_range*H/W."
    )
    if size is None:
        if v_fraction and h_fraction:
            notes.append("shifts: the image size was not given, so square images are assumed (W/H = 1).")
        else:
            notes.append("shifts: pixel ranges need the image size; set IMAGE_HEIGHT and IMAGE_WIDTH in the code.")
            preamble.append(
                "IMAGE_HEIGHT, IMAGE_WIDTH = 256, 256  # your images' size: pixel shifts become fractions of it"
            )
        # Square assumed: a fraction of the width is the same fraction of the height.
        height_factor = (
            _num(_clamp(vertical, 0, 1, "width_shift_range", "RandomTranslation", notes))
            if v_fraction
            else f"{_literal(vertical)} / IMAGE_HEIGHT"
        )
        width_factor = (
            _num(_clamp(horizontal, 0, 1, "height_shift_range", "RandomTranslation", notes))
            if h_fraction
            else f"{_literal(horizontal)} / IMAGE_WIDTH"
        )
    else:
        height, width = size
        pixels_down = vertical * width if v_fraction else vertical
        pixels_across = horizontal * height if h_fraction else horizontal
        height_factor = _num(_clamp(pixels_down / height, 0, 1, "width_shift_range", "RandomTranslation", notes))
        width_factor = _num(_clamp(pixels_across / width, 0, 1, "height_shift_range", "RandomTranslation", notes))
    return f"RandomTranslation(height_factor={height_factor}, width_factor={width_factor}{warp})"


def _off_centre_note(field: str, size) -> str | None:
    if size is None:
        return (
            f"{field}: matches IDG only on square images (the image size was not given); IDG turns "
            "non-square images about an off-centre point, the layer about the centre."
        )
    if size[0] != size[1]:
        return (
            f"{field}: on this {size[0]} x {size[1]} image IDG's pivot is off the centre (its row and "
            "column centres are swapped); the layer works about the centre, so results are shifted."
        )
    return None


def _normalize_size(image_shape) -> tuple[int, int] | None:
    if image_shape is None:
        return None
    if len(image_shape) not in (2, 3) or any(int(side) < 1 for side in image_shape[:2]):
        raise ValueError(f"image_shape must be (height, width) or (height, width, channels); got {image_shape!r}")
    return int(image_shape[0]), int(image_shape[1])


# SciPy's modes as the layers' nearest equivalents (the layers know four).
LAYER_FILL_MODES = {
    "nearest": "nearest",
    "reflect": "reflect",
    "grid-mirror": "reflect",
    "mirror": "reflect",
    "wrap": "wrap",
    "grid-wrap": "wrap",
    "constant": "constant",
    "grid-constant": "constant",
}


def _warp_arguments(config: AugmentConfig, notes: list) -> str:
    """The keyword arguments every geometric layer gets, as text after its own arguments."""
    # IDG's default fill is 'nearest', the layers' is 'reflect', so always pass it.
    mode = LAYER_FILL_MODES.get(config.fill_mode, "nearest")
    if mode != config.fill_mode:
        notes.append(
            f"fill_mode: the layers have no '{config.fill_mode}' (a SciPy mode IDG passes through); "
            f"'{mode}' is the closest."
        )
    warp = f', fill_mode="{mode}"'
    if mode == "constant":
        warp += f", fill_value={_literal(config.cval)}"
    if config.interpolation_order == 0:
        warp += ', interpolation="nearest"'
    elif config.interpolation_order != 1:
        notes.append(
            f"interpolation_order: {config.interpolation_order} is a SciPy spline no layer computes; "
            "the layers use bilinear interpolation, which is sharper."
        )
    return warp


def _rotation_layer(config: AugmentConfig, size, warp: str, notes: list) -> str:
    """RandomRotation: rotation_range in degrees becomes a fraction of a full turn, at most 1.
    A negative range draws the same angles as its opposite."""
    degrees = abs(config.rotation_range)
    factor = degrees / 360
    if factor > 1:
        _clamp(factor, 0, 1, "rotation_range", "RandomRotation", notes)
        layer = f"RandomRotation(factor=1.0{warp})"
    else:
        layer = f"RandomRotation(factor={_literal(degrees)} / 360{warp})"
    notes += filter(None, [_off_centre_note("rotation_range", size)])
    return layer


def _shear_layer(config: AugmentConfig, warp: str, notes: list) -> str:
    """RandomShear with the same slope range as IDG's shear_range (degrees)."""
    # IDG's shear moves column x by -sin(shear) * row: the same slope as RandomShear's x_factor.
    shear = abs(config.shear_range)  # U(-s, s) is the same for -s
    slope = math.sin(math.radians(min(shear, 90)))
    degrees = " (it is in degrees: a value this small barely shows)" if shear < 1 else ""
    notes.append(
        f"shear_range: RandomShear(x_factor=sin({_literal(shear)}°)) has the same slope range, but is "
        "an uncentred pure shear (about the top-left corner, so images also slide sideways), while IDG "
        f"shears about the centre and also scales rows by cos(shear): not exact{degrees}."
    )
    return f"RandomShear(x_factor={_num(slope)}{warp})"


def _zoom_layer(config: AugmentConfig, size, warp: str, notes: list) -> str:
    """RandomZoom with IDG's zoom bounds as factors (zoom - 1), cut to what the layer accepts."""
    low, high = sorted(config.zoom_bounds)  # IDG draws between them in either order
    low_factor = _clamp(low - 1, -0.99, 1, "zoom_range", "RandomZoom", notes)
    high_factor = _clamp(high - 1, -0.99, 1, "zoom_range", "RandomZoom", notes)
    # Same sign convention: IDG zoom 1.2 and RandomZoom factor +0.2 both zoom OUT.
    factors = f"({_num(low_factor)}, {_num(high_factor)})"
    notes += filter(None, [_off_centre_note("zoom_range", size)])
    return f"RandomZoom(height_factor={factors}, width_factor={factors}{warp})"


def _geometric_layers(config: AugmentConfig, size, active: set, notes: list, preamble: list) -> list[str]:
    """The warp as layers, in IDG's order (rotation, shift, shear, zoom), with the border notes."""
    warp_notes: list[str] = []
    warp = _warp_arguments(config, warp_notes)
    layers: list[str] = []
    if "rotation_range" in active:
        layers.append(_rotation_layer(config, size, warp, notes))
    translation = _translation(config, size, warp, notes, preamble)
    if translation:
        layers.append(translation)
    if "shear_range" in active:
        layers.append(_shear_layer(config, warp, notes))
    if "zoom_range" in active:
        layers.append(_zoom_layer(config, size, warp, notes))
    if layers:
        notes[:0] = warp_notes  # about the warp's mode and order: only when something warps
    if layers and config.fill_mode in ("constant", "wrap"):
        differs = (
            "IDG fills every position outside the image with cval, with no blending at the edge"
            if config.fill_mode == "constant"
            else "IDG wraps with period n-1, the layers with period n"
        )
        notes.append(f"fill_mode: '{config.fill_mode}' differs at the border: {differs}.")
    if len(layers) > 1:
        notes.append(
            "stacked layers: each layer resamples the image again, where IDG warps once; near the borders "
            "the difference can reach most of the pixel range. One keras.ops.image.affine_transform with "
            "the composed matrix matches IDG closely."
        )
    return layers


def _pointwise_layers(config: AugmentConfig, active: set, notes: list) -> list[str]:
    """Channel shift, flips and brightness, in IDG's order (brightness only as a comment)."""
    layers: list[str] = []
    if "channel_shift_range" in active:
        factor = _clamp(abs(config.channel_shift_range) / 255, 0, 1, "channel_shift_range", "RandomBrightness", notes)
        layers.append(f"RandomBrightness(factor={_num(factor)}, value_range=(0, 255))")
        notes.append(
            "channel_shift_range: RandomBrightness(factor=r/255, value_range=(0, 255)) adds the same offset to "
            "all channels like IDG, but clips to 0..255, not to the image's own min and max."
        )
    if config.horizontal_flip:
        layers.append('RandomFlip("horizontal")')
    if config.vertical_flip:
        layers.append('RandomFlip("vertical")')
    if "brightness_range" in active:
        low, high = sorted(config.brightness_range)
        layers.append(f"# brightness_range=[{_literal(low)}, {_literal(high)}]: no Keras layer; see the notes")
        notes.append(
            f"brightness_range: IDG multiplies pixels by a factor in [{_literal(low)}, {_literal(high)}]; "
            "keras.layers.RandomBrightness adds an offset instead, so there is no exact layer. A small custom "
            "layer is needed (x * U(low, high) per image, clipped to 0..255); it is left out of the code."
        )
    return layers


def _standardization_layers(config: AugmentConfig, notes: list) -> list[str]:
    """Rescale, then per-image centring and scaling (Lambda layers: no built-in one)."""
    layers: list[str] = []
    if config.rescale is not None:
        layers.append(f"Rescaling({_literal(config.rescale, 'rescale')})")
    if config.samplewise_center or config.samplewise_std_normalization:
        # IDG turns samplewise_center on whenever samplewise_std_normalization is set.
        layers.append("Lambda(lambda x: x - keras.ops.mean(x, axis=(1, 2, 3), keepdims=True))")
        if config.samplewise_std_normalization:
            layers.append("Lambda(lambda x: x / (keras.ops.std(x, axis=(1, 2, 3), keepdims=True) + 1e-6))")
        notes.append(
            "samplewise_center / samplewise_std_normalization: no built-in layer (keras.layers.Normalization uses "
            "statistics of a whole data set from adapt(), not of each image); the code uses Lambda layers, "
            "which a saved .keras model only loads back with safe_mode=False."
        )
    return layers


def _sequential_code(layers: list[str], notes: list[str], preamble: list[str]) -> str:
    """The `keras.Sequential` source; lines starting with '#' stay comments, not layers."""
    body = [f"    {line}" if line.startswith("#") else f"    keras.layers.{line}," for line in layers]
    if len(body) == sum(line.lstrip().startswith("#") for line in body):
        why = "no exact layer: see the notes" if notes else "every setting is at IDG's default"
        body.append(f"    keras.layers.Identity(),  # {why}")
    code = [
        "import keras",
        "",
        *preamble,
        *([""] if preamble else []),
        "# Random layers act only when called with training=True; input: raw 0..255 images (N, H, W, C).",
        "data_augmentation = keras.Sequential([",
        *body,
        "])",
    ]
    return "\n".join(code) + "\n"


def keras_layers_code(config: AugmentConfig, image_shape: Sequence[int] | None = None) -> tuple[str, list[str]]:
    """Keras 3 preprocessing layers that approximate this config, and notes on what differs.

    The code builds `data_augmentation = keras.Sequential([...])` for batches of raw 0..255
    images (as IDG's flow receives them), in IDG's order: warp, channel shift, flips,
    brightness, rescale, per-image standardization. image_shape (height, width[, channels])
    sizes the shift factors and says whether rotation and zoom can match; None assumes square.
    Each note starts with the setting it is about.
    """
    size = _normalize_size(image_shape)
    notes: list[str] = []
    preamble: list[str] = []
    active = set(config.active_transforms())
    # Each helper appends its notes as it goes: the notes keep IDG's order, like the layers.
    layers = _geometric_layers(config, size, active, notes, preamble)
    layers += _pointwise_layers(config, active, notes)
    layers += _standardization_layers(config, notes)
    return _sequential_code(layers, notes, preamble), notes
