"""tuneforge.math.pareto: dominance, fronts and the loss order, against brute force."""

import itertools

import numpy as np
import pytest

from tuneforge.math.pareto import (
    crowding_distance,
    loss_order,
    non_dominated_fronts,
    non_dominated_mask,
    rank_and_crowding,
)


def _dominates(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.all(a <= b) and np.any(a < b))


def _brute_fronts(costs: np.ndarray) -> np.ndarray:
    """A row's front is 0 when nothing dominates it, else 1 + the largest front of the
    rows that dominate it (the longest chain of dominators above it)."""
    n = len(costs)
    front = np.full(n, -1)
    order = np.argsort(costs.sum(axis=1), kind="stable")  # dominators sum to less
    for i in order:
        above = [front[j] for j in range(n) if _dominates(costs[j], costs[i])]
        front[i] = 1 + max(above) if above else 0
    return front


@pytest.mark.parametrize("m", [2, 3, 4])
def test_mask_and_fronts_match_brute_force_on_random_points(m):
    rng = np.random.default_rng(m)
    for trial in range(30):
        n = int(rng.integers(1, 40))
        # a coarse grid makes ties and duplicates common
        costs = rng.integers(0, 5, size=(n, m)).astype(float) if trial % 2 else \
            rng.random((n, m))
        front = non_dominated_fronts(costs)
        assert front.tolist() == _brute_fronts(costs).tolist()
        mask = non_dominated_mask(costs)
        brute = [not any(_dominates(costs[j], costs[i]) for j in range(n)) for i in range(n)]
        assert mask.tolist() == brute
        assert (front == 0).tolist() == brute


def test_fronts_of_empty_and_duplicate_points():
    assert non_dominated_fronts(np.empty((0, 2))).tolist() == []
    # equal rows do not dominate each other
    assert non_dominated_fronts(np.array([[1.0, 1.0], [1.0, 1.0], [2.0, 2.0]])).tolist() == \
        [0, 0, 1]


def test_loss_order_one_objective_is_a_stable_sort():
    losses = np.array([[3.0], [1.0], [2.0], [1.0], [np.inf], [-np.inf]])
    assert loss_order(losses).tolist() == [5, 1, 3, 2, 0, 4]


def test_loss_order_several_objectives_by_front_then_rank_sum():
    rng = np.random.default_rng(0)
    losses = rng.random((25, 2))
    losses[3] = [np.inf, -np.inf]
    order = loss_order(losses)
    assert sorted(order.tolist()) == list(range(25))
    finite = np.nan_to_num(losses, posinf=1e300, neginf=-1e300)
    front = _brute_fronts(finite)
    ranks = np.argsort(np.argsort(finite, axis=0, kind="stable"), axis=0).sum(axis=1)
    keys = [(front[i], ranks[i], i) for i in order]
    assert keys == sorted(keys)
    for a, b in itertools.pairwise(order):
        assert front[a] <= front[b]


@pytest.mark.parametrize("m", [2, 3])
def test_fast_sort_matches_brute_force_with_ties_nan_and_stop(m):
    """The 2-D sweep and the general sort agree with brute force on ties, duplicates and
    NaN rows (front 0: they neither dominate nor are dominated); `stop_after` leaves -1
    only after enough rows have a front."""
    rng = np.random.default_rng(10 + m)
    for trial in range(60):
        n = int(rng.integers(1, 30))
        costs = np.round(rng.random((n, m)) * 3) / 3 if trial % 2 else rng.random((n, m))
        if trial % 5 == 0:
            costs[int(rng.integers(n)), int(rng.integers(m))] = np.nan
        full = non_dominated_fronts(costs)
        assert full.tolist() == _brute_fronts(costs).tolist()
        stop = int(rng.integers(1, n + 1))
        part = non_dominated_fronts(costs, stop_after=stop)
        assert np.all((part == full) | (part == -1)) and np.sum(part >= 0) >= stop


def test_fronts_of_a_hand_made_set():
    costs = np.array([[1, 5], [2, 3], [4, 1], [3, 4], [5, 2], [6, 6], [2, 3]], dtype=float)
    assert non_dominated_fronts(costs).tolist() == [0, 0, 0, 1, 1, 2, 0]
    assert non_dominated_fronts(costs, stop_after=4).tolist() == [0, 0, 0, -1, -1, -1, 0]


def test_crowding_distance_of_a_hand_made_front():
    front = np.array([[0.0, 1.0], [0.25, 0.5], [0.5, 0.25], [1.0, 0.0]])
    dist = crowding_distance(front)
    assert np.isinf(dist[0]) and np.isinf(dist[3])
    # (0.5 - 0) / 1 + (1 - 0.25) / 1 and (1 - 0.25) / 1 + (0.5 - 0) / 1
    assert dist[1:3].tolist() == pytest.approx([1.25, 1.25])
    assert np.isinf(crowding_distance(front[:2])).all()
    flat = crowding_distance(np.array([[1.0, 2.0], [1.0, 3.0], [1.0, 4.0]]))
    assert flat[1] == pytest.approx(1.0)  # the flat objective adds nothing


def test_rank_and_crowding_puts_infeasible_rows_after_feasible_fronts():
    costs = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 3.0], [0.0, 0.0], [0.5, 0.5]])
    viol = np.array([0.0, 0.0, 0.0, 2.0, 1.0])
    front, crowd = rank_and_crowding(costs, viol)
    assert front.tolist() == [0, 0, 1, 3, 2]
    assert crowd[3] == 0 and crowd[4] == 0
