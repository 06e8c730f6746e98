"""ImageDataGenerator's iterators, batch for batch: `flow`, `flow_from_directory`,
`flow_from_dataframe`.

They follow `keras/src/legacy/preprocessing/image.py` (Keras 3, Apache 2.0): the same
attributes, seeding (`np.random.seed(seed + total_batches_seen)` before every batch, the
shuffle drawn at an epoch's first batch), file listing order, subsets, messages and errors.
What differs is how a batch is made: every image's draws first, in IDG's order, then one
engine call for the whole batch (`FastImageDataGenerator.transform_batch`), and files decoded
by Keras's own `load_img` (Pillow, so pixels match) on a few threads.
"""

from __future__ import annotations

import collections
import multiprocessing.pool
import os
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import keras
import numpy as np

WHITE_LIST_FORMATS = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")
_LOADERS = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="load_img")


class Iterator(keras.utils.PyDataset):
    """IDG's base iterator: `it[i]`, `next(it)`, `len`, `reset`, `on_epoch_end`.

    A Keras `PyDataset`: pass it to `model.fit`. `it[i]` is the i-th batch of the epoch's
    order; `next(it)` (and Keras 2's `it.next()`, which Keras 3's iterators dropped) walks
    the batches forever, wrapping at the end of each epoch (so `for batch in it` never ends,
    as with IDG: index it, or let `model.fit` do so). With a seed, NumPy's global
    generator is seeded with `seed + total_batches_seen` before every batch, and the shuffle
    is drawn at an epoch's first batch, as in IDG. Not made directly: `flow`,
    `flow_from_directory` and `flow_from_dataframe` return its subclasses.

    Args:
        n (int): The number of images.
        batch_size (int): Images per batch.
        shuffle (bool): Shuffle at the start of every epoch.
        seed (int | None): IDG's reseeding before every batch; None leaves NumPy's global
            generator alone.
        **kwargs (Any): Keras `PyDataset` options (workers, use_multiprocessing,
            max_queue_size).

    Attributes:
        n (int): The number of images.
        batch_size (int): Images per batch.
        batch_index (int): Where `next` is in the epoch.
        total_batches_seen (int): Batches drawn so far, by `it[i]` and `next` together.
        index_array (np.ndarray | None): This epoch's order of the images (None before the
            first batch).
    """

    white_list_formats = WHITE_LIST_FORMATS

    def __init__(self, n, batch_size, shuffle, seed, **kwargs):
        super().__init__(**kwargs)
        self.n, self.batch_size, self.seed, self.shuffle = n, batch_size, seed, shuffle
        self.batch_index = 0
        self.total_batches_seen = 0
        self.lock = threading.Lock()
        self.index_array = None
        self.index_generator = self._flow_index()

    def _set_index_array(self):
        self.index_array = np.arange(self.n)
        if self.shuffle:
            self.index_array = np.random.permutation(self.n)

    def __getitem__(self, idx):
        if idx >= len(self):
            raise ValueError(f"Asked to retrieve element {idx}, but the Sequence has length {len(self)}")
        if self.seed is not None:
            np.random.seed(self.seed + self.total_batches_seen)
        self.total_batches_seen += 1
        if self.index_array is None:
            self._set_index_array()
        index_array = self.index_array[self.batch_size * idx : self.batch_size * (idx + 1)]
        return self._get_batches_of_transformed_samples(index_array)

    def __len__(self):
        return (self.n + self.batch_size - 1) // self.batch_size

    def on_epoch_end(self):
        """Draw the next epoch's order (a new shuffle with `shuffle=True`); Keras calls it."""
        self._set_index_array()

    def reset(self):
        """Start `next` again at the epoch's first batch (the order is drawn anew there)."""
        self.batch_index = 0

    def _flow_index(self):
        self.reset()
        while 1:
            if self.seed is not None:
                np.random.seed(self.seed + self.total_batches_seen)
            if self.batch_index == 0:
                self._set_index_array()
            current_index = 0 if self.n == 0 else (self.batch_index * self.batch_size) % self.n
            if self.n > current_index + self.batch_size:
                self.batch_index += 1
            else:
                self.batch_index = 0
            self.total_batches_seen += 1
            yield self.index_array[current_index : current_index + self.batch_size]

    def __iter__(self):
        return self

    def __next__(self):
        with self.lock:
            index_array = next(self.index_generator)
        return self._get_batches_of_transformed_samples(index_array)

    # Keras 2's iterators had `next()` (Python 2's name), and scripts of that time call it:
    # `x, y = train_iterator.next()`. Keras 3's legacy iterators dropped it; we keep it.
    next = __next__

    def _get_batches_of_transformed_samples(self, index_array):
        raise NotImplementedError

    def _augment(self, batch: np.ndarray, index_array=None) -> np.ndarray:
        """IDG's per-image get_random_transform, apply_transform, standardize, for a batch
        (`batch[index_array]` when given): the draws image after image (IDG's stream), the
        rest many images at a time."""
        generator = self.image_data_generator
        count = len(batch) if index_array is None else len(index_array)
        params = generator.draw_transforms(batch.shape[1:], count)
        out = (
            generator.transform_batch(batch, params)
            if index_array is None
            else generator.transform_rows(batch, index_array, params)
        )
        return generator.standardize_batch(out.astype(self.dtype, copy=False)).astype(self.dtype, copy=False)

    def _save(self, batch_x, index_array, hash_limit):
        for i, j in enumerate(index_array):
            img = keras.utils.array_to_img(batch_x[i], self.data_format, scale=True)
            fname = f"{self.save_prefix}_{j}_{np.random.randint(hash_limit)}.{self.save_format}"
            img.save(os.path.join(self.save_to_dir, fname))


