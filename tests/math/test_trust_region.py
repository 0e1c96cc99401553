"""The TuRBO-style trust region: outcomes, the side length's rules, the box."""

import numpy as np

from tuneforge.math.trust_region import (
    INIT_LENGTH,
    MAX_LENGTH,
    box,
    improvements,
    side_length,
)


def test_improvements_need_a_relative_margin():
    y = np.array([5.0, 4.0, 3.999, 2.0, 2.0, 1.0])
    # from index 2 on: 3.999 is within 1e-3 * 4 of 4.0; 2.0 beats it; equal is not better
    assert improvements(y, 2) == [False, True, False, True]
    assert improvements(y, 0) == [True, False, True, False, True]


def test_side_length_doubles_halves_and_restarts():
    assert side_length([], 10) == INIT_LENGTH
    assert side_length([True] * 3, 10) == 2 * INIT_LENGTH
    assert side_length([True] * 9, 10) == MAX_LENGTH          # capped
    assert side_length([False] * 10, 10) == INIT_LENGTH / 2  # max(4, d) failures
    assert side_length([False] * 4, 2) == INIT_LENGTH / 2
    assert side_length([True, True, False, True], 10) == INIT_LENGTH  # not in a row
    # halved seven times falls below the minimum: a fresh start
    assert side_length([False] * 60, 10) == INIT_LENGTH / 2 ** 6
    assert side_length([False] * 70, 10) == INIT_LENGTH


def test_box_is_scaled_by_lengthscales_and_clipped():
    lo, hi = box(np.array([0.5, 0.5]), np.array([1.0, 4.0]), 0.4)
    # weights 0.5 and 2 (geometric mean 2): sides 0.2 and 0.8
    np.testing.assert_allclose(hi - lo, [0.2, 0.8])
    np.testing.assert_allclose((hi + lo) / 2, [0.5, 0.5])
    lo, hi = box(np.array([0.95, 0.0]), np.array([1.0, 1.0]), 0.4)
    np.testing.assert_allclose(lo, [0.75, 0.0])
    np.testing.assert_allclose(hi, [1.0, 0.2])


def test_infeasible_trials_are_failures_and_the_first_feasible_one_a_success():
    inf = np.inf
    y = np.array([inf, inf, 3.0, inf, 2.0, 2.0, 1.0])
    assert improvements(y, 1) == [False, True, False, True, False, True]
    # with every value finite, the rule is TuRBO's
    assert improvements(np.array([3.0, 2.0, 2.0, 1.0]), 1) == [True, False, True]
