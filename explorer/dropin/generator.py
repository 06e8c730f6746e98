"""`FastImageDataGenerator`: ImageDataGenerator's whole public API on the engine.

Same constructor, methods, defaults, warnings and errors as
`tf.keras.preprocessing.image.ImageDataGenerator` (Keras 3's `keras/src/legacy/preprocessing/
image.py`, Apache 2.0, whose structure this follows), and, for the same seed, the same batches:
the draws are IDG's own calls on NumPy's global generator, in IDG's order; only the warps are
done differently, many images at a time on the engine (`augment.engine`). No TensorFlow: Keras
3 on any backend. Imports Keras, so `explorer` exposes it lazily.

One difference, documented in the README: a `preprocessing_function` that draws from NumPy's
global generator itself gets other numbers than under IDG, which calls it between one image's
draws and the next image's (here every image of a batch is drawn first).
"""

from __future__ import annotations

import math
import warnings

import keras
import numpy as np

from ..augment.config import AugmentConfig
from ..augment.engine import augment_batch, augment_rows, brightness_shift, channel_shift
from ..augment.sampling import draw_batch, sample_transform
from .iterators import DataFrameIterator, DirectoryIterator, NumpyArrayIterator

# What the engine takes from the constructor: the augmentation, not the standardization.
_ENGINE_SETTINGS = ("rotation_range", "width_shift_range", "height_shift_range", "shear_range",
                    "channel_shift_range", "horizontal_flip", "vertical_flip", "fill_mode", "cval",
                    "interpolation_order")


def _warn(message: str) -> None:
    warnings.warn(message, stacklevel=3)


