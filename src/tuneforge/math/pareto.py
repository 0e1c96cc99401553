"""Pareto dominance over objective vectors (all minimized): the non-dominated set, the
non-dominated fronts (fast non-dominated sorting), crowding distance, and an order of
loss vectors that ranks by front.

A row a dominates a row b when a <= b in every objective and a < b in at least one.
NaN compares false, so a row with NaN neither dominates nor is dominated.
"""

from __future__ import annotations

import bisect

import numpy as np

from .arrays import BoolArray, FloatArray, IntArray

_CHUNK = 4_000_000  # row pairs held in memory at once by the general sort


def dominates(costs: FloatArray, rows: FloatArray) -> BoolArray:
    """Matrix (k, n): entry (i, j) is True when `rows[i]` dominates `costs[j]`."""
    rows = np.asarray(rows, dtype=float)
    costs = np.asarray(costs, dtype=float)
    le = np.ones((len(rows), len(costs)), dtype=bool)
    lt = np.zeros((len(rows), len(costs)), dtype=bool)
    for j in range(costs.shape[1]):  # one objective at a time: (k, n) temporaries only
        a, b = rows[:, j, None], costs[None, :, j]
        le &= a <= b
        lt |= a < b
    out: BoolArray = le & lt
    return out


def non_dominated_mask(costs: FloatArray) -> BoolArray:
    """Boolean mask of shape (n,) marking the rows of `costs` (n, m) that no other row
    dominates (<= in every objective and < in one); every objective is minimized."""
    return np.asarray(non_dominated_fronts(costs, stop_after=1) == 0)


def non_dominated_fronts(costs: FloatArray, *, stop_after: int | None = None) -> IntArray:
    """Front index (n,) of each row of `costs` (n, m), all minimized: 0 for the
    non-dominated rows, 1 for those dominated only by rows of front 0, and so on.

    Fast non-dominated sorting (Deb, Pratap, Agarwal, Meyarivan, "A fast and elitist
    multiobjective genetic algorithm: NSGA-II", IEEE TEC 6(2), 2002, section III-A):
    domination counts from one vectorized pass, O(m n^2), then fronts peeled by
    subtracting. Two objectives without NaN take an O(n log n) sweep instead (Jensen,
    "Reducing the run-time complexity of multiobjective EAs", IEEE TEC 7(5), 2003).
    `stop_after`: once at least this many rows have a front, the rest get -1 (the
    truncation of NSGA-II's selection needs no more).
    """
    costs = np.asarray(costs, dtype=float)
    n = costs.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    costs = costs.reshape(n, -1)
    if costs.shape[1] == 2 and not np.isnan(costs).any():
        front = _fronts_2d(costs)
        if stop_after is not None:
            levels = np.cumsum(np.bincount(front))
            last = int(np.searchsorted(levels, min(stop_after, n)))
            front[front > last] = -1
        return front
    return _fronts_general(costs, stop_after)


def _fronts_2d(costs: FloatArray) -> IntArray:
    """Fronts of n rows of two objectives (no NaN) by one sweep in lexicographic order:
    each front keeps the (f1, f2) of its last member, the one most likely to dominate a
    later row; the fronts' last f2 increase, so a binary search finds the row's front."""
    order = np.lexsort((costs[:, 1], costs[:, 0]))
    front = np.empty(len(costs), dtype=np.int64)
    tail_f2: list[float] = []   # per front, f2 of its last member (increasing over fronts)
    tail_f1: list[float] = []
    for i in order:
        f1, f2 = float(costs[i, 0]), float(costs[i, 1])
        # front k dominates the row when its tail has f2 < row's f2, or the same f2
        # with a smaller f1 (an equal row does not dominate)
        k = bisect.bisect_left(tail_f2, f2)
        if k < len(tail_f2) and tail_f2[k] == f2 and tail_f1[k] < f1:
            k += 1
            while k < len(tail_f2) and tail_f2[k] == f2 and tail_f1[k] < f1:
                k += 1
        if k == len(tail_f2):
            tail_f2.append(f2)
            tail_f1.append(f1)
        else:
            tail_f2[k], tail_f1[k] = f2, f1
        front[i] = k
    return front


def _fronts_general(costs: FloatArray, stop_after: int | None) -> IntArray:
    """Deb's fast non-dominated sort on a domination matrix built in chunks of rows."""
    n = len(costs)
    step = max(1, _CHUNK // n)
    dom = np.zeros((n, n), dtype=bool)  # dom[i, j]: row i dominates row j
    for s in range(0, n, step):
        dom[s:s + step] = dominates(costs, costs[s:s + step])
    count = dom.sum(axis=0)
    front = np.full(n, -1, dtype=np.int64)
    current = np.flatnonzero(count == 0)
    level, placed = 0, 0
    while len(current):
        front[current] = level
        placed += len(current)
        if stop_after is not None and placed >= stop_after:
            break
        count = count - dom[current].sum(axis=0)
        count[current] = -1
        current = np.flatnonzero(count == 0)
        level += 1
    return front


def crowding_distance(costs: FloatArray) -> FloatArray:
    """Crowding distance (n,) of the rows of one front `costs` (n, m) (Deb et al. 2002,
    section III-B): per objective, the gap between a row's two neighbours in that
    objective divided by the objective's range, summed; the extremes of every
    objective get +inf (so do all rows of a front of at most two). An objective with no
    range adds nothing."""
    costs = np.asarray(costs, dtype=float)
    n = costs.shape[0]
    dist = np.zeros(n)
    if n <= 2:
        return np.full(n, np.inf)
    for j in range(costs.shape[1]):
        order = np.argsort(costs[:, j], kind="stable")
        v = costs[order, j]
        span = v[-1] - v[0]
        dist[order[0]] = dist[order[-1]] = np.inf
        if not span > 0:
            continue
        dist[order[1:-1]] += (v[2:] - v[:-2]) / span
    return dist


def rank_and_crowding(costs: FloatArray, violation: FloatArray | None = None
                      ) -> tuple[IntArray, FloatArray]:
    """Front (n,) and crowding distance (n,) of every row under constraint domination
    (Deb et al. 2002, section V): feasible rows (violation <= 0) are sorted into fronts
    as usual; infeasible ones come after every feasible front, one front per distinct
    violation, smaller first, with crowding 0. `violation` None: all feasible."""
    costs = np.asarray(costs, dtype=float)
    n = costs.shape[0]
    viol = np.zeros(n) if violation is None else np.asarray(violation, dtype=float)
    front = np.zeros(n, dtype=np.int64)
    crowd = np.zeros(n)
    feas = np.flatnonzero(~(viol > 0))
    if len(feas):
        f = non_dominated_fronts(costs[feas])
        front[feas] = f
        for level in range(int(f.max()) + 1):
            members = feas[f == level]
            crowd[members] = crowding_distance(costs[members])
    infeas = np.flatnonzero(viol > 0)
    if len(infeas):
        start = int(front[feas].max()) + 1 if len(feas) else 0
        _, level = np.unique(viol[infeas], return_inverse=True)
        front[infeas] = start + level.reshape(-1)
    return front, crowd


def loss_order(losses: FloatArray) -> IntArray:
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
