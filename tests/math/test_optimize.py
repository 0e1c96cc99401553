"""The acquisition optimizer on mixed boxes: continuous, ordinal and categorical."""

import numpy as np

from tuneforge.math.optimize import Box, maximize


def _quadratic(target, weights=None):
    target = np.asarray(target, float)
    w = np.ones_like(target) if weights is None else np.asarray(weights, float)

    def value(x):
        return -((x - target) ** 2 * w).sum(1)

    def value_and_grad(x):
        return value(x), -2 * (x - target) * w

    return value, value_and_grad


def test_continuous_optimum_is_found_precisely():
    box = Box([None, None, None], np.zeros(3, bool))
    value, vg = _quadratic([0.3, 0.77, 0.01])
    x, v = maximize(value, vg, box, np.random.default_rng(0))
    np.testing.assert_allclose(x, [0.3, 0.77, 0.01], atol=1e-4)
    assert v > -1e-7


def test_ordinal_and_categorical_dims_take_grid_values():
    grid = np.linspace(0.05, 0.95, 10)
    box = Box([None, grid, np.arange(4.0)], np.array([False, False, True]))

    # the best category depends on where x0 is: category 2 pairs with x0 = 0.9
    centres = np.array([0.1, 0.3, 0.9, 0.5])

    def value(x):
        c = centres[x[:, 2].astype(int)]
        bonus = np.where(x[:, 2] == 2, 0.5, 0.0)
        return -(x[:, 0] - c) ** 2 - (x[:, 1] - 0.42) ** 2 + bonus

    def value_and_grad(x):
        c = centres[x[:, 2].astype(int)]
        g = np.zeros_like(x)
        g[:, 0] = -2 * (x[:, 0] - c)
        g[:, 1] = -2 * (x[:, 1] - 0.42)
        return value(x), g

    x, v = maximize(value, value_and_grad, box, np.random.default_rng(1), n_candidates=64)
    assert x[2] == 2
    assert x[1] in grid and abs(x[1] - 0.45) < 1e-12
    assert abs(x[0] - 0.9) < 1e-4
    assert v == value(x[None])[0]


def test_local_search_walks_a_long_integer_grid():
    grid = (np.arange(300) + 0.5) / 300
    box = Box([grid], np.zeros(1, bool))
    value, vg = _quadratic([grid[217]])
    x, _ = maximize(value, vg, box, np.random.default_rng(2), n_candidates=4)
    assert x[0] == grid[217]


def test_centres_are_searched_around():
    # a narrow spike far from most Sobol points, next to a given centre
    box = Box([None, None], np.zeros(2, bool))
    target = np.array([0.6180, 0.1234])

    def value(x):
        return np.exp(-((x - target) ** 2).sum(1) / 1e-6)

    def value_and_grad(x):
        v = value(x)
        return v, v[:, None] * (-2 * (x - target) / 1e-6)

    x, v = maximize(value, value_and_grad, box, np.random.default_rng(3), n_candidates=16,
                    centres=target[None] + 1e-3)
    np.testing.assert_allclose(x, target, atol=1e-4)


def test_non_finite_values_are_survived():
    box = Box([None, np.array([0.25, 0.75])], np.zeros(2, bool))

    def value(x):
        v = -((x - 0.5) ** 2).sum(1)
        v[x[:, 0] > 0.9] = np.nan
        return v

    def value_and_grad(x):
        return value(x), -2 * (x - 0.5)

    x, v = maximize(value, value_and_grad, box, np.random.default_rng(4))
    assert np.all(np.isfinite(x)) and np.isfinite(v)
    assert x[1] in (0.25, 0.75)


def test_best_fresh_is_the_best_point_away_from_the_avoided_ones():
    from tuneforge.math.optimize import _best_fresh, _duplicates

    rng = np.random.default_rng(4)
    box = Box([None, None], np.zeros(2, dtype=bool))
    x = rng.random((300, 2))
    vals = rng.normal(size=300)
    order = np.argsort(-vals)
    avoid = x[order[:100]] + 1e-9          # the 100 best are taken, spread over 2 chunks
    fresh = ~_duplicates(box, x, avoid, 1e-7)
    assert _best_fresh(box, x, vals, avoid, 1e-7) == int(np.argmax(np.where(fresh, vals,
                                                                             -np.inf)))
    assert _best_fresh(box, x, vals, avoid, 1e-7) == order[100]
    assert _best_fresh(box, x, vals, None, 1e-7) == order[0]
    assert _best_fresh(box, x, vals, x, 1e-7) == order[0]   # all taken: the best overall
