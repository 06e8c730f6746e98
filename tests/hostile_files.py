"""A corpus of hostile and unusual input files for testing an image / dataset loader.

Everything is generated in memory and deterministically (fixed seeds, fixed zip
timestamps) with Pillow, numpy, zipfile, struct and zlib; nothing is downloaded.
Image generators return the encoded file as ``bytes``; dataset generators return
the bytes of a zip archive.  Files are small (well under 200 KB) unless a
docstring says otherwise, and the whole corpus builds in well under two seconds.

Behaviour notes in the docstrings were observed with Python 3.11 and Pillow 13;
run ``python tests/hostile_files.py`` to print what the current Pillow / zipfile
make of every item.

Use it from tests as, for example::

    from hostile_files import jpeg_with_orientation, zip_with_traversal
    path.write_bytes(jpeg_with_orientation(6))

or iterate over ``image_corpus()`` / ``dataset_corpus()``.
"""

from __future__ import annotations

import io
import struct
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

__all__ = [
    # valid images
    "png",
    "jpeg",
    "bmp",
    "webp",
    "tiff",
    "gif",
    "palette_png_with_transparency",
    "la_png",
    "gif_first_frame_differs",
    "gif_many_frames",
    "jpeg_with_orientation",
    "jpeg_with_corrupt_exif",
    # broken / lying / not-an-image files
    "truncated",
    "png_claiming_huge_size",
    "html_as_png",
    "text_as_png",
    "empty",
    "pdf_bytes",
    "eps_bytes",
    "svg_bytes",
    "psd_header",
    "fits_bytes",
    # datasets
    "dataset_zip",
    "zip_with_traversal",
    "zip_with_symlink",
    "zip_bomb",
    "zip_in_zip",
    "zip_with_duplicate_names",
    "zip_with_encrypted_entry",
    "zip_with_non_utf8_names",
    "zip_with_bad_utf8_flagged_name",
    "one_class_zip",
    "zip_with_too_many_entries",
    "zip_with_junk",
    "corrupt_zip",
    "dataset_folder",
    "folder_with_symlink",
    "image_corpus",
    "dataset_corpus",
]

DEFAULT_CLASSES = {"cats": 4, "dogs": 4}
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed timestamp: identical bytes on every run


# --------------------------------------------------------------------------- pixels


def _pixels(mode: str, size: tuple[int, int], seed: int) -> Image.Image:
    """A random-ish image of ``size`` (w, h) in Pillow ``mode``.

    Value ranges are chosen so that lossy handling is detectable:
    ``I;16`` spans 1000..60000 (a loader that clips to 255 is caught), ``I`` spans
    -70000..70000 (needs more than 16 bits, has negatives), ``F`` spans -3.5..7.25.
    """
    w, h = size
    rs = np.random.RandomState(seed)
    channels = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4, "CMYK": 4}
    if mode in channels:
        shape = (h, w) if channels[mode] == 1 else (h, w, channels[mode])
        return Image.frombytes(mode, size, rs.randint(0, 256, shape, dtype=np.uint8).tobytes())
    if mode == "1":
        return (
            Image.frombytes("L", size, rs.randint(0, 2, (h, w), dtype=np.uint8).tobytes())
            .point(lambda v: 255 * v)
            .convert("1", dither=Image.Dither.NONE)
        )
    if mode == "P":
        im = Image.frombytes("L", size, rs.randint(0, 16, (h, w), dtype=np.uint8).tobytes())
        im = im.convert("P")  # no dithering/quantising: an L->P conversion keeps indices 0..15
        im.putpalette(rs.randint(0, 256, 16 * 3, dtype=np.uint8).tobytes())
        return im
    if mode == "I;16":
        a = rs.randint(1000, 60001, (h, w)).astype("<u2")
        a.flat[0], a.flat[-1] = 1000, 60000  # guarantee the full span
        return Image.frombytes("I;16", size, a.tobytes())
    if mode == "I":
        a = rs.randint(-70000, 70001, (h, w)).astype(np.int32)
        a.flat[0], a.flat[-1] = -70000, 70000
        return Image.frombytes("I", size, a.tobytes())
    if mode == "F":
        a = rs.uniform(-3.5, 7.25, (h, w)).astype(np.float32)
        a.flat[0], a.flat[-1] = -3.5, 7.25
        return Image.frombytes("F", size, a.tobytes())
    raise ValueError(f"unsupported mode {mode!r}")


def _encode(im: Image.Image, fmt: str, **params) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def _check_mode(fmt: str, mode: str, allowed: tuple[str, ...]) -> None:
    if mode not in allowed:
        raise ValueError(f"{fmt} generator supports modes {allowed}, not {mode!r}")


# --------------------------------------------------------------------------- valid images


