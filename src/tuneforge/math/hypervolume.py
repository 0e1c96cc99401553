"""Hypervolume of a point set (all objectives minimized), its exclusive contributions,
and the rule for a reference point.

The hypervolume of points P against a reference point r is the Lebesgue measure of the
region that some p in P dominates and that r bounds: the union of the boxes [p, r]
(Zitzler & Thiele, "Multiobjective optimization using evolutionary algorithms - a
comparative case study", PPSN V, 1998). Points not strictly better than r in every
objective contribute nothing.

- 2 objectives: one vectorized sweep in order of the first objective, O(n log n).
- 3 objectives: slices along the third objective, each a 2-D sweep over the points below
  it (hypervolume by slicing objectives, HSO: While, Hingston, Barone, Huband, "A faster
  algorithm for calculating hypervolume", IEEE TEC 10(1), 2006), O(n^2 log n).
- 4 and more: exact by the WFG recursion (While, Bradstreet, Barone, "A fast way of
  calculating exact hypervolumes", IEEE TEC 16(1), 2012) on the non-dominated points
  while there are at most `exact_limit` of them (exponential in the worst case, fast on
  small fronts); beyond, a seeded Monte Carlo estimate (uniform points in the box between
  the front's ideal point and r; standard error about box * sqrt(p (1 - p) / samples)).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .arrays import FloatArray
from .pareto import non_dominated_mask

EXACT_LIMIT = 64         # WFG beyond 3 objectives up to this many non-dominated points
MC_SAMPLES = 100_000     # Monte Carlo points beyond it

PointSet = Sequence[Sequence[float]] | np.ndarray


def _hv2(points: FloatArray, ref: FloatArray) -> float:
    """Area that `points` (n, 2) dominate inside `ref` (2,); every point is below `ref`."""
    if len(points) == 0:
        return 0.0
    pts = points[np.lexsort((points[:, 1], points[:, 0]))]
    # each point adds the strip between its y and the lowest y of the points before it
    best_before = np.minimum.accumulate(np.concatenate(([ref[1]], pts[:-1, 1])))
    gain = np.maximum(best_before - pts[:, 1], 0.0)
    # summed in order (cumsum), as a loop over the sorted points would
    return float(np.cumsum((ref[0] - pts[:, 0]) * gain)[-1])


def _hv3(p: FloatArray, r: FloatArray) -> float:
    p = p[np.argsort(p[:, 2], kind="stable")]
    volume = 0.0
    for i in range(len(p)):
        z_next = p[i + 1, 2] if i + 1 < len(p) else r[2]
        depth = z_next - p[i, 2]
        if depth > 0:
            volume += depth * _hv2(p[: i + 1, :2], r[:2])
    return float(volume)


def _exact(p: FloatArray, r: FloatArray) -> float:
    """Exact hypervolume of points strictly inside `r`, any number of objectives."""
    if len(p) == 0:
        return 0.0
    m = p.shape[1]
    if m == 1:
        return float(r[0] - p[:, 0].min())
    if m == 2:
        return _hv2(p, r)
    if m == 3:
        return _hv3(p, r)
    return _wfg(p[non_dominated_mask(p)], r)


def _wfg(p: FloatArray, r: FloatArray) -> float:
    """WFG: sum over the points, sorted by the last objective, of each one's box less
    the part of it that the later points dominate (the later points limited to it)."""
    p = p[np.argsort(p[:, -1], kind="stable")[::-1]]
    total = 0.0
    for i in range(len(p)):
        box = float(np.prod(r - p[i]))
        rest = np.maximum(p[i + 1:], p[i])
        if len(rest):
            rest = rest[np.all(rest < r, axis=1)]
            rest = rest[non_dominated_mask(rest)] if len(rest) > 1 else rest
            box -= _exact(rest, r) if p.shape[1] <= 3 or len(rest) <= 1 else _wfg(rest, r)
        total += box
    return total


def _monte_carlo(p: FloatArray, r: FloatArray, samples: int, seed: int) -> float:
    """Share of `samples` uniform points in [ideal of p, r] that some row of p dominates,
    times that box's volume."""
    lo = p.min(axis=0)
    box = float(np.prod(r - lo))
    rng = np.random.default_rng(seed)
    step = max(1, 4_000_000 // len(p))
    hit = 0
    for start in range(0, samples, step):
        k = min(step, samples - start)
        u = lo + rng.random((k, len(r))) * (r - lo)
        covered = np.ones((k, len(p)), dtype=bool)
        for j in range(len(r)):
            covered &= p[None, :, j] <= u[:, j, None]
        hit += int(covered.any(axis=1).sum())
    return box * hit / samples


def hypervolume(points: PointSet, ref: Sequence[float] | np.ndarray, *,
                exact_limit: int = EXACT_LIMIT, samples: int = MC_SAMPLES,
                seed: int = 0) -> float:
    """Hypervolume of `points` (n, m) against `ref` (m,), all objectives minimized.

    Exact for 1 to 3 objectives; beyond, exact (WFG) while at most `exact_limit`
    points are non-dominated, else a Monte Carlo estimate from `samples` points drawn
    with `seed` (the same inputs give the same estimate).
    """
    r = np.asarray(ref, dtype=float).reshape(-1)
    if len(r) == 0:
        raise ValueError("hypervolume: the reference point has no objectives")
    p = np.asarray(points, dtype=float).reshape(-1, len(r))
    p = p[np.all(p < r, axis=1)]
    if len(p) == 0:
        return 0.0
    if len(r) <= 3:
        return _exact(p, r)
    p = p[non_dominated_mask(p)]
    if len(p) <= exact_limit:
        return _wfg(p, r)
    return _monte_carlo(p, r, samples, seed)


def contributions(points: PointSet, ref: Sequence[float] | np.ndarray, **options: int
                  ) -> FloatArray:
    """Exclusive hypervolume contribution (n,) of every point: the hypervolume lost when
    only that point is removed. Dominated points, duplicates and points outside `ref`
    contribute 0. One hypervolume per distinct non-dominated point, with every other
    point (those that only it dominated fill part of its region); `options` go to
    `hypervolume`."""
    r = np.asarray(ref, dtype=float).reshape(-1)
    p = np.asarray(points, dtype=float).reshape(-1, len(r))
    out = np.zeros(len(p))
    inside = np.flatnonzero(np.all(p < r, axis=1))
    if not len(inside):
        return out
    q = p[inside]
    keep = non_dominated_mask(q)
    # a point equal to another contributes nothing: removing it leaves its twin
    _, first, counts = np.unique(q, axis=0, return_index=True, return_counts=True)
    unique = np.zeros(len(q), dtype=bool)
    unique[first[counts == 1]] = True
    front = np.flatnonzero(keep & unique)
    total = hypervolume(q, r, **options)
    for i in front:
        others = np.delete(q, i, axis=0)  # with the points that only i dominated
        out[inside[i]] = max(total - hypervolume(others, r, **options), 0.0)
    return out


def reference_point(costs: PointSet, *, margin: float = 0.1) -> FloatArray:
    """The reference point used when none is given: the nadir of the non-dominated rows
    of `costs` (n, m) (their worst value per objective) plus `margin` times their range
    (ideal to nadir), so that the extreme points of the front still contribute; where the
    range is 0, plus `margin` times max(|nadir|, 1). Rows with NaN or inf are ignored."""
    c = np.asarray(costs, dtype=float)
    if c.ndim != 2 or c.shape[0] == 0:
        raise ValueError("reference_point: need at least one row of objective values")
    c = c[np.all(np.isfinite(c), axis=1)]
    if len(c) == 0:
        raise ValueError("reference_point: every row has a NaN or infinite value")
    f = c[non_dominated_mask(c)]
    nadir, ideal = f.max(axis=0), f.min(axis=0)
    span = nadir - ideal
    span = np.where(span > 0, span, np.maximum(np.abs(nadir), 1.0))
    out: FloatArray = nadir + margin * span
    return out


__all__ = ["EXACT_LIMIT", "MC_SAMPLES", "contributions", "hypervolume", "reference_point"]
