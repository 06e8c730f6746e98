"""Resampling an image through IDG's inverse map, with SciPy's border behaviour.

Three implementations of the same function:
- `warp_fast`: OpenCV in float32 for a whole batch (bilinear only). OpenCV >= 5 resamples
  float32 images with exact sub-pixel weights (4.x quantises them to 1/32 pixel). Fill mode
  'nearest' (the default) goes through `warpAffine`, which computes the positions itself,
  within about 3e-5 grey levels of SciPy on 0..255 noise; the other modes through `remap` with
  positions computed in float64 and folded into the image (within about 5e-3 on noise, less
  on photos).
- `warp_exact`: NumPy in float64 with SciPy's arithmetic (same coordinates, weights and
  summation order). Used for nearest-neighbour sampling, where a rounding tie decides which
  pixel is read, and before IDG's uint8 brightness step, whose truncation turns any tiny
  difference into a whole grey level.
- `warp_scipy`: `scipy.ndimage.affine_transform` itself, called exactly as IDG calls it, for
  what nothing else reproduces: spline orders 2-5 (prefiltered splines) and SciPy's modes
  'mirror', 'grid-wrap' and 'grid-constant'. SciPy is imported only here, on first use: the
  fast paths never need it.
"""

from __future__ import annotations

import cv2
import numpy as np

from .geometry import map_to_border, source_coordinates


def warp_exact(
    images: np.ndarray, matrices: np.ndarray, flips: np.ndarray, fill_mode: str, cval: float, order: int
) -> np.ndarray:
    """SciPy's `affine_transform` for each channel of N images N x H x W x C, in float64.

    An identity matrix reads every pixel with weight exactly 1, so images IDG would not warp
    come back exactly as they are (flipped if asked).
    """
    count, height, width, channels = images.shape
    src_row, src_col = source_coordinates(matrices, flips, height, width)
    row = map_to_border(src_row, height, fill_mode)
    col = map_to_border(src_col, width, fill_mode)
    # Channel planes C x (N*H*W): gathers and weights run over long contiguous rows.
    planes = np.ascontiguousarray(images.transpose(3, 0, 1, 2)).reshape(channels, -1)
    base = (np.arange(count) * (height * width))[:, None, None]
    if order == 0:
        # Spline order 0 rounds halves up: floor(c + 0.5); neighbours clamp to the edge.
        r = np.clip(np.floor(row + 0.5), 0, height - 1).astype(np.intp)
        c = np.clip(np.floor(col + 0.5), 0, width - 1).astype(np.intp)
        out = np.take(planes, base + r * width + c, axis=1).astype(np.float64)
    else:
        r0, c0 = np.floor(row), np.floor(col)
        # SciPy's order-1 spline weights: w0 = 1 - f, w1 = 1 - w0.
        wr0 = 1.0 - (row - r0)
        wr1 = 1.0 - wr0
        wc0 = 1.0 - (col - c0)
        wc1 = 1.0 - wc0
        # Neighbours outside the image read the edge pixel (mapped positions lie in (-1, n)).
        ra = base + np.clip(r0, 0, height - 1).astype(np.intp) * width
        rb = base + np.clip(r0 + 1, 0, height - 1).astype(np.intp) * width
        ca = np.clip(c0, 0, width - 1).astype(np.intp)
        cb = np.clip(c0 + 1, 0, width - 1).astype(np.intp)
        # SciPy's sum, in its order: (r0,c0), (r0,c1), (r1,c0), (r1,c1), each value * wr * wc.
        out = None
        for index, w_row, w_col in ((ra + ca, wr0, wc0), (ra + cb, wr0, wc1), (rb + ca, wr1, wc0), (rb + cb, wr1, wc1)):
            term = np.take(planes, index, axis=1) * w_row
            term *= w_col
            if out is None:
                out = term
            else:
                out += term
    if fill_mode == "constant":
        # SciPy reads a mapped position of -1 (outside) as cval.
        out[:, (row <= -1) | (col <= -1)] = cval
    return out.transpose(1, 2, 3, 0)


def _fold_fast(coord: np.ndarray, length: int, fill_mode: str) -> np.ndarray:
    """`map_to_border` as float32 positions inside [0, length - 1], in few passes.

    'constant' (whose fill is applied separately) and 'reflect' give the same interpolated
    value for any position of the same class, so a clamp or a modulo serves ('reflect'
    repeats the edge pixel, so (-0.5, 0) reads the same as 0, and clamping keeps mosaic
    neighbours out); 'wrap' is discontinuous at multiples of its period and takes SciPy's
    exact rule.
    """
    if fill_mode == "reflect":
        # Mirror about -0.5 and length - 0.5, period 2 * length.
        folded = np.mod(coord + 0.5, 2 * length)
        np.minimum(folded, 2 * length - folded, out=folded)
        folded -= 0.5
        coord = folded
    elif fill_mode == "wrap":
        coord = map_to_border(coord, length, fill_mode)
    return np.clip(coord, 0, length - 1, out=np.empty(coord.shape, np.float32))


