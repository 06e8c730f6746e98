"""FastImageDataGenerator against the real ImageDataGenerator (the oracle): every method and
argument of the public API, the first three epochs batch for batch under the same seed, the
same warnings and the same errors."""

from __future__ import annotations

import os
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from explorer import FastImageDataGenerator

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
tf = pytest.importorskip("tensorflow")
IDG = tf.keras.preprocessing.image.ImageDataGenerator

X = np.random.RandomState(0).randint(0, 256, (20, 24, 32, 3)).astype(np.float32)
Y = np.arange(20) % 3
EVERYTHING = dict(
    rotation_range=30,
    width_shift_range=0.1,
    height_shift_range=[-2, 0, 3],
    shear_range=5,
    zoom_range=0.2,
    horizontal_flip=True,
    vertical_flip=True,
    channel_shift_range=20,
    brightness_range=(0.8, 1.2),
)
CONFIGS = {
    "every augmentation": EVERYTHING,
    "rescale, samplewise": dict(EVERYTHING, rescale=1 / 255, samplewise_std_normalization=True),
    "constant fill, nearest": dict(EVERYTHING, fill_mode="constant", cval=7, interpolation_order=0),
    "wrap, int shifts": dict(rotation_range=10, width_shift_range=3, height_shift_range=2, fill_mode="wrap"),
    "reflect, zoom pair": dict(zoom_range=[1.3, 0.7], fill_mode="reflect", shear_range=20),
    "preprocessing function": dict(rotation_range=20, preprocessing_function=lambda x: x[..., ::-1] - 100.0),
}


def _epochs(iterator, count: int = 3) -> list:
    batches = []
    for _ in range(count):
        batches += [iterator[i] for i in range(len(iterator))]
        iterator.on_epoch_end()
    return batches


def _as_tuple(batch) -> tuple:
    return batch if isinstance(batch, tuple) else (batch,)


def assert_same_batches(ours: list, theirs: list, tolerance: float = 0.01, scale: float = 1.0) -> None:
    """Images within `tolerance` on the 0..255 scale (`scale` undoes a rescale), the rest equal."""
    assert len(ours) == len(theirs)
    for mine, real in zip(ours, theirs):
        mine, real = _as_tuple(mine), _as_tuple(real)
        assert len(mine) == len(real)
        first_mine, first_real = (mine[0], real[0]) if not isinstance(mine[0], list) else (mine[0][0], real[0][0])
        assert first_mine.shape == first_real.shape and first_mine.dtype == first_real.dtype
        assert np.abs(first_mine - first_real).max() * scale <= tolerance
        rest_mine = list(mine[0][1:]) + list(mine[1:]) if isinstance(mine[0], list) else list(mine[1:])
        rest_real = list(real[0][1:]) + list(real[1:]) if isinstance(real[0], list) else list(real[1:])
        for a, b in zip(rest_mine, rest_real):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def both(kwargs: dict):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return FastImageDataGenerator(**kwargs), IDG(**kwargs)


@pytest.mark.parametrize("name", CONFIGS)
def test_flow_gives_idgs_first_three_epochs(name):
    ours, theirs = both(CONFIGS[name])
    scale = 255 if "rescale" in CONFIGS[name] else 1
    assert_same_batches(
        _epochs(ours.flow(X, Y, batch_size=6, seed=3)), _epochs(theirs.flow(X, Y, batch_size=6, seed=3)), scale=scale
    )


def test_flow_next_reset_and_every_argument(tmp_path):
    ours, theirs = both(dict(EVERYTHING, validation_split=0.25))
    weights = np.arange(20.0)
    extra = [X[:, 0, 0, 0], X[:, 1, 1, :]]
    for kwargs in (
        dict(batch_size=7, seed=5),
        dict(batch_size=4, seed=1, shuffle=False, sample_weight=weights),
        dict(batch_size=6, seed=2, subset="validation", ignore_class_split=True),
        dict(batch_size=6, seed=2, subset="training", ignore_class_split=True),
    ):
        mine, real = ours.flow(X, Y, **kwargs), theirs.flow(X, Y, **kwargs)
        assert_same_batches([next(mine) for _ in range(8)], [next(real) for _ in range(8)])
        assert (mine.n, mine.batch_size, mine.total_batches_seen, mine.batch_index) == (
            real.n,
            real.batch_size,
            real.total_batches_seen,
            real.batch_index,
        )
        np.testing.assert_array_equal(mine.index_array, real.index_array)
        mine.reset(), real.reset()
        assert mine.batch_index == real.batch_index == 0
    assert_same_batches(
        [ours.flow((X, extra), Y, batch_size=6, seed=3)[1]], [theirs.flow((X, extra), Y, batch_size=6, seed=3)[1]]
    )
    assert_same_batches(
        _epochs(ours.flow(X, batch_size=8, seed=1), 1), _epochs(theirs.flow(X, batch_size=8, seed=1), 1)
    )
    saved = tmp_path / "ours"
    saved.mkdir()
    ours.flow(X, Y, batch_size=5, seed=1, save_to_dir=saved, save_prefix="aug", save_format="jpeg")[0]
    assert len(list(saved.glob("aug_*.jpeg"))) == 5


