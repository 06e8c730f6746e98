"""Where each output pixel samples the input: IDG's affine matrix and SciPy's border rules.

IDG composes Rotation . Shift . Shear . Zoom about a pivot and hands the result to
`scipy.ndimage.affine_transform` as an inverse map. Written in image terms (x = column,
y = row, pixel centres at integers), output pixel (x, y) samples the input at
`A @ (x, y, 1)`. The consequences users do not expect all come from that matrix:
- the shift axes are swapped: tx (height_shift_range) moves content along x, so +3 moves the
  image 3 columns LEFT; ty (width_shift_range) moves it along y;
- zoom > 1 samples a larger area, so content shrinks (zooms OUT);
- the pivot is (x = H/2 - 0.5, y = W/2 - 0.5): with H != W, rotation, shear and zoom turn
  about a point off the image centre;
- positive theta turns content counter-clockwise; the shear term also scales one axis by
  cos(shear).
"""

from __future__ import annotations

import numpy as np


def idg_matrices(params: list[dict], height: int, width: int) -> np.ndarray:
    """IDG's inverse maps for a batch, as N x 2 x 3 matrices in (row, col) order.

    Input (row, col) = M @ (out_row, out_col, 1). M is IDG's product
    Rotation . Shift . Shear . Zoom about the pivot, then conjugated by IDG's x/y swap,
    written out in closed form so that a batch costs a few array operations. IDG skips the
    warp when every setting is neutral; the identity matrix then reads each pixel exactly.
    """

    def column(key, default):
        return np.array([float(p.get(key, default)) for p in params], dtype=np.float64)

    theta, shear = np.radians(column("theta", 0)), np.radians(column("shear", 0))
    tx, ty, zx, zy = column("tx", 0), column("ty", 0), column("zx", 1), column("zy", 1)

    cos_t, sin_t = np.cos(theta), np.sin(theta)
    sin_s, cos_s = np.sin(shear), np.cos(shear)
    # Linear part of R . S . Sh . Z in IDG's (x, y) frame; the shear term also scales y by
    # cos(shear). The shift only adds a translation (tx along x, ty along y).
    a00, a01 = cos_t * zx, (-cos_t * sin_s - sin_t * cos_s) * zy
    a10, a11 = sin_t * zx, (-sin_t * sin_s + cos_t * cos_s) * zy
    t0, t1 = cos_t * tx - sin_t * ty, sin_t * tx + cos_t * ty
    # Quirk kept from IDG: the pivot uses (H, W) for the (x, y) axes ...
    o_x, o_y = height / 2 - 0.5, width / 2 - 0.5
    t0 = t0 + o_x - (a00 * o_x + a01 * o_y)
    t1 = t1 + o_y - (a10 * o_x + a11 * o_y)
    # ... and the matrix is then conjugated by the x/y swap, so x becomes the column axis:
    # this is what swaps the shifts and puts the pivot off-centre on non-square images.
    matrices = np.empty((len(params), 2, 3), dtype=np.float64)
    matrices[:, 0] = np.stack([a11, a10, t1], axis=1)
    matrices[:, 1] = np.stack([a01, a00, t0], axis=1)
    return matrices


def source_coordinates(
    matrices: np.ndarray,
    flips: np.ndarray,
    height: int,
    width: int,
    rows: np.ndarray | None = None,
    cols: np.ndarray | None = None,
):
    """Input (row, col) positions sampled by output pixels of N images, N x len(rows) x
    len(cols) each (every pixel by default), in float64 with SciPy's operations in SciPy's
    order: r * m0 + c * m1, then + offset.

    matrices is N x 2 x 3 (`idg_matrices`); flips is N x 2 (horizontal, vertical) and is
    applied to the output grid, which is where IDG's later flip puts each value.
    """
    rows = np.arange(height, dtype=np.float64) if rows is None else np.asarray(rows, np.float64)
    cols = np.arange(width, dtype=np.float64) if cols is None else np.asarray(cols, np.float64)
    rows = np.where(flips[:, 1:2], height - 1 - rows[None, :], rows[None, :])
    cols = np.where(flips[:, 0:1], width - 1 - cols[None, :], cols[None, :])
    rows, cols = rows[:, :, None], cols[:, None, :]
    m = matrices[:, :, :, None, None]
    src_row = rows * m[:, 0, 0] + cols * m[:, 0, 1]
    src_row += m[:, 0, 2]
    src_col = rows * m[:, 1, 0] + cols * m[:, 1, 1]
    src_col += m[:, 1, 2]
    return src_row, src_col


def outside_mask(
    matrices: np.ndarray,
    flips: np.ndarray,
    height: int,
    width: int,
    rows: np.ndarray | None = None,
    cols: np.ndarray | None = None,
) -> np.ndarray:
    """True where an output pixel samples from outside the input image, i.e. the pixels the
    fill mode invents (edge streaks for 'nearest', cval for 'constant'...); N x H x W, or
    only at the output `rows` and `cols` given."""
    src_row, src_col = source_coordinates(matrices, flips, height, width, rows, cols)
    return (src_row < 0) | (src_row > height - 1) | (src_col < 0) | (src_col > width - 1)


def map_to_border(coord: np.ndarray, length: int, fill_mode: str) -> np.ndarray:
    """SciPy's legacy boundary rule for sample positions outside [0, length - 1].

    Returns the position actually interpolated at; for 'constant', positions outside the
    image come back as -1 (they take cval). Quirks reproduced here:
    - 'wrap' has period length - 1, not length (SciPy's legacy 'wrap'): the first and last
      pixel are treated as the same point (a row 0..11 shifted by 4 ends ... 10 11 | 1 2 3 4);
    - 'reflect' repeats the edge pixel (... 10 11 | 11 10 9 8); a mapped position may stay in
      (-1, 0) or (length - 1, length), where both interpolation neighbours are the edge pixel.
    Interpolation neighbours outside the image are clamped to the edge (see `warp_exact`).
    """
    coord = np.array(coord, dtype=np.float64, copy=True)
    last = length - 1
    if fill_mode == "nearest":
        return np.clip(coord, 0, last)
    if fill_mode == "constant":
        coord[(coord < 0) | (coord > last)] = -1
        return coord
    if length <= 1:
        return np.zeros_like(coord)
    low, high = coord < 0, coord > last
    if fill_mode == "reflect":
        size2 = 2 * length
        c = coord[low]
        far = c < -size2
        c[far] = size2 * np.trunc(-c[far] / size2) + c[far]
        coord[low] = np.where(c < -length, c + size2, -c - 1)
        c = coord[high]
        c -= size2 * np.trunc(c / size2)
        coord[high] = np.where(c >= length, size2 - c - 1, c)
        return coord
    if fill_mode == "wrap":
        period = length - 1
        c = coord[low]
        coord[low] = c + period * (np.trunc(-c / period) + 1)
        c = coord[high]
        coord[high] = c - period * np.trunc(c / period)
        return coord
    raise ValueError(f"unknown fill_mode {fill_mode!r}")
