"""tuneforge.math.constraints: violation, the constraint matrix and its standardization."""

import math

import numpy as np
import pytest

from tuneforge.math.constraints import constraint_matrix, standardize_constraint, total_violation


def test_total_violation_sums_the_positive_parts():
    assert total_violation([]) == 0.0
    assert total_violation([-1.0, 0.0]) == 0.0
    assert total_violation([0.5, -3.0, 2]) == 2.5
    assert total_violation([math.inf]) == math.inf


def test_constraint_matrix_pads_with_nan():
    m = constraint_matrix([[1.0, -2.0], None, [3], ["x", 0.5]])
    assert m.shape == (4, 2)
    np.testing.assert_array_equal(m, [[1.0, -2.0], [np.nan, np.nan], [3.0, np.nan],
                                      [np.nan, 0.5]])
    assert constraint_matrix([None, None]).shape == (2, 0)


def test_standardize_constraint_maps_zero_along():
    vals = np.array([-2.0, 0.0, 2.0, 4.0])
    z, threshold = standardize_constraint(vals)
    assert z.mean() == pytest.approx(0.0) and z.std() == pytest.approx(1.0)
    assert threshold == pytest.approx((0.0 - vals.mean()) / vals.std())
    # infinite values are replaced by the finite range widened by a margin
    z, _ = standardize_constraint(np.array([0.0, 1.0, np.inf, -np.inf]))
    assert np.all(np.isfinite(z))
    # constant values keep a positive scale
    z, threshold = standardize_constraint(np.array([3.0, 3.0]))
    assert np.all(z == 0.0) and threshold == pytest.approx(-1.0)