class NumpyArrayIterator(Iterator):
    """`flow(x, y, ...)`: batches from arrays; `x` may be a tuple (images, extra inputs).

    Made by `FastImageDataGenerator.flow`, whose arguments it takes (see there); the
    generator is `image_data_generator`, and `dtype` the batches' dtype (None: Keras's
    `floatx()`).

    Args:
        x (np.ndarray | tuple): Images, rank 4, or (images, extra input(s)).
        y (ArrayLike | None): Labels, one per image.
        image_data_generator (FastImageDataGenerator): The generator whose augmentation and
            standardization every batch goes through.
        batch_size (int): Images per batch.
        shuffle (bool): Shuffle at the start of every epoch.
        sample_weight (ArrayLike | None): One weight per image.
        seed (int | None): IDG's reseeding before every batch.
        data_format (str | None): "channels_last" or "channels_first"; None reads Keras's.
        save_to_dir (str | None): Folder where every augmented image is also saved.
        save_prefix (str): File name prefix of the saved images.
        save_format (str): "png" or "jpeg".
        subset (str | None): "training" or "validation" (validation is the first part).
        ignore_class_split (bool): Skip the check that both subsets hold every class.
        dtype (str | None): The batches' dtype.

    Raises:
        ValueError: With IDG's message, for images not of rank 4, lengths that differ, an
            unknown subset, or subsets with different classes.

    Examples:
        >>> import numpy as np
        >>> from explorer import FastImageDataGenerator
        >>> batches = FastImageDataGenerator().flow(np.zeros((5, 8, 8, 3)), np.arange(5), batch_size=2, shuffle=False)
        >>> [batches[i][1].tolist() for i in range(len(batches))]
        [[0, 1], [2, 3], [4]]
        >>> next(batches)[1].tolist(), batches.next()[1].tolist()
        ([0, 1], [2, 3])
    """

    def __init__(
        self,
        x,
        y,
        image_data_generator,
        batch_size=32,
        shuffle=False,
        sample_weight=None,
        seed=None,
        data_format=None,
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        subset=None,
        ignore_class_split=False,
        dtype=None,
    ):
        data_format = keras.config.image_data_format() if data_format is None else data_format
        self.dtype = keras.config.floatx() if dtype is None else dtype
        x, x_misc = _split_misc(x)
        _same_length(x, y, "`x` (images tensor) and `y` (labels)", "y")
        _same_length(x, sample_weight, "`x` (images tensor) and `sample_weight`", "sample_weight")
        if subset is not None:
            x, x_misc, y = _subset(x, x_misc, y, subset, image_data_generator._validation_split, ignore_class_split)
        self.x = np.asarray(x, dtype=self.dtype)
        self.x_misc = x_misc
        if self.x.ndim != 4:
            raise ValueError(
                f"Input data in `NumpyArrayIterator` should have rank 4. You passed an array with shape {self.x.shape}"
            )
        channels_axis = 3 if data_format == "channels_last" else 1
        if self.x.shape[channels_axis] not in {1, 3, 4}:
            warnings.warn(
                f'NumpyArrayIterator is set to use the data format convention "{data_format}" (channels '
                f"on axis {channels_axis}), i.e. expected either 1, 3, or 4 channels on axis "
                f"{channels_axis}. However, it was passed an array with shape {self.x.shape} "
                f"({self.x.shape[channels_axis]} channels).",
                stacklevel=3,
            )
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        self.image_data_generator, self.data_format = image_data_generator, data_format
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, save_format
        super().__init__(self.x.shape[0], batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = self._augment(self.x, index_array)
        if self.save_to_dir:
            self._save(batch_x, index_array, 1e4)
        batch_x_miscs = [xx[index_array] for xx in self.x_misc]
        output = (batch_x if not batch_x_miscs else [batch_x] + batch_x_miscs,)
        if self.y is None:
            return output[0]
        output += (self.y[index_array],)
        if self.sample_weight is not None:
            output += (self.sample_weight[index_array],)
        return output


def _split_misc(x):
    if not isinstance(x, (tuple, list)):
        return x, []
    x_misc = [np.asarray(x[1])] if not isinstance(x[1], list) else [np.asarray(xx) for xx in x[1]]
    x = x[0]
    for xx in x_misc:
        if len(x) != len(xx):
            raise ValueError(
                f"All of the arrays in `x` should have the same length. Found a pair with: "
                f"len(x[0]) = {len(x)}, len(x[?]) = {len(xx)}"
            )
    return x, x_misc


def _same_length(x, other, what: str, name: str) -> None:
    if other is not None and len(x) != len(other):
        raise ValueError(
            f"{what} should have the same length. Found: x.shape = {np.asarray(x).shape}, "
            f"{name}.shape = {np.asarray(other).shape}"
        )


def _subset(x, x_misc, y, subset, validation_split, ignore_class_split):
    """IDG's array subsets: validation is the FIRST `validation_split` of the arrays."""
    if subset not in {"training", "validation"}:
        raise ValueError(f'Invalid subset name: {subset}; expected "training" or "validation".')
    split_idx = int(len(x) * validation_split)
    if (
        y is not None
        and not ignore_class_split
        and not np.array_equal(np.unique(y[:split_idx]), np.unique(y[split_idx:]))
    ):
        raise ValueError(
            "Training and validation subsets have different number of classes after the split. If "
            "your numpy arrays are sorted by the label, you might want to shuffle them."
        )
    part = slice(None, split_idx) if subset == "validation" else slice(split_idx, None)
    return x[part], [np.asarray(xx[part]) for xx in x_misc], None if y is None else y[part]


# -- files ------------------------------------------------------------------------------


def _iter_valid_files(directory, white_list_formats, follow_links):
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links), key=lambda x: x[0]):
        for fname in sorted(files):
            if fname.lower().endswith(".tiff"):
                warnings.warn(
                    'Using ".tiff" files with multiple bands will cause distortion. Please verify your output.',
                    stacklevel=2,
                )
            if fname.lower().endswith(white_list_formats):
                yield root, fname


