"""tuneforge.math.hypervolume: exact 2-D and 3-D hypervolume against a grid brute force."""

import itertools

import numpy as np
import pytest

from tuneforge.math.hypervolume import hypervolume


def _brute_hypervolume(points: np.ndarray, ref: np.ndarray) -> float:
    """Sum of the cells of the grid on every point's coordinates whose lower corner some
    point weakly dominates: exact, O(n^m) cells."""
    points = points[np.all(points < ref, axis=1)]
    if not len(points):
        return 0.0
    axes = [np.unique(np.append(points[:, j], ref[j])) for j in range(len(ref))]
    total = 0.0
    for idx in itertools.product(*(range(len(a) - 1) for a in axes)):
        lower = np.array([a[i] for a, i in zip(axes, idx, strict=True)])
        upper = np.array([a[i + 1] for a, i in zip(axes, idx, strict=True)])
        if np.any(np.all(points <= lower, axis=1)):
            total += float(np.prod(upper - lower))
    return total


@pytest.mark.parametrize("m", [2, 3])
def test_matches_brute_force_on_random_points(m):
    rng = np.random.default_rng(m)
    ref = np.full(m, 1.1)
    for trial in range(40):
        n = int(rng.integers(0, 12))
        pts = rng.random((n, m)) * 1.2  # some outside the reference box
        if trial % 3 == 0 and n:
            pts = np.round(pts * 4) / 4  # ties and duplicates
        assert hypervolume(pts, ref) == pytest.approx(_brute_hypervolume(pts, ref), abs=1e-12)


def test_known_values():
    assert hypervolume([[0.5, 0.5]], [1.0, 1.0]) == pytest.approx(0.25)
    assert hypervolume([[0.0, 0.5], [0.5, 0.0]], [1.0, 1.0]) == pytest.approx(0.75)
    assert hypervolume([[0.5, 0.5, 0.5]], [1.0, 1.0, 1.0]) == pytest.approx(0.125)
    assert hypervolume([[2.0, 0.0]], [1.0, 1.0]) == 0.0
    assert hypervolume(np.empty((0, 3)), [1.0, 1.0, 1.0]) == 0.0


def test_dominated_points_add_nothing():
    front = [[0.2, 0.8], [0.5, 0.5], [0.8, 0.2]]
    assert hypervolume(front + [[0.6, 0.6], [0.5, 0.5]], [1.0, 1.0]) == \
        pytest.approx(hypervolume(front, [1.0, 1.0]))


def test_other_numbers_of_objectives_are_refused():
    with pytest.raises(ValueError, match="2 or 3 objectives, got 4"):
        hypervolume([[0.1, 0.1, 0.1, 0.1]], [1.0, 1.0, 1.0, 1.0])
