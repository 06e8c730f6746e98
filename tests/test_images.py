"""load_image: every format and mode users bring, and a clear InputError for everything else."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

import hostile_files as hf
from explorer import InputError, load_image
from explorer.data import images as images_module

VALID = {
    "png RGB": (hf.png("RGB"), 3),
    "png L": (hf.png("L"), 1),
    "png 1-bit": (hf.png("1"), 1),
    "png LA": (hf.png("LA"), 1),
    "png palette": (hf.png("P"), 3),
    "png RGBA": (hf.png("RGBA"), 3),
    "png 16-bit": (hf.png("I;16"), 1),
    "jpeg RGB": (hf.jpeg("RGB"), 3),
    "jpeg L": (hf.jpeg("L"), 1),
    "jpeg CMYK": (hf.jpeg("CMYK"), 3),
    "bmp RGB": (hf.bmp("RGB"), 3),
    "bmp palette": (hf.bmp("P"), 3),
    "webp RGB": (hf.webp("RGB"), 3),
    "webp RGBA": (hf.webp("RGBA"), 3),
    "tiff RGB": (hf.tiff("RGB"), 3),
    "tiff CMYK": (hf.tiff("CMYK"), 3),
    "tiff 16-bit": (hf.tiff("I;16"), 1),
    "tiff 32-bit int": (hf.tiff("I"), 1),
    "tiff float": (hf.tiff("F"), 1),
    "gif": (hf.gif(), 3),
    "palette png with transparency": (hf.palette_png_with_transparency(), 3),
}


@pytest.mark.parametrize("name", VALID)
def test_every_format_and_mode_becomes_uint8(name):
    data, channels = VALID[name]
    pixels = load_image(data)
    assert pixels.dtype == np.uint8 and pixels.ndim == 3 and pixels.shape[-1] == channels
    assert pixels.shape[0] >= 8 and pixels.shape[1] >= 8


@pytest.mark.parametrize("kind", ["png", "tiff"])
def test_sixteen_bit_data_is_scaled_not_clipped(kind):
    data = getattr(hf, kind)("I;16")
    raw = np.asarray(Image.open(io.BytesIO(data)), dtype=np.float64)
    assert raw.max() > 255  # the fixture really is beyond 8 bits
    pixels = load_image(data)[..., 0].astype(np.float64)
    assert pixels.min() == 0 and pixels.max() == 255
    np.testing.assert_allclose(pixels, (raw - raw.min()) / (raw.max() - raw.min()) * 255, atol=0.5)


def test_float_data_with_negative_values_is_stretched():
    pixels = load_image(hf.tiff("F"))
    assert pixels.min() == 0 and pixels.max() == 255


def test_alpha_is_composited_on_white():
    rgba = np.zeros((10, 12, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[:, :6, 3] = 255  # left half opaque red-ish, right half fully transparent
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buffer, "PNG")
    pixels = load_image(buffer.getvalue())
    assert pixels[0, 0].tolist() == [200, 0, 0]
    assert pixels[0, -1].tolist() == [255, 255, 255]


def test_palette_transparency_and_la_become_opaque_over_white():
    palette = load_image(hf.palette_png_with_transparency())
    assert palette.shape[-1] == 3 and (palette == 255).all(axis=-1).any()
    la = load_image(hf.la_png())
    assert la.shape[-1] == 1


def test_gif_reads_the_first_frame_only():
    pixels = load_image(hf.gif_first_frame_differs())
    assert (pixels == [255, 0, 0]).all()


def test_gif_with_thousands_of_frames_loads_its_first():
    pixels = load_image(hf.gif_many_frames())
    assert pixels.shape[:2] == (16, 16)


@pytest.mark.parametrize(
    "orientation, shape, corner",
    [(3, (20, 40), (-1, -1)), (6, (40, 20), (0, -1)), (8, (40, 20), (-1, 0))],
    ids=["rotate 180", "rotate 90 cw", "rotate 90 ccw"],
)
def test_exif_orientation_is_applied(orientation, shape, corner):
    pixels = load_image(hf.jpeg_with_orientation(orientation))
    assert pixels.shape[:2] == shape
    assert pixels[corner].mean() > 200  # the white marker quadrant moved there
    assert pixels[0 if corner[0] else -1, 0 if corner[1] else -1].mean() < 50


@pytest.mark.parametrize("kind", ["junk", "bad_offset"])
def test_corrupt_exif_is_ignored_not_fatal(kind):
    pixels = load_image(hf.jpeg_with_corrupt_exif(kind))
    np.testing.assert_array_equal(pixels, load_image(hf.jpeg()))


@pytest.mark.parametrize(
    "data, message",
    [
        (hf.empty(), "notes.png is empty (0 bytes)"),
        (hf.html_as_png(), "notes.png is an HTML file, not an image"),
        (hf.text_as_png(), "notes.png is a text file, not an image"),
        (hf.pdf_bytes(), "notes.png is a PDF document, not a supported image"),
        (hf.eps_bytes(), "notes.png is a PostScript (EPS) file, not a supported image"),
        (hf.svg_bytes(), "notes.png is an SVG drawing; vector images are not supported"),
        (hf.psd_header(), "notes.png is a Photoshop (PSD) file, not a supported image"),
        (hf.fits_bytes(), "notes.png is a FITS file, not a supported image"),
        (hf.truncated(hf.png()), "notes.png could not be decoded: the PNG data is truncated or corrupt"),
        (hf.truncated(hf.jpeg()), "notes.png could not be decoded: the JPEG data is truncated or corrupt"),
        (hf.png_claiming_huge_size(), "notes.png is 30000x30000 pixels; the limit is 40 megapixels"),
        (hf.png(size=(4, 30)), "notes.png is 4x30 pixels; images must be at least 8 pixels on each side"),
        (hf.dataset_zip(), "notes.png is a zip archive, not a supported image"),
        (b"\x00\x01\x02\x03" * 50, "notes.png is not a supported image"),
    ],
    ids=[
        "empty",
        "html",
        "text",
        "pdf",
        "eps",
        "svg",
        "psd",
        "fits",
        "truncated png",
        "truncated jpeg",
        "huge header",
        "too small",
        "zip",
        "binary junk",
    ],
)
def test_unusable_files_raise_input_error_saying_why(data, message):
    with pytest.raises(InputError) as error:
        load_image(data, name="notes.png")
    assert str(error.value).startswith(message)


def test_sources_path_bytes_and_file_objects(tmp_path):
    data = hf.png()
    path = tmp_path / "photo.png"
    path.write_bytes(data)
    expected = load_image(data)
    np.testing.assert_array_equal(load_image(path), expected)
    np.testing.assert_array_equal(load_image(str(path)), expected)
    np.testing.assert_array_equal(load_image(io.BytesIO(data)), expected)
    with open(path, "rb") as handle:
        np.testing.assert_array_equal(load_image(handle), expected)
    with pytest.raises(InputError, match="photo.png is an HTML file"):
        path.write_bytes(hf.html_as_png())
        load_image(path)


def test_bad_sources_raise_input_error(tmp_path):
    with pytest.raises(InputError, match="missing.png is not a file"):
        load_image(tmp_path / "missing.png")
    with pytest.raises(InputError, match="is not a file"):
        load_image(tmp_path)
    with pytest.raises(InputError, match="expected a file path, bytes or a binary file; got int"):
        load_image(42)
    (tmp_path / "t.png").write_text("hello")
    with open(tmp_path / "t.png") as text_handle, pytest.raises(InputError, match="binary mode"):
        load_image(text_handle)


def test_file_size_limit_is_checked_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(images_module, "MAX_FILE_BYTES", 1000)
    path = tmp_path / "big.png"
    path.write_bytes(hf.png(size=(200, 200)))
    with pytest.raises(InputError, match="big.png is .* the limit is 1000 bytes"):
        images_module.load_image(path)
    with pytest.raises(InputError, match="larger than 1000 bytes"):
        images_module.load_image(io.BytesIO(path.read_bytes()))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_large_images_are_reduced_for_preview(fmt):
    buffer = io.BytesIO()
    Image.new("RGB", (2400, 1600), (10, 120, 200)).save(buffer, fmt)
    pixels = load_image(buffer.getvalue(), max_side=300)
    assert pixels.shape == (200, 300, 3)
    assert abs(int(pixels[100, 150, 2]) - 200) <= 2


def test_jpeg_preview_is_reduced_inside_the_decoder():
    buffer = io.BytesIO()
    Image.new("RGB", (4000, 3000), (10, 120, 200)).save(buffer, "JPEG")
    image = images_module._open_header(buffer.getvalue(), "JPEG", "big.jpg")
    image.draft(image.mode, (500, 500))
    assert image.size == (1000, 750)  # decoded at 1/4 scale (the smallest >= 500), never at 12 MP


@pytest.mark.parametrize("maker", [hf.png, hf.jpeg, hf.gif, hf.tiff, hf.webp, hf.bmp])
def test_no_exception_but_input_error_escapes_on_corrupted_bytes(maker):
    original = bytearray(maker())
    rng = np.random.RandomState(0)
    for _ in range(150):
        data = bytearray(original)
        for position in rng.randint(0, len(data), rng.randint(1, 12)):
            data[position] = rng.randint(0, 256)
        if rng.rand() < 0.3:
            data = data[: rng.randint(1, len(data))]
        try:
            pixels = load_image(bytes(data))
        except InputError:
            continue
        assert pixels.dtype == np.uint8 and pixels.ndim == 3
