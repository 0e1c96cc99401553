"""tuneforge.math.hypervolume: exact 2-D and 3-D hypervolume against a grid brute force."""

import itertools

import numpy as np
import pytest

from tests.benchmarks._peers import require_peers
from tuneforge.math.hypervolume import contributions, hypervolume, reference_point


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


def test_known_fronts_exactly():
    # a staircase of k points on the line x + y = 1 against (1, 1): 1/2 - 1/(2k) less...
    k = 10
    xs = np.arange(1, k + 1) / (k + 1)
    stairs = np.column_stack([xs, xs[::-1]])
    # each point adds (x_next - x) * (1 - y): a closed form for the staircase
    expected = sum((1.0 - x) * (1.0 / (k + 1)) for x in xs)
    assert hypervolume(stairs, [1.0, 1.0]) == pytest.approx(expected, abs=1e-14)
    # corners of the unit cube's lower half in 3-D: 1 - 1/8 for the 7 non-origin corners
    corners = np.array([c for c in itertools.product([0.0, 0.5], repeat=3) if any(c)])
    assert hypervolume(corners, [1.0, 1.0, 1.0]) == pytest.approx(1 - 1 / 8)
    # one point in 5-D: the box
    assert hypervolume([[0.5] * 5], [1.0] * 5) == pytest.approx(0.5 ** 5)


@pytest.mark.parametrize("m", [4, 5])
def test_beyond_three_objectives_exact_and_monte_carlo(m):
    rng = np.random.default_rng(m)
    ref = np.full(m, 1.1)
    for _ in range(5):
        pts = rng.random((int(rng.integers(1, 8)), m))
        assert hypervolume(pts, ref) == pytest.approx(_brute_hypervolume(pts, ref), abs=1e-12)
    pts = rng.random((8, m))
    exact = hypervolume(pts, ref)
    estimate = hypervolume(pts, ref, exact_limit=0, samples=40_000, seed=1)
    assert estimate == hypervolume(pts, ref, exact_limit=0, samples=40_000, seed=1)
    box = float(np.prod(ref - pts.min(axis=0)))
    assert abs(estimate - exact) < 5 * box * 0.5 / np.sqrt(40_000)


@pytest.mark.parametrize("m", [2, 3, 4])
def test_matches_pymoo(m):
    require_peers("pymoo")
    from pymoo.indicators.hv import HV

    rng = np.random.default_rng(20 + m)
    ref = np.full(m, 1.1)
    for trial in range(10):
        pts = rng.random((int(rng.integers(1, 40 if m < 4 else 15)), m)) * 1.2
        if trial % 2:
            pts = np.round(pts * 4) / 4
        assert hypervolume(pts, ref) == pytest.approx(HV(ref_point=ref)(pts), abs=1e-10)


@pytest.mark.parametrize("m", [2, 3])
def test_contributions_are_leave_one_out_losses(m):
    rng = np.random.default_rng(30 + m)
    ref = np.full(m, 1.0)
    pts = np.round(rng.random((12, m)) * 5) / 5
    pts = np.vstack([pts, pts[:1]])  # a duplicate contributes nothing
    total = hypervolume(pts, ref)
    got = contributions(pts, ref)
    for i in range(len(pts)):
        assert got[i] == pytest.approx(total - hypervolume(np.delete(pts, i, 0), ref),
                                       abs=1e-12)
    assert got[0] == 0.0 and got[-1] == 0.0
    # removing a point exposes what only it dominated
    assert contributions([[0.2, 0.2], [0.5, 0.5]], [1.0, 1.0]).tolist() == \
        pytest.approx([0.64 - 0.25, 0.0])


def test_reference_point_rule():
    costs = np.array([[0.0, 2.0], [1.0, 1.0], [2.0, 0.0], [5.0, 5.0], [np.nan, 0.0]])
    # the dominated (5, 5) and the NaN row are ignored: nadir (2, 2), range (2, 2)
    assert reference_point(costs).tolist() == pytest.approx([2.2, 2.2])
    assert reference_point([[3.0, -1.0]], margin=0.5).tolist() == pytest.approx([4.5, -0.5])
    with pytest.raises(ValueError, match="at least one row"):
        reference_point(np.empty((0, 2)))