def _list_valid_filenames_in_directory(directory, white_list_formats, split, class_indices, follow_links):
    """One class folder's files (its sorted walk), or the `split` fraction of them."""
    dirname = os.path.basename(directory)
    valid_files = _iter_valid_files(directory, white_list_formats, follow_links)
    if split:
        all_files = list(valid_files)
        valid_files = all_files[int(split[0] * len(all_files)) : int(split[1] * len(all_files))]
    classes, filenames = [], []
    for root, fname in valid_files:
        classes.append(class_indices[dirname])
        filenames.append(os.path.join(dirname, os.path.relpath(os.path.join(root, fname), directory)))
    return classes, filenames


class BatchFromFilesMixin:
    """Batches from image files: loading, augmentation, labels for every class_mode."""

    def set_processing_attrs(
        self,
        image_data_generator,
        target_size,
        color_mode,
        data_format,
        save_to_dir,
        save_prefix,
        save_format,
        subset,
        interpolation,
        keep_aspect_ratio,
    ):
        """IDG's shared set-up of the file iterators (the arguments of `flow_from_directory`).

        Args:
            image_data_generator (FastImageDataGenerator | None): Augments and standardizes
                the batches; None yields the images as loaded.
            target_size (tuple[int, int]): (height, width) every image is resized to.
            color_mode (str): "rgb", "rgba" or "grayscale".
            data_format (str): "channels_last" or "channels_first".
            save_to_dir (str | None): Folder where every augmented image is also saved.
            save_prefix (str): File name prefix of the saved images.
            save_format (str): "png" or "jpeg".
            subset (str | None): "training", "validation" or None.
            interpolation (str): Pillow's resampling for `target_size`.
            keep_aspect_ratio (bool): Crop to the target's aspect ratio before resizing.

        Raises:
            ValueError: With IDG's message, for an unknown `color_mode` or `subset`.
        """
        self.image_data_generator = image_data_generator
        self.target_size = tuple(target_size)
        self.keep_aspect_ratio = keep_aspect_ratio
        if color_mode not in {"rgb", "rgba", "grayscale"}:
            raise ValueError(f'Invalid color mode: {color_mode}; expected "rgb", "rgba", or "grayscale".')
        self.color_mode, self.data_format = color_mode, data_format
        channels = {"rgba": 4, "rgb": 3}.get(color_mode, 1)
        self.image_shape = (
            self.target_size + (channels,) if data_format == "channels_last" else (channels,) + self.target_size
        )
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, save_format
        self.interpolation = interpolation
        split = None
        if subset is not None:
            validation_split = self.image_data_generator._validation_split
            if subset == "validation":
                split = (0, validation_split)
            elif subset == "training":
                split = (validation_split, 1)
            else:
                raise ValueError(f'Invalid subset name: {subset};expected "training" or "validation"')
        self.split, self.subset = split, subset

    def _load(self, path) -> np.ndarray:
        img = keras.utils.load_img(
            path,
            color_mode=self.color_mode,
            target_size=self.target_size,
            interpolation=self.interpolation,
            keep_aspect_ratio=self.keep_aspect_ratio,
        )
        x = keras.utils.img_to_array(img, data_format=self.data_format)
        if hasattr(img, "close"):
            img.close()
        return x

    def _get_batches_of_transformed_samples(self, index_array):
        filepaths = self.filepaths
        loaded = list(_LOADERS.map(self._load, [filepaths[j] for j in index_array]))
        if not loaded:
            batch_x = np.zeros((0,) + self.image_shape, dtype=self.dtype)
        else:
            batch_x = np.stack(loaded).astype(self.dtype, copy=False)
            if self.image_data_generator:
                batch_x = self._augment(batch_x)
        if self.save_to_dir:
            self._save(batch_x, index_array, 1e7)
        return self._with_labels(batch_x, index_array)

    def _with_labels(self, batch_x, index_array):
        if self.class_mode == "input":
            batch_y = batch_x.copy()
        elif self.class_mode in {"binary", "sparse"}:
            batch_y = np.empty(len(batch_x), dtype=self.dtype)
            for i, n_observation in enumerate(index_array):
                batch_y[i] = self.classes[n_observation]
        elif self.class_mode == "categorical":
            batch_y = np.zeros((len(batch_x), len(self.class_indices)), dtype=self.dtype)
            for i, n_observation in enumerate(index_array):
                batch_y[i, self.classes[n_observation]] = 1.0
        elif self.class_mode == "multi_output":
            batch_y = [output[index_array] for output in self.labels]
        elif self.class_mode == "raw":
            batch_y = self.labels[index_array]
        else:
            return batch_x
        if self.sample_weight is None:
            return batch_x, batch_y
        return batch_x, batch_y, self.sample_weight[index_array]


