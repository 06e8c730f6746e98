"""`IDGAugmentation(**idg_kwargs)`: ImageDataGenerator's augmentation as one Keras 3 layer.

The built-in layers do not reproduce IDG: they resample at every stage, shear about a corner,
add brightness, and lose IDG's axis swap, zoom direction and off-centre pivot. This layer
draws each image's parameters with IDG's distributions (from Keras's seed generator, not
NumPy's global stream: the same distributions, not the same numbers), composes IDG's matrix
(`geometry.idg_matrices`, written in backend ops) and resamples each image once, with SciPy's
border rules (`geometry.map_to_border`) and SciPy's order-0 and order-1 sampling
(`warp.warp_exact`), then applies IDG's channel shift, flips and brightness
(`engine.channel_shift`, `engine.brightness_shift`).

Exact, given the same parameters (`transform_images`), for fill modes nearest, reflect (and
grid-mirror, SciPy's other name for it), wrap (SciPy's legacy period n - 1) and constant, at
interpolation orders 0 and 1: what `apply_transform` gives, to float32 round-off. Source
positions and sums are computed in float64 where the backend has it (TensorFlow, and JAX only
with x64 enabled; otherwise float32, where a pixel whose source lies within round-off of the
border may take the other side's value). The other SciPy modes (mirror, grid-wrap,
grid-constant) are resampled as the closest exact one and spline orders 2-5 as order 1, with
a warning saying what differs (`resampling_notes`; FastImageDataGenerator has them all).

Random transforms run in training only (the identity in inference, like the built-in
augmentation layers); `rescale` and samplewise standardization, which IDG applies to every
image it yields, validation included, run always. Works inside a model, and in a tf.data
pipeline on any backend (a `DataLayer`: inside tf.data it computes with TensorFlow).
"""

from __future__ import annotations

import math
import warnings

import keras

from ..augment.config import EXACT_LAYER_FILL_MODES, AugmentConfig
from ..augment.sampling import PARAM_KEYS, draws_by_choice, is_fraction

try:  # Keras >= 3.10; earlier Keras 3 names it TFDataLayer
    from keras.src.layers.preprocessing.data_layer import DataLayer
except ImportError:  # pragma: no cover
    from keras.src.layers.preprocessing.tf_data_layer import TFDataLayer as DataLayer

EXACT_ORDERS = (0, 1)
CLOSEST_MODE = {"grid-mirror": "reflect", "mirror": "reflect", "grid-wrap": "wrap", "grid-constant": "constant"}


def resampling(config: AugmentConfig) -> tuple[str, int]:
    """The fill mode and interpolation order the layer resamples with.

    The config's own when exact (fill modes nearest, reflect, wrap, constant; orders 0 and
    1), else the closest (`resampling_notes` says what differs).

    Args:
        config (AugmentConfig): The augmentation settings.

    Returns:
        (tuple[str, int]): The fill mode and the interpolation order used.

    Examples:
        >>> from explorer import AugmentConfig
        >>> resampling(AugmentConfig(rotation_range=10, fill_mode="mirror", interpolation_order=3))
        ('reflect', 1)
    """
    mode = config.fill_mode if config.fill_mode in EXACT_LAYER_FILL_MODES else CLOSEST_MODE[config.fill_mode]
    return mode, int(config.interpolation_order) if config.interpolation_order in EXACT_ORDERS else 1