def png(mode: str = "RGB", size: tuple[int, int] = (40, 30), seed: int = 0) -> bytes:
    """A valid PNG with random content.

    Modes: "1", "L", "LA", "P", "RGB", "RGBA", "I;16" (16-bit grayscale, values
    1000..60000; Pillow reopens it as mode "I;16").  A loader must keep the 16-bit
    range (or rescale it deliberately), never silently clip it to 0..255.
    """
    _check_mode("PNG", mode, ("1", "L", "LA", "P", "RGB", "RGBA", "I;16"))
    return _encode(_pixels(mode, size, seed), "PNG")


def jpeg(mode: str = "RGB", size: tuple[int, int] = (40, 30), seed: int = 0, exif=None) -> bytes:
    """A valid baseline JPEG (quality 90) with random content.

    Modes: "L", "RGB", "CMYK" (Adobe CMYK JPEG; Pillow reopens it as mode CMYK and
    a loader has to convert it to RGB itself).  ``exif`` may be an ``Image.Exif``,
    a ``{tag: value}`` dict or raw APP1 payload bytes (starting with b"Exif\\0\\0").
    """
    _check_mode("JPEG", mode, ("L", "RGB", "CMYK"))
    params = {"quality": 90}
    if exif is not None:
        params["exif"] = _exif_bytes(exif)
    return _encode(_pixels(mode, size, seed), "JPEG", **params)


def bmp(mode: str = "RGB", size: tuple[int, int] = (40, 30), seed: int = 0) -> bytes:
    """A valid uncompressed BMP.  Modes: "1", "L", "P", "RGB", "RGBA".

    "RGBA" is written as 32-bit BGRA, but Pillow reads a 32-bit BI_RGB BMP back
    as mode "RGB" (the fourth byte is treated as padding): alpha is lost.
    """
    _check_mode("BMP", mode, ("1", "L", "P", "RGB", "RGBA"))
    return _encode(_pixels(mode, size, seed), "BMP")


def webp(mode: str = "RGB", size: tuple[int, int] = (40, 30), seed: int = 0) -> bytes:
    """A valid lossless WebP.  Modes: "RGB", "RGBA" (WebP stores nothing else)."""
    _check_mode("WEBP", mode, ("RGB", "RGBA"))
    return _encode(_pixels(mode, size, seed), "WEBP", lossless=True)


def tiff(mode: str = "RGB", size: tuple[int, int] = (40, 30), seed: int = 0) -> bytes:
    """A valid uncompressed TIFF.

    Modes: "1", "L", "LA", "P", "RGB", "RGBA", "CMYK", "I;16" (1000..60000),
    "I" (signed 32-bit, -70000..70000) and "F" (32-bit float, -3.5..7.25).
    The last three are what breaks naive ``np.asarray(im).astype(uint8)`` loaders:
    a careful loader either rejects them or converts with an explicit rescale.
    """
    _check_mode("TIFF", mode, ("1", "L", "LA", "P", "RGB", "RGBA", "CMYK", "I;16", "I", "F"))
    return _encode(_pixels(mode, size, seed), "TIFF")


def gif(size: tuple[int, int] = (40, 30), seed: int = 0) -> bytes:
    """A valid single-frame GIF (mode "P", 16 colours)."""
    return _encode(_pixels("P", size, seed), "GIF")


def palette_png_with_transparency() -> bytes:
    """A 32x16 "P" PNG with a 4-colour palette; palette index 0 is fully transparent.

    The left half uses index 0 (transparent black), the right half indices 1..3
    (opaque red, green, blue stripes).  Pillow reopens it with
    ``info["transparency"] == 0``; ``.convert("RGBA")`` gives alpha 0 on the left
    half, while ``.convert("RGB")`` silently turns the transparent half black.
    A careful loader decides explicitly (composite on a background or keep alpha).
    """
    w, h = 32, 16
    idx = np.zeros((h, w), np.uint8)
    idx[:, w // 2 :] = 1 + (np.arange(w - w // 2) % 3)
    im = Image.frombytes("L", (w, h), idx.tobytes()).convert("P")
    im.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255])
    return _encode(im, "PNG", transparency=0)


def la_png(size: tuple[int, int] = (32, 16)) -> bytes:
    """A mode "LA" PNG (grayscale + alpha): luminance ramps down the rows, alpha
    ramps 0..255 across the columns.  ``.convert("RGB")`` drops alpha; a loader
    that expects 1 or 3 channels from ``np.asarray`` gets 2 and must cope."""
    w, h = size
    lum = np.repeat(np.linspace(0, 255, h).astype(np.uint8)[:, None], w, axis=1)
    alpha = np.repeat(np.linspace(0, 255, w).astype(np.uint8)[None, :], h, axis=0)
    return _encode(Image.fromarray(np.dstack([lum, alpha])), "PNG")


