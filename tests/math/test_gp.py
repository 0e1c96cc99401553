"""GP regression: interpolation, variance, hyperparameter gradients, output warping."""

import math

import numpy as np
import pytest

from tuneforge.math.gp import (
    GP,
    Prior,
    cholesky,
    clip_infinite,
    fit_theta,
    initial_theta,
    neg_log_posterior,
    warp_outputs,
    yeo_johnson,
)
from tuneforge.math.kernels import pairwise_sq_diffs


def _data(n=12, d=2, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, d))
    y = np.sin(6 * x[:, 0]) + (x[:, 1:] ** 2).sum(1)
    return x, (y - y.mean()) / y.std()


def _fitted(x, y, is_cat=None):
    is_cat = np.zeros(x.shape[1], bool) if is_cat is None else is_cat
    prior = Prior.default(x.shape[1])
    theta = fit_theta(x, y, is_cat, prior=prior, starts=[initial_theta(x.shape[1])])
    return GP(x, y, theta, is_cat)


def test_interpolates_noiseless_data_and_variance_shrinks_at_data():
    x, y = _data()
    gp = _fitted(x, y)
    mean, var = gp.predict(x)
    np.testing.assert_allclose(mean, y, atol=0.05)
    far = np.random.default_rng(5).random((50, 2))
    _, var_far = gp.predict(far)
    assert var.max() < 0.01 * gp.s2
    assert var.max() < np.median(var_far)


@pytest.mark.parametrize("d, with_cat", [(1, False), (3, False), (3, True)])
def test_hyperparameter_gradient_matches_finite_differences(d, with_cat):
    rng = np.random.default_rng(d)
    x = rng.random((15, d))
    is_cat = np.zeros(d, bool)
    if with_cat:
        is_cat[-1] = True
        x[:, -1] = rng.integers(0, 3, 15)
    y = rng.normal(size=15)
    dists = pairwise_sq_diffs(x, x, is_cat)
    prior = Prior.default(d)
    theta = np.concatenate([rng.normal(0, 0.5, d), [0.2, math.log(1e-2)]])
    _, grad = neg_log_posterior(theta, dists, y, prior)
    num = np.empty_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = 1e-6
        num[i] = (neg_log_posterior(theta + e, dists, y, prior)[0]
                  - neg_log_posterior(theta - e, dists, y, prior)[0]) / 2e-6
    np.testing.assert_allclose(grad, num, rtol=1e-4, atol=1e-5)


def test_prediction_gradients_match_finite_differences():
    x, y = _data(d=3, seed=2)
    gp = _fitted(x, y)
    xq = np.random.default_rng(3).random((4, 3))
    mean, var, dmean, dvar = gp.predict_with_grad(xq)
    m2, v2 = gp.predict(xq)
    np.testing.assert_allclose(mean, m2, atol=1e-10)
    np.testing.assert_allclose(var, v2, rtol=1e-6, atol=1e-12)
    h = 1e-6
    for j in range(3):
        e = np.zeros(3)
        e[j] = h
        mp, vp = gp.predict(xq + e)
        mm, vm = gp.predict(xq - e)
        np.testing.assert_allclose(dmean[:, j], (mp - mm) / (2 * h), rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(dvar[:, j], (vp - vm) / (2 * h), rtol=1e-4, atol=1e-6)


def test_duplicated_points_and_constant_outputs_do_not_break_the_fit():
    x = np.repeat(np.random.default_rng(0).random((4, 2)), 3, axis=0)
    for y in (np.zeros(12), np.random.default_rng(1).normal(size=12)):
        gp = _fitted(x, y)
        mean, var = gp.predict(x)
        assert np.all(np.isfinite(mean)) and np.all(var > 0)


def test_cholesky_escalates_jitter_and_then_raises():
    k = np.ones((3, 3))  # rank one
    chol, jitter = cholesky(k)
    assert jitter > 0 and np.all(np.isfinite(chol))
    with pytest.raises(np.linalg.LinAlgError):
        cholesky(-np.eye(3))


def test_clip_infinite_and_warp():
    y = np.array([1.0, np.inf, -np.inf, 3.0, np.nan])
    c = clip_infinite(y)
    assert np.all(np.isfinite(c))
    assert c[1] > 3 and c[2] < 1 and c[4] == c[1]
    assert np.all(np.isfinite(clip_infinite(np.array([np.inf, -np.inf]))))
    heavy = np.exp(np.random.default_rng(0).normal(0, 3, 200))
    w = warp_outputs(heavy)
    assert 0.0 <= w.lam < 1.0                # a heavy tail gets compressed
    assert w.z.mean() == pytest.approx(0, abs=1e-9) and w.z.std() == pytest.approx(1)
    assert np.all(np.diff(w.z[np.argsort(heavy)]) >= 0)   # monotone
    assert np.all(warp_outputs(np.full(5, 2.0)).z == 0)
    assert warp_outputs(np.array([1.0, 2.0, np.inf])).z[2] > 0


def test_yeo_johnson_is_identity_at_one_and_log_at_zero():
    u = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(yeo_johnson(u, 1.0), u, atol=1e-12)
    np.testing.assert_allclose(yeo_johnson(u[u >= 0], 0.0), np.log1p(u[u >= 0]))


def test_leave_one_out_means_match_a_refit_without_the_point():
    from tuneforge.math.gp import loo_means, loo_rank_correlation, rank_correlation

    x, y = _data(n=14)
    gp = _fitted(x, y)
    loo = loo_means(gp)
    for i in (0, 5, 13):
        keep = np.arange(len(y)) != i
        alone = GP(x[keep], y[keep], gp.theta, gp.is_cat)
        np.testing.assert_allclose(loo[i], alone.predict(x[i:i + 1])[0][0], rtol=1e-6, atol=1e-8)
    assert loo_rank_correlation(gp) > 0.7           # a smooth function is modelled well
    noise = np.random.default_rng(1).normal(size=len(y))
    assert loo_rank_correlation(_fitted(x, noise)) < 0.5   # pure noise is not
    assert rank_correlation(np.arange(5.0), np.arange(5.0)[::-1]) == pytest.approx(-1.0)
    assert rank_correlation(np.ones(4), np.arange(4.0)) == 0.0
