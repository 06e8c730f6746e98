"""Loading a labelled dataset from a folder or a zip in the class-per-folder layout.

The layout is the one `flow_from_directory` and `image_dataset_from_directory` read:
root/class_name/image (images deeper inside a class folder count for that class). A zip
is read in memory and never extracted; everything a user could not have meant (paths with
'..', absolute paths, symlinks, nested archives, hidden files, non-images, duplicates,
encrypted or suspiciously compressed entries, undecodable images) is skipped and counted in
the report. Raises `InputError`, and only InputError, when nothing usable is left.
"""

from __future__ import annotations

import io
import os
import re
import stat
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError
from .images import MAX_FILE_BYTES, decode_image, read_source, resize

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
ARCHIVE_EXTENSIONS = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar")
MAX_ARCHIVE_BYTES = 1024 * 1024 * 1024  # the zip itself, read into memory
MAX_ENTRIES = 20_000  # files in a zip or folder; more is not a dataset to explore on a laptop
MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024  # declared uncompressed size of all entries
MAX_RATIO = 200  # declared size / compressed size; images compress 1-20x, bombs 1000x
RATIO_EXEMPT_BYTES = 1024 * 1024  # small entries cannot hurt, whatever their ratio
MAX_DATASET_BYTES = 1024 * 1024 * 1024  # the decoded N x h x w x C array
EXAMPLES_KEPT = 5


@dataclass
class LoadReport:
    """What was loaded and what was skipped, with the reason and a few example names.

    Attributes:
        source (str): The name of the folder, zip or arrays.
        loaded (int): How many images were loaded.
        skipped (Counter): How many files were skipped, by reason.
        examples (dict): Up to 5 skipped names per reason.
    """

    source: str
    loaded: int = 0
    skipped: Counter = field(default_factory=Counter)
    examples: dict = field(default_factory=lambda: defaultdict(list))

    def skip(self, name: str, reason: str) -> None:
        """Count one skipped file under its reason (its name kept among the first 5).

        Args:
            name: The file's name inside the source.
            reason: Why it was skipped ("not an image file", ...).
        """
        self.skipped[reason] += 1
        if len(self.examples[reason]) < EXAMPLES_KEPT:
            self.examples[reason].append(name)

    def summary(self) -> str:
        """What was loaded and skipped, one line per reason, for people.

        Returns:
            The lines, most frequent reason first.
        """
        lines = [f"{self.source}: {self.loaded} images loaded"]
        for reason, count in self.skipped.most_common():
            shown = ", ".join(self.examples[reason])
            lines.append(f"skipped {count}: {reason} (e.g. {shown})")
        return "\n".join(lines)


@dataclass
class Dataset:
    """Images N x h x w x C uint8, integer labels (N,), class names indexed by label.

    Attributes:
        images (np.ndarray): uint8, N x height x width x C (C = 1 or 3), 0..255.
        labels (np.ndarray): int64, one class index per image.
        class_names (list[str]): The class names, indexed by label (sorted, as Keras sorts
            class folders).
        report (LoadReport): What was loaded and what was skipped.
        name (str): The dataset's name (the folder's or the zip's).
    """

    images: np.ndarray
    labels: np.ndarray
    class_names: list[str]
    report: LoadReport
    name: str = ""

    def __len__(self) -> int:
        return len(self.labels)

    def class_counts(self) -> dict[str, int]:
        """The number of images of each class.

        Returns:
            Class name to count, in label order (0 for a class without images).
        """
        counts = np.bincount(self.labels, minlength=len(self.class_names))
        return dict(zip(self.class_names, counts.tolist()))


@dataclass
class _Entry:
    parts: list[str]  # path components below the dataset root
    size: int
    read: Callable[[], bytes]


