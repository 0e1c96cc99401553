"""Expected hypervolume improvement: the box decomposition, the closed form against
Monte-Carlo estimates on hand-made fronts, its derivatives, and the scalarization."""

import numpy as np
import pytest

from tuneforge.math.ehvi import (
    EHVIAcquisition,
    augmented_tchebycheff,
    ehvi,
    ehvi_monte_carlo,
    log_ehvi,
    nondominated_cells,
)
from tuneforge.math.gp import GP
from tuneforge.math.hypervolume import hypervolume

FRONT2 = np.array([[0.1, 0.9], [0.3, 0.5], [0.6, 0.3], [0.9, 0.05]])
FRONT3 = np.array([[0.1, 0.6, 0.7], [0.5, 0.2, 0.6], [0.4, 0.5, 0.2], [0.8, 0.3, 0.1],
                   [0.2, 0.9, 0.3]])


@pytest.mark.parametrize("front", [FRONT2, FRONT3])
def test_cells_cover_exactly_what_the_front_leaves(front):
    """Inside [0, ref], the boxes' volume is the box's minus the front's hypervolume,
    and the boxes do not overlap (their volumes add up to that, and no box holds a
    front point's dominated region)."""
    m = front.shape[1]
    ref = np.full(m, 1.0)
    lower, upper = nondominated_cells(front, ref)
    lo = np.maximum(lower, 0.0)
    vol = np.prod(np.clip(upper - lo, 0, None), axis=1).sum()
    assert vol == pytest.approx(1.0 - hypervolume(front, ref), rel=1e-12)
    # the centre of every box with volume is dominated by no front point
    centres = 0.5 * (lo + upper)
    for c in centres[np.prod(upper - lo, axis=1) > 0]:
        assert not np.any(np.all(front <= c, axis=1))


def test_cells_of_an_empty_front_and_of_points_outside_the_reference():
    lower, upper = nondominated_cells(np.zeros((0, 2)), np.array([1.0, 2.0]))
    assert lower.tolist() == [[-np.inf, -np.inf]] and upper.tolist() == [[1.0, 2.0]]
    # a point outside the reference box and a dominated one change nothing
    a = nondominated_cells(np.array([[0.2, 0.2], [0.5, 0.5], [1.5, 0.1]]), np.ones(2))
    b = nondominated_cells(np.array([[0.2, 0.2]]), np.ones(2))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("front", [FRONT2, FRONT3])
def test_closed_form_matches_monte_carlo(front):
    m = front.shape[1]
    ref = np.full(m, 1.1)
    lower, upper = nondominated_cells(front, ref)
    rng = np.random.default_rng(0)
    mean = np.array([[0.35, 0.4, 0.3][:m], [0.05, 0.95, 0.6][:m], [0.7, 0.7, 0.7][:m]])
    var = np.array([[0.01] * m, [0.04] * m, [0.09] * m])
    exact, _, _ = ehvi(mean, var, lower, upper)
    for i in range(len(mean)):
        mc, se = ehvi_monte_carlo(mean[i], var[i], front, ref, n_samples=5000, rng=rng)
        assert 0 < se < 0.1 * mc        # the estimate is precise enough to test against
        assert abs(exact[i] - mc) < 4 * se


def test_a_sure_point_improves_by_its_hypervolume_gain():
    ref = np.array([1.0, 1.0])
    lower, upper = nondominated_cells(FRONT2, ref)
    y = np.array([[0.2, 0.4]])
    gain = hypervolume(np.vstack([FRONT2, y]), ref) - hypervolume(FRONT2, ref)
    value, _, _ = ehvi(y, np.full((1, 2), 1e-14), lower, upper)
    assert value[0] == pytest.approx(gain, rel=1e-6)
    # a dominated point gains nothing
    value, _, _ = ehvi(np.array([[0.95, 0.95]]), np.full((1, 2), 1e-14), lower, upper)
    assert value[0] == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("front", [FRONT2, FRONT3])
def test_derivatives_match_finite_differences(front):
    m = front.shape[1]
    lower, upper = nondominated_cells(front, np.full(m, 1.1))
    rng = np.random.default_rng(1)
    mean = rng.random((4, m))
    var = 0.01 + 0.05 * rng.random((4, m))
    for fn in (ehvi, log_ehvi):
        v, dm, dv = fn(mean, var, lower, upper)
        eps = 1e-6
        for j in range(m):
            step = np.zeros_like(mean)
            step[:, j] = eps
            num_m = (fn(mean + step, var, lower, upper)[0] - fn(mean - step, var, lower,
                                                                upper)[0]) / (2 * eps)
            num_v = (fn(mean, var + step, lower, upper)[0] - fn(mean, var - step, lower,
                                                               upper)[0]) / (2 * eps)
            np.testing.assert_allclose(dm[:, j], num_m, rtol=1e-4, atol=1e-8)
            np.testing.assert_allclose(dv[:, j], num_v, rtol=1e-4, atol=1e-8)


def test_log_ehvi_is_finite_where_ehvi_underflows():
    lower, upper = nondominated_cells(FRONT2, np.ones(2))
    v, dm, dv = log_ehvi(np.array([[60.0, 60.0]]), np.full((1, 2), 1e-4), lower, upper)
    assert np.isfinite(v).all() and np.isfinite(dm).all() and np.isfinite(dv).all()


def test_acquisition_gradient_and_blocks():
    rng = np.random.default_rng(2)
    x = rng.random((12, 2))
    is_cat = np.zeros(2, dtype=bool)
    theta = np.array([1.0, 1.0, 0.0, np.log(1e-4)])
    gps = [GP(x, np.sin(3 * x[:, 0]) + x[:, 1], theta, is_cat),
           GP(x, np.cos(3 * x[:, 1]) - x[:, 0], theta, is_cat)]
    con = GP(x, x[:, 0] - 0.5, theta, is_cat)
    z = np.column_stack([gp.y for gp in gps])
    lower, upper = nondominated_cells(z, z.max(axis=0) + 0.1)
    acq = EHVIAcquisition(gps, lower, upper, constraints=[(con, 0.0)])
    q = rng.random((5, 2))
    v, g = acq.value_and_grad(q)
    np.testing.assert_allclose(acq(q), v, rtol=1e-8)
    eps = 1e-6
    for j in range(2):
        step = np.zeros_like(q)
        step[:, j] = eps
        np.testing.assert_allclose(g[:, j], (acq(q + step) - acq(q - step)) / (2 * eps),
                                   rtol=1e-3, atol=1e-6)
    # scoring in blocks gives the same values as all at once
    import tuneforge.math.ehvi as ehvi_module
    before, full = ehvi_module._MAX_BLOCK, acq(q)
    try:
        ehvi_module._MAX_BLOCK = 1
        np.testing.assert_allclose(acq(q), full, rtol=1e-12)
    finally:
        ehvi_module._MAX_BLOCK = before
    # no feasible point: feasibility alone
    only = EHVIAcquisition(gps, None, None, constraints=[(con, 0.0)])
    assert np.all(only(q) <= 0)


def test_augmented_tchebycheff():
    u = np.array([[0.0, 1.0], [0.5, 0.5], [1.0, 0.0]])
    s = augmented_tchebycheff(u, np.array([0.5, 0.5]), rho=0.0)
    assert s.tolist() == [0.5, 0.25, 0.5]
    s = augmented_tchebycheff(u, np.array([1.0, 0.0]), rho=0.1)
    assert int(np.argmin(s)) == 0
