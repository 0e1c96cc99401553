"""Exact hypervolume of a point set (all objectives minimized) for 2 and 3 objectives.

The hypervolume of points P against a reference point r is the Lebesgue measure of the
region that some p in P dominates and that r bounds: the union of the boxes [p, r]
(Zitzler & Thiele, "Multiobjective optimization using evolutionary algorithms - a
comparative case study", PPSN V, 1998). Points not strictly better than r in every
objective contribute nothing.

- 2 objectives: one sweep in order of the first objective, O(n log n).
- 3 objectives: slices along the third objective, each a 2-D sweep over the points below
  it (hypervolume by slicing objectives, HSO: While, Hingston, Barone, Huband, "A faster
  algorithm for calculating hypervolume", IEEE TEC 10(1), 2006), O(n^2 log n).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _hv2(points: np.ndarray, ref: np.ndarray) -> float:
    """Area that `points` (n, 2) dominate inside `ref` (2,); every point is below `ref`."""
    if len(points) == 0:
        return 0.0
    pts = points[np.lexsort((points[:, 1], points[:, 0]))]
    area, best_y = 0.0, ref[1]
    for x, y in pts:
        if y < best_y:
            area += (ref[0] - x) * (best_y - y)
            best_y = y
    return float(area)


def hypervolume(points: Sequence[Sequence[float]] | np.ndarray,
                ref: Sequence[float]) -> float:
    """Hypervolume of `points` (n, m) against `ref` (m,), m in {2, 3}, all minimized.

    Raises ValueError for any other number of objectives (with at least one point inside
    the reference box).
    """
    p = np.asarray(points, dtype=float).reshape(-1, len(ref))
    r = np.asarray(ref, dtype=float)
    p = p[np.all(p < r, axis=1)]
    if len(p) == 0:
        return 0.0
    if p.shape[1] == 2:
        return _hv2(p, r)
    if p.shape[1] != 3:
        raise ValueError(f"hypervolume: 2 or 3 objectives, got {p.shape[1]}")
    p = p[np.argsort(p[:, 2])]
    volume = 0.0
    for i in range(len(p)):
        z_next = p[i + 1, 2] if i + 1 < len(p) else r[2]
        depth = z_next - p[i, 2]
        if depth > 0:
            volume += depth * _hv2(p[: i + 1, :2], r[:2])
    return float(volume)