def resampling_notes(config: AugmentConfig) -> list[str]:
    """What the layer does differently from IDG for this config.

    Nothing for the exact modes and orders, and for 'grid-mirror', SciPy's other name for
    'reflect'; nothing either when no random transform is on.

    Args:
        config (AugmentConfig): The augmentation settings.

    Returns:
        (list[str]): One sentence per difference; empty when the layer is exact.

    Examples:
        >>> from explorer import AugmentConfig
        >>> resampling_notes(AugmentConfig(rotation_range=10, fill_mode="wrap"))
        []
        >>> len(resampling_notes(AugmentConfig(rotation_range=10, interpolation_order=3)))
        1
    """
    if not config.active_transforms():
        return []
    notes = []
    mode = config.fill_mode
    if mode not in EXACT_LAYER_FILL_MODES and mode != "grid-mirror":
        notes.append(
            f"fill_mode={mode!r} is resampled as {CLOSEST_MODE[mode]!r}: pixels sampled from outside the "
            "image differ near the border (exact modes: nearest, reflect, wrap, constant; "
            "FastImageDataGenerator has every SciPy mode)"
        )
    if config.interpolation_order not in EXACT_ORDERS:
        notes.append(
            f"interpolation_order={config.interpolation_order} (a SciPy spline) is resampled bilinearly "
            "(order 1): edges come out softer (FastImageDataGenerator has the splines)"
        )
    return notes


IDG_NAMES = tuple(field for field in AugmentConfig.__dataclass_fields__)