def test_channels_first_and_dtype():
    kwargs = dict(EVERYTHING, brightness_range=None, data_format="channels_first", dtype="float64")
    ours, theirs = both(kwargs)
    first = np.ascontiguousarray(X.transpose(0, 3, 1, 2))
    assert_same_batches(
        _epochs(ours.flow(first, Y, batch_size=6, seed=2)), _epochs(theirs.flow(first, Y, batch_size=6, seed=2))
    )


def test_single_image_methods_and_fit():
    ours, theirs = both(EVERYTHING)
    for seed in range(5):
        mine = ours.get_random_transform(X[0].shape, seed=seed)
        real = theirs.get_random_transform(X[0].shape, seed=seed)
        assert mine == real
        np.testing.assert_allclose(ours.apply_transform(X[0], real), theirs.apply_transform(X[0], real), atol=0.01)
        np.testing.assert_allclose(
            ours.random_transform(X[1], seed=seed), theirs.random_transform(X[1], seed=seed), atol=0.01
        )
    for kwargs, fit in (
        (
            dict(EVERYTHING, featurewise_center=True, featurewise_std_normalization=True, rescale=1 / 255),
            dict(augment=True, rounds=2, seed=4),
        ),
        (dict(zca_whitening=True, zca_epsilon=1e-3), {}),
    ):
        ours, theirs = both(kwargs)
        data = X[:, :8, :8] if "zca_whitening" in kwargs else X
        ours.fit(data, **fit), theirs.fit(data, **fit)
        for name in ("mean", "std", "zca_whitening_matrix"):
            if getattr(theirs, name) is None:
                assert getattr(ours, name) is None
            else:
                np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(ours.standardize(data[:2].copy()), theirs.standardize(data[:2].copy()), atol=1e-4)
        assert_same_batches(
            _epochs(ours.flow(data, Y, batch_size=8, seed=0), 1),
            _epochs(theirs.flow(data, Y, batch_size=8, seed=0), 1),
            tolerance=1e-3,
        )


def _sets_sorted(message: str) -> str:
    """A set's repr lists its items in hash order, which differs between two equal sets."""
    return re.sub(r"\{([^{}]*)\}", lambda found: "{" + ", ".join(sorted(found.group(1).split(", "))) + "}", message)


def _outcome(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            call()
            error = None
        except Exception as exc:  # noqa: BLE001 - compared with the oracle's, whatever it is
            error = (type(exc).__name__, _sets_sorted(str(exc)))
    return error, sorted(str(warning.message) for warning in caught if "explorer" not in str(warning.message))


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(zoom_range="x"),
        dict(zoom_range=[1, 2, 3]),
        dict(brightness_range=1.0),
        dict(validation_split=1.5),
        dict(data_format="nhwc"),
        dict(zca_whitening=True, featurewise_std_normalization=True),
        dict(featurewise_std_normalization=True),
        dict(samplewise_std_normalization=True),
    ],
)
def test_constructor_errors_and_warnings_are_idgs(kwargs):
    assert _outcome(lambda: FastImageDataGenerator(**kwargs)) == _outcome(lambda: IDG(**kwargs))


@pytest.mark.parametrize(
    "call",
    [
        lambda cls: cls().flow(X[0], Y),
        lambda cls: cls().flow(X, Y[:5]),
        lambda cls: cls().flow(X, Y, sample_weight=Y[:3]),
        lambda cls: cls(validation_split=0.2).flow(X, Y, subset="test"),
        lambda cls: cls(validation_split=0.2).flow(X, np.sort(Y), subset="training"),
        lambda cls: cls().flow((X, [X[:3]]), Y),
        lambda cls: cls().flow(X[..., :2], Y),
        lambda cls: cls().fit(X[0]),
        lambda cls: cls(featurewise_center=True).standardize(X[0].copy()),
        lambda cls: cls().flow(X, Y, batch_size=5)[4],
    ],
)
def test_method_errors_and_warnings_are_idgs(call):
    assert _outcome(lambda: call(FastImageDataGenerator)) == _outcome(lambda: call(IDG))


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """3 classes of JPEGs and PNGs of several sizes, some in a sub-folder; a text file and a
    folder without images as noise."""
    root = tmp_path_factory.mktemp("classes")
    rng = np.random.RandomState(1)
    rows = []
    for name in ("cat", "dog", "eel"):
        (root / name / "sub").mkdir(parents=True)
        for index in range(7):
            pixels = rng.randint(0, 256, (37 + index, 50 - index, 3)).astype(np.uint8)
            relative = f"{name}/{'sub/' if index % 3 == 0 else ''}img{index}.{'png' if index % 2 else 'jpg'}"
            Image.fromarray(pixels).save(root / relative)
            rows.append((relative, name, float(index), [name, "any"] if index % 2 else [name]))
        (root / name / "notes.txt").write_text("not an image")
    (root / "empty").mkdir()
    return root, pd.DataFrame(rows, columns=["filename", "class", "weight", "tags"])


