"""Pareto dominance over objective vectors (all minimized): the non-dominated set, the
non-dominated fronts, and an order of loss vectors that ranks by front.

A row a dominates a row b when a <= b in every objective and a < b in at least one.
"""

from __future__ import annotations

import numpy as np


def non_dominated_mask(costs: np.ndarray) -> np.ndarray:
    """Boolean mask of shape (n,) marking the rows of `costs` (n, m) that no other row
    dominates (<= in every objective and < in one); every objective is minimized."""
    costs = np.asarray(costs, dtype=float)
    n = costs.shape[0]
    mask = np.ones(n, dtype=bool)
    for i in range(n):
        if not mask[i]:
            continue
        dominated = np.all(costs <= costs[i], axis=1) & np.any(costs < costs[i], axis=1)
        if dominated.any():
            mask[i] = False
    return mask


def non_dominated_fronts(costs: np.ndarray) -> np.ndarray:
    """Front index (n,) of each row of `costs` (n, m), all minimized: 0 for the
    non-dominated rows, 1 for those dominated only by rows of front 0, and so on.

    Non-dominated sorting (Deb, Pratap, Agarwal, Meyarivan, "A fast and elitist
    multiobjective genetic algorithm: NSGA-II", IEEE TEC 6(2), 2002, section III-A) by
    peeling: each front is the non-dominated set of the rows left, O(m n^2) per front.
    NaN compares false, so a row with NaN neither dominates nor is dominated.
    """
    costs = np.asarray(costs, dtype=float)
    n = costs.shape[0]
    front = np.full(n, -1)
    left = np.arange(n)
    level = 0
    while len(left):
        mask = non_dominated_mask(costs[left])
        front[left[mask]] = level
        left = left[~mask]
        level += 1
    return front


def loss_order(losses: np.ndarray) -> np.ndarray:
    """Order (n,) of loss rows (n, k), best first: by value for one objective (stable, so
    ties go to the earlier row); for several, by non-dominated front, then by the sum of
    per-objective ranks inside a front, then by row. +-inf rank like very large numbers.

    Inside a front the rank sum prefers rows good in every objective to rows extreme in
    one. NaN counts as 0 (`np.nan_to_num`); callers pass finished trials' values.
    """
    if losses.shape[1] == 1:
        return np.argsort(losses[:, 0], kind="stable")
    n = len(losses)
    finite = np.nan_to_num(losses, posinf=1e300, neginf=-1e300)
    front = non_dominated_fronts(finite)
    rank_sum = np.argsort(np.argsort(finite, axis=0, kind="stable"), axis=0).sum(axis=1)
    return np.lexsort((np.arange(n), rank_sum, front))
