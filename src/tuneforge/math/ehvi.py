"""Expected hypervolume improvement (EHVI) of independent Gaussian predictions, exact.

All objectives are minimized. The hypervolume improvement of a point y over a front P
against a reference point r is the volume of the region A = {z <= r : no p in P has
p <= z} (what P does not dominate yet) that y dominates: HVI(y) = int_A 1[y <= z] dz. For
Y with independent normal coordinates N(mu_j, s_j^2), taking expectations inside the
integral gives EHVI = int_A prod_j Phi((z_j - mu_j) / s_j) dz, and over a box
[a, b] of A the integral factorizes into one-dimensional pieces

    G_j(a_j, b_j) = int_a^b Phi((z - mu_j) / s_j) dz = s_j (psi(t_b) - psi(t_a)),
    psi(t) = t Phi(t) + phi(t),  t = (bound - mu_j) / s_j,

so EHVI is a sum over a partition of A into boxes (the decomposition of Emmerich, Deutz
& Klinkenberg, "Hypervolume-based expected improvement", CEC 2011, and Yang et al.,
"Efficient computation of expected hypervolume improvement using box decomposition
algorithms", J. Global Optim. 2019). `nondominated_cells` builds that partition: for 2
objectives the k + 1 strips between consecutive front points (exact, O(k log k)); for m
objectives the columns of the grid that the front's coordinates span, (k + 1)^(m - 1)
boxes, each open downwards in the last objective up to the lowest front value that
dominates it. Lower bounds may be -inf (psi(-inf) = 0).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
from scipy.special import ndtr

from .acquisition import log_pof
from .arrays import FloatArray
from .gp import GP
from .pareto import non_dominated_mask

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_MAX_BLOCK = 200_000   # points x boxes scored at once (a few MB per array)


def nondominated_cells(front: FloatArray, ref: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Boxes (lower (c, m), upper (c, m)) partitioning the part of the reference box that
    `front` (k, m) does not dominate; lower bounds may be -inf. Points of `front` not
    strictly below `ref` (m,) in every objective and dominated points are ignored."""
    ref = np.asarray(ref, dtype=float)
    m = ref.shape[0]
    p = np.asarray(front, dtype=float).reshape(-1, m)
    p = p[np.all(p < ref, axis=1)]
    if len(p):
        p = p[non_dominated_mask(p)]
    if m == 1:
        top = p[:, 0].min() if len(p) else ref[0]
        return np.array([[-np.inf]]), np.array([[top]])
    if m == 2:
        p = p[np.argsort(p[:, 0], kind="stable")]
        xs = np.concatenate([[-np.inf], p[:, 0], [ref[0]]])
        hs = np.concatenate([[ref[1]], p[:, 1]])
        lower = np.column_stack([xs[:-1], np.full(len(hs), -np.inf)])
        upper = np.column_stack([xs[1:], hs])
        keep = upper[:, 0] > lower[:, 0]
        return lower[keep], upper[keep]
    # m >= 3: a grid over the first m - 1 objectives; in each column (a box of the grid
    # in those objectives), the front points whose first m - 1 coordinates are <= the
    # column's lower corner dominate every z above the lowest of their last coordinates
    edges = [np.unique(np.concatenate([[-np.inf], p[:, j], [ref[j]]])) for j in range(m - 1)]
    lows, ups = [], []
    for idx in itertools.product(*(range(len(e) - 1) for e in edges)):
        lo = np.array([edges[j][i] for j, i in enumerate(idx)])
        hi = np.array([edges[j][i + 1] for j, i in enumerate(idx)])
        below = np.all(p[:, : m - 1] <= lo, axis=1) if len(p) else np.zeros(0, dtype=bool)
        top = float(p[below, m - 1].min()) if below.any() else float(ref[m - 1])
        if top > -np.inf:
            lows.append(np.concatenate([lo, [-np.inf]]))
            ups.append(np.concatenate([hi, [top]]))
    return np.array(lows).reshape(-1, m), np.array(ups).reshape(-1, m)