class DirectoryIterator(BatchFromFilesMixin, Iterator):
    """`flow_from_directory`: one sub-folder per class, in sorted order.

    Made by `FastImageDataGenerator.flow_from_directory`, whose arguments it takes (see
    there), plus `image_data_generator` (the generator, or None for no augmentation),
    `data_format` and `dtype`.

    Args:
        directory (str | os.PathLike): The folder holding one sub-folder per class.
        image_data_generator (FastImageDataGenerator | None): The generator.
        target_size (tuple[int, int]): (height, width) every image is resized to.
        color_mode (str): "rgb", "rgba" or "grayscale".
        classes (list[str] | None): Class sub-folders to read; None: every one, sorted.
        class_mode (str | None): "categorical", "binary", "sparse", "input" or None.
        batch_size (int): Images per batch.
        shuffle (bool): Shuffle at the start of every epoch.
        seed (int | None): IDG's reseeding before every batch.
        data_format (str | None): "channels_last" or "channels_first"; None reads Keras's.
        save_to_dir (str | None): Folder where every augmented image is also saved.
        save_prefix (str): File name prefix of the saved images.
        save_format (str): "png" or "jpeg".
        follow_links (bool): Follow symbolic links inside the class folders.
        subset (str | None): "training" or "validation".
        interpolation (str): Pillow's resampling for `target_size`.
        keep_aspect_ratio (bool): Crop to the target's aspect ratio before resizing.
        dtype (str | None): The batches' dtype; None: Keras's `floatx()`.

    Attributes:
        classes (np.ndarray): Each file's class index, int32.
        class_indices (dict[str, int]): Class name to index.
        filenames (list[str]): The files, relative to `directory`, in listing order.
        samples (int): The number of files.

    Raises:
        ValueError: With IDG's message, for an unknown `class_mode`, `color_mode` or `subset`.
        FileNotFoundError: `directory` does not exist.

    Examples:
        >>> import shutil, tempfile
        >>> from pathlib import Path
        >>> from explorer import FastImageDataGenerator
        >>> root = Path(tempfile.mkdtemp())
        >>> for label, file in (("cat", "chelsea.jpg"), ("cup", "coffee.jpg"), ("cup", "camera.png")):
        ...     (root / label).mkdir(exist_ok=True)
        ...     _ = shutil.copy(Path("sample_images") / file, root / label)
        >>> batches = FastImageDataGenerator().flow_from_directory(root, target_size=(16, 16), class_mode="sparse")
        Found 3 images belonging to 2 classes.
        >>> batches.filenames, batches.classes.tolist(), batches.samples
        (['cat/chelsea.jpg', 'cup/camera.png', 'cup/coffee.jpg'], [0, 1, 1], 3)
        >>> shutil.rmtree(root)
    """

    allowed_class_modes = {"categorical", "binary", "sparse", "input", None}

    def __init__(
        self,
        directory,
        image_data_generator,
        target_size=(256, 256),
        color_mode="rgb",
        classes=None,
        class_mode="categorical",
        batch_size=32,
        shuffle=True,
        seed=None,
        data_format=None,
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        follow_links=False,
        subset=None,
        interpolation="nearest",
        keep_aspect_ratio=False,
        dtype=None,
    ):
        data_format = keras.config.image_data_format() if data_format is None else data_format
        dtype = keras.config.floatx() if dtype is None else dtype
        self.set_processing_attrs(
            image_data_generator,
            target_size,
            color_mode,
            data_format,
            save_to_dir,
            save_prefix,
            save_format,
            subset,
            interpolation,
            keep_aspect_ratio,
        )
        self.directory, self.classes = directory, classes
        if class_mode not in self.allowed_class_modes:
            raise ValueError(f"Invalid class_mode: {class_mode}; expected one of: {self.allowed_class_modes}")
        self.class_mode, self.dtype = class_mode, dtype
        if not classes:
            classes = [
                subdir for subdir in sorted(os.listdir(directory)) if os.path.isdir(os.path.join(directory, subdir))
            ]
        self.num_classes = len(classes)
        self.class_indices = dict(zip(classes, range(len(classes))))
        with multiprocessing.pool.ThreadPool() as pool:
            results = [
                pool.apply_async(
                    _list_valid_filenames_in_directory,
                    (
                        os.path.join(directory, subdir),
                        self.white_list_formats,
                        self.split,
                        self.class_indices,
                        follow_links,
                    ),
                )
                for subdir in classes
            ]
            listed = [result.get() for result in results]
        self.filenames = [name for _, names in listed for name in names]
        self.samples = len(self.filenames)
        self.classes = np.array([index for indices, _ in listed for index in indices], dtype="int32")
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        self._filepaths = [os.path.join(self.directory, fname) for fname in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed)

    @property
    def filepaths(self):
        """Each file's path (list of str): `directory` joined with its file name."""
        return self._filepaths

    @property
    def labels(self):
        """Each file's class index (`classes`, an int32 array)."""
        return self.classes

    @property
    def sample_weight(self):
        """None: a directory has no sample weights."""
        return None