def _skip_reason(parts: list[str]) -> str | None:
    """Why a file is not a dataset image, judged from its path alone (None: keep it)."""
    if any(part.startswith(".") or part == "__MACOSX" for part in parts):
        return "hidden or system file"
    suffix = os.path.splitext(parts[-1])[1].lower()
    if suffix in ARCHIVE_EXTENSIONS:
        return "nested archive (not opened)"
    if suffix not in IMAGE_EXTENSIONS:
        return "not an image file"
    return None


def _zip_entries(data: bytes, label: str, report: LoadReport) -> Iterator[_Entry]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except UnicodeDecodeError:
        raise InputError(f"{label} has file names that are marked UTF-8 but are not; re-create the zip") from None
    except Exception as error:
        raise InputError(f"{label} is not a readable zip archive ({error})") from None
    if len(infos) > MAX_ENTRIES:
        raise InputError(f"{label} has {len(infos)} entries; the limit is {MAX_ENTRIES}")
    declared = sum(info.file_size for info in infos)
    if declared > MAX_TOTAL_BYTES:
        raise InputError(
            f"{label} would unpack to {declared / 2**30:.1f} GB; the limit is {MAX_TOTAL_BYTES / 2**30:.0f} GB"
        )
    seen = set()
    for info in infos:
        name = info.filename.replace("\\", "/")
        if info.is_dir():
            continue
        parts = [part for part in name.split("/") if part not in ("", ".")]
        reason = None
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
            reason = "absolute path"
        elif ".." in parts:
            reason = "path with '..'"
        elif stat.S_ISLNK(info.external_attr >> 16):
            reason = "symbolic link"
        elif info.flag_bits & 0x1:
            reason = "encrypted entry"
        elif name in seen:
            reason = "duplicate name"
        else:
            reason = _skip_reason(parts)
        if reason is None and info.file_size > MAX_FILE_BYTES:
            reason = f"larger than {MAX_FILE_BYTES // 2**20} MB"
        too_compressed = info.file_size > RATIO_EXEMPT_BYTES and info.file_size > MAX_RATIO * max(1, info.compress_size)
        if reason is None and too_compressed:
            reason = f"compressed more than {MAX_RATIO}:1 (possible zip bomb)"
        seen.add(name)
        if reason:
            report.skip(name, reason)
            continue

        def read(info=info) -> bytes:
            # ZipExtFile stops at the declared size, so a lying header cannot inflate more.
            with archive.open(info) as handle:
                return handle.read(MAX_FILE_BYTES + 1)

        yield _Entry(parts, info.file_size, read)


def _folder_entries(root: Path, report: LoadReport) -> Iterator[_Entry]:
    count = 0
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        for file_name in sorted(files):
            count += 1
            if count > MAX_ENTRIES:
                raise InputError(f"{root.name} has more than {MAX_ENTRIES} files; the limit is {MAX_ENTRIES}")
            path = Path(folder) / file_name
            parts = list(path.relative_to(root).parts)
            name = "/".join(parts)
            if path.is_symlink():
                report.skip(name, "symbolic link")
                continue
            reason = _skip_reason(parts)
            size = path.lstat().st_size
            if reason is None and size > MAX_FILE_BYTES:
                reason = f"larger than {MAX_FILE_BYTES // 2**20} MB"
            if reason:
                report.skip(name, reason)
                continue
            yield _Entry(parts, size, path.read_bytes)


def _strip_wrapper(entries: list[_Entry]) -> list[_Entry]:
    """A zip of a folder holds wrapper/class/image: drop one shared top folder."""
    tops = {entry.parts[0] for entry in entries if len(entry.parts) > 1}
    if len(tops) == 1 and all(len(entry.parts) >= 3 for entry in entries):
        return [_Entry(entry.parts[1:], entry.size, entry.read) for entry in entries]
    return entries


def _normalise_size(image_size) -> tuple[int, int]:
    size = (image_size, image_size) if isinstance(image_size, int) else tuple(image_size)
    if len(size) != 2 or not all(isinstance(side, int) and 8 <= side <= 1024 for side in size):
        raise InputError(f"image_size must be an int or (height, width) between 8 and 1024; got {image_size!r}")
    return size


