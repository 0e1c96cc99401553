"""tuneforge.math.pareto: dominance, fronts and the loss order, against brute force."""

import itertools

import numpy as np
import pytest

from tuneforge.math.pareto import loss_order, non_dominated_fronts, non_dominated_mask


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