def validate_filename(filename, white_list_formats):
    """IDG's test of a file name: an existing file with an image extension.

    Args:
        filename (str): A path.
        white_list_formats (tuple[str, ...]): Extensions accepted, without the dot.

    Returns:
        (bool): Whether the path ends with one of the extensions (any case) and is a file.
    """
    return filename.lower().endswith(white_list_formats) and os.path.isfile(filename)


class DataFrameIterator(BatchFromFilesMixin, Iterator):
    """`flow_from_dataframe`: file names (and labels, weights) from a pandas DataFrame.

    Made by `FastImageDataGenerator.flow_from_dataframe`, whose arguments it takes (see
    there), plus `image_data_generator`, `data_format`, `keep_aspect_ratio` and `dtype`.

    Args:
        dataframe (pandas.DataFrame): One row per image.
        directory (str | None): The folder the file names are relative to.
        image_data_generator (FastImageDataGenerator | None): The generator; None: no
            augmentation.
        x_col (str): The column of file names.
        y_col (str | list[str]): The label column(s).
        weight_col (str | None): A numeric column of sample weights.
        target_size (tuple[int, int]): (height, width) every image is resized to.
        color_mode (str): "rgb", "rgba" or "grayscale".
        classes (list[str] | None): The classes kept; None: every label, sorted.
        class_mode (str | None): "binary", "categorical", "input", "multi_output", "raw",
            "sparse" or None.
        batch_size (int): Images per batch.
        shuffle (bool): Shuffle at the start of every epoch.
        seed (int | None): IDG's reseeding before every batch.
        data_format (str): "channels_last" or "channels_first".
        save_to_dir (str | None): Folder where every augmented image is also saved.
        save_prefix (str): File name prefix of the saved images.
        save_format (str): "png" or "jpeg".
        subset (str | None): "training" or "validation" (the first rows are validation).
        interpolation (str): Pillow's resampling for `target_size`.
        keep_aspect_ratio (bool): Crop to the target's aspect ratio before resizing.
        dtype (str): The batches' dtype.
        validate_filenames (bool): Drop, with a warning, rows whose file is missing or not an
            image.

    Raises:
        ValueError: With IDG's message, for an unknown `class_mode`, `color_mode` or `subset`,
            or a "binary" class_mode without exactly 2 classes.
        TypeError: With IDG's message, for columns of the wrong type.

    Examples:
        >>> import warnings
        >>> import pandas as pd
        >>> from explorer import FastImageDataGenerator
        >>> frame = pd.DataFrame({"filename": ["coffee.jpg", "missing.jpg", "chelsea.jpg"],
        ...                       "score": [0.5, 0.1, 2.0], "weight": [1.0, 1.0, 3.0]})
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     batches = FastImageDataGenerator().flow_from_dataframe(
        ...         frame, "sample_images", y_col="score", weight_col="weight", class_mode="raw",
        ...         target_size=(16, 16), shuffle=False)
        Found 2 validated image filenames.
        >>> print(caught[0].message)
        Found 1 invalid image filename(s) in x_col="filename". These filename(s) will be ignored.
        >>> batches.filepaths
        ['sample_images/coffee.jpg', 'sample_images/chelsea.jpg']
        >>> x, y, weights = batches[0]
        >>> x.shape, y.tolist(), weights.tolist()
        ((2, 16, 16, 3), [0.5, 2.0], [1.0, 3.0])
    """

    allowed_class_modes = {"binary", "categorical", "input", "multi_output", "raw", "sparse", None}

    def __init__(
        self,
        dataframe,
        directory=None,
        image_data_generator=None,
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
        data_format="channels_last",
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        subset=None,
        interpolation="nearest",
        keep_aspect_ratio=False,
        dtype="float32",
        validate_filenames=True,
    ):
        self.set_processing_attrs(
            image_data_generator,
            target_size,
            color_mode,
            data_format,
            save_to_dir,
            save_prefix,
            save_format,
            subset,
            interpolation,
            keep_aspect_ratio,
        )
        df = dataframe.copy()
        self.directory, self.class_mode, self.dtype = directory or "", class_mode, dtype
        _check_dataframe(df, class_mode, self.allowed_class_modes, x_col, y_col, weight_col, classes)
        if validate_filenames:
            df = self._filter_valid_filepaths(df, x_col)
        labelled = class_mode not in ["input", "multi_output", "raw", None]
        if labelled:
            df, classes = _filter_classes(df, y_col, classes)
            num_classes = len(classes)
            self.class_indices = dict(zip(classes, range(len(classes))))
        if self.split:
            df = df.iloc[int(self.split[0] * len(df)) : int(self.split[1] * len(df)), :]
        if labelled:
            self.classes = self.get_classes(df, y_col)
        self.filenames = df[x_col].tolist()
        self._sample_weight = df[weight_col].values if weight_col else None
        if class_mode == "multi_output":
            self._targets = [np.array(df[col].tolist()) for col in y_col]
        if class_mode == "raw":
            self._targets = df[y_col].values
        self.samples = len(self.filenames)
        validated = "validated" if validate_filenames else "non-validated"
        print(
            f"Found {self.samples} {validated} image filenames"
            + (f" belonging to {num_classes} classes." if labelled else ".")
        )
        self._filepaths = [os.path.join(self.directory, fname) for fname in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed)

    def get_classes(self, df, y_col):
        """Each row's class index (a list of indices for a row with several labels).

        Args:
            df (pandas.DataFrame): The rows kept.
            y_col (str): The label column.

        Returns:
            (list): One class index, or list of indices, per row.
        """
        return [
            [self.class_indices[lbl] for lbl in label]
            if isinstance(label, (list, tuple))
            else self.class_indices[label]
            for label in df[y_col]
        ]

    def _filter_valid_filepaths(self, df, x_col):
        filepaths = df[x_col].map(lambda fname: os.path.join(self.directory, fname))
        mask = filepaths.apply(validate_filename, args=(self.white_list_formats,))
        n_invalid = (~mask).sum()
        if n_invalid:
            warnings.warn(
                f'Found {n_invalid} invalid image filename(s) in x_col="{x_col}". These filename(s) will be ignored.',
                stacklevel=3,
            )
        return df[mask]

    @property
    def filepaths(self):
        """Each row's path (list of str): `directory` joined with its file name."""
        return self._filepaths

    @property
    def labels(self):
        """The targets of "raw" and "multi_output" (an array, a list of arrays), else the class indices."""
        return self._targets if self.class_mode in {"multi_output", "raw"} else self.classes

    @property
    def sample_weight(self):
        """The `weight_col` values (an array), or None without one."""
        return self._sample_weight