class FastImageDataGenerator:
    """ImageDataGenerator, batch for batch, 10x faster and without TensorFlow.

    `FastImageDataGenerator(**kwargs)` takes exactly ImageDataGenerator's arguments; `flow`,
    `flow_from_directory` and `flow_from_dataframe` return iterators (Keras `PyDataset`s) with
    IDG's attributes, for `model.fit`.
    """

    def __init__(self, featurewise_center=False, samplewise_center=False, featurewise_std_normalization=False,
                 samplewise_std_normalization=False, zca_whitening=False, zca_epsilon=1e-6, rotation_range=0,
                 width_shift_range=0.0, height_shift_range=0.0, brightness_range=None, shear_range=0.0,
                 zoom_range=0.0, channel_shift_range=0.0, fill_mode="nearest", cval=0.0, horizontal_flip=False,
                 vertical_flip=False, rescale=None, preprocessing_function=None, data_format=None,
                 validation_split=0.0, interpolation_order=1, dtype=None):
        data_format = keras.config.image_data_format() if data_format is None else data_format
        self.dtype = keras.config.floatx() if dtype is None else dtype
        self.featurewise_center, self.samplewise_center = featurewise_center, samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening, self.zca_epsilon = zca_whitening, zca_epsilon
        self.rotation_range, self.shear_range = rotation_range, shear_range
        self.width_shift_range, self.height_shift_range = width_shift_range, height_shift_range
        self.zoom_range, self.channel_shift_range = zoom_range, channel_shift_range
        self.fill_mode, self.cval = fill_mode, cval
        self.horizontal_flip, self.vertical_flip = horizontal_flip, vertical_flip
        self.rescale, self.preprocessing_function = rescale, preprocessing_function
        self.interpolation_order = interpolation_order
        if data_format not in {"channels_last", "channels_first"}:
            raise ValueError('`data_format` should be `"channels_last"` (channel after row and column) or '
                             f'`"channels_first"` (channel before row and column). Received: {data_format}')
        self.data_format = data_format
        self.channel_axis, self.row_axis, self.col_axis = (1, 2, 3) if data_format == "channels_first" else (3, 1, 2)
        if validation_split and not 0 < validation_split < 1:
            raise ValueError(f"`validation_split` must be strictly between 0 and 1.  Received: {validation_split}")
        self._validation_split = validation_split
        self.mean = self.std = self.zca_whitening_matrix = None
        if isinstance(zoom_range, (float, int)):
            self.zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif len(zoom_range) == 2 and all(isinstance(val, (float, int)) for val in zoom_range):
            self.zoom_range = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError(f"`zoom_range` should be a float or a tuple or list of two floats. Received: {zoom_range}")
        self._overrides(featurewise_center, featurewise_std_normalization, samplewise_center)
        if brightness_range is not None and (not isinstance(brightness_range, (tuple, list))
                                             or len(brightness_range) != 2):
            raise ValueError(f"`brightness_range should be tuple or list of two floats. Received: {brightness_range}")
        self.brightness_range = brightness_range
        self._config = None

    def _overrides(self, featurewise_center, featurewise_std_normalization, samplewise_center) -> None:
        """IDG's settings that switch others on or off, with IDG's warnings. As in IDG, each
        test reads the argument as given (zca_whitening turning featurewise_std_normalization
        off does not stop its own warning)."""
        if self.zca_whitening:
            if not featurewise_center:
                self.featurewise_center = True
                _warn("This ImageDataGenerator specifies `zca_whitening`, which overrides setting of "
                      "`featurewise_center`.")
            if featurewise_std_normalization:
                self.featurewise_std_normalization = False
                _warn("This ImageDataGenerator specifies `zca_whitening` which overrides setting of"
                      "`featurewise_std_normalization`.")
        if featurewise_std_normalization and not featurewise_center:
            self.featurewise_center = True
            _warn("This ImageDataGenerator specifies `featurewise_std_normalization`, which overrides setting of "
                  "`featurewise_center`.")
        if self.samplewise_std_normalization and not samplewise_center:
            self.samplewise_center = True
            _warn("This ImageDataGenerator specifies `samplewise_std_normalization`, which overrides setting of "
                  "`samplewise_center`.")

    @property
    def config(self) -> AugmentConfig:
        """The engine's settings: the augmentation part of the constructor's arguments (built
        on first use: IDG itself checks fill_mode and the order only when it warps)."""
        if self._config is None:
            settings = {name: getattr(self, name) for name in _ENGINE_SETTINGS}
            self._config = AugmentConfig(**settings, zoom_range=tuple(self.zoom_range),
                                         brightness_range=self.brightness_range)
        return self._config

    # -- the iterators ------------------------------------------------------------------

    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None, save_to_dir=None,
             save_prefix="", save_format="png", ignore_class_split=False, subset=None):
        return NumpyArrayIterator(x, y, self, batch_size=batch_size, shuffle=shuffle, sample_weight=sample_weight,
                                  seed=seed, data_format=self.data_format, save_to_dir=save_to_dir,
                                  save_prefix=save_prefix, save_format=save_format,
                                  ignore_class_split=ignore_class_split, subset=subset, dtype=self.dtype)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb", classes=None,
                            class_mode="categorical", batch_size=32, shuffle=True, seed=None, save_to_dir=None,
                            save_prefix="", save_format="png", follow_links=False, subset=None,
                            interpolation="nearest", keep_aspect_ratio=False):
        return DirectoryIterator(directory, self, target_size=target_size, color_mode=color_mode, classes=classes,
                                 class_mode=class_mode, data_format=self.data_format, batch_size=batch_size,
                                 shuffle=shuffle, seed=seed, save_to_dir=save_to_dir, save_prefix=save_prefix,
                                 save_format=save_format, follow_links=follow_links, subset=subset,
                                 interpolation=interpolation, keep_aspect_ratio=keep_aspect_ratio, dtype=self.dtype)

    def flow_from_dataframe(self, dataframe, directory=None, x_col="filename", y_col="class", weight_col=None,
                            target_size=(256, 256), color_mode="rgb", classes=None, class_mode="categorical",
                            batch_size=32, shuffle=True, seed=None, save_to_dir=None, save_prefix="",
                            save_format="png", subset=None, interpolation="nearest", validate_filenames=True,
                            **kwargs):
        for name, message in (("has_ext", "has_ext is deprecated, filenames in the dataframe have to match the "
                               "exact filenames in disk."),
                              ("sort", "sort is deprecated, batches will be created in thesame order than the "
                               "filenames provided if `shuffle`is set to `False`.")):
            if name in kwargs:
                warnings.warn(message, DeprecationWarning, stacklevel=2)
        if class_mode == "other":
            warnings.warn('`class_mode="other"` is deprecated, please use `class_mode="raw"`.', DeprecationWarning,
                          stacklevel=2)
            class_mode = "raw"
        if "drop_duplicates" in kwargs:
            warnings.warn("drop_duplicates is deprecated, you can drop duplicates by using the "
                          "pandas.DataFrame.drop_duplicates method.", DeprecationWarning, stacklevel=2)
        return DataFrameIterator(dataframe, directory, self, x_col=x_col, y_col=y_col, weight_col=weight_col,
                                 target_size=target_size, color_mode=color_mode, classes=classes,
                                 class_mode=class_mode, data_format=self.data_format, batch_size=batch_size,
                                 shuffle=shuffle, seed=seed, save_to_dir=save_to_dir, save_prefix=save_prefix,
                                 save_format=save_format, subset=subset, interpolation=interpolation,
                                 validate_filenames=validate_filenames, dtype=self.dtype)

    # -- one image (IDG's per-image methods) --------------------------------------------

    def get_random_transform(self, img_shape, seed=None) -> dict:
        if seed is not None:
            np.random.seed(seed)
        return sample_transform(self.config, self._size(img_shape), np.random)

    def draw_transforms(self, img_shape, count: int) -> list[dict]:
        """`count` calls of `get_random_transform(img_shape)`, drawn in one go (the same
        numbers, and NumPy's global generator left where those calls leave it)."""
        return draw_batch(self.config, self._size(img_shape), count, np.random)

    def _size(self, img_shape) -> tuple[int, int]:
        """(height, width) of one image's shape in this generator's data format."""
        return img_shape[self.row_axis - 1], img_shape[self.col_axis - 1]

    def apply_transform(self, x, transform_parameters):
        x = np.asarray(x)
        return self.transform_batch(x[None], [transform_parameters])[0]

    def random_transform(self, x, seed=None):
        params = self.get_random_transform(np.shape(x), seed)
        return self.apply_transform(x, params)

    def standardize(self, x):
        """IDG's `standardize`, in place where IDG's is, on one image or on a batch."""
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        return self._normalize(x, axes=None)

    # -- many images at a time ----------------------------------------------------------

    def transform_batch(self, batch: np.ndarray, params: list[dict], exact: bool = False) -> np.ndarray:
        """`apply_transform` of each image of a batch (IDG's data format), in one engine call;
        float32 for integer input, else the input's float type where IDG keeps it."""
        channels_first = self.data_format == "channels_first"
        if channels_first and any(p.get("brightness") is not None for p in params):
            return self._brightness_channels_first(batch, params)
        images = np.ascontiguousarray(np.moveaxis(batch, 1, -1) if channels_first else batch)
        if images.shape[-1] in (1, 3, 4):
            out = augment_batch(images, self.config, params=params, exact=exact)
        else:
            out = self._transform_bands(images, params, exact)
        return np.moveaxis(out, -1, 1) if channels_first else out

    def _brightness_channels_first(self, batch: np.ndarray, params: list[dict]) -> np.ndarray:
        """IDG's brightness on channels_first images. IDG hands the image as it is stored to
        Keras's `array_to_img`, which reads it in the default data format, channels_last: the
        last axis, the image's width, counts as its channels. So a C x H x W image takes
        brightness when W is 1, 3 or 4, whatever C is (multispectral bands included), with a
        W of 4 keeping its 4th column as PIL keeps alpha, and raises IDG's "Unsupported channel
        number: W" otherwise. Brightness is element by element, so only that check and the
        "alpha" column depend on the reading. It comes last, after the warp (in SciPy's
        arithmetic, as the truncation to whole levels needs), as in IDG's `apply_transform`."""
        width = np.shape(batch)[-1]
        if width not in (1, 3, 4):
            raise ValueError(f"Unsupported channel number: {width}")
        out = self.transform_batch(batch, [{**p, "brightness": None} for p in params], exact=True)
        for image, p in zip(out, params):
            if p.get("brightness") is not None:
                image[...] = brightness_shift(image, p["brightness"])
        return out

    def transform_rows(self, source: np.ndarray, indices, params: list[dict]) -> np.ndarray:
        """`transform_batch(source[indices], params)`, the rows read by the threads that warp them."""
        if self.data_format == "channels_first" or np.shape(source)[-1] not in (1, 3, 4):
            return self.transform_batch(source[indices], params)
        return augment_rows(source, indices, self.config, params)

    def _transform_bands(self, images: np.ndarray, params: list[dict], exact: bool = False) -> np.ndarray:
        """Images of any other number of channels (multispectral bands...), as IDG takes them.
        The warp is channel by channel, so the bands go through the engine in groups of 4, 3
        or 1 with the same draws; the channel shift, which clips to the whole image's range,
        comes after. Brightness needs an image Pillow can hold: IDG's own error otherwise."""
        channels = images.shape[-1]
        if any(p.get("brightness") is not None for p in params):
            raise ValueError(f"Unsupported channel number: {channels}")
        warps = [{**p, "channel_shift_intensity": None} for p in params]
        bounds = [0]
        while bounds[-1] < channels:
            left = channels - bounds[-1]
            bounds.append(bounds[-1] + (4 if left >= 4 else 3 if left == 3 else 1))
        out = np.concatenate([augment_batch(np.ascontiguousarray(images[..., start:stop]), self.config, params=warps,
                                            exact=exact)
                              for start, stop in zip(bounds[:-1], bounds[1:])], axis=-1)
        for image, p in zip(out, params):
            if p.get("channel_shift_intensity") is not None:
                image[...] = channel_shift(image, p["channel_shift_intensity"])
        return out

    def standardize_batch(self, batch: np.ndarray) -> np.ndarray:
        """`standardize` of each image of a batch, as IDG applies it image by image."""
        if self.preprocessing_function:
            batch = np.stack([self.preprocessing_function(image) for image in batch]).astype(batch.dtype, copy=False)
        return self._normalize(batch, axes=tuple(range(1, batch.ndim)))

    def _normalize(self, x, axes):
        """rescale, samplewise, featurewise, ZCA: per image over `axes` (None: all of x, one image)."""
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, axis=axes, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, axis=axes, keepdims=True) + 1e-6
        if self.featurewise_center:
            if self.mean is not None:
                x -= self.mean
            else:
                _warn("This ImageDataGenerator specifies `featurewise_center`, but it hasn't been fit on any "
                      "training data. Fit it first by calling `.fit(numpy_data)`.")
        if self.featurewise_std_normalization:
            if self.std is not None:
                x /= self.std + 1e-6
            else:
                _warn("This ImageDataGenerator specifies `featurewise_std_normalization`, but it hasn't been fit "
                      "on any training data. Fit it first by calling `.fit(numpy_data)`.")
        if self.zca_whitening:
            if self.zca_whitening_matrix is not None:
                flat_x = x.reshape(-1, math.prod(x.shape[-3:]))
                x = np.reshape(flat_x @ self.zca_whitening_matrix, x.shape)
            else:
                _warn("This ImageDataGenerator specifies `zca_whitening`, but it hasn't been fit on any training "
                      "data. Fit it first by calling `.fit(numpy_data)`.")
        return x

    def fit(self, x, augment=False, rounds=1, seed=None):
        """The statistics of featurewise_center, featurewise_std_normalization and zca_whitening,
        from sample data (rescaled first; augmented `rounds` times with `augment`)."""
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError("Input to `.fit()` should have rank 4. Got array with shape: " + str(x.shape))
        if x.shape[self.channel_axis] not in {1, 3, 4}:
            _warn(f'Expected input to be images (as Numpy array) following the data format convention '
                  f'"{self.data_format}" (channels on axis {self.channel_axis}), i.e. expected either 1, 3 or 4 '
                  f"channels on axis {self.channel_axis}. However, it was passed an array with shape {x.shape} "
                  f"({x.shape[self.channel_axis]} channels).")
        if seed is not None:
            np.random.seed(seed)
        x = np.copy(x)
        if self.rescale:
            x *= self.rescale
        if augment:
            params = self.draw_transforms(x.shape[1:], rounds * x.shape[0])
            x = self.transform_batch(np.concatenate([x] * rounds), params).astype(self.dtype, copy=False)
        broadcast_shape = [1, 1, 1]
        broadcast_shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=(0, self.row_axis, self.col_axis)), broadcast_shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=(0, self.row_axis, self.col_axis)), broadcast_shape)
            x /= self.std + 1e-6
        if self.zca_whitening:
            n = len(x)
            flat_x = np.reshape(x, (n, -1))
            u, s, _ = np.linalg.svd(flat_x.T, full_matrices=False)
            s_inv = np.sqrt(n) / (s + self.zca_epsilon)
            self.zca_whitening_matrix = (u * s_inv).dot(u.T)
