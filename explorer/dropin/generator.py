"""`FastImageDataGenerator`: ImageDataGenerator's whole public API on the engine.

Same constructor, methods, defaults, warnings and errors as
`tf.keras.preprocessing.image.ImageDataGenerator` (Keras 3's `keras/src/legacy/preprocessing/
image.py`, Apache 2.0, whose structure this follows), and, for the same seed, the same batches:
the draws are IDG's own calls on NumPy's global generator, in IDG's order; only the warps are
done differently, many images at a time on the engine (`augment.engine`). No TensorFlow: Keras
3 on any backend. Imports Keras, so `explorer` exposes it lazily.

One difference, documented in docs/dropin.md: a `preprocessing_function` that draws from NumPy's
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
_ENGINE_SETTINGS = (
    "rotation_range",
    "width_shift_range",
    "height_shift_range",
    "shear_range",
    "channel_shift_range",
    "horizontal_flip",
    "vertical_flip",
    "fill_mode",
    "cval",
    "interpolation_order",
)


def _warn(message: str) -> None:
    warnings.warn(message, stacklevel=3)


class FastImageDataGenerator:
    """ImageDataGenerator, batch for batch, 10x faster and without TensorFlow.

    `FastImageDataGenerator(**kwargs)` takes exactly ImageDataGenerator's arguments, with
    IDG's defaults, warnings and errors; `flow`, `flow_from_directory` and
    `flow_from_dataframe` return iterators (Keras `PyDataset`s) with IDG's attributes, for
    `model.fit`. For the same seed the batches are IDG's, within 0.01 on 0..255 data: the
    draws are IDG's own calls on NumPy's global generator, in IDG's order; only the warps are
    done differently, many images at a time on the engine. Needs Keras 3 on any backend, not
    TensorFlow. The units of each augmentation setting, as IDG really uses them, are in
    `AugmentConfig`.

    Differences from IDG, at the edges: a `preprocessing_function` that itself draws from
    NumPy's global generator gets other numbers (IDG calls it between one image's draws and
    the next's; here a batch's draws all come first), and `apply_transform` on an integer
    image returns float32 where IDG keeps the integer type.

    Args:
        featurewise_center (bool): Subtract the mean of the data given to `fit`, per channel.
        samplewise_center (bool): Subtract each image's own mean.
        featurewise_std_normalization (bool): Divide by the standard deviation of the data
            given to `fit`, per channel (turns `featurewise_center` on, with IDG's warning).
        samplewise_std_normalization (bool): Divide each image by its own standard deviation
            (turns `samplewise_center` on, with IDG's warning).
        zca_whitening (bool): ZCA whitening with the matrix `fit` computes (turns
            `featurewise_center` on and `featurewise_std_normalization` off, with IDG's warnings).
        zca_epsilon (float): Added to the singular values in ZCA whitening.
        rotation_range (float): Degrees; each image turns by U(-r, r), positive counter-clockwise.
        width_shift_range (float | int | list): IDG's forms: a number r draws U(-r, r), a
            fraction of the image when r < 1, else pixels; an int n >= 1 draws whole pixels in
            -(n-1)..n-1; a list one of its values times a random sign. IDG swaps the axes: this
            one moves the image up and down, scaled by the width.
        height_shift_range (float | int | list): As `width_shift_range`; moves the image left
            and right, scaled by the height.
        brightness_range (tuple[float, float] | None): PIL brightness factors (1 unchanged),
            applied through uint8 as IDG does.
        shear_range (float): Degrees; each image is sheared by U(-s, s), with IDG's cos scaling.
        zoom_range (float | tuple[float, float]): z for [1 - z, 1 + z], or the pair; x and y
            drawn independently; a factor above 1 zooms out.
        channel_shift_range (float): Pixel levels; one offset for all channels, clipped to the
            image's own range.
        fill_mode (str): What fills pixels sampled from outside the image: any of SciPy's modes
            ("nearest", "reflect", "wrap", "constant", "mirror", "grid-mirror", "grid-wrap",
            "grid-constant").
        cval (float): The fill value for `fill_mode="constant"`.
        horizontal_flip (bool): Flip half the images left-right.
        vertical_flip (bool): Flip half the images upside down.
        rescale (float | None): Multiplies every pixel after augmentation (1/255 maps 0..255 to
            0..1); 0 and None do nothing.
        preprocessing_function (Callable | None): Called on each image (rank 3 array) before
            the rest of `standardize`.
        data_format (str | None): "channels_last" (N x H x W x C) or "channels_first"; None
            reads Keras's `image_data_format()`.
        validation_split (float): Fraction of the data kept for `subset="validation"`, strictly
            between 0 and 1 (0: no split).
        interpolation_order (int): 0 nearest, 1 bilinear (IDG's default), 2 to 5 SciPy's splines.
        dtype (str | None): The dtype of the batches; None reads Keras's `floatx()`.

    Raises:
        ValueError: With IDG's message, for a `data_format`, `validation_split`, `zoom_range` or
            `brightness_range` IDG refuses. A `fill_mode` or `interpolation_order` that SciPy
            refuses raises ValueError on first use, when something warps, as in IDG.

    Examples:
        >>> import numpy as np
        >>> from explorer import FastImageDataGenerator
        >>> images = np.random.RandomState(0).randint(0, 256, (10, 32, 32, 3)).astype("uint8")
        >>> labels = np.arange(10) % 2
        >>> generator = FastImageDataGenerator(rotation_range=20, horizontal_flip=True, rescale=1 / 255)
        >>> batches = generator.flow(images, labels, batch_size=4, seed=0)
        >>> len(batches)
        3
        >>> x, y = batches[0]
        >>> x.shape, x.dtype.name, y.shape
        ((4, 32, 32, 3), 'float32', (4,))
        >>> bool(0 <= x.min() and x.max() <= 1)
        True
        >>> FastImageDataGenerator(validation_split=1.5)
        Traceback (most recent call last):
        ...
        ValueError: `validation_split` must be strictly between 0 and 1.  Received: 1.5
    """

    def __init__(
        self,
        featurewise_center=False,
        samplewise_center=False,
        featurewise_std_normalization=False,
        samplewise_std_normalization=False,
        zca_whitening=False,
        zca_epsilon=1e-6,
        rotation_range=0,
        width_shift_range=0.0,
        height_shift_range=0.0,
        brightness_range=None,
        shear_range=0.0,
        zoom_range=0.0,
        channel_shift_range=0.0,
        fill_mode="nearest",
        cval=0.0,
        horizontal_flip=False,
        vertical_flip=False,
        rescale=None,
        preprocessing_function=None,
        data_format=None,
        validation_split=0.0,
        interpolation_order=1,
        dtype=None,
    ):
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
            raise ValueError(
                '`data_format` should be `"channels_last"` (channel after row and column) or '
                f'`"channels_first"` (channel before row and column). Received: {data_format}'
            )
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
        if brightness_range is not None and (
            not isinstance(brightness_range, (tuple, list)) or len(brightness_range) != 2
        ):
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
                _warn(
                    "This ImageDataGenerator specifies `zca_whitening`, which overrides setting of "
                    "`featurewise_center`."
                )
            if featurewise_std_normalization:
                self.featurewise_std_normalization = False
                _warn(
                    "This ImageDataGenerator specifies `zca_whitening` which overrides setting of"
                    "`featurewise_std_normalization`."
                )
        if featurewise_std_normalization and not featurewise_center:
            self.featurewise_center = True
            _warn(
                "This ImageDataGenerator specifies `featurewise_std_normalization`, which overrides setting of "
                "`featurewise_center`."
            )
        if self.samplewise_std_normalization and not samplewise_center:
            self.samplewise_center = True
            _warn(
                "This ImageDataGenerator specifies `samplewise_std_normalization`, which overrides setting of "
                "`samplewise_center`."
            )

    @property
    def config(self) -> AugmentConfig:
        """The engine's settings: the augmentation part of the constructor's arguments.

        Built on first use: IDG itself checks fill_mode and the order only when it warps.

        Raises:
            ValueError: A `fill_mode` or `interpolation_order` that SciPy refuses, with
                something to warp.

        Examples:
            >>> from explorer import FastImageDataGenerator
            >>> FastImageDataGenerator(rotation_range=10, zoom_range=0.2).config.active_transforms()
            ['rotation_range', 'zoom_range']
        """
        if self._config is None:
            settings = {name: getattr(self, name) for name in _ENGINE_SETTINGS}
            self._config = AugmentConfig(
                **settings, zoom_range=tuple(self.zoom_range), brightness_range=self.brightness_range
            )
        return self._config

    # -- the iterators ------------------------------------------------------------------

    def flow(
        self,
        x,
        y=None,
        batch_size=32,
        shuffle=True,
        sample_weight=None,
        seed=None,
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        ignore_class_split=False,
        subset=None,
    ):
        """Batches from arrays in memory, augmented and standardized, as IDG's `flow`.

        Args:
            x (np.ndarray | tuple): Images, rank 4 in the generator's data format (1, 3 or 4
                channels expected; others warn, as in IDG, and are warped band by band); or a
                tuple (images, extra input or list of extra inputs) passed through unchanged.
            y (ArrayLike | None): Labels, one per image; None yields the images alone.
            batch_size (int): Images per batch.
            shuffle (bool): Shuffle at the start of every epoch.
            sample_weight (ArrayLike | None): One weight per image, yielded third.
            seed (int | None): Seeds NumPy's global generator with `seed + batches seen` before
                every batch, as IDG does: the same seed gives IDG's batches.
            save_to_dir (str | None): Folder where every augmented image is also saved.
            save_prefix (str): File name prefix of the saved images.
            save_format (str): "png" or "jpeg".
            ignore_class_split (bool): Skip the check that both subsets hold every class.
            subset (str | None): "training" or "validation", with the constructor's
                `validation_split` (validation is the FIRST part of the arrays, as in IDG).

        Returns:
            (NumpyArrayIterator): A Keras `PyDataset` yielding `x`, `(x, y)` or
                `(x, y, sample_weight)` batches.

        Raises:
            ValueError: With IDG's message: `x` not of rank 4, lengths that differ, an unknown
                subset, or subsets with different classes.

        Examples:
            >>> import numpy as np
            >>> from explorer import FastImageDataGenerator
            >>> images = np.zeros((6, 16, 16, 1), "uint8")
            >>> batches = FastImageDataGenerator(validation_split=0.5).flow(images, batch_size=2, subset="training")
            >>> batches.n, len(batches), batches[0].shape
            (3, 2, (2, 16, 16, 1))
        """
        return NumpyArrayIterator(
            x,
            y,
            self,
            batch_size=batch_size,
            shuffle=shuffle,
            sample_weight=sample_weight,
            seed=seed,
            data_format=self.data_format,
            save_to_dir=save_to_dir,
            save_prefix=save_prefix,
            save_format=save_format,
            ignore_class_split=ignore_class_split,
            subset=subset,
            dtype=self.dtype,
        )

    def flow_from_directory(
        self,
        directory,
        target_size=(256, 256),
        color_mode="rgb",
        classes=None,
        class_mode="categorical",
        batch_size=32,
        shuffle=True,
        seed=None,
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        follow_links=False,
        subset=None,
        interpolation="nearest",
        keep_aspect_ratio=False,
    ):
        """Batches from image files, one sub-folder per class, as IDG's `flow_from_directory`.

        Files are listed, split and decoded as IDG does (sorted walk; Keras's own `load_img`,
        on a few threads), then augmented and standardized like `flow`'s. Prints IDG's
        "Found N images belonging to K classes.".

        Args:
            directory (str | os.PathLike): The folder holding one sub-folder per class.
            target_size (tuple[int, int]): (height, width) every image is resized to.
            color_mode (str): "rgb", "rgba" or "grayscale".
            classes (list[str] | None): Class sub-folders to read, in label order; None: every
                sub-folder, sorted.
            class_mode (str | None): "categorical" (one-hot), "binary", "sparse" (integers),
                "input" (the images themselves) or None (no labels).
            batch_size (int): Images per batch.
            shuffle (bool): Shuffle at the start of every epoch.
            seed (int | None): As `flow`'s: IDG's reseeding before every batch.
            save_to_dir (str | None): Folder where every augmented image is also saved.
            save_prefix (str): File name prefix of the saved images.
            save_format (str): "png" or "jpeg".
            follow_links (bool): Follow symbolic links inside the class folders.
            subset (str | None): "training" or "validation", with `validation_split` (the
                first part of each class's files is validation, as in IDG).
            interpolation (str): Pillow's resampling for `target_size` ("nearest", "bilinear",
                "bicubic", ...).
            keep_aspect_ratio (bool): Crop to the target's aspect ratio before resizing.

        Returns:
            (DirectoryIterator): A Keras `PyDataset` yielding `(x, y)` batches (`x` alone with
                `class_mode=None`), with IDG's attributes (`classes`, `class_indices`,
                `filenames`, `filepaths`, `samples`...).

        Raises:
            ValueError: With IDG's message, for an unknown `color_mode`, `class_mode` or
                `subset`.
            FileNotFoundError: `directory` does not exist (and `classes` is not given).

        Examples:
            >>> import shutil, tempfile
            >>> from pathlib import Path
            >>> from explorer import FastImageDataGenerator
            >>> root = Path(tempfile.mkdtemp())
            >>> for name in ("cell.png", "camera.png"):
            ...     (root / name[:-4]).mkdir()
            ...     _ = shutil.copy(Path("sample_images") / name, root / name[:-4])
            >>> batches = FastImageDataGenerator(horizontal_flip=True).flow_from_directory(
            ...     root, target_size=(32, 32), batch_size=2, seed=1)
            Found 2 images belonging to 2 classes.
            >>> batches.class_indices
            {'camera': 0, 'cell': 1}
            >>> x, y = batches[0]
            >>> x.shape, y.shape
            ((2, 32, 32, 3), (2, 2))
            >>> shutil.rmtree(root)
        """
        return DirectoryIterator(
            directory,
            self,
            target_size=target_size,
            color_mode=color_mode,
            classes=classes,
            class_mode=class_mode,
            data_format=self.data_format,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            save_to_dir=save_to_dir,
            save_prefix=save_prefix,
            save_format=save_format,
            follow_links=follow_links,
            subset=subset,
            interpolation=interpolation,
            keep_aspect_ratio=keep_aspect_ratio,
            dtype=self.dtype,
        )

    def flow_from_dataframe(
        self,
        dataframe,
        directory=None,
        x_col="filename",
        y_col="class",
        weight_col=None,
        target_size=(256, 256),
        color_mode="rgb",
        classes=None,
        class_mode="categorical",
        batch_size=32,
        shuffle=True,
        seed=None,
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        subset=None,
        interpolation="nearest",
        validate_filenames=True,
        **kwargs,
    ):
        """Batches from image files named in a pandas DataFrame, as IDG's `flow_from_dataframe`.

        Args:
            dataframe (pandas.DataFrame): One row per image: its file name and its label(s).
            directory (str | None): The folder the file names are relative to; None: they are
                paths as they are.
            x_col (str): The column of file names.
            y_col (str | list[str]): The label column (a list of columns for
                `class_mode="multi_output"`).
            weight_col (str | None): A numeric column of sample weights, yielded third.
            target_size (tuple[int, int]): (height, width) every image is resized to.
            color_mode (str): "rgb", "rgba" or "grayscale".
            classes (list[str] | None): The classes kept, in label order; None: every label,
                sorted.
            class_mode (str | None): "categorical", "binary", "sparse", "raw", "multi_output",
                "input" or None; IDG's deprecated "other" is read as "raw", with its warning.
            batch_size (int): Images per batch.
            shuffle (bool): Shuffle at the start of every epoch.
            seed (int | None): As `flow`'s: IDG's reseeding before every batch.
            save_to_dir (str | None): Folder where every augmented image is also saved.
            save_prefix (str): File name prefix of the saved images.
            save_format (str): "png" or "jpeg".
            subset (str | None): "training" or "validation", with `validation_split` (the first
                rows are validation).
            interpolation (str): Pillow's resampling for `target_size`.
            validate_filenames (bool): Drop (with a warning) rows whose file is missing or not
                an image.
            **kwargs (Any): IDG's deprecated `has_ext`, `sort` and `drop_duplicates`: accepted and
                ignored, with IDG's DeprecationWarning.

        Returns:
            (DataFrameIterator): A Keras `PyDataset` yielding `(x, y)` or `(x, y, weights)`
                batches, with IDG's attributes.

        Raises:
            ValueError: With IDG's message, for an unknown `class_mode`, `color_mode` or
                `subset`, or a "binary" class_mode without exactly 2 classes.
            TypeError: With IDG's message, for columns of the wrong type.

        Examples:
            >>> import pandas as pd
            >>> from explorer import FastImageDataGenerator
            >>> frame = pd.DataFrame({"filename": ["cell.png", "camera.png"], "class": ["cell", "camera"]})
            >>> batches = FastImageDataGenerator(rescale=1 / 255).flow_from_dataframe(
            ...     frame, "sample_images", target_size=(24, 24), class_mode="sparse", shuffle=False)
            Found 2 validated image filenames belonging to 2 classes.
            >>> x, y = batches[0]
            >>> x.shape, y.tolist()
            ((2, 24, 24, 3), [1.0, 0.0])
        """
        for name, message in (
            ("has_ext", "has_ext is deprecated, filenames in the dataframe have to match the exact filenames in disk."),
            (
                "sort",
                "sort is deprecated, batches will be created in thesame order than the "
                "filenames provided if `shuffle`is set to `False`.",
            ),
        ):
            if name in kwargs:
                warnings.warn(message, DeprecationWarning, stacklevel=2)
        if class_mode == "other":
            warnings.warn(
                '`class_mode="other"` is deprecated, please use `class_mode="raw"`.', DeprecationWarning, stacklevel=2
            )
            class_mode = "raw"
        if "drop_duplicates" in kwargs:
            warnings.warn(
                "drop_duplicates is deprecated, you can drop duplicates by using the "
                "pandas.DataFrame.drop_duplicates method.",
                DeprecationWarning,
                stacklevel=2,
            )
        return DataFrameIterator(
            dataframe,
            directory,
            self,
            x_col=x_col,
            y_col=y_col,
            weight_col=weight_col,
            target_size=target_size,
            color_mode=color_mode,
            classes=classes,
            class_mode=class_mode,
            data_format=self.data_format,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            save_to_dir=save_to_dir,
            save_prefix=save_prefix,
            save_format=save_format,
            subset=subset,
            interpolation=interpolation,
            validate_filenames=validate_filenames,
            dtype=self.dtype,
        )

    # -- one image (IDG's per-image methods) --------------------------------------------

    def get_random_transform(self, img_shape, seed=None) -> dict:
        """One image's random transform, drawn as IDG draws it (the same numbers for a seed).

        Args:
            img_shape (tuple[int, ...]): The image's shape, in the generator's data format.
            seed (int | None): Seeds NumPy's global generator first, as IDG does; None draws
                from it where it stands.

        Returns:
            (dict): IDG's keys: theta and shear (degrees), tx and ty (pixels; IDG's tx moves the
                image sideways, scaled by the height), zx, zy, flip_horizontal, flip_vertical
                (0 or 1), channel_shift_intensity and brightness (None when off).

        Examples:
            >>> from explorer import FastImageDataGenerator
            >>> params = FastImageDataGenerator(rotation_range=30).get_random_transform((64, 64, 3), seed=0)
            >>> sorted(params)  # doctest: +NORMALIZE_WHITESPACE
            ['brightness', 'channel_shift_intensity', 'flip_horizontal', 'flip_vertical', 'shear',
             'theta', 'tx', 'ty', 'zx', 'zy']
            >>> bool(-30 <= params["theta"] <= 30), params["tx"], params["zx"]
            (True, 0, 1)
        """
        if seed is not None:
            np.random.seed(seed)
        return sample_transform(self.config, self._size(img_shape), np.random)

    def draw_transforms(self, img_shape, count: int) -> list[dict]:
        """`count` calls of `get_random_transform(img_shape)`, drawn in one go.

        The same numbers, and NumPy's global generator left where those calls leave it.

        Args:
            img_shape (tuple[int, ...]): One image's shape, in the generator's data format.
            count (int): How many images' transforms to draw.

        Returns:
            (list[dict]): One parameter dict per image, as `get_random_transform` returns it.
        """
        return draw_batch(self.config, self._size(img_shape), count, np.random)

    def _size(self, img_shape) -> tuple[int, int]:
        """(height, width) of one image's shape in this generator's data format."""
        return img_shape[self.row_axis - 1], img_shape[self.col_axis - 1]

    def apply_transform(self, x, transform_parameters):
        """IDG's `apply_transform`: one image transformed with the parameters given.

        Args:
            x (np.ndarray): One image, rank 3, in the generator's data format (0..255 data,
                as IDG takes it).
            transform_parameters (dict): IDG's keys (see `get_random_transform`); a missing
                key leaves that step out.

        Returns:
            (np.ndarray): The transformed image, same shape. Float32 for an integer image
                (IDG keeps the integer type, rounding), else the input's float type.

        Examples:
            >>> import numpy as np
            >>> from explorer import FastImageDataGenerator
            >>> image = np.arange(16, dtype="float32").reshape(4, 4, 1)
            >>> flipped = FastImageDataGenerator().apply_transform(image, {"flip_horizontal": 1})
            >>> flipped[0, :, 0].tolist()
            [3.0, 2.0, 1.0, 0.0]
        """
        x = np.asarray(x)
        return self.transform_batch(x[None], [transform_parameters])[0]

    def random_transform(self, x, seed=None):
        """IDG's `random_transform`: `get_random_transform`, then `apply_transform`.

        Args:
            x (np.ndarray): One image, rank 3, in the generator's data format.
            seed (int | None): Seeds NumPy's global generator first, as IDG does.

        Returns:
            (np.ndarray): The randomly transformed image (not standardized), same shape.

        Examples:
            >>> import numpy as np
            >>> from explorer import FastImageDataGenerator
            >>> image = np.random.RandomState(0).rand(8, 8, 3).astype("float32")
            >>> generator = FastImageDataGenerator(rotation_range=45)
            >>> np.array_equal(generator.random_transform(image, seed=3), generator.random_transform(image, seed=3))
            True
        """
        params = self.get_random_transform(np.shape(x), seed)
        return self.apply_transform(x, params)

    def standardize(self, x):
        """IDG's `standardize`, in place where IDG's is, on one image or on a batch.

        In order: `preprocessing_function`, rescale, samplewise centre and std, featurewise
        centre and std, ZCA whitening. A featurewise setting without `fit` warns, as in IDG,
        and is skipped.

        Args:
            x (np.ndarray): A float image or batch; changed in place where IDG changes it.

        Returns:
            (np.ndarray): The standardized image or batch.

        Examples:
            >>> import numpy as np
            >>> from explorer import FastImageDataGenerator
            >>> x = np.full((2, 2, 1), 255.0)
            >>> FastImageDataGenerator(rescale=1 / 255).standardize(x)[..., 0].tolist()
            [[1.0, 1.0], [1.0, 1.0]]
        """
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        return self._normalize(x, axes=None)

    # -- many images at a time ----------------------------------------------------------

    def transform_batch(self, batch: np.ndarray, params: list[dict], exact: bool = False) -> np.ndarray:
        """`apply_transform` of each image of a batch, in one engine call.

        Args:
            batch (np.ndarray): Images N x H x W x C (or N x C x H x W, channels_first).
            params (list[dict]): One parameter dict per image (IDG's keys).
            exact (bool): Compute the warp in SciPy's float64 arithmetic (slower; needed where a
                truncation to whole levels follows).

        Returns:
            (np.ndarray): The transformed batch, same shape: float32 for integer input, else the
                input's float type.

        Raises:
            ValueError: IDG's "Unsupported channel number" for brightness on an image Pillow
                cannot hold.
        """
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
        """`transform_batch(source[indices], params)`, the rows read by the threads that warp them.

        Args:
            source (np.ndarray): All the images, N x H x W x C (or channels_first).
            indices (ArrayLike): The rows of `source` to transform, in batch order.
            params (list[dict]): One parameter dict per row.

        Returns:
            (np.ndarray): The transformed rows, len(indices) x H x W x C.
        """
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
        out = np.concatenate(
            [
                augment_batch(np.ascontiguousarray(images[..., start:stop]), self.config, params=warps, exact=exact)
                for start, stop in zip(bounds[:-1], bounds[1:])
            ],
            axis=-1,
        )
        for image, p in zip(out, params):
            if p.get("channel_shift_intensity") is not None:
                image[...] = channel_shift(image, p["channel_shift_intensity"])
        return out

    def standardize_batch(self, batch: np.ndarray) -> np.ndarray:
        """`standardize` of each image of a batch, as IDG applies it image by image.

        Args:
            batch (np.ndarray): A float batch, N images; changed in place where IDG changes it.

        Returns:
            (np.ndarray): The standardized batch.
        """
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
                _warn(
                    "This ImageDataGenerator specifies `featurewise_center`, but it hasn't been fit on any "
                    "training data. Fit it first by calling `.fit(numpy_data)`."
                )
        if self.featurewise_std_normalization:
            if self.std is not None:
                x /= self.std + 1e-6
            else:
                _warn(
                    "This ImageDataGenerator specifies `featurewise_std_normalization`, but it hasn't been fit "
                    "on any training data. Fit it first by calling `.fit(numpy_data)`."
                )
        if self.zca_whitening:
            if self.zca_whitening_matrix is not None:
                flat_x = x.reshape(-1, math.prod(x.shape[-3:]))
                x = np.reshape(flat_x @ self.zca_whitening_matrix, x.shape)
            else:
                _warn(
                    "This ImageDataGenerator specifies `zca_whitening`, but it hasn't been fit on any training "
                    "data. Fit it first by calling `.fit(numpy_data)`."
                )
        return x

    def fit(self, x, augment=False, rounds=1, seed=None):
        """The statistics of featurewise_center, featurewise_std_normalization and zca_whitening.

        Computed from sample data, rescaled first, as IDG does; sets `mean`, `std` and
        `zca_whitening_matrix` for `standardize`.

        Args:
            x (ArrayLike): Sample images, rank 4, in the generator's data format.
            augment (bool): Compute the statistics on randomly augmented copies.
            rounds (int): With `augment`, how many augmented copies of each image.
            seed (int | None): Seeds NumPy's global generator first, as IDG does.

        Raises:
            ValueError: `x` is not of rank 4 (IDG's message). Other than 1, 3 or 4 channels
                only warns, as in IDG.

        Examples:
            >>> import numpy as np
            >>> from explorer import FastImageDataGenerator
            >>> generator = FastImageDataGenerator(featurewise_center=True)
            >>> generator.fit(np.full((4, 8, 8, 3), 100.0))
            >>> generator.mean.shape, float(generator.mean.max())
            ((1, 1, 3), 100.0)
            >>> float(generator.standardize(np.full((8, 8, 3), 100.0)).max())
            0.0
        """
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError("Input to `.fit()` should have rank 4. Got array with shape: " + str(x.shape))
        if x.shape[self.channel_axis] not in {1, 3, 4}:
            _warn(
                f"Expected input to be images (as Numpy array) following the data format convention "
                f'"{self.data_format}" (channels on axis {self.channel_axis}), i.e. expected either 1, 3 or 4 '
                f"channels on axis {self.channel_axis}. However, it was passed an array with shape {x.shape} "
                f"({x.shape[self.channel_axis]} channels)."
            )
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