@keras.saving.register_keras_serializable(package="explorer")
class IDGAugmentation(DataLayer):
    """ImageDataGenerator's random transforms (and its rescale and samplewise standardization)
    as a layer: `IDGAugmentation(rotation_range=10, width_shift_range=0.1, rescale=1 / 255)`.

    Takes N x H x W x C images (or one H x W x C; channels last) in IDG's units (0..255
    pixels). Per image: IDG's draws, IDG's matrix and one resampling with SciPy's border
    rules, then IDG's channel shift, flips and brightness. Random in training, the identity
    in inference (like Keras's augmentation layers); `rescale` and samplewise
    standardization run always, as IDG applies them to every image it yields. Works inside a
    model and in a tf.data pipeline, on any Keras 3 backend; saved in a `.keras` file and
    loaded back in safe mode.

    Differences from IDG: the draws come from Keras's seed generator, not NumPy's global
    stream (the same distributions, not the same numbers); fill modes mirror, grid-wrap and
    grid-constant are resampled as the closest exact mode, and spline orders 2 to 5 as order
    1, with a warning (`resampling_notes`); featurewise statistics, ZCA, `validation_split`
    and `preprocessing_function` are not layer settings (they are not augmentation).

    Args:
        seed (int | None): Seeds the layer's Keras seed generator; None: a random seed.
        **kwargs (Any): ImageDataGenerator's augmentation keyword arguments (the fields of
            `AugmentConfig`, with IDG's units and defaults), and Keras layer options such as
            `name` and `dtype`.

    Raises:
        ValueError: A setting IDG refuses (the message names it and the accepted range), or
            a keyword argument that is neither an IDG augmentation setting nor a layer option.

    Examples:
        >>> import keras
        >>> import numpy as np
        >>> from explorer import IDGAugmentation
        >>> layer = IDGAugmentation(rotation_range=10, horizontal_flip=True, rescale=1 / 255, seed=0)
        >>> images = np.full((2, 16, 16, 3), 255.0, "float32")
        >>> float(keras.ops.convert_to_numpy(layer(images, training=False)).max())  # inference: rescale only
        1.0
        >>> keras.ops.convert_to_numpy(layer(images)).shape  # training: augmented
        (2, 16, 16, 3)

        In a model (not run here: it builds and trains one):

        >>> model = keras.Sequential([keras.Input((32, 32, 3)), layer, keras.layers.Flatten(),
        ...                           keras.layers.Dense(10)])  # doctest: +SKIP
        >>> model.compile("adam", "sparse_categorical_crossentropy")  # doctest: +SKIP
        >>> model.fit(x_train, y_train, epochs=5)  # doctest: +SKIP
    """

    def __init__(self, seed: int | None = None, **kwargs):
        settings = {name: kwargs.pop(name) for name in list(kwargs) if name in IDG_NAMES}
        super().__init__(**kwargs)
        self.idg = AugmentConfig.from_dict(settings)
        self.fill_mode, self.order = resampling(self.idg)
        for note in resampling_notes(self.idg):
            warnings.warn(f"IDGAugmentation: {note}", stacklevel=2)
        self.seed = seed
        self.generator = keras.random.SeedGenerator(seed)
        self.supports_masking = False

    def get_config(self) -> dict:
        """The layer's config, for saving: Keras's own, the seed and the IDG settings changed.

        Returns:
            (dict): JSON-safe; `IDGAugmentation.from_config(config)` rebuilds the layer.

        Examples:
            >>> from explorer import IDGAugmentation
            >>> config = IDGAugmentation(rotation_range=10, zoom_range=[0.9, 1.2], seed=3).get_config()
            >>> config["seed"], config["rotation_range"], config["zoom_range"]
            (3, 10.0, [0.9, 1.2])
        """
        return {**super().get_config(), "seed": self.seed, **_jsonable(self.idg.to_idg_kwargs(only_changed=True))}

    def compute_output_shape(self, input_shape):
        """The input's shape: the layer keeps the images' size.

        Args:
            input_shape (tuple): The images' shape.

        Returns:
            (tuple): The same shape.
        """
        return input_shape

    def call(self, images, training=True):
        """Augment (in training) and standardize a batch or one image; Keras calls it.

        Args:
            images (Tensor | np.ndarray): N x H x W x C images, or one H x W x C, in 0..255.
            training (bool): Draw and apply the random transforms; False: rescale and
                samplewise standardization only.

        Returns:
            (Tensor): The images, same shape, in the layer's compute dtype.
        """
        ops = self.backend
        images = ops.cast(images, self.compute_dtype)
        single = len(images.shape) == 3
        if single:
            images = ops.numpy.expand_dims(images, 0)
        if training and self.idg.active_transforms():
            images = self.transform_images(images, self.get_random_transformation(images))
        images = self._standardize(images)
        return images[0] if single else images

    # -- drawing ---------------------------------------------------------------------------------

    def get_random_transformation(self, images) -> dict:
        """One set of IDG parameters per image, drawn with IDG's distributions.

        Args:
            images (Tensor): The batch, N x H x W x C (its shape sets the count and the shift
                scale).

        Returns:
            (dict): IDG's keys (theta, tx, ty, shear, zx, zy, flip_horizontal, flip_vertical,
                channel_shift_intensity, brightness), each a tensor of one value per image, or
                None for a channel shift or brightness that is off.
        """
        ops, idg = self.backend, self.idg
        seed = self._get_seed_generator(ops._backend)
        count = ops.shape(images)[0]
        height, width = images.shape[1], images.shape[2]

        def uniform(low, high):
            return low + (high - low) * ops.random.uniform((count,), seed=seed)

        zeros = ops.numpy.zeros((count,))
        low, high = idg.zoom_bounds
        zoomed = not (low == 1 and high == 1)
        return {
            "theta": uniform(-idg.rotation_range, idg.rotation_range) if idg.rotation_range else zeros,
            "tx": self._shift(idg.height_shift_range, height, count, seed),
            "ty": self._shift(idg.width_shift_range, width, count, seed),
            "shear": uniform(-idg.shear_range, idg.shear_range) if idg.shear_range else zeros,
            "zx": uniform(low, high) if zoomed else zeros + 1,
            "zy": uniform(low, high) if zoomed else zeros + 1,
            "flip_horizontal": self._coin(count, seed) if idg.horizontal_flip else zeros,
            "flip_vertical": self._coin(count, seed) if idg.vertical_flip else zeros,
            "channel_shift_intensity": (
                uniform(-idg.channel_shift_range, idg.channel_shift_range) if idg.channel_shift_range else None
            ),
            "brightness": uniform(*idg.brightness_range) if idg.brightness_range is not None else None,
        }

    def _coin(self, count, seed):
        return self.backend.cast(self.backend.random.uniform((count,), seed=seed) < 0.5, "float32")

    def _shift(self, shift_range, size: int, count, seed):
        """IDG's shift draw: a list or an int n >= 1 picks an element (0..n-1) times a random
        sign; anything else U(-r, r); a fraction (every value < 1) times the image side."""
        ops = self.backend
        if not shift_range:
            return ops.numpy.zeros((count,))
        if draws_by_choice(shift_range):
            values = list(shift_range) if isinstance(shift_range, tuple) else list(range(shift_range))
            index = ops.random.randint((count,), 0, len(values), seed=seed)
            shift = ops.numpy.take(ops.convert_to_tensor(values, "float32"), index)
            shift = shift * (2 * self._coin(count, seed) - 1)
        else:
            shift = -shift_range + 2 * shift_range * ops.random.uniform((count,), seed=seed)
        return shift * size if is_fraction(shift_range) else shift

    # -- applying --------------------------------------------------------------------------------

    def transform_images(self, images, transformation: dict, training: bool = True):
        """IDG's `apply_transform` on each image with the parameters given.

        Exact: equals IDG's `apply_transform` within float32 round-off for the exact fill
        modes and orders (see the module).

        Args:
            images (Tensor | np.ndarray): N x H x W x C images in 0..255.
            transformation (dict): IDG's keys (theta, tx, ty, shear, zx, zy, flip_horizontal,
                flip_vertical, channel_shift_intensity, brightness) to one value per image; a
                missing key (or None) leaves that step out.
            training (bool): False returns the images unchanged.

        Returns:
            (Tensor): The transformed images, same shape.

        Examples:
            >>> import keras
            >>> import numpy as np
            >>> from explorer import IDGAugmentation
            >>> image = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
            >>> flipped = IDGAugmentation().transform_images(image, {"flip_horizontal": np.array([1.0])})
            >>> keras.ops.convert_to_numpy(flipped)[0, 0, :, 0].tolist()
            [3.0, 2.0, 1.0, 0.0]
        """
        if not training:
            return images
        ops = self.backend
        images = ops.cast(images, self.compute_dtype)
        given = {key: transformation.get(key) for key in PARAM_KEYS}
        if any(given[key] is not None for key in ("theta", "tx", "ty", "shear", "zx", "zy")):
            images = self._warp(images, given, exact=given["brightness"] is not None)
        if given["channel_shift_intensity"] is not None:
            images = self._channel_shift(images, given["channel_shift_intensity"])
        for key, axis in (("flip_horizontal", 2), ("flip_vertical", 1)):
            if given[key] is not None:
                flip = ops.numpy.reshape(ops.cast(given[key], "bool"), (-1, 1, 1, 1))
                images = ops.numpy.where(flip, ops.numpy.flip(images, axis=axis), images)
        if given["brightness"] is not None:
            images = self._brightness(images, given["brightness"])
        return images

    def _matrices(self, given: dict, count: int, dtype: str):
        """IDG's inverse maps as 9 columns (`geometry.idg_matrices`): input (row, col) =
        (m00 r + m01 c + m02, m10 r + m11 c + m12) for output (r, c)."""
        ops = self.backend

        def column(key, default):
            value = given.get(key)
            if value is None:
                return ops.numpy.full((count,), default, dtype=dtype)
            return ops.cast(ops.numpy.reshape(value, (-1,)), dtype)

        theta = column("theta", 0.0) * (math.pi / 180)
        shear = column("shear", 0.0) * (math.pi / 180)
        tx, ty, zx, zy = column("tx", 0.0), column("ty", 0.0), column("zx", 1.0), column("zy", 1.0)
        cos_t, sin_t = ops.numpy.cos(theta), ops.numpy.sin(theta)
        sin_s, cos_s = ops.numpy.sin(shear), ops.numpy.cos(shear)
        a00, a01 = cos_t * zx, (-cos_t * sin_s - sin_t * cos_s) * zy
        a10, a11 = sin_t * zx, (-sin_t * sin_s + cos_t * cos_s) * zy
        t0, t1 = cos_t * tx - sin_t * ty, sin_t * tx + cos_t * ty
        return a00, a01, a10, a11, t0, t1

    def _warp(self, images, given: dict, exact: bool):
        ops = self.backend
        count, height, width = ops.shape(images)[0], images.shape[1], images.shape[2]
        dtype = _coordinate_dtype(ops)
        a00, a01, a10, a11, t0, t1 = self._matrices(given, count, dtype)
        o_x, o_y = height / 2 - 0.5, width / 2 - 0.5
        t0 = t0 + o_x - (a00 * o_x + a01 * o_y)
        t1 = t1 + o_y - (a10 * o_x + a11 * o_y)
        # After IDG's x/y swap: input row = a11 r + a10 c + t1, input col = a01 r + a00 c + t0.
        rows = ops.numpy.reshape(ops.numpy.arange(height, dtype=dtype), (1, height, 1))
        cols = ops.numpy.reshape(ops.numpy.arange(width, dtype=dtype), (1, 1, width))

        def per_image(value):
            return ops.numpy.reshape(value, (-1, 1, 1))

        src_row = rows * per_image(a11) + cols * per_image(a10) + per_image(t1)
        src_col = rows * per_image(a01) + cols * per_image(a00) + per_image(t0)
        return self._sample(images, src_row, src_col, exact)

    def _sample(self, images, src_row, src_col, exact: bool):
        """SciPy's order-0/1 sampling at the source positions (`warp.warp_exact`)."""
        ops, idg = self.backend, self.idg
        count, height, width, channels = ops.shape(images)[0], images.shape[1], images.shape[2], images.shape[3]
        row = _to_border(ops, src_row, height, self.fill_mode)
        col = _to_border(ops, src_col, width, self.fill_mode)
        # With brightness (which truncates to whole levels after) the sum is in the positions'
        # precision, as SciPy's float64 one, else float32 moves some pixels by a level; without
        # it float32 is within 1e-3 of SciPy and about twice as fast (the engine does the same).
        dtype = row.dtype if exact else images.dtype
        pixels = ops.numpy.reshape(ops.cast(images, dtype), (-1, channels))  # every pixel of the batch, a row each
        first = ops.numpy.reshape(ops.numpy.arange(count, dtype="int32") * (height * width), (-1, 1, 1))

        def weight(value):
            return ops.numpy.reshape(ops.cast(value, dtype), (-1, 1))

        def gather(r, c):
            r = ops.cast(ops.numpy.clip(r, 0, height - 1), "int32")
            c = ops.cast(ops.numpy.clip(c, 0, width - 1), "int32")
            return ops.numpy.take(pixels, ops.numpy.reshape(first + r * width + c, (-1,)), axis=0)

        if self.order == 0:
            out = gather(ops.numpy.floor(row + 0.5), ops.numpy.floor(col + 0.5))
        else:
            r0, c0 = ops.numpy.floor(row), ops.numpy.floor(col)
            wr0 = 1.0 - (row - r0)
            wc0 = 1.0 - (col - c0)
            wr1, wc1 = 1.0 - wr0, 1.0 - wc0
            out = None
            for r, c, w_row, w_col in (
                (r0, c0, wr0, wc0),
                (r0, c0 + 1, wr0, wc1),
                (r0 + 1, c0, wr1, wc0),
                (r0 + 1, c0 + 1, wr1, wc1),
            ):
                term = gather(r, c) * weight(w_row) * weight(w_col)
                out = term if out is None else out + term
        if self.fill_mode == "constant":
            outside = ops.numpy.reshape(ops.numpy.logical_or(row <= -1, col <= -1), (-1, 1))
            out = ops.numpy.where(outside, ops.cast(idg.cval, out.dtype), out)
        return ops.cast(ops.numpy.reshape(out, (count, height, width, channels)), images.dtype)

    def _channel_shift(self, images, intensity):
        """One offset for all channels, clipped to each image's own min and max."""
        ops = self.backend
        shift = ops.numpy.reshape(ops.cast(intensity, images.dtype), (-1, 1, 1, 1))
        low = ops.numpy.min(images, axis=(1, 2, 3), keepdims=True)
        high = ops.numpy.max(images, axis=(1, 2, 3), keepdims=True)
        return ops.numpy.minimum(ops.numpy.maximum(images + shift, low), high)

    def _brightness(self, images, brightness):
        """PIL's Brightness on the image cast to uint8 (`engine.brightness_shift`): data outside
        0..255 stretched to it and back; an alpha channel kept."""
        ops = self.backend
        factor = ops.numpy.reshape(ops.cast(brightness, "float32"), (-1, 1, 1, 1))
        data = ops.cast(images, "float32")
        low = ops.numpy.min(data, axis=(1, 2, 3), keepdims=True)
        high = ops.numpy.max(data, axis=(1, 2, 3), keepdims=True)
        stretch = ops.numpy.logical_or(low < 0, high > 255)
        span = high - low
        stretched = (data - low) / ops.numpy.where(span == 0, 1.0, span) * 255
        data = ops.numpy.where(stretch, stretched, data)
        levels = ops.numpy.floor(ops.numpy.clip(data, 0, 255))
        out = ops.numpy.floor(ops.numpy.clip(factor * levels, 0, 255))
        if images.shape[-1] == 4:
            out = ops.numpy.concatenate([out[..., :3], levels[..., 3:]], axis=-1)
        out = ops.numpy.where(stretch, out / 255 * span + low, out)
        return ops.cast(out, images.dtype)

    def _standardize(self, images):
        """IDG's `standardize` for what the layer takes: rescale, then samplewise centre/std."""
        ops, idg = self.backend, self.idg
        if idg.rescale:
            images = images * idg.rescale
        if idg.samplewise_center:
            images = images - ops.numpy.mean(images, axis=(1, 2, 3), keepdims=True)
        if idg.samplewise_std_normalization:
            images = images / (ops.numpy.std(images, axis=(1, 2, 3), keepdims=True) + 1e-6)
        return images


