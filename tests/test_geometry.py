"""IDG's inverse map and SciPy's border rules, checked against the code they reproduce."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.augment.geometry import idg_matrices, map_to_border

PARAMS = [
    {"theta": 0, "tx": 0, "ty": 0, "shear": 0, "zx": 1, "zy": 1},
    {"theta": 33.3, "tx": 0, "ty": 0, "shear": 0, "zx": 1, "zy": 1},
    {"theta": -12.0, "tx": 4.5, "ty": -7.25, "shear": 20.0, "zx": 0.8, "zy": 1.3},
    {"theta": 0, "tx": 3, "ty": 0, "shear": 0, "zx": 1, "zy": 1},
    {"theta": 90.0, "tx": 0, "ty": 2.0, "shear": -45.0, "zx": 2.0, "zy": 0.5},
]


def _keras_matrix(params, height, width):
    """The matrix IDG hands to SciPy, from Keras's own helpers."""
    from keras.src.legacy.preprocessing import image as legacy

    matrix = np.eye(3)
    theta, shear = np.deg2rad(params["theta"]), np.deg2rad(params["shear"])
    matrix = matrix @ np.array([[np.cos(theta), -np.sin(theta), 0], [np.sin(theta), np.cos(theta), 0], [0, 0, 1]])
    matrix = matrix @ np.array([[1, 0, params["tx"]], [0, 1, params["ty"]], [0, 0, 1]])
    matrix = matrix @ np.array([[1, -np.sin(shear), 0], [0, np.cos(shear), 0], [0, 0, 1]])
    matrix = matrix @ np.array([[params["zx"], 0, 0], [0, params["zy"], 0], [0, 0, 1]])
    matrix = legacy.transform_matrix_offset_center(matrix, height, width)
    matrix[:, [0, 1]] = matrix[:, [1, 0]]
    matrix[[0, 1]] = matrix[[1, 0]]
    return matrix[:2]


@pytest.mark.parametrize("height, width", [(32, 32), (40, 64), (64, 40)])
def test_matrices_equal_keras_construction(height, width, idg_class):
    matrices = idg_matrices(PARAMS, height, width)
    for index, params in enumerate(PARAMS):
        np.testing.assert_allclose(matrices[index], _keras_matrix(params, height, width), atol=1e-12)


def test_integer_shift_gives_exact_integer_positions():
    (matrix,) = idg_matrices([{"tx": 3}], 32, 32)
    assert matrix.tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 3.0]]  # column + 3: content moves left


ROW = np.arange(12, dtype=np.float64)


@pytest.mark.parametrize(
    "mode, expected_tail",
    [
        ("nearest", [11, 11, 11, 11]),
        ("reflect", [11, 10, 9, 8]),
        ("wrap", [1, 2, 3, 4]),  # period n-1: position 12 reads pixel 1, not 0
    ],
)
def test_border_rules_on_a_row_shifted_by_four(mode, expected_tail):
    positions = map_to_border(ROW + 4, 12, mode)
    values = np.interp(positions, ROW, ROW)
    assert values[:8].tolist() == list(range(4, 12))
    assert values[8:].tolist() == expected_tail


def test_constant_marks_every_position_outside_zero_to_n_minus_one():
    positions = map_to_border(np.array([-0.001, 0.0, 10.5, 11.0, 11.0001, 40.0]), 12, "constant")
    assert positions.tolist() == [-1, 0.0, 10.5, 11.0, -1, -1]
