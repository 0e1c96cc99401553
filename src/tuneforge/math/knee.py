"""Choosing one point of a Pareto front: normalization, the knee, a weighted sum.

Costs are minimized (negate maximized objectives first); rows are the front's points.
"""

from __future__ import annotations

import numpy as np

from .arrays import FloatArray


def normalize_front(costs: FloatArray) -> FloatArray:
    """Costs (n, m) rescaled per objective to [0, 1] over the rows: 0 the best (ideal),
    1 the worst (nadir); an objective equal on every row becomes 0. Infinite values are
    clipped to the finite range first."""
    costs = np.asarray(costs, dtype=float)
    out = np.zeros_like(costs)
    for j in range(costs.shape[1]):
        col = costs[:, j]
        finite = np.isfinite(col)
        if not finite.any():
            continue
        lo, hi = float(col[finite].min()), float(col[finite].max())
        col = np.clip(col, lo, hi)
        if hi > lo:
            out[:, j] = (col - lo) / (hi - lo)
    return out


def knee_index(costs: FloatArray) -> int:
    """Row of the knee of a front (n, m): after `normalize_front`, the point farthest
    from the hyperplane through the extreme points (each the best in one objective), on
    the side of the ideal point (Das, "On characterizing the 'knee' of the Pareto curve
    based on normal-boundary intersection", Struct. Optim. 18, 1999; the same rule as
    Branke et al., PPSN 2004). With two objectives the hyperplane is the line through
    the two ends of the front. When the extremes do not span a hyperplane, the plane
    sum(f) = 1 is used. Ties (and fronts of one or two points) go to the smallest sum
    of normalized costs, then to the first row.
    """
    f = normalize_front(costs)
    n, m = f.shape
    if n == 0:
        raise ValueError("knee_index needs at least one point")
    extremes = f[np.argmin(f, axis=0)]  # (m, m): row j is the best point in objective j
    try:
        w = np.linalg.solve(extremes, np.ones(m))  # the hyperplane w . x = 1
        if not np.all(np.isfinite(w)) or np.any(w <= 0):
            raise np.linalg.LinAlgError("degenerate")
    except np.linalg.LinAlgError:
        w = np.ones(m)
    dist = (1.0 - f @ w) / np.linalg.norm(w)  # > 0 on the ideal side of the hyperplane
    dist = np.round(dist, 12)  # float noise must not break ties between equal distances
    order = np.lexsort((np.arange(n), f.sum(axis=1), -dist))
    return int(order[0])


def weighted_index(costs: FloatArray, weights: FloatArray, *, normalize: bool = True) -> int:
    """Row minimizing sum_j weights[j] * cost[j] (costs normalized to [0, 1] over the
    rows first, unless `normalize` is False); ties go to the first row."""
    w = np.asarray(weights, dtype=float)
    if w.shape != (costs.shape[1],) or not np.all(np.isfinite(w)) or np.any(w < 0) \
            or not w.sum() > 0:
        raise ValueError(f"weights must be {costs.shape[1]} non-negative numbers, not all 0;"
                         f" got {weights!r}")
    f = normalize_front(costs) if normalize else np.asarray(costs, dtype=float)
    score = f @ w
    return int(np.argmin(score))


__all__ = ["knee_index", "normalize_front", "weighted_index"]
