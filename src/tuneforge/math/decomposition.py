"""Decomposition of a multi-objective problem into scalar subproblems (MOEA/D): weight
vectors, their neighbourhoods, and the Tchebycheff and penalty-boundary-intersection
scalarizations (Zhang & Li, "MOEA/D: a multiobjective evolutionary algorithm based on
decomposition", IEEE TEC 11(6), 2007, section II).

All objectives are minimized; `ideal` is the best value seen per objective.
"""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np

from .arrays import FloatArray, IntArray


def das_dennis(n_obj: int, divisions: int) -> FloatArray:
    """The simplex-lattice weights (C(divisions + m - 1, m - 1), m) of Das & Dennis
    ("Normal-boundary intersection", SIAM J. Optim. 8(3), 1998): every vector of
    multiples of 1 / divisions that sums to 1."""
    if n_obj < 1 or divisions < 0:
        raise ValueError(f"das_dennis: need n_obj >= 1 and divisions >= 0, got "
                         f"{n_obj}, {divisions}")
    if n_obj == 1:
        return np.ones((1, 1))
    if divisions == 0:
        return np.full((1, n_obj), 1.0 / n_obj)
    rows = []
    # stars and bars: the m - 1 bar positions among divisions + m - 1 slots
    for bars in combinations(range(divisions + n_obj - 1), n_obj - 1):
        edges = (-1, *bars, divisions + n_obj - 1)
        rows.append([edges[k + 1] - edges[k] - 1 for k in range(n_obj)])
    return np.asarray(rows, dtype=float) / divisions


def lattice_size(n_obj: int, divisions: int) -> int:
    """How many weights `das_dennis(n_obj, divisions)` makes."""
    return math.comb(divisions + n_obj - 1, n_obj - 1)


def weight_vectors(n_obj: int, n: int) -> FloatArray:
    """About `n` weight vectors (k, n_obj) spread over the unit simplex.

    Rule: the finest Das-Dennis lattice with at most `n` points; when that lattice has
    no interior (its divisions < n_obj, which happens from about 6 objectives at n = 100
    and leaves only weights on the simplex's boundary), two layers instead (Deb & Jain,
    "An evolutionary many-objective optimization algorithm using reference-point-based
    nondominated sorting approach", IEEE TEC 18(4), 2014, section IV-B): a boundary
    lattice and an inner one shrunk halfway to the centre, each with about n / 2. With one
    objective: `n` copies of [1].
    """
    if n_obj < 1 or n < 1:
        raise ValueError(f"weight_vectors: need n_obj >= 1 and n >= 1, got {n_obj}, {n}")
    if n_obj == 1:
        return np.ones((n, 1))
    h = 1
    while lattice_size(n_obj, h + 1) <= n:
        h += 1
    if h >= n_obj or n_obj == 2:
        return das_dennis(n_obj, h)
    h = 1
    while lattice_size(n_obj, h + 1) <= max(n // 2, 1):
        h += 1
    outer = das_dennis(n_obj, h)
    inner = 0.5 * outer + 0.5 / n_obj
    return np.vstack([outer, inner])


def neighbours(weights: FloatArray, size: int) -> IntArray:
    """Indices (k, size) of each weight's `size` nearest weights (Euclidean), itself first
    (ties by index). With one objective every weight is the same: neighbours are the
    nearest indices on a ring instead, so that the subproblems still form neighbourhoods."""
    k = len(weights)
    size = max(1, min(size, k))
    if weights.shape[1] == 1:
        idx = np.arange(k)
        ring = np.abs(idx[:, None] - idx[None, :])
        dist = np.minimum(ring, k - ring).astype(float)
    else:
        dist = np.linalg.norm(weights[:, None, :] - weights[None, :, :], axis=2)
    dist[np.arange(k), np.arange(k)] = -1.0  # itself first
    out: IntArray = np.argsort(dist, axis=1, kind="stable")[:, :size]
    return out


def tchebycheff(costs: FloatArray, weights: FloatArray, ideal: FloatArray) -> FloatArray:
    """Tchebycheff values (n, k) of `costs` (n, m) for `weights` (k, m):
    max_j w_j |f_j - z*_j|, a zero weight counted as 1e-6 so that its objective still
    breaks ties (Zhang & Li 2007, eq. 2)."""
    w = np.maximum(np.asarray(weights, dtype=float), 1e-6)
    d = np.abs(np.asarray(costs, dtype=float) - ideal)
    out: FloatArray = d[:, 0, None] * w[None, :, 0]
    for j in range(1, d.shape[1]):  # one objective at a time: (n, k) temporaries only
        np.maximum(out, d[:, j, None] * w[None, :, j], out=out)
    return out


def pbi(costs: FloatArray, weights: FloatArray, ideal: FloatArray, *,
        theta: float = 5.0) -> FloatArray:
    """Penalty-boundary-intersection values (n, k) of `costs` (n, m) for `weights`
    (k, m): d1 + theta * d2, d1 the distance from the ideal point along the weight's
    direction and d2 the distance from that line (Zhang & Li 2007, eq. 3)."""
    w = np.asarray(weights, dtype=float)
    w = w / np.maximum(np.linalg.norm(w, axis=1, keepdims=True), 1e-12)
    d = np.asarray(costs, dtype=float) - ideal
    d1 = d @ w.T
    sq = np.sum(d * d, axis=1)[:, None] - d1 * d1
    d2 = np.sqrt(np.maximum(sq, 0.0))
    out: FloatArray = d1 + theta * d2
    return out


__all__ = ["das_dennis", "lattice_size", "neighbours", "pbi", "tchebycheff", "weight_vectors"]