def gif_first_frame_differs(frames: int = 3, size: tuple[int, int] = (24, 16)) -> bytes:
    """An animated GIF whose frame 0 is solid pure red (255, 0, 0); every later
    frame is a solid blue/cyan (0, g, 255) — never red.  (Frames are mapped onto
    Pillow's web palette, so frame 1 of 3 is (0, 102, 255), frame 2 (0, 255, 255).)

    ``Image.open`` shows frame 0 (mode "P"; ``.convert("RGB")`` is pure red) and
    ``n_frames == frames``.  A loader that reads "the image" should get the red
    frame; one that seeks to the last frame (or iterates and keeps the last)
    gets a different colour.
    """
    colours = [(255, 0, 0)] + [(0, 255 * k // max(frames - 1, 1), 255) for k in range(1, frames)]
    ims = [Image.new("RGB", size, c).convert("P") for c in colours]
    return _encode(ims[0], "GIF", save_all=True, append_images=ims[1:], duration=40, loop=0)


def gif_many_frames(frames: int = 3000, size: tuple[int, int] = (16, 16)) -> bytes:
    """An animated GIF with ``frames`` (default 3000) tiny frames, about 20 bytes each.

    Written by hand (Pillow would be slow on thousands of frames): a black
    ``size`` canvas, and frame k (a 1x1 patch, "do not dispose") paints pixel
    k mod (w*h) (row-major) white, so the composited frames accumulate white
    pixels: frame 0 is all black, frame 5 has pixels 1..5 of row 0 white.
    A loader that materialises every frame (``ImageSequence``/``n_frames``/
    ``seek`` loops) spends time proportional to ``frames``; one that only decodes
    frame 0 is instant.  Pillow reports ``n_frames == frames``.
    """
    w, h = size
    out = bytearray(b"GIF89a" + struct.pack("<HHBBB", w, h, 0x80, 0, 0))  # global table, 2 colours
    out += b"\x00\x00\x00\xff\xff\xff"  # black, white
    out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop forever
    # first frame: full canvas of colour 0
    out += _gif_frame(0, 0, w, h, bytes(w * h))
    for k in range(1, frames):
        x, y = k % w, (k // w) % h
        out += _gif_frame(x, y, 1, 1, b"\x01")
    out += b"\x3b"
    return bytes(out)


def _gif_frame(x: int, y: int, w: int, h: int, pixels: bytes) -> bytes:
    """Graphic control extension + image descriptor + LZW data (min code size 2)."""
    gce = b"\x21\xf9\x04\x04\x02\x00\x00\x00"  # dispose: do not dispose, delay 2 cs
    desc = b"\x2c" + struct.pack("<HHHHB", x, y, w, h, 0)
    data = _gif_lzw(pixels)
    blocks = b"".join(bytes([len(data[i : i + 255])]) + data[i : i + 255] for i in range(0, len(data), 255))
    return gce + desc + b"\x02" + blocks + b"\x00"


def _gif_lzw(pixels: bytes) -> bytes:
    """Uncompressed-style GIF LZW: emit a clear code every few codes so the code
    size stays at 3 bits (min code size 2: clear=4, end=5, table grows from 6)."""
    bits, nbits = 0, 0
    out = bytearray()

    def emit(code: int) -> None:
        nonlocal bits, nbits
        bits |= code << nbits
        nbits += 3
        while nbits >= 8:
            out.append(bits & 0xFF)
            bits >>= 8
            nbits -= 8

    emit(4)
    for i, p in enumerate(pixels):
        if i and i % 2 == 0:  # after 2 literals the decoder's table reaches 8 entries: reset
            emit(4)
        emit(p)
    emit(5)
    if nbits:
        out.append(bits & 0xFF)
    return bytes(out)


# --------------------------------------------------------------------------- EXIF


def _exif_bytes(exif) -> bytes:
    if isinstance(exif, (bytes, bytearray)):
        return bytes(exif)
    if isinstance(exif, dict):
        e = Image.Exif()
        e.update(exif)
        exif = e
    return exif.tobytes()


def _marker_image(size: tuple[int, int]) -> Image.Image:
    """Black image with the top-left quadrant white."""
    w, h = size
    a = np.zeros((h, w), np.uint8)
    a[: h // 2, : w // 2] = 255
    return Image.frombytes("L", size, a.tobytes()).convert("RGB")


def jpeg_with_orientation(orientation: int, size: tuple[int, int] = (40, 20)) -> bytes:
    """A 40x20 (w x h) JPEG, black with the top-left 20x10 quadrant white, whose
    EXIF Orientation tag (0x0112) is ``orientation``.  The stored pixels are NOT
    rotated; a loader that honours EXIF must transpose them.  After
    ``PIL.ImageOps.exif_transpose`` (verified):

    ====  ===================  =========  =========================
    tag   transpose            size       white quadrant ends up at
    ====  ===================  =========  =========================
    1     none                 40 x 20    top-left
    3     rotate 180           40 x 20    bottom-right
    6     rotate 90 clockwise  20 x 40    top-right
    8     rotate 90 ccw        20 x 40    bottom-left
    ====  ===================  =========  =========================

    (Other values 2, 4, 5, 7 are mirrors and work too; see Pillow's table.)
    A loader that ignores EXIF returns 40x20 with the marker top-left.
    """
    return _encode(_marker_image(size), "JPEG", quality=95, exif=_exif_bytes({0x0112: orientation}))


def jpeg_with_corrupt_exif(kind: str = "junk") -> bytes:
    """A valid 40x30 JPEG whose APP1 "Exif" segment is garbage.

    ``kind="junk"``: ``b"Exif\\0\\0"`` followed by 64 random bytes (no TIFF header).
    ``kind="bad_offset"``: a correct little-endian TIFF header whose IFD0 offset
    points far past the end of the segment.

    Observed with Pillow 13 (pixels always decode, identical to ``jpeg()``):

    * "junk": silent.  ``im.getexif()`` returns an empty Exif and
      ``ImageOps.exif_transpose(im)`` returns an unrotated copy; nothing raises
      or warns.
    * "bad_offset": ``Image.open`` itself (JPEG plugin, reading DPI from EXIF)
      emits ``UserWarning("Corrupt EXIF data.  Expecting to read 2 bytes but
      only got 0. ")``, and ``getexif()`` / ``exif_transpose`` emit it again, then
      return an empty Exif / an unrotated copy.  Nothing raises under default
      warning filters, but under ``-W error`` (or pytest ``filterwarnings =
      error``) ``Image.open`` raises that UserWarning.  A careful loader opens
      images with such warnings suppressed or caught, and treats the EXIF as
      absent rather than failing the image.
    """
    rs = np.random.RandomState(1)
    if kind == "junk":
        payload = b"Exif\x00\x00" + rs.bytes(64)
    elif kind == "bad_offset":
        payload = b"Exif\x00\x00" + b"II*\x00" + struct.pack("<I", 0x7FFF0000) + rs.bytes(8)
    else:
        raise ValueError(f"kind must be 'junk' or 'bad_offset', not {kind!r}")
    return _insert_app_segment(jpeg(), 0xE1, payload)


def _insert_app_segment(jpg: bytes, marker: int, payload: bytes) -> bytes:
    """Insert an APPn segment straight after SOI."""
    assert jpg[:2] == b"\xff\xd8"
    return jpg[:2] + struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload + jpg[2:]


# --------------------------------------------------------------------------- broken / lying files


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    """The first ``keep`` fraction of ``data``.

    Observed with Pillow 13 for ``truncated(png())`` and ``truncated(jpeg())``:
    ``Image.open`` succeeds (the header is intact) and reports the full size, and
    ``.load()`` raises ``OSError``: "image file is truncated" for the PNG,
    "image file is truncated (52 bytes not processed)" for the JPEG.  With
    ``ImageFile.LOAD_TRUNCATED_IMAGES = True`` Pillow instead loads them
    silently, the missing part filled in (black rows for the PNG, grey blocks
    for the JPEG).  A careful loader treats such files as unreadable (skip or
    report), never as valid.
    """
    return bytes(data[: int(len(data) * keep)])


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def png_claiming_huge_size(width: int = 30000, height: int = 30000) -> bytes:
    """A 138-byte PNG whose IHDR claims ``width`` x ``height`` 8-bit grayscale,
    with a tiny IDAT holding only the first two rows.  All CRCs are correct.

    Observed with Pillow 13 and the default ``Image.MAX_IMAGE_PIXELS`` (~89.5 M):
    30000x30000 = 900 M pixels is over twice the limit, so ``Image.open`` itself
    raises ``PIL.Image.DecompressionBombError`` (not an OSError) before decoding.
    With ``MAX_IMAGE_PIXELS = None``, ``Image.open`` reports ``size == (30000,
    30000)`` without decoding; ``.load()`` would then allocate ~900 MB and fail
    with a truncation OSError — a loader must check ``size`` before ``load()``.
    Between 89.5 M and 179 M pixels Pillow only warns (DecompressionBombWarning).
    """
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (2 * (width + 1)), 9)
    chunks = _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def html_as_png() -> bytes:
    """An HTML error page, the kind a web server returns instead of an image
    (meant to be saved as ``something.png``).  Pillow: ``UnidentifiedImageError``."""
    return (
        b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n"
        b"<body><h1>Not Found</h1><p>The requested image was not found.</p></body></html>\n"
    )


def text_as_png() -> bytes:
    """Plain text (a Git LFS pointer file) meant to be saved as ``something.png``.
    Pillow: ``UnidentifiedImageError``."""
    return (
        b"version https://git-lfs.github.com/spec/v1\n"
        b"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
        b"size 12345\n"
    )


def empty() -> bytes:
    """A zero-byte file.  Pillow: ``UnidentifiedImageError``."""
    return b""


def pdf_bytes() -> bytes:
    """A minimal, valid one-page PDF 1.4 (correct xref offsets).  Pillow can write
    PDFs but not read them: ``UnidentifiedImageError``."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def eps_bytes() -> bytes:
    """A tiny EPS (10x10 pt grey square).  Pillow identifies it (format "EPS",
    size (10, 10)) from the header, but ``.load()`` needs Ghostscript and raises
    ``OSError("Unable to locate Ghostscript on paths")`` when it is absent.  A
    careful loader rejects or whitelists formats rather than shelling out."""
    return (
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n%%Pages: 1\n%%EndComments\n"
        b"0.5 setgray 0 0 10 10 rectfill\nshowpage\n%%EOF\n"
    )


def svg_bytes() -> bytes:
    """A small SVG (a red circle).  Pillow cannot read SVG: ``UnidentifiedImageError``."""
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24">'
        b'<circle cx="12" cy="12" r="10" fill="red"/></svg>\n'
    )


def psd_header() -> bytes:
    """Only the 26-byte header of a Photoshop file (b"8BPS", version 1, 3 channels,
    30x40, 8-bit RGB) and nothing after it.  Pillow's PSD plugin fails while
    opening, which ``Image.open`` reports as ``UnidentifiedImageError``."""
    return b"8BPS" + struct.pack(">H6sHIIHH", 1, b"\0" * 6, 3, 30, 40, 8, 3)


def fits_bytes() -> bytes:
    """A valid FITS file: one 2880-byte header block starting with
    ``SIMPLE  =                    T`` (BITPIX 8, NAXIS 2, 8x6) and one
    2880-byte data block.  Pillow 13 decodes it (format "FITS", mode "L",
    size (8, 6)); a loader that only wants photo formats should reject it by
    ``im.format`` rather than by file extension."""
    cards = [
        "SIMPLE  =                    T",
        "BITPIX  =                    8",
        "NAXIS   =                    2",
        "NAXIS1  =                    8",
        "NAXIS2  =                    6",
        "END",
    ]
    header = b"".join(c.ljust(80).encode("ascii") for c in cards).ljust(2880, b" ")
    data = bytes(range(0, 8 * 6 * 5, 5)).ljust(2880, b"\0")
    return header + data


# --------------------------------------------------------------------------- zip helpers


def _zinfo(name: str, compress: int = zipfile.ZIP_DEFLATED) -> zipfile.ZipInfo:
    zi = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)  # ZipInfo keeps "../" and leading "/" verbatim
    zi.compress_type = compress
    zi.create_system = 3  # Unix, so external_attr mode bits mean something
    zi.external_attr = 0o100644 << 16
    return zi


def _write_entries(zf: zipfile.ZipFile, entries) -> None:
    """Write ``(name, data)`` pairs; PNG/zip payloads are stored, the rest deflated."""
    for name, data in entries:
        stored = data[:4] in (b"\x89PNG", b"PK\x03\x04")
        zf.writestr(_zinfo(name, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED), data)


def _zip(entries) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        _write_entries(zf, entries)
    return buf.getvalue()


def _dataset_entries(classes=None, size=(24, 24), prefix=""):
    """``prefix + class/img_k.png`` entries, distinct deterministic content each."""
    classes = DEFAULT_CLASSES if classes is None else classes
    for ci, (cls, n) in enumerate(classes.items()):
        for k in range(n):
            yield f"{prefix}{cls}/img_{k}.png", png("RGB", size, seed=1000 * ci + k)


def _patch_zip_headers(data: bytes, name: bytes, flags_or: int = 0, new_name: bytes | None = None) -> bytes:
    """Patch every local (PK\\x03\\x04) and central (PK\\x01\\x02) header whose
    file name is exactly ``name``: OR ``flags_or`` into the general-purpose flag
    and optionally replace the name by ``new_name`` of the same length (so all
    offsets stay valid).  Raises if the name is not found in both kinds."""
    if new_name is not None and len(new_name) != len(name):
        raise ValueError("replacement name must have the same length")
    out = bytearray(data)
    found = {b"PK\x03\x04": 0, b"PK\x01\x02": 0}
    # (signature, offset of flags, offset of name length, offset of name)
    for sig, flag_at, nlen_at, name_at in ((b"PK\x03\x04", 6, 26, 30), (b"PK\x01\x02", 8, 28, 46)):
        pos = out.find(sig)
        while pos != -1:
            if pos + name_at <= len(out):
                (nlen,) = struct.unpack_from("<H", out, pos + nlen_at)
                if nlen == len(name) and out[pos + name_at : pos + name_at + nlen] == name:
                    (flags,) = struct.unpack_from("<H", out, pos + flag_at)
                    struct.pack_into("<H", out, pos + flag_at, flags | flags_or)
                    if new_name is not None:
                        out[pos + name_at : pos + name_at + nlen] = new_name
                    found[sig] += 1
            pos = out.find(sig, pos + 1)
    if not all(found.values()):
        raise ValueError(f"{name!r} not found in both local and central headers: {found}")
    return bytes(out)


# --------------------------------------------------------------------------- datasets


def dataset_zip(
    classes=None, size=(24, 24), wrap_folder: str | None = None, extra: dict[str, bytes] | None = None
) -> bytes:
    """A valid class-per-folder dataset: ``class_name/img_k.png`` (RGB PNGs of
    ``size``), default ``{"cats": 4, "dogs": 4}``.  With ``wrap_folder`` every
    entry lives under ``wrap_folder/`` (as when someone zips the folder rather
    than its contents; a careful loader strips the single top folder).  ``extra``
    maps entry names to bytes added verbatim after the images (for mixing in
    hostile entries).  No explicit directory entries are written."""
    prefix = f"{wrap_folder.strip('/')}/" if wrap_folder else ""
    entries = list(_dataset_entries(classes, size, prefix))
    entries += list((extra or {}).items())
    return _zip(entries)


def zip_with_traversal() -> bytes:
    """The default dataset plus entries "../evil.png", "cats/../../evil2.png" and
    the absolute "/etc/evil.png" (valid PNG content).  ``ZipFile.namelist()``
    shows the names verbatim; ``ZipFile.extractall`` sanitises them (drops ".."
    components and the leading "/": they land at "evil.png", "cats/evil2.png"
    and "etc/evil.png" inside the target), but a loader that joins names onto a path itself would
    write outside its target.  A careful loader rejects or skips such entries."""
    evil = png(seed=666)
    return dataset_zip(extra={"../evil.png": evil, "cats/../../evil2.png": evil, "/etc/evil.png": evil})


def zip_with_symlink() -> bytes:
    """The default dataset plus "cats/link.png", a Unix symlink entry
    (``external_attr = 0o120777 << 16``, create_system 3) whose content is the
    link target "/etc/passwd".  ``zipfile`` ignores the mode and reads/extracts
    it as an 11-byte regular file; tools such as ``unzip`` or a hand-rolled
    extractor that honour the mode would create a real symlink.  A careful loader
    skips entries whose mode is a symlink (``(external_attr >> 16) & 0o170000 ==
    0o120000``), or at least fails to decode the content as an image."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        _write_entries(zf, _dataset_entries())
        zi = _zinfo("cats/link.png", zipfile.ZIP_STORED)
        zi.external_attr = 0o120777 << 16
        zf.writestr(zi, b"/etc/passwd")
    return buf.getvalue()


def zip_bomb(ratio_target: float = 1000, uncompressed_size: int = 50 * 2**20) -> bytes:
    """The default dataset plus "cats/bomb.png": ``uncompressed_size`` (50 MiB)
    of zeros, deflated at level 9 to 50970 B (ratio ~1029, near the deflate
    maximum of ~1032).  The archive is ~66 KB.  ``ZipInfo.file_size`` honestly says 52428800, so a
    careful loader checks ``file_size`` (and the ratio ``file_size /
    compress_size``) before reading, and never reads more than a cap.  Raises
    ``ValueError`` if the achieved ratio is below ``ratio_target`` (deflate
    cannot exceed ~1032).  Builds in about 0.25 s."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compresslevel=9) as zf:
        _write_entries(zf, _dataset_entries())
        zi = _zinfo("cats/bomb.png")
        zi._compresslevel = 9  # ZipInfo passed explicitly does not inherit the archive's level
        chunk = bytes(2**20)
        with zf.open(zi, "w") as f:
            left = uncompressed_size
            while left:
                f.write(chunk[: min(left, len(chunk))])
                left -= min(left, len(chunk))
    data = buf.getvalue()
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("cats/bomb.png")
    if info.file_size / info.compress_size < ratio_target:
        raise ValueError(f"ratio {info.file_size / info.compress_size:.0f} < {ratio_target}")
    return data


def zip_in_zip() -> bytes:
    """The default dataset plus "cats/inner.zip", itself a complete (stored)
    dataset zip.  A careful loader does not recurse into it, and does not try to
    decode it as an image (Pillow: ``UnidentifiedImageError``)."""
    return dataset_zip(extra={"cats/inner.zip": dataset_zip(classes={"birds": 2})})


def zip_with_duplicate_names() -> bytes:
    """The default dataset plus two entries named "cats/a.png" with different
    content (seed 1 then seed 2).  ``namelist()`` lists the name twice;
    ``getinfo``/``read`` return the LAST one; ``extractall`` writes both, the
    second overwriting the first.  (Writing it makes zipfile warn "Duplicate
    name"; the warning is suppressed here.)  A careful loader counts it once or
    reports the duplicate, but must not count two images."""
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Duplicate name", category=UserWarning)
        with zipfile.ZipFile(buf, "w") as zf:
            _write_entries(zf, _dataset_entries())
            _write_entries(zf, [("cats/a.png", png(seed=1)), ("cats/a.png", png(seed=2))])
    return buf.getvalue()


def zip_with_encrypted_entry() -> bytes:
    """The default dataset plus "cats/secret.png" whose general-purpose flag bit 0
    (encrypted) is set in both the local and the central header (the data itself
    is a plain stored PNG).  ``getinfo(...).flag_bits & 1 == 1``; ``read`` /
    ``open`` raise ``RuntimeError("File 'cats/secret.png' is encrypted, password
    required for extraction")`` (with a password: ``RuntimeError("Bad password
    for file ...")``).  RuntimeError is neither OSError nor BadZipFile: a careful
    loader checks ``flag_bits & 1`` up front or catches it and skips the entry."""
    name = "cats/secret.png"
    data = dataset_zip(extra={name: png(seed=7)})
    return _patch_zip_headers(data, name.encode(), flags_or=0x1)


def _non_utf8_zip(utf8_flag: bool) -> bytes:
    data = dataset_zip(classes={"cl_X": 3, "dogs": 3})
    for k in range(3):
        name = f"cl_X/img_{k}.png".encode()
        data = _patch_zip_headers(
            data, name, flags_or=0x800 if utf8_flag else 0, new_name=name.replace(b"cl_X", b"cl_\xe9")
        )
    return data


def zip_with_non_utf8_names() -> bytes:
    """A dataset with classes b"cl_\\xe9" (3 images) and "dogs" (3): the class
    folder's name bytes contain 0xE9 (Latin-1 "é", invalid as UTF-8) and the
    UTF-8 flag 0x800 is NOT set, as old Windows/macOS zippers write.  ``zipfile``
    decodes such names as cp437, so ``namelist()`` shows "cl_Θ/img_0.png"
    (0xE9 is "Θ" in cp437).  A careful loader accepts the class under whatever
    name it decodes to, consistently, without crashing."""
    return _non_utf8_zip(utf8_flag=False)


def zip_with_bad_utf8_flagged_name() -> bytes:
    """Same as ``zip_with_non_utf8_names`` but with the UTF-8 flag 0x800 SET on
    the patched entries, so their names are invalid UTF-8.  Observed (Python
    3.11): ``zipfile.ZipFile(...)`` itself raises ``UnicodeDecodeError`` ("'utf-8'
    codec can't decode byte 0xe9 ...") while reading the central directory —
    not ``BadZipFile``; a loader catching only ``BadZipFile`` crashes."""
    return _non_utf8_zip(utf8_flag=True)


def one_class_zip() -> bytes:
    """A valid dataset with a single class folder "cats" (4 images).  A
    classifier loader should report "only one class" clearly (or accept it if
    that is its policy), not crash or divide by zero."""
    return dataset_zip(classes={"cats": 4})


def zip_with_too_many_entries(count: int = 25000) -> bytes:
    """A stored zip with ``count`` (25000) empty entries "a/<k>.png" and
    "b/<k>.png" (alternating) — 2.43 MB (built in ~0.3 s), by far the largest
    item.  Every
    entry is a zero-byte "image".  A careful loader caps the number of entries it
    will look at, and certainly does not try to decode 25000 files before
    noticing none is valid."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for k in range(count):
            zf.writestr(_zinfo(f"{'ab'[k % 2]}/{k}.png", zipfile.ZIP_STORED), b"")
    return buf.getvalue()


def zip_with_junk() -> bytes:
    """The default dataset plus typical junk: "__MACOSX/cats/._a.png"
    (AppleDouble resource fork), "cats/.DS_Store", "notes.txt" at the root,
    "cats/readme.md", and "stray.png" — a valid image at the root, in no class
    folder.  A careful loader ignores all of these: "__MACOSX" is not a class,
    hidden/non-image files are skipped, and the stray image is not a class."""
    appledouble = b"\x00\x05\x16\x07\x00\x02\x00\x00" + b"Mac OS X        " + bytes(58)
    ds_store = b"\x00\x00\x00\x01Bud1" + bytes(56)
    return dataset_zip(
        extra={
            "__MACOSX/cats/._a.png": appledouble,
            "cats/.DS_Store": ds_store,
            "notes.txt": b"collected 2024, see readme\n",
            "cats/readme.md": b"# cats\nFour cats.\n",
            "stray.png": png(seed=99),
        }
    )


def corrupt_zip() -> bytes:
    """256 bytes: a local-header signature b"PK\\x03\\x04" followed by random junk.
    ``zipfile.is_zipfile`` is False (no end-of-central-directory record) and
    ``zipfile.ZipFile`` raises ``BadZipFile("File is not a zip file")``."""
    return b"PK\x03\x04" + np.random.RandomState(3).bytes(252)


# --------------------------------------------------------------------------- on-disk datasets


def dataset_folder(root: Path, classes=None, size=(24, 24)) -> Path:
    """Write the ``dataset_zip`` layout to disk: ``root/class_name/img_k.png``.
    Returns ``root``."""
    root = Path(root)
    for name, data in _dataset_entries(classes, size):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def folder_with_symlink(root: Path, target: Path | None = None) -> Path:
    """Add ``root/<first class>/link.png``, a symlink to a file OUTSIDE ``root``.

    If ``target`` is None a valid PNG is written to
    ``root.parent / (root.name + "_outside") / "secret.png"`` and used as target.
    If ``root`` has no class folder, the default dataset is written first.
    Returns the link's path.  A careful loader either skips symlinks or resolves
    them and refuses those that leave ``root``."""
    root = Path(root)
    classes = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    if not classes:
        dataset_folder(root)
        classes = sorted(p for p in root.iterdir() if p.is_dir())
    if target is None:
        target = root.parent / f"{root.name}_outside" / "secret.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(png(seed=4242))
    link = classes[0] / "link.png"
    link.symlink_to(Path(target).resolve())
    return link


# --------------------------------------------------------------------------- corpus


def image_corpus() -> dict[str, bytes]:
    """Every single-file item, keyed by a descriptive name with an extension."""
    c: dict[str, bytes] = {}
    for m in ("1", "L", "LA", "P", "RGB", "RGBA", "I;16"):
        c[f"png_{m.replace(';', '')}.png"] = png(m)
    for m in ("L", "RGB", "CMYK"):
        c[f"jpeg_{m}.jpg"] = jpeg(m)
    for m in ("1", "L", "P", "RGB", "RGBA"):
        c[f"bmp_{m}.bmp"] = bmp(m)
    for m in ("RGB", "RGBA"):
        c[f"webp_{m}.webp"] = webp(m)
    for m in ("1", "L", "LA", "P", "RGB", "RGBA", "CMYK", "I;16", "I", "F"):
        c[f"tiff_{m.replace(';', '')}.tif"] = tiff(m)
    c["gif.gif"] = gif()
    c["palette_png_with_transparency.png"] = palette_png_with_transparency()
    c["la.png"] = la_png()
    c["gif_first_frame_differs.gif"] = gif_first_frame_differs()
    c["gif_many_frames.gif"] = gif_many_frames()
    for o in (3, 6, 8):
        c[f"jpeg_orientation_{o}.jpg"] = jpeg_with_orientation(o)
    c["jpeg_corrupt_exif_junk.jpg"] = jpeg_with_corrupt_exif("junk")
    c["jpeg_corrupt_exif_bad_offset.jpg"] = jpeg_with_corrupt_exif("bad_offset")
    c["truncated.png"] = truncated(png())
    c["truncated.jpg"] = truncated(jpeg())
    c["png_claiming_huge_size.png"] = png_claiming_huge_size()
    c["html_as.png"] = html_as_png()
    c["text_as.png"] = text_as_png()
    c["empty.png"] = empty()
    c["doc.pdf"] = pdf_bytes()
    c["art.eps"] = eps_bytes()
    c["drawing.svg"] = svg_bytes()
    c["header_only.psd"] = psd_header()
    c["tiny.fits"] = fits_bytes()
    return c


def dataset_corpus() -> dict[str, bytes]:
    """Every dataset zip, keyed by a descriptive file name."""
    return {
        "dataset.zip": dataset_zip(),
        "dataset_wrapped.zip": dataset_zip(wrap_folder="my_dataset"),
        "traversal.zip": zip_with_traversal(),
        "symlink.zip": zip_with_symlink(),
        "bomb.zip": zip_bomb(),
        "zip_in_zip.zip": zip_in_zip(),
        "duplicate_names.zip": zip_with_duplicate_names(),
        "encrypted_entry.zip": zip_with_encrypted_entry(),
        "non_utf8_names.zip": zip_with_non_utf8_names(),
        "bad_utf8_flagged_name.zip": zip_with_bad_utf8_flagged_name(),
        "one_class.zip": one_class_zip(),
        "too_many_entries.zip": zip_with_too_many_entries(),
        "junk.zip": zip_with_junk(),
        "corrupt.zip": corrupt_zip(),
    }


def _describe_image(data: bytes) -> str:
    try:
        with Image.open(io.BytesIO(data)) as im:
            head = f"{im.format} {im.mode} {im.size}"
            if getattr(im, "n_frames", 1) > 1:
                head += f" n_frames={im.n_frames}"
            try:
                im.load()
            except Exception as e:  # noqa: BLE001 - reporting, not handling
                return f"{head}; load() -> {type(e).__name__}: {e}"
            return head
    except Exception as e:  # noqa: BLE001
        return f"open -> {type(e).__name__}: {str(e)[:90]}"


def _describe_zip(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            names = [i.filename for i in infos]
            shown = names if len(names) <= 12 else names[:3] + ["..."]
            biggest = max(infos, key=lambda i: i.file_size)
            return (
                f"{len(names)} entries, largest {biggest.filename} {biggest.file_size} B "
                f"(stored as {biggest.compress_size} B): {shown}"
            )
    except Exception as e:  # noqa: BLE001
        return f"ZipFile -> {type(e).__name__}: {str(e)[:90]}"


if __name__ == "__main__":
    import time

    t0 = time.perf_counter()
    images, datasets = image_corpus(), dataset_corpus()
    elapsed = time.perf_counter() - t0
    for name, data in images.items():
        print(f"{name:36s} {len(data):8d} B  {_describe_image(data)}")
    print()
    for name, data in datasets.items():
        print(f"{name:36s} {len(data):8d} B  {_describe_zip(data)}")
    print(f"\ngenerated {len(images) + len(datasets)} items in {elapsed:.2f} s")