FILE_SETTINGS = dict(
    rotation_range=30,
    width_shift_range=0.1,
    height_shift_range=0.1,
    zoom_range=0.2,
    horizontal_flip=True,
    brightness_range=(0.8, 1.2),
    rescale=1 / 255,
    validation_split=0.3,
)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(target_size=(20, 30), batch_size=4, seed=2),
        dict(
            target_size=(16, 16), batch_size=5, seed=3, subset="training", class_mode="sparse", interpolation="bilinear"
        ),
        dict(
            target_size=(16, 24),
            color_mode="grayscale",
            class_mode="binary",
            classes=["cat", "eel"],
            batch_size=3,
            seed=1,
            subset="validation",
            keep_aspect_ratio=True,
        ),
        dict(target_size=(16, 16), color_mode="rgba", class_mode="input", batch_size=6, seed=0, shuffle=False),
        dict(target_size=(16, 16), class_mode=None, batch_size=6, seed=0, interpolation="bicubic", follow_links=True),
    ],
)
def test_flow_from_directory_gives_idgs_first_three_epochs(folder, kwargs):
    ours, theirs = both(FILE_SETTINGS)
    mine, real = ours.flow_from_directory(folder[0], **kwargs), theirs.flow_from_directory(folder[0], **kwargs)
    for name in ("filenames", "filepaths", "class_indices", "samples", "num_classes", "n", "image_shape"):
        assert getattr(mine, name) == getattr(real, name), name
    np.testing.assert_array_equal(mine.classes, real.classes)
    np.testing.assert_array_equal(mine.labels, real.labels)
    assert len(mine) == len(real)
    assert_same_batches(_epochs(mine), _epochs(real), scale=255)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(target_size=(20, 30), batch_size=4, seed=2, weight_col="weight"),
        dict(target_size=(16, 16), batch_size=4, seed=2, class_mode="raw", y_col="weight", subset="training"),
        dict(target_size=(16, 16), batch_size=4, seed=2, class_mode="multi_output", y_col=["weight", "class"]),
        dict(target_size=(16, 16), batch_size=5, seed=4, y_col="tags", classes=["cat", "any"], subset="validation"),
        dict(target_size=(16, 16), batch_size=5, seed=4, class_mode="sparse", validate_filenames=False),
    ],
)
def test_flow_from_dataframe_gives_idgs_first_three_epochs(folder, kwargs):
    root, frame = folder
    ours, theirs = both(FILE_SETTINGS)
    mine = ours.flow_from_dataframe(frame, directory=str(root), **kwargs)
    real = theirs.flow_from_dataframe(frame, directory=str(root), **kwargs)
    assert (mine.filenames, mine.filepaths) == (real.filenames, real.filepaths)
    assert getattr(mine, "class_indices", None) == getattr(real, "class_indices", None)
    assert_same_batches(_epochs(mine), _epochs(real), scale=255)


@pytest.mark.parametrize(
    "call",
    [
        lambda g, root, frame: g.flow_from_directory(root, color_mode="cmyk"),
        lambda g, root, frame: g.flow_from_directory(root, class_mode="other"),
        lambda g, root, frame: g.flow_from_directory(root, subset="test"),
        lambda g, root, frame: g.flow_from_dataframe(frame, str(root), class_mode="binary"),
        lambda g, root, frame: g.flow_from_dataframe(frame, str(root), class_mode="multi_output", y_col="class"),
        lambda g, root, frame: g.flow_from_dataframe(frame, str(root), class_mode="sparse", y_col="weight"),
        lambda g, root, frame: g.flow_from_dataframe(frame.assign(weight="x"), str(root), weight_col="weight"),
        lambda g, root, frame: g.flow_from_dataframe(
            frame, str(root), class_mode="raw", classes=["cat"], y_col="weight"
        ),
        lambda g, root, frame: g.flow_from_dataframe(frame.assign(filename=frame.filename + ".gif"), str(root)),
        lambda g, root, frame: g.flow_from_dataframe(
            frame, str(root), class_mode="other", y_col="weight", has_ext=True, sort=False, drop_duplicates=False
        ),
    ],
)
def test_file_errors_and_warnings_are_idgs(folder, call):
    root, frame = folder
    ours, theirs = both(dict(validation_split=0.2))
    assert _outcome(lambda: call(ours, root, frame)) == _outcome(lambda: call(theirs, root, frame))