def _psi(t: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """psi(t) = t Phi(t) + phi(t), Phi(t) and phi(t), with psi(-inf) = 0 and, for
    t = +inf, psi = +inf (never reached: upper bounds are finite)."""
    finite = np.isfinite(t)
    tf = np.where(finite, t, 0.0)
    cdf = np.where(finite, ndtr(tf), np.where(t > 0, 1.0, 0.0))
    pdf = np.where(finite, _INV_SQRT_2PI * np.exp(-0.5 * tf * tf), 0.0)
    psi = np.where(finite, tf * cdf + pdf, np.where(t > 0, np.inf, 0.0))
    return psi, cdf, pdf


def ehvi(mean: FloatArray, var: FloatArray, lower: FloatArray,
         upper: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """EHVI at m points with independent normal predictions `mean`, `var` (q, m) over the
    boxes (`lower`, `upper`) (c, m) of `nondominated_cells`: values (q,) and their
    derivatives with respect to mean and var, each (q, m)."""
    q, m = mean.shape
    sigma = np.sqrt(np.maximum(var, 1e-300))
    mu, s = mean[:, None, :], sigma[:, None, :]          # (q, 1, m)
    psi_b, cdf_b, pdf_b = _psi((upper[None] - mu) / s)   # (q, c, m)
    psi_a, cdf_a, pdf_a = _psi((lower[None] - mu) / s)
    g = s * (psi_b - psi_a)                              # G_j per box, (q, c, m)
    dg_dmu = -(cdf_b - cdf_a)
    dg_ds = pdf_b - pdf_a
    value = np.prod(g, axis=2).sum(axis=1)
    d_mean = np.empty((q, m))
    d_var = np.empty((q, m))
    for j in range(m):
        others = np.prod(np.delete(g, j, axis=2), axis=2)   # (q, c)
        d_mean[:, j] = (others * dg_dmu[:, :, j]).sum(axis=1)
        d_var[:, j] = (others * dg_ds[:, :, j]).sum(axis=1) / (2.0 * sigma[:, j])
    return value, d_mean, d_var


def log_ehvi(mean: FloatArray, var: FloatArray, lower: FloatArray,
             upper: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """log EHVI (floored at 1e-300 so it stays finite where it underflows) and its
    derivatives with respect to mean and var, each as in `ehvi`."""
    value, d_mean, d_var = ehvi(mean, var, lower, upper)
    safe = np.maximum(value, 1e-300)
    scale = np.where(value > 1e-300, 1.0 / safe, 0.0)[:, None]
    return np.log(safe), d_mean * scale, d_var * scale


def ehvi_monte_carlo(mean: FloatArray, var: FloatArray, front: FloatArray, ref: FloatArray,
                     *, n_samples: int, rng: np.random.Generator) -> tuple[float, float]:
    """A Monte-Carlo estimate of the EHVI of one point (`mean`, `var` (m,)) over `front`
    (k, m) against `ref`, from the exact hypervolume improvement of each sample (2 or 3
    objectives; for checking `ehvi`): (estimate, its standard error)."""
    from .hypervolume import hypervolume

    r = [float(v) for v in ref]
    base = hypervolume(front, r) if len(front) else 0.0
    draws = mean + np.sqrt(var) * rng.standard_normal((n_samples, len(mean)))
    gains = np.empty(n_samples)
    for i, y in enumerate(draws):
        pts = np.vstack([front, y[None]]) if len(front) else y[None]
        gains[i] = hypervolume(pts, r) - base
    return float(gains.mean()), float(gains.std() / np.sqrt(n_samples))


def augmented_tchebycheff(u: FloatArray, weights: FloatArray, rho: float = 0.05) -> FloatArray:
    """ParEGO's scalarization (Knowles, IEEE TEC 10(1), 2006) of objective rows u (n, m),
    each scaled to [0, 1]: max_j w_j u_j + rho sum_j w_j u_j, to minimize; shape (n,).
    Every Pareto-optimal point minimizes it for some weights (the max term), and the sum
    term breaks ties toward points good in every objective."""
    wu = u * weights[None, :]
    out: FloatArray = wu.max(axis=1) + rho * wu.sum(axis=1)
    return out


class EHVIAcquisition:
    """log EHVI of independent per-objective GPs over the boxes of `nondominated_cells`
    plus the log probability of feasibility of each constraint GP, at points x (q, d).

    `lower`, `upper` None (no feasible point yet) drops the EHVI term: the search then
    maximizes feasibility alone. `constraints` pairs each constraint GP with its threshold
    in that GP's standardized units. Points are scored in blocks so that the
    (points x boxes) arrays stay small.
    """

    def __init__(self, objectives: Sequence[GP], lower: FloatArray | None,
                 upper: FloatArray | None, *,
                 constraints: Sequence[tuple[GP, float]] = ()) -> None:
        self.objectives = list(objectives)
        self.lower, self.upper = lower, upper
        self.constraints = list(constraints)

    def _block(self) -> int:
        cells = 1 if self.lower is None else max(len(self.lower), 1)
        return max(1, _MAX_BLOCK // cells)

    def __call__(self, x: FloatArray) -> FloatArray:
        """Values (q,) at x (q, d), without gradients (cheaper, for candidate screening)."""
        total = np.zeros(x.shape[0])
        if self.lower is not None and self.upper is not None:
            preds = [gp.predict(x) for gp in self.objectives]
            mean = np.column_stack([p[0] for p in preds])
            var = np.column_stack([p[1] for p in preds])
            step = self._block()
            for s in range(0, len(x), step):
                total[s:s + step] += log_ehvi(mean[s:s + step], var[s:s + step],
                                              self.lower, self.upper)[0]
        for gp, threshold in self.constraints:
            mean_c, var_c = gp.predict(x)
            total += log_pof(mean_c, var_c, threshold)[0]
        return total

    def value_and_grad(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Values (q,) and gradients (q, d) at x (q, d) (zero on categorical dims)."""
        total = np.zeros(x.shape[0])
        grad = np.zeros_like(x)
        if self.lower is not None and self.upper is not None:
            preds = [gp.predict_with_grad(x) for gp in self.objectives]
            mean = np.column_stack([p[0] for p in preds])
            var = np.column_stack([p[1] for p in preds])
            step = self._block()
            for s in range(0, len(x), step):
                sl = slice(s, s + step)
                v, dm, dv = log_ehvi(mean[sl], var[sl], self.lower, self.upper)
                total[sl] += v
                for j, p in enumerate(preds):
                    grad[sl] += dm[:, j, None] * p[2][sl] + dv[:, j, None] * p[3][sl]
        for gp, threshold in self.constraints:
            mean_c, var_c, dmean_c, dvar_c = gp.predict_with_grad(x)
            v, dmc, dvc = log_pof(mean_c, var_c, float(threshold))
            total += v
            grad += dmc[:, None] * dmean_c + dvc[:, None] * dvar_c
        return total, grad
