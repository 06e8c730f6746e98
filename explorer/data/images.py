"""Decoding one image a user brings: any common format and mode in, uint8 H x W x C out.

Every rejection raises `InputError` with a message naming the file and the problem; no other
exception escapes. Limits are checked before any pixel is decoded.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from ..errors import InputError

MAX_FILE_BYTES = 50 * 1024 * 1024  # a 40 MP PNG photo is 30-60 MB; phone JPEGs are < 15 MB
MAX_PIXELS = 40_000_000  # about a 48 MP phone photo's neighbourhood; 120 MB decoded as RGB
MIN_SIDE = 8  # smaller images carry nothing an augmentation preview could show
BACKGROUND = 255  # transparent pixels are composited on white

# Formats decoded, by magic bytes: the allow-list. Anything else is refused before Pillow
# sees it, so exotic or risky decoders (PSD, EPS via Ghostscript, PDF, FITS...) never run.
_ALLOWED = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)
_REFUSED = (
    (b"%PDF", "a PDF document"),
    (b"%!PS", "a PostScript (EPS) file"),
    (b"\xc5\xd0\xd3\xc6", "an EPS file"),
    (b"8BPS", "a Photoshop (PSD) file"),
    (b"SIMPLE  =", "a FITS file"),
    (b"PK\x03\x04", "a zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x00\x00\x00\x0cjP  ", "a JPEG 2000 file"),
    (b"RIFF", "a RIFF file (not WebP)"),
)
SUPPORTED = "PNG, JPEG, BMP, GIF, TIFF or WebP"


def _size_text(count: int) -> str:
    return f"{count / 1024 / 1024:.0f} MB" if count >= 1024 * 1024 else f"{count} bytes"


def read_source(source, name: str | None = None, limit: int | None = None) -> tuple[bytes, str]:
    """The bytes of a path, bytes-like object or binary file, and a name for messages.

    Reads at most `limit` (default MAX_FILE_BYTES) + 1 bytes, so an oversized file is
    refused without being read.

    Args:
        source (str | os.PathLike | bytes | BinaryIO): A path, bytes-like object or a file
            opened in binary mode.
        name (str | None): The name messages use; None: the file's name, or "the image".
        limit (int | None): The most bytes accepted; None: MAX_FILE_BYTES.

    Returns:
        (tuple[bytes, str]): The bytes and the name for messages.

    Raises:
        InputError: Not a file, unreadable, opened in text mode, or larger than `limit`.
    """
    limit = MAX_FILE_BYTES if limit is None else limit
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        label = name or path.name
        try:
            if not path.is_file():
                raise InputError(f"{label} is not a file")
            size = path.stat().st_size
            if size > limit:
                raise InputError(f"{label} is {_size_text(size)}; the limit is {_size_text(limit)}")
            data = path.read_bytes()
        except OSError as error:
            raise InputError(f"{label} could not be read: {error.strerror or error}") from None
    elif isinstance(source, (bytes, bytearray, memoryview)):
        label = name or "the image"
        data = bytes(source)
    elif hasattr(source, "read"):
        label = name or Path(str(getattr(source, "name", "") or "the image")).name
        try:
            data = source.read(limit + 1)
        except Exception as error:  # any file-like object: report, never crash
            raise InputError(f"{label} could not be read: {error}") from None
        if not isinstance(data, (bytes, bytearray)):
            raise InputError(f"{label} must be opened in binary mode")
        data = bytes(data)
    else:
        raise InputError(f"expected a file path, bytes or a binary file; got {type(source).__name__}")
    if len(data) > limit:
        raise InputError(f"{label} is larger than {_size_text(limit)}, the limit")
    return data, label


def sniff_format(data: bytes, label: str) -> str:
    """The Pillow format name of an allowed image, from its magic bytes.

    Args:
        data (bytes): The file's bytes.
        label (str): The file's name, for messages.

    Returns:
        (str): "PNG", "JPEG", "GIF", "BMP", "TIFF" or "WEBP".

    Raises:
        InputError: The bytes are not an allowed image; the message says what they are
            (a PDF, an HTML file, a zip archive, text...).

    Examples:
        >>> sniff_format(Path("sample_images/camera.png").read_bytes(), "camera.png")
        'PNG'
        >>> sniff_format(b"%PDF-1.7 ...", "scan.png")
        Traceback (most recent call last):
        ...
        explorer.errors.InputError: scan.png is a PDF document, not a supported image (PNG, JPEG, ...)
    """
    if not data:
        raise InputError(f"{label} is empty (0 bytes)")
    for magic, fmt in _ALLOWED:
        if data.startswith(magic):
            return fmt
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    for magic, what in _REFUSED:
        if data.startswith(magic):
            raise InputError(f"{label} is {what}, not a supported image ({SUPPORTED})")
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:200]:
        raise InputError(f"{label} is an HTML file, not an image")
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        raise InputError(f"{label} is an SVG drawing; vector images are not supported ({SUPPORTED})")
    sample = data[:512]
    if all(32 <= byte < 127 or byte in b"\t\r\n" for byte in sample):
        raise InputError(f"{label} is a text file, not an image")
    raise InputError(f"{label} is not a supported image ({SUPPORTED})")


def _open_header(data: bytes, fmt: str, label: str) -> Image.Image:
    """Open with the one allowed plugin, reading the header only.

    The plugin is called directly: Image.open would refuse a huge header with Pillow's own
    bomb error, before we could say how big the image claims to be.
    """
    Image.init()  # Pillow registers its plugins lazily
    factory, _accept = Image.OPEN[fmt]
    try:
        return factory(io.BytesIO(data), label)
    except Exception as error:
        raise InputError(f"{label} is not a valid {fmt} file ({_reason(error)})") from None


def _reason(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def _upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation (phone photos); a corrupt EXIF block is ignored."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:
        return image


def _stretch_to_uint8(values: np.ndarray) -> np.ndarray:
    """High bit depth (16-bit, 32-bit int, float) to 0..255, from the image's own min..max:
    scaled, not clipped, so 12-bit microscopy in a 16-bit file is not black or white."""
    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values)
    if not finite.any():
        return np.zeros(values.shape, np.uint8)
    low, high = values[finite].min(), values[finite].max()
    scaled = np.zeros(values.shape) if high == low else (np.where(finite, values, low) - low) * (255.0 / (high - low))
    return np.rint(scaled).astype(np.uint8)


def _composite(image: Image.Image) -> Image.Image:
    """Alpha composited on the fixed background, as RGB."""
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (BACKGROUND,) * 3 + (255,))
    return Image.alpha_composite(background, rgba).convert("RGB")


def to_array(image: Image.Image) -> np.ndarray:
    """Any Pillow mode as uint8: H x W x 1 for grey, H x W x 3 for colour.

    Alpha is composited on white; 16-bit, 32-bit and float data are stretched from their own
    range to 0..255.

    Args:
        image (PIL.Image.Image): A decoded image, any mode.

    Returns:
        (np.ndarray): uint8, H x W x 1 or H x W x 3.
    """
    mode = image.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        return _stretch_to_uint8(np.asarray(image))[..., None]
    if mode == "P" and ("transparency" in image.info or image.palette.mode == "RGBA"):
        image = _composite(image)
    elif mode in ("LA", "La", "PA"):
        grey = mode != "PA"
        image = _composite(image)
        if grey:
            image = image.convert("L")
    elif mode in ("RGBA", "RGBa"):
        image = _composite(image)
    if image.mode in ("1", "L"):
        return np.array(image.convert("L"), dtype=np.uint8)[..., None]
    return np.array(image.convert("RGB"), dtype=np.uint8)


@dataclass(frozen=True)
class LoadedImage:
    """An image as the preview holds it, and the size of the file it came from."""

    pixels: np.ndarray  # uint8 H x W x 3 or x 1, reduced to max_side if it was larger
    original_size: tuple[int, int]  # (height, width) of the file, upright (EXIF orientation applied)


def decode_image(data: bytes, label: str = "the image", max_side: int | None = None) -> np.ndarray:
    """Decode bytes already in memory, with `load_image`'s rules.

    Args:
        data (bytes): The file's bytes.
        label (str): The file's name, for messages.
        max_side (int | None): Reduce larger images so that their longer side is max_side.

    Returns:
        (np.ndarray): uint8 H x W x 3 (colour) or H x W x 1 (grey).

    Raises:
        InputError: Anything unusable (see `load_image`).
    """
    return decode_image_sized(data, label, max_side).pixels


def decode_image_sized(data: bytes, label: str = "the image", max_side: int | None = None) -> LoadedImage:
    """`decode_image`, with the file's own (upright) size beside the possibly reduced pixels.

    Args:
        data (bytes): The file's bytes.
        label (str): The file's name, for messages.
        max_side (int | None): Reduce larger images so that their longer side is max_side.

    Returns:
        (LoadedImage): The pixels and the file's (height, width).

    Raises:
        InputError: Anything unusable (see `load_image`).
    """
    fmt = sniff_format(data, label)
    image = _open_header(data, fmt, label)
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise InputError(f"{label} is {width}x{height} pixels; the limit is {MAX_PIXELS // 1_000_000} megapixels")
    if min(width, height) < MIN_SIDE:
        raise InputError(f"{label} is {width}x{height} pixels; images must be at least {MIN_SIDE} pixels on each side")
    try:
        if max_side and fmt == "JPEG":
            # The JPEG decoder itself scales by 1/2, 1/4 or 1/8: a 40 MP photo is never
            # decoded at full size for a preview.
            image.draft(image.mode, (max_side, max_side))
        image.load()  # the first frame only (GIF, multi-page TIFF)
        loaded = image.size
        image = _upright(image)
        turned = image.size != loaded  # EXIF turned it by 90 degrees
        pixels = to_array(image)
    except InputError:
        raise
    except Exception as error:  # truncated or corrupt data, whatever the decoder raises
        raise InputError(
            f"{label} could not be decoded: the {fmt} data is truncated or corrupt ({_reason(error)})"
        ) from None
    if max_side and max(pixels.shape[:2]) > max_side:
        pixels = resize(pixels, _fit(pixels.shape[:2], max_side))
    return LoadedImage(pixels, (width, height) if turned else (height, width))


def _fit(shape: tuple[int, int], max_side: int) -> tuple[int, int]:
    height, width = shape
    scale = max_side / max(height, width)
    return max(1, round(height * scale)), max(1, round(width * scale))


def resize(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """uint8 H x W x C resized to (height, width) with Pillow: `reduce` steps, then bilinear.

    Args:
        pixels (np.ndarray): uint8 H x W x 1 or H x W x 3.
        size (tuple[int, int]): The new (height, width).

    Returns:
        (np.ndarray): uint8, height x width x C.

    Examples:
        >>> import numpy as np
        >>> resize(np.zeros((40, 60, 3), np.uint8), (20, 30)).shape
        (20, 30, 3)
    """
    height, width = size
    image = Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels)
    image = image.resize((width, height), Image.Resampling.BILINEAR, reducing_gap=2.0)
    out = np.asarray(image, dtype=np.uint8)
    return out[..., None] if out.ndim == 2 else out


def load_image(source, max_side: int | None = None, name: str | None = None) -> np.ndarray:
    """Load an image a user brings: a path, bytes or a binary file object.

    PNG, JPEG, BMP, GIF (first frame), TIFF (first page) and WebP; every Pillow mode is
    converted: alpha (LA, RGBA, palette transparency) is composited on white, CMYK and
    others become RGB, 16-bit, 32-bit and float data are stretched from their own range to
    0..255. EXIF orientation is applied; a corrupt EXIF block is ignored. Other formats are
    refused by their magic bytes before any decoder runs, and the limits (file size
    MAX_FILE_BYTES, MAX_PIXELS from the header, MIN_SIDE) are checked before decoding.

    Args:
        source (str | os.PathLike | bytes | BinaryIO): A path, the file's bytes, or a file
            opened in binary mode (an upload).
        max_side (int | None): Reduce larger images so that their longer side is max_side
            pixels (JPEGs are reduced inside the decoder); None: full size.
        name (str | None): The name messages use; None: the file's own name, or "the image".

    Returns:
        (np.ndarray): uint8 H x W x 3 (colour) or H x W x 1 (grey), 0..255.

    Raises:
        InputError: Anything unusable, and only InputError: the message names the file and
            the problem ("notes.png is an HTML file, not an image").

    Examples:
        >>> from explorer import load_image
        >>> load_image("sample_images/coffee.jpg").shape
        (200, 300, 3)
        >>> load_image("sample_images/coffee.jpg", max_side=150).shape
        (100, 150, 3)
        >>> image = load_image("sample_images/camera.png")
        >>> image.shape, image.dtype.name
        ((256, 256, 1), 'uint8')
        >>> load_image(b"<html><body>Not found</body></html>", name="notes.png")
        Traceback (most recent call last):
        ...
        explorer.errors.InputError: notes.png is an HTML file, not an image
    """
    return load_image_sized(source, max_side, name).pixels


def load_image_sized(source, max_side: int | None = None, name: str | None = None) -> LoadedImage:
    """`load_image`, with the file's own (upright) size beside the possibly reduced pixels.

    Args:
        source (str | os.PathLike | bytes | BinaryIO): As `load_image`'s.
        max_side (int | None): As `load_image`'s.
        name (str | None): As `load_image`'s.

    Returns:
        (LoadedImage): The pixels and the file's own (height, width).

    Raises:
        InputError: As `load_image`.

    Examples:
        >>> loaded = load_image_sized("sample_images/coffee.jpg", max_side=150)
        >>> loaded.pixels.shape, loaded.original_size
        ((100, 150, 3), (200, 300))
    """
    data, label = read_source(source, name)
    return decode_image_sized(data, label, max_side)