@pytest.mark.parametrize("bands", [2, 5, 13])
def test_any_number_of_bands_as_idg_takes_them(bands):
    """Multispectral images (satellite bands): IDG warns and warps them; so does the drop-in,
    channel shift over the whole image's range included, channels last and first."""
    data = np.random.RandomState(bands).randint(0, 256, (9, 16, 20, bands)).astype(np.float32)
    settings = dict(
        rotation_range=25, zoom_range=0.2, horizontal_flip=True, channel_shift_range=40, fill_mode="reflect"
    )
    ours, theirs = both(settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same_batches(
            _epochs(ours.flow(data, Y[:9], batch_size=4, seed=1)),
            _epochs(theirs.flow(data, Y[:9], batch_size=4, seed=1)),
        )
        first = np.ascontiguousarray(data.transpose(0, 3, 1, 2))
        ours, theirs = both(dict(settings, data_format="channels_first"))
        assert_same_batches(
            _epochs(ours.flow(first, batch_size=4, seed=2), 1), _epochs(theirs.flow(first, batch_size=4, seed=2), 1)
        )
    ours, theirs = both(dict(brightness_range=(0.5, 1.5)))
    assert _outcome(lambda: ours.flow(data, batch_size=4)[0]) == _outcome(lambda: theirs.flow(data, batch_size=4)[0])


@pytest.mark.parametrize("shape", [(6, 5, 9, 3), (6, 2, 9, 4), (6, 1, 7, 3), (6, 7, 8, 3)])
def test_brightness_on_channels_first_reads_the_last_axis_as_channels_as_idg_does(shape):
    """IDG hands brightness a channels_first image as stored, and Keras's `array_to_img` reads
    its last axis (the width) as channels: 5 or 7 bands take brightness when the width is 1, 3
    or 4, with a width of 4 keeping its 4th column as PIL keeps alpha. `fit(augment=True)` and
    `flow` give IDG's numbers."""
    data = np.random.RandomState(1).uniform(0, 255, shape).astype(np.float32)
    kwargs = dict(brightness_range=(0.5, 1.5), rotation_range=20, featurewise_center=True, data_format="channels_first")
    ours, theirs = both(kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "expected either 1, 3 or 4 channels", from both
        ours.fit(data, augment=True, rounds=2, seed=3)
        theirs.fit(data, augment=True, rounds=2, seed=3)
    np.testing.assert_allclose(ours.mean, theirs.mean, atol=1e-3)
    assert_same_batches(
        _epochs(ours.flow(data, batch_size=4, seed=2), 1), _epochs(theirs.flow(data, batch_size=4, seed=2), 1)
    )


@pytest.mark.parametrize(
    "data_format, shape",
    [
        ("channels_first", (4, 3, 8, 8)),
        ("channels_first", (4, 5, 8, 6)),
        ("channels_last", (4, 8, 8, 5)),
        ("channels_last", (4, 8, 8, 2)),
    ],
)
def test_brightness_where_idg_raises_raises_idgs_error(data_format, shape):
    data = np.random.RandomState(1).uniform(0, 255, shape).astype(np.float32)
    errors = []
    for generator in both(dict(brightness_range=(0.5, 1.5), data_format=data_format)):
        with warnings.catch_warnings(), pytest.raises(ValueError) as raised:
            warnings.simplefilter("ignore")
            generator.fit(data, augment=True, seed=3)
        errors.append(str(raised.value))
    assert errors[0] == errors[1] and errors[0].startswith("Unsupported channel number")


def test_next_is_kept_as_keras_2s_iterators_had_it():
    """`x, y = iterator.next()`, as scripts written for Keras 2 call it: the same batches as
    `next(iterator)` on a twin."""
    ours, _ = both(EVERYTHING)
    first, twin = ours.flow(X, Y, batch_size=6, seed=4), ours.flow(X, Y, batch_size=6, seed=4)
    for _ in range(4):
        mine, again = first.next(), next(twin)
        np.testing.assert_array_equal(mine[0], again[0])
        np.testing.assert_array_equal(mine[1], again[1])
