"""Hypervolume of a set of points (minimization) against a reference point, for 2 and 3
objectives: exact sweeps, O(n log n) in 2-D and O(n^2 log n) in 3-D (slices along the
third objective, each a 2-D sweep). Points not strictly better than the reference in
every objective contribute nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _hv2(points: np.ndarray, ref: np.ndarray) -> float:
    """(n, 2) -> area dominated by the points and bounded by ref."""
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
    """points (n, m), ref (m,), m in {2, 3}."""
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


class Running:
    """Hypervolume after each new point, keeping only the non-dominated archive."""

    def __init__(self, ref: Sequence[float]) -> None:
        self.ref = np.asarray(ref, dtype=float)
        self.front = np.empty((0, len(ref)))
        self.value = 0.0

    def add(self, y: Sequence[float]) -> float:
        y = np.asarray(y, dtype=float)
        if not np.all(np.isfinite(y)) or not np.all(y < self.ref):
            return self.value
        f = self.front
        if len(f) and np.any(np.all(f <= y, axis=1)):
            return self.value  # dominated (or equal): nothing changes
        keep = ~np.all(y <= f, axis=1) if len(f) else np.zeros(0, dtype=bool)
        self.front = np.vstack([f[keep], y[None, :]])
        self.value = hypervolume(self.front, self.ref)
        return self.value