def _with_flips(matrices: np.ndarray, flips: np.ndarray, height: int, width: int) -> np.ndarray:
    """The N x 2 x 3 (row, col) matrices with the flips folded in: output pixel x of a flipped
    image is the warp's pixel W-1-x."""
    coeffs = matrices.copy()
    for flip, column, length in ((flips[:, 1], 0, height), (flips[:, 0], 1, width)):
        if flip.any():
            coeffs[flip, :, 2] += coeffs[flip, :, column] * (length - 1)
            coeffs[flip, :, column] *= -1
    return coeffs


def _sample_maps(matrices: np.ndarray, flips: np.ndarray, height: int, width: int, fill_mode: str):
    """float32 maps (row, col) of the positions each output pixel samples, folded into the
    image, for N images at once (N x H x W each), and the 'constant' mask of positions
    outside the image (None for other modes).

    matrices is N x 2 x 3 (see `geometry.idg_matrices`), flips N x 2 (horizontal, vertical).
    The flips are folded into the matrices: output pixel x of a flipped image is the warp's
    pixel W-1-x. A position is row_part[output row] + col_part[output col], one pass each.
    """
    coeffs = _with_flips(matrices, flips, height, width)
    rows = np.arange(height, dtype=np.float64)
    cols = np.arange(width, dtype=np.float64)
    shape = (len(coeffs), height, width)
    maps, outside = [], None
    for axis, length in ((0, height), (1, width)):
        row_part = rows[None, :] * coeffs[:, axis, 0, None] + coeffs[:, axis, 2, None]
        col_part = cols[None, :] * coeffs[:, axis, 1, None]
        if fill_mode == "nearest":
            # Summed in float64, stored in float32: inside the image that is within 2e-5 px.
            position = np.add(
                row_part[:, :, None], col_part[:, None, :], out=np.empty(shape, np.float32), casting="same_kind"
            )
            maps.append(np.clip(position, 0, length - 1, out=position))
            continue
        position = row_part[:, :, None] + col_part[:, None, :]
        if fill_mode == "constant":
            beyond = (position < 0) | (position > length - 1)
            outside = beyond if outside is None else outside | beyond
        maps.append(_fold_fast(position, length, fill_mode))
    return maps[0], maps[1], outside


# Small images are resampled together: laid out on a mosaic, one `remap` call per chunk.
# The mosaic side is capped because float32 sample positions lose precision as they grow
# (at 256 px one float32 step is 1.5e-5 pixel, at most 0.004 grey levels on 0..255 data).
MOSAIC_SIDE = 256