def _source_entries(source, name: str | None) -> tuple[str, LoadReport, list[_Entry]]:
    """The source's label, its report, and the files it offers, wrapper folder stripped."""
    if isinstance(source, (str, os.PathLike)) and Path(source).is_dir():
        root = Path(source)
        label = name or root.name
        report = LoadReport(label)
        entries = list(_folder_entries(root, report))
    else:
        data, label = read_source(source, name, limit=MAX_ARCHIVE_BYTES)
        report = LoadReport(label)
        entries = list(_zip_entries(data, label, report))
    return label, report, _strip_wrapper(entries)


def _decode_by_class(entries: list[_Entry], height: int, width: int, report: LoadReport) -> dict[str, list[np.ndarray]]:
    """Each entry decoded and resized to height x width, grouped by its class folder."""
    by_class: dict[str, list[np.ndarray]] = defaultdict(list)
    for entry in entries:
        entry_name = "/".join(entry.parts)
        if len(entry.parts) < 2:
            report.skip(entry_name, "not inside a class folder")
            continue
        try:
            pixels = decode_image(entry.read(), entry_name, max_side=2 * max(height, width))
        except InputError as error:
            report.skip(f"{entry_name} ({error})", "not a usable image")
            continue
        except Exception as error:  # a corrupt entry: CRC mismatch, bad compression data
            report.skip(f"{entry_name} ({error})", "unreadable entry")
            continue
        by_class[entry.parts[0]].append(resize(pixels, (height, width)))
    return by_class


def _class_names(
    by_class: dict[str, list[np.ndarray]], label: str, report: LoadReport, min_per_class: int
) -> list[str]:
    """The sorted class names; InputError unless there are 2 or more with enough images each."""
    class_names = sorted(by_class)
    if not class_names:
        raise InputError(
            f"{label} has no usable images in class folders (expected {label}/class_name/image.png)\n{report.summary()}"
        )
    if len(class_names) < 2:
        raise InputError(f"{label} has one class ({class_names[0]}); a classifier needs at least 2 class folders")
    small = [f"{cls} ({len(by_class[cls])})" for cls in class_names if len(by_class[cls]) < min_per_class]
    if small:
        raise InputError(
            f"{label}: too few images to split into training and validation in {', '.join(small)}; "
            f"each class needs at least {min_per_class}"
        )
    return class_names


def _stack(
    by_class: dict[str, list[np.ndarray]], class_names: list[str], height: int, width: int, color_mode: str, label: str
) -> tuple[np.ndarray, np.ndarray]:
    """Images N x height x width x C uint8 and labels (N,), class by class; empties by_class.

    C is 1 for 'grayscale', or for 'auto' when every image is grey, else 3. InputError when
    the array would exceed MAX_DATASET_BYTES.
    """
    grey = all(pixels.shape[-1] == 1 for cls in class_names for pixels in by_class[cls])
    channels = 1 if color_mode == "grayscale" or (color_mode == "auto" and grey) else 3
    count = sum(len(by_class[cls]) for cls in class_names)
    if count * height * width * channels > MAX_DATASET_BYTES:
        raise InputError(
            f"{label}: {count} images at {height}x{width} would take "
            f"{count * height * width * channels / 2**30:.1f} GB; the limit is "
            f"{MAX_DATASET_BYTES / 2**30:.0f} GB (choose a smaller image size)"
        )
    images = np.empty((count, height, width, channels), np.uint8)
    labels = np.empty(count, np.int64)
    index = 0
    for class_index, cls in enumerate(class_names):
        # pop: each class's decoded list is freed as soon as it is copied into the array.
        for pixels in by_class.pop(cls):
            images[index] = _to_channels(pixels, channels)
            labels[index] = class_index
            index += 1
    return images, labels


