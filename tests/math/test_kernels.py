"""tuneforge.math.kernels: the Matern-5/2 profile and the mixed-input distances."""

import numpy as np
import pytest

from tuneforge.math.kernels import grad_wrt_x1, matern52, pairwise_sq_diffs, scaled_sq_dist


def test_matern_derivative_matches_finite_differences():
    r2 = np.array([0.0, 1e-6, 0.3, 2.0, 9.0])
    k, dk = matern52(r2)
    assert k[0] == pytest.approx(1.0)
    h = 1e-7
    num = (matern52(r2 + h)[0] - matern52(np.maximum(r2 - h, 0))[0]) / (
        (r2 + h) - np.maximum(r2 - h, 0))
    np.testing.assert_allclose(dk, num, rtol=1e-4, atol=1e-6)


def test_scaled_distance_agrees_with_per_dimension_distances():
    rng = np.random.default_rng(1)
    x1 = rng.random((5, 3))
    x2 = rng.random((4, 3))
    x1[:, 2] = rng.integers(0, 3, 5)
    x2[:, 2] = rng.integers(0, 3, 4)
    is_cat = np.array([False, False, True])
    w = np.array([2.0, 0.5, 3.0])
    np.testing.assert_allclose(scaled_sq_dist(x1, x2, w, is_cat),
                               pairwise_sq_diffs(x1, x2, is_cat) @ w, atol=1e-12)


def test_gradient_wrt_x1_matches_finite_differences_and_skips_categories():
    rng = np.random.default_rng(2)
    x1 = rng.random((3, 3))
    x2 = rng.random((4, 3))
    x1[:, 2] = rng.integers(0, 3, 3)
    x2[:, 2] = rng.integers(0, 3, 4)
    is_cat = np.array([False, False, True])
    w = np.array([1.5, 0.7, 2.0])
    g = rng.normal(size=(3, 4))
    grad = grad_wrt_x1(g, x1, x2, w, is_cat)
    h = 1e-6
    for j in range(2):
        e = np.zeros(3)
        e[j] = h
        plus = (g * scaled_sq_dist(x1 + e, x2, w, is_cat)).sum(1)
        minus = (g * scaled_sq_dist(x1 - e, x2, w, is_cat)).sum(1)
        np.testing.assert_allclose(grad[:, j], (plus - minus) / (2 * h), rtol=1e-5, atol=1e-7)
    assert np.all(grad[:, 2] == 0.0)
