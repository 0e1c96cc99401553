"""Pareto dominance over objective vectors (all minimized)."""

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
