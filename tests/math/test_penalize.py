"""math.penalize: local penalization of an acquisition around pending points."""

import numpy as np
import pytest

from tuneforge.math.penalize import Penalized, lipschitz, log_hammers


def test_hammer_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    x = rng.random((6, 3))
    centres = rng.random((2, 3))
    mean, sd = np.array([0.4, -0.2]), np.array([0.3, 0.1])
    value, grad = log_hammers(x, centres, mean, sd, best=-0.5, lip=2.0)
    eps = 1e-6
    for j in range(3):
        step = np.zeros(3)
        step[j] = eps
        up = log_hammers(x + step, centres, mean, sd, -0.5, 2.0)[0]
        down = log_hammers(x - step, centres, mean, sd, -0.5, 2.0)[0]
        assert np.allclose(grad[:, j], (up - down) / (2 * eps), rtol=1e-4, atol=1e-6)
    assert value.shape == (6,) and np.all(value <= 0)


def test_a_pending_point_expected_poor_excludes_a_wider_ball():
    centre = np.array([[0.5, 0.5]])
    near = np.array([[0.6, 0.5]])   # 0.1 away
    good = log_hammers(near, centre, np.array([0.0]), np.array([0.05]), best=0.0, lip=1.0)[0]
    poor = log_hammers(near, centre, np.array([1.0]), np.array([0.05]), best=0.0, lip=1.0)[0]
    # expected near the best: the ball is tiny and 0.1 away is almost unpenalized; expected
    # 1.0 above it with slope at most 1: nothing within 1.0 can be the minimum
    assert good[0] > np.log(0.95)
    assert poor[0] < np.log(1e-6)
    far = log_hammers(np.array([[0.5, 0.5 + 1.5]]), centre, np.array([1.0]),
                      np.array([0.05]), best=0.0, lip=1.0)[0]
    assert far[0] > np.log(0.99)


def test_penalized_adds_the_hammers_to_the_acquisition_and_its_gradient():
    class Flat:
        def __call__(self, x):
            return np.full(len(x), -1.0)

        def value_and_grad(self, x):
            return np.full(len(x), -1.0), np.zeros_like(x)

    acq = Penalized(Flat(), np.array([[0.2, 0.2]]), np.array([0.5]), np.array([0.1]),
                    best=0.0, lip=1.0)
    x = np.array([[0.2, 0.25], [0.9, 0.9]])
    v, g = acq.value_and_grad(x)
    h, hg = log_hammers(x, acq.centres, acq.mean, acq.sd, 0.0, 1.0)
    assert np.allclose(acq(x), -1.0 + h) and np.allclose(v, -1.0 + h)
    assert np.allclose(g, hg)
    assert v[0] < v[1]  # the point next to the pending one is the penalized one


def test_lipschitz_is_the_largest_mean_slope():
    class Linear:
        def predict_with_grad(self, x):
            grad = np.tile([3.0, 4.0], (len(x), 1))
            return x @ np.array([3.0, 4.0]), np.ones(len(x)), grad, np.zeros_like(x)

    assert lipschitz(Linear(), np.zeros((4, 2))) == pytest.approx(5.0)
