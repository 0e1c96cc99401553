"""The residual GP over a transferred prior mean."""

import numpy as np
import pytest

from tuneforge.math.gp import GP, initial_theta
from tuneforge.math.gp_prior import PriorMeanGP, learned_scale, rank_targets


def _gp(x, y):
    return GP(x, y, initial_theta(x.shape[1]), np.zeros(x.shape[1], dtype=bool))


def test_predictions_add_the_scaled_prior_mean_and_its_gradient():
    rng = np.random.default_rng(0)
    xs = rng.random((12, 2))
    src = _gp(xs, np.sin(3 * xs[:, 0]))
    xt = rng.random((4, 2))
    base = _gp(xt, rng.normal(size=4))
    model = PriorMeanGP(base, src, 0.7)
    q = rng.random((5, 2))
    m, v = model.predict(q)
    m0, v0 = base.predict(q)
    assert m == pytest.approx(m0 + 0.7 * src.predict(q)[0]) and v == pytest.approx(v0)
    mean, var, dmean, dvar = model.predict_with_grad(q)
    eps = 1e-6
    for j in range(2):
        step = np.zeros(2)
        step[j] = eps
        numeric = (model.predict(q + step)[0] - model.predict(q - step)[0]) / (2 * eps)
        assert dmean[:, j] == pytest.approx(numeric, rel=1e-4, abs=1e-6)


def test_conditioning_keeps_the_prior_mean():
    rng = np.random.default_rng(1)
    src = _gp(rng.random((8, 1)), rng.normal(size=8))
    model = PriorMeanGP(_gp(rng.random((3, 1)), rng.normal(size=3)), src, 1.0)
    xnew = np.array([[0.5]])
    fantasy = model.condition_on(xnew, np.array([2.0]))
    assert isinstance(fantasy, PriorMeanGP)
    assert fantasy.predict(xnew)[0][0] == pytest.approx(2.0, abs=0.05)


def test_rank_targets_are_standardized_and_ordered():
    z = rank_targets(np.array([0.0, 0.5, 1.0, 0.25]))
    assert z.mean() == pytest.approx(0.0, abs=1e-12) and z.std() == pytest.approx(1.0)
    assert np.argsort(z).tolist() == [0, 3, 1, 2]


def test_the_transferred_mean_keeps_its_weight_only_while_it_explains_the_new_values():
    rng = np.random.default_rng(0)
    m = rng.normal(size=30)
    # no own data, or too few to say: the similarity
    assert learned_scale(np.array([]), np.array([]), 0.8) == 0.8
    assert learned_scale(m[:1] * 0.0, m[:1], 0.8) == pytest.approx(0.8 * 5 / 6)
    # the new values follow the past ranking: the weight stays (capped at the similarity)
    assert learned_scale(m + 0.1 * rng.normal(size=30), m, 0.8) == pytest.approx(0.8)
    # they follow it at half strength: the slope is learned, shrunk towards 0.8
    half = learned_scale(0.5 * m, m, 0.8)
    assert 0.5 < half < 0.8 and half == pytest.approx((5 * 0.8 + 30 * 0.5) / 35)
    # they contradict it: the prior fades out
    assert learned_scale(-m, m, 0.8) == 0.0
    assert learned_scale(rng.normal(size=30), m, 0.8) < 0.4
