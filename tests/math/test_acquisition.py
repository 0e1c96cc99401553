"""Acquisition functions: log EI accuracy and stability, gradients, constraints."""

import math

import numpy as np
import pytest
from scipy.stats import norm

from tuneforge.math.acquisition import (
    Acquisition,
    greedy,
    lcb,
    log_ei,
    log_h,
    log_pof,
    ucb_beta,
)
from tuneforge.math.gp import GP, Prior, fit_theta, initial_theta


def _ei(mean, var, best):
    s = np.sqrt(var)
    z = (best - mean) / s
    return s * (norm.pdf(z) + z * norm.cdf(z))


def test_log_ei_matches_log_of_ei_where_both_are_finite():
    z = np.linspace(-20, 20, 401)
    mean = -z
    var = np.full_like(z, 0.7)
    mean = mean * math.sqrt(0.7)
    ei = _ei(mean, var, 0.0)
    ok = ei > 1e-300
    value, _, _ = log_ei(mean, var, 0.0)
    np.testing.assert_allclose(value[ok], np.log(ei[ok]), rtol=1e-9, atol=1e-9)


def test_log_ei_stays_finite_where_ei_underflows():
    z = np.array([-40.0, -100.0, -1e3, -1e5, -1e10])
    assert np.all(_ei(-z, np.ones(5), 0.0)[:2] == 0.0)   # EI itself underflows
    lh = log_h(z)
    assert np.all(np.isfinite(lh))
    # asymptotic series (Abramowitz & Stegun 7.1.23): h(z) = phi(z) / z^2 (1 - 3/z^2 +
    # 15/z^4 - 105/z^6 + ...), accurate to ~1e-9 relative for |z| >= 40
    series = 1 - 3 / z**2 + 15 / z**4 - 105 / z**6
    approx = -0.5 * z**2 - 0.5 * math.log(2 * math.pi) - 2 * np.log(-z) + np.log(series)
    np.testing.assert_allclose(lh, approx, rtol=1e-12)
    assert lh[0] == pytest.approx(-808.2986, abs=1e-3)
    assert np.all(np.diff(lh) < 0)  # still ordered: further below is worse
    value, d_mean, d_var = log_ei(np.array([40.0]), np.array([1.0]), 0.0)
    assert np.isfinite(value).all() and np.isfinite(d_mean).all() and np.isfinite(d_var).all()
    assert d_mean[0] < 0 and d_var[0] > 0


@pytest.mark.parametrize("fn", ["logei", "lcb", "pof", "greedy"])
def test_derivatives_in_mean_and_variance(fn):
    mean = np.array([-3.0, -0.2, 0.0, 0.5, 4.0, 30.0])
    var = np.array([0.1, 1.0, 2.0, 0.3, 1.5, 0.5])

    def f(m, v):
        if fn == "logei":
            return log_ei(m, v, 0.1)
        if fn == "lcb":
            return lcb(m, v, 2.0)
        if fn == "greedy":
            return greedy(m, v)
        return log_pof(m, v, 0.1)

    _, dm, dv = f(mean, var)
    h = 1e-6
    np.testing.assert_allclose(dm, (f(mean + h, var)[0] - f(mean - h, var)[0]) / (2 * h),
                               rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(dv, (f(mean, var + h)[0] - f(mean, var - h)[0]) / (2 * h),
                               rtol=1e-5, atol=1e-7)


def test_log_pof_is_log_probability():
    value, _, _ = log_pof(np.array([0.0, 1.0, -50.0]), np.array([1.0, 4.0, 1.0]), 0.0)
    np.testing.assert_allclose(np.exp(value[:2]), [0.5, norm.cdf(-0.5)])
    assert value[2] == pytest.approx(0.0)


def _gp(d, seed, with_cat=False):
    rng = np.random.default_rng(seed)
    x = rng.random((20, d))
    is_cat = np.zeros(d, bool)
    if with_cat:
        is_cat[-1] = True
        x[:, -1] = rng.integers(0, 3, 20)
    y = np.cos(5 * x[:, 0]) + x[:, 1:].sum(1)
    y = (y - y.mean()) / y.std()
    theta = fit_theta(x, y, is_cat, prior=Prior.default(d), starts=[initial_theta(d)])
    return GP(x, y, theta, is_cat), y


@pytest.mark.parametrize("kind, with_cat", [("logei", False), ("ucb", False),
                                             ("logei", True), ("mean", False)])
def test_acquisition_gradient_matches_finite_differences(kind, with_cat):
    gp, y = _gp(3, 0, with_cat)
    cgp, _ = _gp(3, 1, with_cat)
    acq = Acquisition(gp, float(y.min()), kind=kind, beta=2.0, constraints=[(cgp, 0.2)])
    rng = np.random.default_rng(7)
    xq = rng.random((6, 3))
    if with_cat:
        xq[:, -1] = rng.integers(0, 3, 6)
    value, grad = acq.value_and_grad(xq)
    # two code paths, other float order: log-EI reaches -1e5 here, so relative too
    np.testing.assert_allclose(value, acq(xq), rtol=1e-6, atol=1e-9)
    h = 1e-6
    for j in range(2 if with_cat else 3):
        e = np.zeros(3)
        e[j] = h
        num = (acq(xq + e) - acq(xq - e)) / (2 * h)
        np.testing.assert_allclose(grad[:, j], num, rtol=1e-4, atol=1e-6)
    if with_cat:
        assert np.all(grad[:, -1] == 0)


def test_no_feasible_incumbent_maximizes_feasibility_alone():
    gp, _ = _gp(2, 0)
    cgp, _ = _gp(2, 1)
    acq = Acquisition(gp, None, constraints=[(cgp, 0.0)])
    xq = np.random.default_rng(0).random((5, 2))
    mean, var = cgp.predict(xq)
    np.testing.assert_allclose(acq(xq), log_pof(mean, var, 0.0)[0])


def test_greedy_kind_ranks_points_by_the_posterior_mean_alone():
    gp, y = _gp(2, 0)
    xq = np.random.default_rng(3).random((50, 2))
    mean, var = gp.predict(xq)
    acq = Acquisition(gp, float(y.min()), kind="mean")
    np.testing.assert_allclose(acq(xq), -mean)
    # the best point by the greedy rule is the lowest mean, not the best log EI
    ei = Acquisition(gp, float(y.min()))(xq)
    assert int(np.argmax(acq(xq))) == int(np.argmin(mean))
    assert np.argsort(-acq(xq)).tolist() != np.argsort(-ei).tolist()


def test_ucb_beta_grows_slowly_and_rejects_unknown_kinds():
    assert 1.0 <= ucb_beta(10, 2) < ucb_beta(100, 2) < ucb_beta(100, 10)
    gp, _ = _gp(2, 0)
    with pytest.raises(ValueError, match="'logei', 'ucb', 'mean'"):
        Acquisition(gp, 0.0, kind="pi")