def load_dataset(
    source,
    image_size=(64, 64),
    color_mode: str = "auto",
    min_per_class: int = 2,
    name: str | None = None,
) -> Dataset:
    """Load root/class_name/image from a folder, or a .zip given as a path, bytes or file.

    The layout is `flow_from_directory`'s: one folder per class (images deeper inside a
    class folder count for that class; one folder wrapping all the class folders, as a zip
    of a folder has, is looked through). Every image is decoded with `load_image`'s rules
    and resized to image_size (default 64 x 64, not Keras's 256 x 256). Classes are the
    sorted folder names, as Keras sorts them. A zip is read in memory, never extracted;
    whatever a user could not have meant (hidden files, non-images, '..' or absolute paths,
    symlinks, nested archives, undecodable images, ...) is skipped and counted in `report`.

    Args:
        source (str | os.PathLike | bytes | BinaryIO): A folder, or a zip as a path, bytes
            or a binary file.
        image_size (int | tuple[int, int]): The size every image is resized to: a side, or
            (height, width), each from 8 to 1024 pixels.
        color_mode (str): "rgb", "grayscale", or "auto" (grayscale when every image is).
        min_per_class (int): The fewest images a class may have (2: enough to split into
            training and validation).
        name (str | None): The dataset's name in messages and the report; None: the folder's
            or file's name.

    Returns:
        The images (uint8 N x height x width x C), labels, class names and load report.

    Raises:
        InputError: A bad `image_size` or `color_mode`; an unreadable source; no usable
            image left; fewer than 2 classes; a class with fewer than `min_per_class` images;
            or more than 1 GB of decoded pixels. Only InputError.

    Examples:
        >>> import shutil, tempfile
        >>> from pathlib import Path
        >>> from explorer import load_dataset
        >>> root = Path(tempfile.mkdtemp())
        >>> for label, files in {"photo": ["coffee.jpg", "chelsea.jpg"], "scan": ["camera.png", "cell.png"]}.items():
        ...     (root / label).mkdir()
        ...     for file in files:
        ...         _ = shutil.copy(Path("sample_images") / file, root / label)
        >>> (root / "notes.txt").write_text("not an image")
        12
        >>> dataset = load_dataset(root, image_size=32, name="mixed")
        >>> dataset.images.shape, dataset.labels.tolist(), dataset.class_names
        ((4, 32, 32, 3), [0, 0, 1, 1], ['photo', 'scan'])
        >>> print(dataset.report.summary())
        mixed: 4 images loaded
        skipped 1: not an image file (e.g. notes.txt)
        >>> load_dataset(root, image_size=(24, 32), color_mode="grayscale").images.shape
        (4, 24, 32, 1)
        >>> load_dataset(root, min_per_class=3)
        Traceback (most recent call last):
        ...
        explorer.errors.InputError: ...: too few images to split ... in photo (2), scan (2); each class needs at least 3
        >>> shutil.rmtree(root)
    """
    height, width = _normalise_size(image_size)
    if color_mode not in ("auto", "rgb", "grayscale"):
        raise InputError(f"color_mode must be 'auto', 'rgb' or 'grayscale'; got {color_mode!r}")
    label, report, entries = _source_entries(source, name)
    by_class = _decode_by_class(entries, height, width, report)
    class_names = _class_names(by_class, label, report, min_per_class)
    images, labels = _stack(by_class, class_names, height, width, color_mode, label)
    report.loaded = len(labels)
    return Dataset(images, labels, class_names, report, name=label)


def _to_channels(pixels: np.ndarray, channels: int) -> np.ndarray:
    if pixels.shape[-1] == channels:
        return pixels
    if channels == 3:
        return np.repeat(pixels, 3, axis=-1)
    # ITU-R 601 luma, as Pillow's convert("L") computes it.
    weights = np.array([299, 587, 114]) / 1000
    return np.rint(pixels @ weights).astype(np.uint8)[..., None]