def _coordinate_dtype(ops) -> str:
    """float64 where the backend computes it, else float32: under Keras's JAX backend without
    x64, even inside tf.data (Keras's dtype rules then turn float64 results into float32)."""
    if keras.backend.backend() == "jax":
        import jax

        return "float64" if jax.config.jax_enable_x64 else "float32"
    return "float64"


def _trunc(ops, x):
    return ops.numpy.sign(x) * ops.numpy.floor(ops.numpy.abs(x))


def _to_border(ops, coord, length: int, fill_mode: str):
    """`geometry.map_to_border` in backend ops: where SciPy samples for a position outside
    [0, length - 1]; 'constant' positions outside come back as -1."""
    last = length - 1
    low, high = coord < 0, coord > last
    if fill_mode == "nearest":
        return ops.numpy.clip(coord, 0, last)
    if fill_mode == "constant":
        return ops.numpy.where(ops.numpy.logical_or(low, high), -1.0, coord)
    if length <= 1:
        return coord * 0
    if fill_mode == "reflect":
        size2 = 2 * length
        c = ops.numpy.where(coord < -size2, size2 * _trunc(ops, -coord / size2) + coord, coord)
        below = ops.numpy.where(c < -length, c + size2, -c - 1)
        c = coord - size2 * _trunc(ops, coord / size2)
        above = ops.numpy.where(c >= length, size2 - c - 1, c)
        return ops.numpy.where(low, below, ops.numpy.where(high, above, coord))
    period = last  # 'wrap': SciPy's legacy period, length - 1
    below = coord + period * (_trunc(ops, -coord / period) + 1)
    above = coord - period * _trunc(ops, coord / period)
    return ops.numpy.where(low, below, ops.numpy.where(high, above, coord))


def _jsonable(kwargs: dict) -> dict:
    return {key: list(value) if isinstance(value, tuple) else value for key, value in kwargs.items()}
