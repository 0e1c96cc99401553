"""Functional ANOVA of one regression tree (pure numpy): the share of the tree's variance
over the search box that each input explains on its own (its main effect).

Hutter, Hoos & Leyton-Brown, "An Efficient Approach for Assessing Hyperparameter
Importance", ICML 2014: a tree is constant on each leaf's box, so the marginal of input j
(every other input integrated out under the uniform measure) is constant between
consecutive split points of j, and its variance is a finite sum (their eq. 2-4).
"""

from __future__ import annotations

import numpy as np


def leaf_boxes(children_left: np.ndarray, children_right: np.ndarray, feature: np.ndarray,
               threshold: np.ndarray, value: np.ndarray, lower: np.ndarray,
               upper: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The leaves of a tree given as scikit-learn's parallel node arrays (a leaf has
    ``children_left == -1``; a sample goes left when ``x[feature] <= threshold``), cut to
    the box [`lower`, `upper`] (d,): returns lo (L, d), hi (L, d) and the leaf values (L,)."""
    los, his, vals = [], [], []
    stack = [(0, lower.astype(float).copy(), upper.astype(float).copy())]
    while stack:
        node, lo, hi = stack.pop()
        left = int(children_left[node])
        if left < 0:
            los.append(lo)
            his.append(hi)
            vals.append(float(value[node]))
            continue
        j, t = int(feature[node]), float(threshold[node])
        cut = min(max(t, lo[j]), hi[j])
        lhi = hi.copy()
        lhi[j] = cut
        rlo = lo.copy()
        rlo[j] = cut
        stack.append((left, lo, lhi))
        stack.append((int(children_right[node]), rlo, hi))
    return np.array(los), np.array(his), np.array(vals)


def main_effects(lo: np.ndarray, hi: np.ndarray, values: np.ndarray, lower: np.ndarray,
                 upper: np.ndarray) -> tuple[np.ndarray, float]:
    """Variance of each input's marginal (d,) and the total variance of the piecewise
    constant function with leaves lo/hi (L, d) and `values` (L,) under the uniform
    measure on [`lower`, `upper`] (d,)."""
    span = np.where(upper > lower, upper - lower, 1.0)
    frac = np.clip((hi - lo) / span, 0.0, 1.0)           # (L, d) each leaf's share per axis
    weight = np.prod(frac, axis=1)                        # (L,) each leaf's volume share
    mean = float(weight @ values)
    total = float(weight @ (values - mean) ** 2)
    d = lo.shape[1]
    out = np.zeros(d)
    if total <= 0.0:
        return out, 0.0
    for j in range(d):
        cuts = np.unique(np.concatenate([lo[:, j], hi[:, j]]))
        if len(cuts) < 2:
            continue
        width = np.diff(cuts) / span[j]                    # (K,) interval shares
        with np.errstate(divide="ignore", invalid="ignore"):
            others = np.where(frac[:, j] > 0, weight / frac[:, j], 0.0)  # other axes' share
        # each leaf adds others * value on the intervals it spans: a difference array
        first = np.searchsorted(cuts, lo[:, j])
        stop = np.searchsorted(cuts, hi[:, j])
        diff = np.zeros(len(cuts))
        np.add.at(diff, first, others * values)
        np.add.at(diff, stop, -others * values)
        marginal = np.cumsum(diff)[:-1]                    # (K,) f_j on each interval
        out[j] = float(width @ (marginal - mean) ** 2)
    return out, total


__all__ = ["leaf_boxes", "main_effects"]