def _array_labels(y, count: int, class_names) -> tuple[np.ndarray, list[str]]:
    """Integer labels 0..K-1 and their names from y: integers, one-hot rows or any labels
    (strings, ...), sorted as Keras sorts class folders."""
    labels = np.asarray(y)
    if labels.ndim == 2 and labels.shape[1] > 1:  # to_categorical's one-hot rows
        labels = labels.argmax(axis=1)
    labels = labels.reshape(-1) if labels.ndim == 2 and labels.shape[1] == 1 else labels
    if labels.ndim != 1 or len(labels) != count:
        raise InputError(f"y must hold one label per image ({count}); got shape {np.shape(y)}")
    if np.issubdtype(labels.dtype, np.integer) and labels.size and labels.min() >= 0:
        names = list(class_names) if class_names is not None else [str(i) for i in range(int(labels.max()) + 1)]
        if labels.max() >= len(names):
            raise InputError(f"y has label {int(labels.max())} but only {len(names)} class names")
        return labels.astype(np.int64), [str(name) for name in names]
    unique, labels = np.unique(labels.astype(str), return_inverse=True)
    return labels.astype(np.int64), [str(name) for name in unique]


def dataset_from_arrays(x, y, class_names=None, image_size: int | None = None, name: str = "arrays") -> Dataset:
    """A `Dataset` from arrays, as a notebook holds them.

    Non-square images are resized to a square of their longer side unless `image_size` is
    given.

    Args:
        x (ArrayLike): Images N x H x W (grey) or N x H x W x C (C = 1 or 3), uint8 or
            numbers in 0..255 (images as loaded, before any rescale); at least 2.
        y (ArrayLike): One label per image: integers, one-hot rows or names (names are
            sorted, as Keras sorts class folders).
        class_names (Sequence[str] | None): The names of integer labels 0..K-1; None: "0",
            "1", ...
        image_size: Resize to image_size x image_size (8 to 1024).
        name: The dataset's name.

    Returns:
        The images as uint8 N x H x W x C, the labels as 0..K-1, and the class names.

    Raises:
        InputError: Naming the problem: a bad shape, values outside 0..255 (or all within
            0..1: already rescaled), labels that do not match the images.

    Examples:
        >>> import numpy as np
        >>> dataset = dataset_from_arrays(np.zeros((4, 28, 28), np.uint8), ["dog", "cat", "dog", "cat"])
        >>> dataset.images.shape, dataset.labels.tolist(), dataset.class_names
        ((4, 28, 28, 1), [1, 0, 1, 0], ['cat', 'dog'])
        >>> dataset_from_arrays(np.ones((4, 28, 28)) / 2, [0, 1, 0, 1])
        Traceback (most recent call last):
        ...
        explorer.errors.InputError: x looks already divided by 255 (every value is within 0..1): ...
    """
    images = np.asarray(x)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[-1] not in (1, 3) or len(images) < 2:
        raise InputError(f"x must be images N x H x W or N x H x W x C with C = 1 or 3; got shape {np.shape(x)}")
    if not np.issubdtype(images.dtype, np.number) or np.issubdtype(images.dtype, np.complexfloating):
        raise InputError(f"x must hold numbers; got dtype {images.dtype}")
    if images.dtype != np.uint8:
        low, high = float(np.min(images)), float(np.max(images))
        if not (np.isfinite(low) and np.isfinite(high)) or low < 0 or high > 255:
            raise InputError(f"x must hold pixels in 0..255 (images as loaded); got values from {low:g} to {high:g}")
        if high <= 1:
            raise InputError(
                "x looks already divided by 255 (every value is within 0..1): pass the images as "
                "loaded, in 0..255, and put rescale=1/255 in the config, as ImageDataGenerator takes it"
            )
        images = np.rint(images).astype(np.uint8)
    labels, names = _array_labels(y, len(images), class_names)
    height, width = images.shape[1:3]
    size = (image_size, image_size) if image_size else (height, width) if height == width else (max(height, width),) * 2
    _normalise_size(size)
    if size != (height, width):
        images = np.stack([resize(image, size) for image in images])
    report = LoadReport(name, loaded=len(labels))
    return Dataset(np.ascontiguousarray(images), labels, names, report, name=name)