def _check_dataframe(df, class_mode, allowed, x_col, y_col, weight_col, classes) -> None:
    """IDG's checks of a DataFrame against the class_mode, with IDG's messages."""
    if class_mode not in allowed:
        raise ValueError(f"Invalid class_mode: {class_mode}; expected one of: {allowed}")
    if class_mode == "multi_output" and not isinstance(y_col, list):
        raise TypeError(f'If class_mode="{class_mode}", y_col must be a list. Received {type(y_col).__name__}.')
    if not all(df[x_col].apply(lambda x: isinstance(x, str))):
        raise TypeError(f"All values in column x_col={x_col} must be strings.")
    if class_mode in {"binary", "sparse"} and not all(df[y_col].apply(lambda x: isinstance(x, str))):
        raise TypeError(f'If class_mode="{class_mode}", y_col="{y_col}" column values must be strings.')
    if class_mode == "binary":
        if classes:
            if len(set(classes)) != 2:
                raise ValueError(
                    f'If class_mode="binary" there must be 2 classes. {len(set(classes))} class/es were given.'
                )
        elif df[y_col].nunique() != 2:
            raise ValueError(f'If class_mode="binary" there must be 2 classes. Found {df[y_col].nunique()} classes.')
    if class_mode == "categorical" and not all(df[y_col].apply(lambda x: isinstance(x, (str, list, tuple)))):
        raise TypeError(
            f'If class_mode="{class_mode}", y_col="{y_col}" column values must be type string, list or tuple.'
        )
    if classes and class_mode in {"input", "multi_output", "raw", None}:
        warnings.warn(f'`classes` will be ignored given the class_mode="{class_mode}"', stacklevel=4)
    if weight_col and not issubclass(df[weight_col].dtype.type, np.number):
        raise TypeError(f"Column weight_col={weight_col} must be numeric.")


def _filter_classes(df, y_col, classes):
    df = df.copy()

    def remove_classes(labels, classes):
        if isinstance(labels, (list, tuple)):
            return [cls for cls in labels if cls in classes] or None
        if isinstance(labels, str):
            return labels if labels in classes else None
        raise TypeError(f"Expect string, list or tuple but found {type(labels)} in {y_col} column ")

    if classes:
        classes = list(collections.OrderedDict.fromkeys(classes).keys())
        df[y_col] = df[y_col].apply(lambda x: remove_classes(x, classes))
    else:
        found = set()
        for v in df[y_col]:
            if isinstance(v, (list, tuple)):
                found.update(v)
            else:
                found.add(v)
        classes = sorted(found)
    return df.dropna(subset=[y_col]), classes
