"""Maximize an acquisition function over a mixed box (pure numpy/scipy).

Dimensions are continuous in [0, 1], ordinal (a sorted grid of allowed values in
[0, 1]: integers, stepped floats) or categorical (the choice index 0..k-1). The search:

1. score quasi-random candidates (scrambled Sobol, Owen 1998), and optionally
   perturbations of given centres (as BoTorch's "sample around best"), all in one
   vectorized call;
2. refine the best few of each kind with one L-BFGS-B run on their concatenation (the
   starts are independent, so the summed objective has a block gradient), continuous
   and ordinal dimensions relaxed, categorical ones held;
3. snap ordinal dimensions to their grid and improve discrete coordinates by local
   search over neighbours (grid index +-1, +-2, +-4, ...; every other choice of a
   categorical), re-refining the continuous ones after a move, until no neighbour helps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.stats import qmc

from .arrays import BoolArray, FloatArray

ValueFn = Callable[[FloatArray], FloatArray]
ValueGradFn = Callable[[FloatArray], tuple[FloatArray, FloatArray]]


@dataclass(frozen=True)
class Box:
    """The domain, one entry per dimension: `grids[j]` is None (continuous in [0, 1]),
    a sorted array of allowed values (ordinal), or for `is_cat[j]` the array 0..k-1."""

    grids: Sequence[FloatArray | None]
    is_cat: BoolArray

    @property
    def d(self) -> int:
        return len(self.grids)

    def snap(self, x: FloatArray) -> FloatArray:
        """Round ordinal dims of x (m, d) to the nearest grid value, clip continuous ones."""
        x = np.clip(x, 0.0, 1.0)
        for j, grid in enumerate(self.grids):
            if grid is None:
                continue
            if self.is_cat[j]:
                x[:, j] = np.clip(np.round(x[:, j]), 0, len(grid) - 1)
                continue
            mids = 0.5 * (grid[1:] + grid[:-1])
            x[:, j] = grid[np.searchsorted(mids, x[:, j])]
        return x

    def from_unit(self, u: FloatArray) -> FloatArray:
        """Map points of [0, 1]^d (m, d) onto the domain (categoricals: equal slices)."""
        x = u.copy()
        for j in np.flatnonzero(self.is_cat):
            k = _levels(self, int(j))
            x[:, j] = np.minimum(np.floor(u[:, j] * k), k - 1)
        return self.snap(x)


def _levels(box: Box, j: int) -> int:
    grid = box.grids[j]
    return 0 if grid is None else len(grid)


def _neighbours(box: Box, x: FloatArray) -> FloatArray:
    """All one-coordinate discrete moves from x (d,): shape (p, d), possibly p = 0."""
    out = []
    for j, grid in enumerate(box.grids):
        if grid is None or len(grid) < 2:
            continue
        if box.is_cat[j]:
            for c in range(len(grid)):
                if c != x[j]:
                    y = x.copy()
                    y[j] = c
                    out.append(y)
            continue
        i = int(np.argmin(np.abs(grid - x[j])))
        step = 1
        while step < len(grid):
            for k in (i - step, i + step):
                if 0 <= k < len(grid):
                    y = x.copy()
                    y[j] = grid[k]
                    out.append(y)
            step *= 2
    return np.array(out).reshape(-1, box.d)


def _refine(value_and_grad: ValueGradFn, box: Box, starts: FloatArray,
            maxiter: int) -> tuple[FloatArray, FloatArray]:
    """L-BFGS-B on the relaxed non-categorical dims of all starts (k, d) at once."""
    free = ~box.is_cat
    if not free.any():
        return starts, np.full(starts.shape[0], np.nan)
    k = starts.shape[0]
    base = starts.copy()

    def fun(flat: FloatArray) -> tuple[float, FloatArray]:
        x = base.copy()
        x[:, free] = flat.reshape(k, -1)
        v, g = value_and_grad(x)
        v = np.where(np.isfinite(v), v, -1e10)
        g = np.where(np.isfinite(g), g, 0.0)
        return -float(v.sum()), -g[:, free].reshape(-1)

    x0 = starts[:, free].reshape(-1)
    try:
        res = minimize(fun, x0, jac=True, method="L-BFGS-B",
                       bounds=[(0.0, 1.0)] * x0.size,
                       options={"maxiter": maxiter, "ftol": 1e-10, "gtol": 1e-8})
        flat = res.x
    except (ValueError, FloatingPointError, np.linalg.LinAlgError):
        flat = x0
    out = base.copy()
    out[:, free] = np.clip(flat.reshape(k, -1), 0.0, 1.0)
    return out, np.full(k, np.nan)


def _duplicates(box: Box, x: FloatArray, avoid: FloatArray | None, tol: float) -> BoolArray:
    """Mask (m,) of the points of x (m, d) within `tol` (max-norm) of a point of `avoid`."""
    if avoid is None or not len(avoid):
        return np.zeros(len(x), dtype=bool)
    gap = np.abs(x[:, None, :] - avoid[None, :, :]).max(axis=2)
    near: BoolArray = (gap <= tol).any(axis=1)
    return near


def _best_fresh(box: Box, x: FloatArray, vals: FloatArray, avoid: FloatArray | None,
                tol: float, chunk: int = 64) -> int:
    """Index of the best point of x (m, d) by vals (m,) not within `tol` of `avoid` (the
    best overall when all are): checks candidates best first, a chunk at a time, so the
    usual case (the best is fresh) costs one chunk, not an (m, a, d) comparison."""
    order = np.argsort(-vals, kind="stable")
    for lo in range(0, len(order), chunk):
        rows = order[lo: lo + chunk]
        near = _duplicates(box, x[rows], avoid, tol)
        if not near.all():
            return int(rows[int(np.argmin(near))])
    return int(order[0]) if len(order) else 0


def _top_unique(x: FloatArray, vals: FloatArray, k: int) -> FloatArray:
    """The k distinct rows of x (m, d) with the highest vals (m,), best first."""
    if k <= 0 or not len(x):
        return x[:0]
    order = np.argsort(-vals, kind="stable")
    _, first = np.unique(x[order], axis=0, return_index=True)
    return x[order[np.sort(first)[:k]]]


def maximize(value: ValueFn, value_and_grad: ValueGradFn, box: Box,
             rng: np.random.Generator, *, centres: FloatArray | None = None,
             avoid: FloatArray | None = None, tol: float = 1e-7,
             n_candidates: int = 1024, n_local: int = 256, n_starts: int = 5,
             n_local_starts: int = 2, maxiter: int = 100,
             max_rounds: int = 3) -> tuple[FloatArray, float]:
    """The best point found (d,) and its value. `value(x)` scores points x (m, d) with
    (m,) values; `value_and_grad(x)` adds gradients (m, d). `centres` (c, d) are points
    to search around (e.g. the best observed ones); they are candidates too. Points
    within `tol` of a point of `avoid` (a, d) (e.g. evaluations of a deterministic
    objective) are not returned while any other candidate is left.
    """
    d = box.d
    sobol = qmc.Sobol(d, scramble=True, seed=rng)
    cands = [box.from_unit(sobol.random(n_candidates))]
    if centres is not None and len(centres):
        cands.append(box.snap(centres.copy()))
        idx = rng.integers(0, len(centres), size=n_local)
        scale = np.exp(rng.uniform(np.log(1e-3), np.log(0.2), size=(n_local, 1)))
        local = centres[idx] + rng.normal(size=(n_local, d)) * scale
        for c in np.flatnonzero(box.is_cat):   # categorical: resample with prob. 1 / d
            flip = rng.random(n_local) < 1.0 / d
            local[flip, c] = rng.integers(0, _levels(box, int(c)), size=int(flip.sum()))
        cands.append(box.snap(local))
    x = np.vstack(cands)
    vals = value(x)
    vals = np.where(np.isfinite(vals), vals, -np.inf)
    # starts: the best quasi-random candidates and, separately, the best local ones, so
    # that a broad peak of the acquisition near the incumbent does not take every start
    # and hide a higher, narrower one elsewhere
    n_global = len(cands[0])
    starts = np.vstack([_top_unique(x[:n_global], vals[:n_global], n_starts),
                        _top_unique(x[n_global:], vals[n_global:], n_local_starts)])

    has_discrete = any(g is not None and len(g) > 1 for g in box.grids)
    pick = _best_fresh(box, x, vals, avoid, tol)
    best_x, best_v = x[pick].copy(), float(vals[pick])
    current = starts
    for _ in range(max_rounds):
        refined, _ = _refine(value_and_grad, box, current, maxiter)
        refined = box.snap(refined)
        rv = value(refined)
        moved = False
        if has_discrete:
            nxt = refined.copy()
            for i in range(len(refined)):
                point, pv = refined[i], rv[i]
                for _step in range(4 * d + 4):  # greedy hill climb, bounded
                    nb = _neighbours(box, point)
                    if not len(nb):
                        break
                    nv = value(nb)
                    top = int(np.argmax(nv))
                    if not nv[top] > pv + 1e-12:
                        break
                    point, pv, moved = nb[top], float(nv[top]), True
                nxt[i], rv[i] = point, pv
            refined = nxt
        ok = np.isfinite(rv) & ~_duplicates(box, refined, avoid, tol)
        if ok.any():
            i = int(np.argmax(np.where(ok, rv, -np.inf)))
            if rv[i] > best_v or not np.isfinite(best_v):
                best_x, best_v = refined[i].copy(), float(rv[i])
        if not moved or (~box.is_cat).sum() == 0:
            break
        current = refined
    return best_x, best_v