def warp_fast(
    images: np.ndarray, matrices: np.ndarray, flips: np.ndarray, fill_mode: str, cval: float, out: np.ndarray
) -> np.ndarray:
    """Bilinear `warp_exact` for a batch N x H x W x C of images (float32, or uint8 cast to
    float32 a chunk at a time, while it is in cache), with OpenCV.

    'nearest': `cv2.warpAffine` per image (`_warp_affine_nearest`). Other modes: positions
    computed in float64 and folded into the image before `cv2.remap` sees them (OpenCV's own
    reflected border strays from SciPy's far outside the image, and 'wrap' and 'constant'
    follow SciPy's rules, not OpenCV's). Untransformed images come back unchanged.
    """
    count, height, width, channels = images.shape
    if fill_mode == "nearest":
        return _warp_affine_nearest(images, matrices, flips, out)
    per_side = max(1, MOSAIC_SIDE // max(height, width))
    for first in range(0, count, per_side * per_side):
        chunk = images[first : first + per_side * per_side]
        n = len(chunk)
        map_y, map_x, outside = _sample_maps(
            matrices[first : first + n], flips[first : first + n], height, width, fill_mode
        )
        if n == 1:
            mosaic = chunk[0].astype(np.float32, copy=False)
        else:
            # Image k of the chunk sits in mosaic cell (k // per_side, k % per_side).
            cells = np.arange(n)
            map_y += (cells // per_side * height).astype(np.float32)[:, None, None]
            map_x += (cells % per_side * width).astype(np.float32)[:, None, None]
            grid_rows = -(-n // per_side)
            mosaic = np.zeros((grid_rows * height, per_side * width, channels), np.float32)
            cells_view = mosaic.reshape(grid_rows, height, per_side, width, channels)
            for grid_row in range(grid_rows):
                row_images = chunk[grid_row * per_side : (grid_row + 1) * per_side]
                cells_view[grid_row, :, : len(row_images)] = row_images.transpose(1, 0, 2, 3)
        # The maps are (n * H) x W: output image k is rows k*H..(k+1)*H of `target`.
        target = out[first : first + n].reshape(n * height, width, channels)
        src = mosaic[:, :, 0] if channels == 1 else mosaic
        dst = target[:, :, 0] if channels == 1 else target
        cv2.remap(
            np.ascontiguousarray(src),
            map_x.reshape(-1, width),
            map_y.reshape(-1, width),
            cv2.INTER_LINEAR,
            dst=dst,
            borderMode=cv2.BORDER_REPLICATE,
        )
        if outside is not None:
            out[first : first + n][outside] = cval
    return out


def _warp_affine_nearest(images: np.ndarray, matrices: np.ndarray, flips: np.ndarray, out: np.ndarray) -> np.ndarray:
    """`warp_fast` for fill mode 'nearest': `cv2.warpAffine` per image, its border replicated.

    SciPy's 'nearest' clamps a position into [0, n-1] and OpenCV's replicated border reads
    the edge pixel for any neighbour outside, which gives the same bilinear value. OpenCV 5
    resamples float32 images through an affine map within about 3e-5 grey levels of SciPy
    (0..255 noise, 32-600 px, strong rotation, shear and zoom; tests/test_faithfulness.py), and
    computes the positions itself: faster than building maps for `remap`, at every size.
    ('reflect' is not taken this way: OpenCV's reflected border strays up to 0.02 grey levels
    from SciPy's far outside the image.)
    """
    count, height, width, channels = images.shape
    coeffs = _with_flips(matrices, flips, height, width)
    # (row, col) -> OpenCV's (x = col, y = row): x_src = c[1,1] x + c[1,0] y + c[1,2], likewise y.
    opencv = np.ascontiguousarray(np.stack([coeffs[:, 1][:, [1, 0, 2]], coeffs[:, 0][:, [1, 0, 2]]], axis=1))
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    identity = np.all(matrices == np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]), axis=(1, 2))
    for index in range(count):
        source = images[index].astype(np.float32, copy=False)  # uint8 cast first, as IDG's flow does
        if identity[index]:  # not warped (IDG skips it): copied, flipped exactly
            out[index] = source[:: -1 if flips[index, 1] else 1, :: -1 if flips[index, 0] else 1]
            continue
        if channels == 1:
            source, target = source[:, :, 0], out[index][:, :, 0]
        else:
            target = out[index]
        cv2.warpAffine(source, opencv[index], (width, height), dst=target, flags=flags, borderMode=cv2.BORDER_REPLICATE)
    return out


# Fill modes the fast and exact paths implement (SciPy's 'grid-mirror' is its 'reflect');
# any other mode, and any spline order above 1, goes through SciPy as IDG does.
NATIVE_MODES = {
    "nearest": "nearest",
    "reflect": "reflect",
    "grid-mirror": "reflect",
    "wrap": "wrap",
    "constant": "constant",
}


def needs_scipy(fill_mode: str, order) -> bool:
    return order not in (0, 1) or fill_mode not in NATIVE_MODES


def idg_affine(params: dict, height: int, width: int) -> np.ndarray | None:
    """IDG's own 3 x 3 map for one image, built with IDG's operations in IDG's order
    (`apply_affine_transform`): rotation, shift, shear, zoom, each only when not neutral,
    centred on (H/2 - 0.5, W/2 - 0.5), then rows and columns swapped. None when IDG would not
    warp at all (every parameter neutral)."""
    theta, tx, ty = params.get("theta", 0), params.get("tx", 0), params.get("ty", 0)
    shear, zx, zy = params.get("shear", 0), params.get("zx", 1), params.get("zy", 1)
    matrix = None
    parts = []
    if theta != 0:
        angle = np.deg2rad(theta)
        parts.append(np.array([[np.cos(angle), -np.sin(angle), 0], [np.sin(angle), np.cos(angle), 0], [0, 0, 1]]))
    if tx != 0 or ty != 0:
        parts.append(np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]]))
    if shear != 0:
        angle = np.deg2rad(shear)
        parts.append(np.array([[1, -np.sin(angle), 0], [0, np.cos(angle), 0], [0, 0, 1]]))
    if zx != 1 or zy != 1:
        parts.append(np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]]))
    for part in parts:
        matrix = part if matrix is None else np.dot(matrix, part)
    if matrix is None:
        return None
    o_x, o_y = float(height) / 2 - 0.5, float(width) / 2 - 0.5
    offset = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    matrix = np.dot(np.dot(offset, matrix), reset)
    matrix[:, [0, 1]] = matrix[:, [1, 0]]
    matrix[[0, 1]] = matrix[[1, 0]]
    return matrix


def warp_scipy(image: np.ndarray, params: dict, fill_mode: str, cval: float, order: int) -> np.ndarray:
    """IDG's warp of one image H x W x C, by `scipy.ndimage.affine_transform` per channel
    with IDG's matrix, then IDG's flips; in the image's own dtype, as SciPy returns it."""
    from scipy import ndimage  # only this path needs SciPy, as only IDG's own splines do

    height, width = image.shape[:2]
    matrix = idg_affine(params, height, width)
    out = image
    if matrix is not None:
        channels = [
            ndimage.affine_transform(
                image[..., c], matrix[:2, :2], matrix[:2, 2], order=order, mode=fill_mode, cval=cval
            )
            for c in range(image.shape[-1])
        ]
        out = np.stack(channels, axis=-1)
    if params.get("flip_horizontal", False):
        out = out[:, ::-1]
    if params.get("flip_vertical", False):
        out = out[::-1]
    return out
