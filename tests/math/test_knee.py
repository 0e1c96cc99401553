"""Choosing a point of a front: normalization, the knee, a weighted sum (hand-made fronts)."""

import numpy as np
import pytest

from tuneforge.math.knee import knee_index, normalize_front, weighted_index


def test_normalize_front_maps_each_objective_to_unit_range():
    f = normalize_front(np.array([[1.0, 10.0], [3.0, 30.0], [2.0, 30.0]]))
    assert f.tolist() == [[0.0, 0.0], [1.0, 1.0], [0.5, 1.0]]
    flat = normalize_front(np.array([[1.0, 5.0], [1.0, 7.0]]))
    assert flat[:, 0].tolist() == [0.0, 0.0]  # equal everywhere: 0
    inf = normalize_front(np.array([[0.0, 1.0], [np.inf, 0.0], [1.0, 0.5]]))
    assert inf[:, 0].tolist() == [0.0, 1.0, 1.0]  # clipped to the finite range


def test_the_knee_of_a_convex_two_objective_front_is_its_bulge():
    # ends (0, 1) and (1, 0); distances to the line x + y = 1: 0, .3, .5, .3, 0 (scaled)
    front = np.array([[0.0, 1.0], [0.1, 0.6], [0.2, 0.3], [0.6, 0.1], [1.0, 0.0]])
    assert knee_index(front) == 2
    # units do not matter: scale one objective by 1000
    assert knee_index(front * [1000.0, 1.0]) == 2


def test_a_linear_front_ties_and_the_first_row_wins():
    assert knee_index(np.array([[0.0, 1.0], [0.5, 0.5], [1.0, 0.0]])) == 0
    assert knee_index(np.array([[3.0, 4.0]])) == 0


def test_three_objective_knee_uses_the_plane_through_the_extremes():
    front = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0], [0.3, 0.3, 0.3],
                      [0.5, 0.5, 0.2]])
    assert knee_index(front) == 3  # farthest below the plane x + y + z = 2


def test_weighted_index_weighs_normalized_costs():
    front = np.array([[0.0, 100.0], [0.5, 10.0], [1.0, 0.0]])
    assert weighted_index(front, np.array([1.0, 0.0])) == 0
    assert weighted_index(front, np.array([0.0, 1.0])) == 2
    assert weighted_index(front, np.array([1.0, 1.0])) == 1  # 0.5 + 0.1 beats 1 and 1
    assert weighted_index(front, np.array([1.0, 1.0]), normalize=False) == 2


@pytest.mark.parametrize("w", [[1.0], [-1.0, 1.0], [0.0, 0.0], [np.nan, 1.0]])
def test_bad_weights_are_refused(w):
    with pytest.raises(ValueError, match="weights must be 2 non-negative"):
        weighted_index(np.zeros((2, 2)), np.array(w))
